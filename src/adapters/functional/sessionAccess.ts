import * as E from 'fp-ts/Either'
import type { DefaultSessionData } from '../../core/data/sessionData'
import { resolveConfig } from '../config/config'
import type { SessionAccessConfig } from '../config/options'
import type { ErrorFirstSessionHandler, SessionHandler, SessionMiddleware, SocketListener } from '../runtime/handlerTypes'
import { handshakeRefusal } from '../runtime/refusal'
import { sessionListener } from '../runtime/sessionListener'
import { type SessionStats, createSocketSessions } from '../runtime/socketSessions'

export type { ErrorFirstSessionHandler, SessionHandler, SessionMiddleware, SocketListener } from '../runtime/handlerTypes'

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
