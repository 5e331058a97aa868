import type { Socket } from 'socket.io'
import type { SessionError } from '../../core/errors/errors'
import type { Session } from '../../core/session/liveSession'

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
