import * as E from 'fp-ts/Either'
import type { Socket } from 'socket.io'
import type { SessionError } from '../core/errors'
import type { Session } from '../core/liveSession'
import type { DefaultSessionData } from '../core/sessionData'
import { type SessionAccessConfig, resolveConfig } from './config'
import { handshakeRefusal } from './refusal'
import { type HandlerMode, type SessionStats, type SocketSessions, type UserHandler, createSocketSessions } from './socketSessions'

/**
 * A listener as Socket.IO calls it: the socket as `this`, the event's arguments (the client's
 * ack callback last, when it sent one).
 * @category model
 */
export type SocketListener<Args extends unknown[]> = (this: Socket, ...args: Args) => void

/** An auto-mode handler: the session first, then the event's own arguments. @category model */
export type SessionHandler<A, Args extends unknown[]> = (this: Socket, session: Session<A>, ...args: Args) => unknown

/** An error-first handler: `err` is `null` exactly when `session` is there. @category model */
export type ErrorFirstSessionHandler<A, Args extends unknown[]> = (
  this: Socket,
  err: SessionError | null,
  session: Session<A> | undefined,
  ...args: Args
) => unknown

/** A Socket.IO middleware, for `io.use` or `namespace.use`. @category model */
export type SessionMiddleware = (socket: Socket, next: (err?: Error) => void) => void

/**
 * What {@link sessionAccess} gives you.
 * @since 1.0.0
 * @category model
 */
export interface SessionAccess<A> {
  /**
   * Wraps a listener so that each event loads the session fresh from the store and passes it
   * first. On an error the handler is not called: the ack (if any) gets `{ error: { code,
   * message } }` and `onError` is told.
   */
  withSession<Args extends unknown[]>(handler: SessionHandler<A, Args>): SocketListener<Args>
  /** As {@link withSession}, but the handler is always called, with `(err, session, ...args)`. */
  withSessionE<Args extends unknown[]>(handler: ErrorFirstSessionHandler<A, Args>): SocketListener<Args>
  /** Middleware refusing a handshake without a valid session: `connect_error.message` is the tag. */
  readonly authorize: SessionMiddleware
  /**
   * Sends `session_lost` to every socket of that session and disconnects them, in every
   * namespace (every node with a cluster adapter, when `io` is configured). For logout routes:
   * `disconnectSession(req.sessionID)`.
   */
  disconnectSession(sessionId: string): void
  /** What the library holds in memory right now. */
  stats(): SessionStats
}

const isSocket = (u: unknown): u is Socket =>
  typeof u === 'object' && u !== null && 'handshake' in u && 'nsp' in u && 'prependAny' in u

const socketOf = (self: unknown): Socket => {
  if (isSocket(self)) return self
  throw new TypeError('expression.socket.io: a session listener must be registered with socket.on(...) so that `this` is the socket')
}

/**
 * A listener that runs `handler` for each event of the socket it is registered on, in the given
 * mode; shared by both handler modes and by `ExpressionSocket`'s `sessOn`.
 * @category adapters
 */
export const sessionListener = <A, Args extends unknown[]>(
  sessions: SocketSessions<A>,
  mode: HandlerMode,
  event: string | undefined,
  handler: UserHandler,
): SocketListener<Args> =>
  function listener(this: Socket, ...args: Args): void {
    sessions.runEvent(socketOf(this), listener, event, args, mode, handler)
  }

/**
 * The functional API: `withSession` wrappers for your listeners, an `authorize` middleware and
 * `disconnectSession` for logout, all bound to one store and secret.
 *
 * @example
 * import session from 'express-session'
 * import { sessionAccess } from 'expression.socket.io'
 *
 * const store = new session.MemoryStore()
 * app.use(session({ store, secret: 'keyboard cat', resave: false, saveUninitialized: false }))
 * const { withSession, authorize } = sessionAccess({ store, secret: 'keyboard cat', io })
 *
 * io.use(authorize)
 * io.on('connection', (socket) => {
 *   socket.on('inc', withSession(async (session, ack) => {
 *     session.count = (session.count ?? 0) + 1
 *     await session.save()
 *     ack(session.count)
 *   }))
 * })
 * @since 1.0.0
 * @category constructors
 */
export function sessionAccess<A = DefaultSessionData>(config: SessionAccessConfig<A>): SessionAccess<A> {
  const sessions = createSocketSessions(resolveConfig(config))

  const authorize: SessionMiddleware = (socket, next) => {
    void sessions.loadAtHandshake(socket).then((loaded) => {
      if (E.isRight(loaded)) return next()
      sessions.report(loaded.left, socket, undefined)
      next(handshakeRefusal(loaded.left))
    })
  }

  return {
    withSession: <Args extends unknown[]>(handler: SessionHandler<A, Args>): SocketListener<Args> =>
      sessionListener(sessions, 'auto', undefined, handler),
    withSessionE: <Args extends unknown[]>(handler: ErrorFirstSessionHandler<A, Args>): SocketListener<Args> =>
      sessionListener(sessions, 'errorFirst', undefined, handler),
    authorize,
    disconnectSession: sessions.disconnectSession,
    stats: sessions.stats,
  }
}
