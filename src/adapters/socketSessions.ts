import { EventEmitter } from 'node:events'
import * as E from 'fp-ts/Either'
import type { Namespace, Socket } from 'socket.io'
import { type SessionError, forbiddenOrigin, sessionNotFound } from '../core/errors'
import { type AccessFailure, toClientError } from '../core/failure'
import { type IncomingHeaders, sessionIdFromHeaders } from '../core/headers'
import { createKeyedQueue } from '../core/keyedQueue'
import type { Session, SessionTracker } from '../core/liveSession'
import { type SessionId, asSessionId } from '../core/sessionId'
import { type TurnDeps, type TurnResult, loadLiveSession, runFailedTurn, runTurn } from '../core/turn'
import { splitAck } from './ack'
import type { ResolvedConfig } from './config'
import { followEventNames } from './eventNames'
import { sessionRoom } from './rooms'

/** What is known of a connection once, at its handshake or first event. */
interface Connection {
  readonly sid: E.Either<SessionError, SessionId>
  readonly eventName: () => string | undefined
  counted: boolean
}

/**
 * How a listener wants its session: `auto` handlers run only with a session; `errorFirst`
 * handlers are also called, with the error, when there is none.
 */
export type HandlerMode = 'auto' | 'errorFirst'

/** A listener body in the library's terms: the load result and the event's own arguments. */
export type TurnHandler<A> = (
  loaded: E.Either<SessionError, Session<A>>,
  args: ReadonlyArray<unknown>,
  socket: Socket,
) => unknown

/**
 * Memory the library holds, for monitoring and tests: all zero when no socket is connected
 * and no event is running.
 * @since 1.0.0
 * @category model
 */
export interface SessionStats {
  /** Sessions with events queued or running. */
  readonly queuedSessions: number
  /** Sessions with at least one connected socket that has sent an event. */
  readonly activeSessions: number
  /** Sessions with a remembered rolling-expiry touch time. */
  readonly rollingEntries: number
  /** Sessions whose last event met a store outage (their queued events fail fast). */
  readonly outageEntries: number
}

/** A session loaded at the handshake, with the tracker of its operations. */
export interface HandshakeSession<A> {
  readonly session: Session<A>
  readonly tracker: SessionTracker
}

/**
 * The machinery shared by `sessionAccess` and `ExpressionSocket`: per-connection session ids,
 * per-session queues, event turns, error reporting and `disconnectSession`.
 */
export interface SocketSessions<A> {
  readonly config: ResolvedConfig<A>
  /** Origin check and session id for a socket, computed once per connection. */
  connectionOf(socket: Socket): E.Either<SessionError, SessionId>
  /** Loads the session for a socket in its handshake (middleware). */
  loadAtHandshake(socket: Socket): Promise<E.Either<SessionError, HandshakeSession<A>>>
  /** Runs one event for a listener. Never throws; every failure ends in `onError` and the ack. */
  runEvent(socket: Socket, event: string | undefined, rawArgs: ReadonlyArray<unknown>, mode: HandlerMode, handler: TurnHandler<A>): void
  report(failure: AccessFailure, socket: Socket, event: string | undefined): void
  disconnectSession(sessionId: string): void
  stats(): SessionStats
}

const noop = (): void => undefined

const headerValue = (h: string | string[] | undefined): string | undefined => (Array.isArray(h) ? h[0] : h)

