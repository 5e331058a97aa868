import type { Server } from 'socket.io'
import type { Secrets } from '../../core/cookie/secrets'
import type { DefaultSessionData } from '../../core/data/sessionData'
import type { SessionStore } from '../../core/store/storePort'
import { resolveConfig } from '../config/config'
import type { ExpressionSocketOptions } from '../config/options'

export type { ExpressionSocketOptions } from '../config/options'
import { type CookieParser, fromSeedSecret } from './cookieParserSecret'
import { expressionSocketOptionNames, refuseUnknownOptions } from '../config/knownOptions'
import { type SessionNamespace, createSessionNamespace } from './sessionNamespace'
import { type SessionStats, type SocketSessions, createSocketSessions } from '../runtime/socketSessions'

const flag = (option: string, value: unknown): boolean => {
  if (value === undefined) return false
  if (typeof value === 'boolean') return value
  throw new TypeError(`expression.socket.io: option "${option}" must be a boolean`)
}

/**
 * The 2012 module's API, on Socket.IO v4: `sockets` and `of(name)` wrap namespaces so that
 * `authorization`, `on('connection')` and each socket's `sessOn` callbacks get the session,
 * fresh from the store on every event.
 *
 * The third argument is the session secret (a string, or an array newest first), or — exactly as
 * in 2012 — the cookie parser built with it (`cookieParser('my session secret')`).
 *
 * @example
 * const ExpressionSocket = require('expression.socket.io')
 * const expressionIO = new ExpressionSocket(io, sessionStore, 'my session secret')
 * // or, unchanged from 2012: new ExpressionSocket(io, sessionStore, cookieParser('my session secret'))
 *
 * expressionIO.sockets.on('connection', (err, session, socket) => {
 *   socket.sessOn('client says', (err, session, data) => {
 *     if (err || !session) return socket.emit('response', `no session: ${err?._tag}`)
 *     session.said = data
 *     session.save(() => socket.emit('response', 'saved'))
 *   })
 * })
 * @since 1.0.0
 * @category constructors
 */
export class ExpressionSocket<A = DefaultSessionData, Auto extends boolean = false, Always extends boolean = false> {
  readonly #sessions: SocketSessions<A>
  readonly #io: Server
  readonly #namespaces = new Map<string, SessionNamespace<A, Auto, Always>>()
  readonly #modes: { readonly autoErrManager: boolean; readonly alwaysSession: boolean }

  constructor(
    io: Server,
    sessionStore: SessionStore,
    secret: Secrets | CookieParser,
    options: ExpressionSocketOptions<A, Auto, Always> = {},
  ) {
    if (typeof io !== 'object' || io === null || typeof io.of !== 'function')
      throw new TypeError('expression.socket.io: the first argument must be a Socket.IO v4 Server')
    if (typeof options !== 'object' || options === null) throw new TypeError('expression.socket.io: the options must be an object')
    refuseUnknownOptions(options, expressionSocketOptionNames)
    const { alwaysSession, autoErrManager, ...sessionOptions } = options
    this.#io = io
    this.#modes = { autoErrManager: flag('autoErrManager', autoErrManager), alwaysSession: flag('alwaysSession', alwaysSession) }
    const seed = fromSeedSecret(secret)
    const config = resolveConfig<A>({ ...sessionOptions, store: sessionStore, secret: seed.secret, io })
    this.#sessions = createSocketSessions(seed.verifierFor === undefined ? config : { ...config, sessionIdOf: seed.verifierFor(config.key) })
  }

  /**
   * The root namespace (`io.sockets`), wrapped. Created on first use, so an app that only uses
   * `of('/chat')` adds nothing to the root namespace.
   */
  get sockets(): SessionNamespace<A, Auto, Always> {
    return this.of('/')
  }

  /** A namespace (`io.of(name)`), wrapped. The same wrapper is returned for the same name. */
  of(name: string): SessionNamespace<A, Auto, Always> {
    const normalised = name === '' ? '/' : name.startsWith('/') ? name : `/${name}`
    const known = this.#namespaces.get(normalised)
    if (known !== undefined) return known
    const created = createSessionNamespace<A, Auto, Always>(this.#sessions, this.#io.of(normalised), this.#modes)
    this.#namespaces.set(normalised, created)
    return created
  }

  /** Sends `session_lost` to every socket of the session and disconnects them, on every node. */
  disconnectSession(sessionId: string): void {
    this.#sessions.disconnectSession(sessionId)
  }

  /** What the library holds in memory right now. */
  stats(): SessionStats {
    return this.#sessions.stats()
  }
}