/** @category constructors */
export const createSocketSessions = <A>(config: ResolvedConfig<A>): SocketSessions<A> => {
  const sidOf = sessionIdFromHeaders({ key: config.key, secret: config.secret })
  const connections = new WeakMap<Socket, Connection>()
  const namespaces = new Set<Namespace>()
  const queue = createKeyedQueue()
  const activeSockets = new Map<SessionId, number>()
  const lastTouched = new Map<SessionId, number>()
  // A store outage seen by one turn answers the turns already queued behind it at once, instead
  // of letting each wait out its own timeout in turn. `order` numbers events as they arrive.
  const storeTrouble = new Map<SessionId, { readonly error: SessionError; readonly order: number }>()
  let order = 0

  const turnDeps: TurnDeps<A> = {
    store: config.store,
    timeoutMs: config.storeTimeoutMs,
    now: config.now,
    decode: config.decode,
    autoSave: config.autoSave,
    exclusiveTurns: config.serialize,
    versioned: config.versioned, // compare-and-set (issue 12)
    trackChanges: config.autoSave,
    touchDue: (sid) => config.rolling && config.now() - (lastTouched.get(sid) ?? -Infinity) >= config.touchIntervalMs,
    touched: (sid) => {
      if (activeSockets.has(sid)) lastTouched.set(sid, config.now())
    },
  }
  const turn = runTurn(turnDeps)
  const load = loadLiveSession(turnDeps)

  const report = (failure: AccessFailure, socket: Socket, event: string | undefined): void => {
    try {
      config.onError(failure, { socket, event })
    } catch {
      // A throwing onError must not turn one failure into a crash.
    }
  }

  const originAllowed = (origin: string | undefined): boolean => {
    try {
      return config.originAllowed(origin)
    } catch {
      return false
    }
  }

  const sessionIdFor = (headers: IncomingHeaders): E.Either<SessionError, SessionId> => {
    const origin = headerValue(headers['origin'])
    return originAllowed(origin) ? sidOf(headers) : E.left(forbiddenOrigin(origin))
  }

  const connection = (socket: Socket): Connection => {
    const known = connections.get(socket)
    if (known !== undefined) return known
    const created: Connection = {
      sid: sessionIdFor(socket.handshake.headers),
      eventName: followEventNames(socket),
      counted: false,
    }
    connections.set(socket, created)
    namespaces.add(socket.nsp)
    if (E.isRight(created.sid)) {
      // Joining during the handshake is safe: a refused or closed socket leaves all its rooms.
      void Promise.resolve(socket.join(sessionRoom(created.sid.right))).catch(noop)
    }
    return created
  }

  // Rolling-expiry bookkeeping lives as long as the session has a connected socket.
  const countActive = (socket: Socket, conn: Connection): void => {
    if (conn.counted || !socket.connected || E.isLeft(conn.sid)) return
    conn.counted = true
    const sid = conn.sid.right
    activeSockets.set(sid, (activeSockets.get(sid) ?? 0) + 1)
    // The prototype's `on`: the socket's own may be replaced by `alwaysSession`.
    EventEmitter.prototype.on.call(socket, 'disconnect', () => {
      const left = (activeSockets.get(sid) ?? 1) - 1
      if (left > 0) return void activeSockets.set(sid, left)
      activeSockets.delete(sid)
      lastTouched.delete(sid)
      storeTrouble.delete(sid)
    })
  }

  const loseSession = (socket: Socket, error: SessionError): void => {
    if (config.onSessionLost !== 'disconnect' || error._tag !== 'SessionNotFound' || !socket.connected) return
    socket.emit('session_lost', toClientError(error))
    socket.disconnect()
  }

  const finishEvent = (
    socket: Socket,
    event: string | undefined,
    mode: HandlerMode,
    ack: ReturnType<typeof splitAck>['ack'],
    result: TurnResult,
  ): void => {
    const { loadError, failure } = result
    if (loadError !== undefined && mode === 'auto') report(loadError, socket, event)
    if (failure !== undefined) report(failure, socket, event)
    const answer = failure ?? loadError
    if (answer !== undefined) ack?.answerError(toClientError(answer))
    const lost = loadError ?? (failure?._tag === 'SessionNotFound' ? failure : undefined)
    if (lost !== undefined) loseSession(socket, lost)
  }

  const isOutage = (e: SessionError | undefined): e is SessionError => e?._tag === 'StoreTimeout' || e?._tag === 'StoreFailure'

  const queuedTurn = (sid: SessionId, call: (loaded: E.Either<SessionError, Session<A>>) => unknown): Promise<TurnResult> => {
    const arrived = ++order
    return queue.run(sid, async () => {
      const trouble = storeTrouble.get(sid)
      if (trouble !== undefined && arrived < trouble.order) return runFailedTurn(trouble.error, call)
      const result = await turn(sid, call)
      if (isOutage(result.loadError)) storeTrouble.set(sid, { error: result.loadError, order: ++order })
      else storeTrouble.delete(sid)
      return result
    })
  }

  const runEvent: SocketSessions<A>['runEvent'] = (socket, event, rawArgs, mode, handler) => {
    const conn = connection(socket)
    countActive(socket, conn)
    const name = event ?? conn.eventName()
    const { args, ack } = splitAck(rawArgs)
    const handlerArgs = ack === undefined ? args : [...args, ack.forHandler]
    const call = (loaded: E.Either<SessionError, Session<A>>): unknown =>
      mode === 'auto' && E.isLeft(loaded) ? undefined : handler(loaded, handlerArgs, socket)
    const sid = conn.sid
    const result = E.isLeft(sid)
      ? runFailedTurn(sid.left, call)
      : config.serialize
        ? queuedTurn(sid.right, call)
        : turn(sid.right, call)
    void result.then((r) => {
      try {
        finishEvent(socket, name, mode, ack, r)
      } catch {
        // An ack or a disconnect that throws must not become an unhandled rejection.
      }
    })
  }

  const loadAtHandshake: SocketSessions<A>['loadAtHandshake'] = async (socket) => {
    const sid = connection(socket).sid
    return E.isLeft(sid) ? sid : load(sid.right)()
  }

  const disconnectSession = (sessionId: string): void => {
    const room = sessionRoom(asSessionId(sessionId))
    const targets = config.io === undefined ? [...namespaces] : [...config.io._nsps.values()]
    for (const nsp of targets) {
      nsp.to(room).emit('session_lost', toClientError(sessionNotFound))
      nsp.in(room).disconnectSockets(false)
    }
  }

  return {
    config,
    connectionOf: (socket) => connection(socket).sid,
    loadAtHandshake,
    runEvent,
    report,
    disconnectSession,
    stats: () => ({
      queuedSessions: queue.size(),
      activeSessions: activeSockets.size,
      rollingEntries: lastTouched.size,
      outageEntries: storeTrouble.size,
    }),
  }
}
