import type { DisconnectReason, Socket } from 'socket.io'
import type { SessionError } from '../../core/errors/errors'
import type { Session } from '../../core/session/liveSession'
import type { ErrorFirstSessionHandler, SessionHandler } from '../runtime/handlerTypes'

/**
 * A session listener in the seed's two conventions: with `autoErrManager` (`Auto = true`) the
 * session comes first and the listener runs only when there is one; otherwise `(err, session, ...)`.
 * @category model
 */
export type ModeHandler<A, Auto extends boolean, Args extends unknown[]> = Auto extends true
  ? SessionHandler<A, Args>
  : ErrorFirstSessionHandler<A, Args>

/** `socket.sessOn` (and `socket.on` with `alwaysSession`). @category model */
export type SessOn<A, Auto extends boolean> = <Args extends unknown[]>(event: string, handler: ModeHandler<A, Auto, Args>) => Socket

/**
 * `socket.on` for the events Socket.IO (`disconnect`, `disconnecting`, `error`) and EventEmitter
 * (`newListener`, `removeListener`) emit themselves: with `alwaysSession` they keep their plain
 * listener and never touch the store.
 * @category model
 */
export interface ReservedOn {
  (event: 'disconnect' | 'disconnecting', listener: (this: Socket, reason: DisconnectReason, description?: unknown) => void): Socket
  (event: 'error', listener: (this: Socket, err: Error) => void): Socket
  (event: 'newListener' | 'removeListener', listener: (this: Socket, event: string | symbol, listener: (...args: never[]) => unknown) => void): Socket
}

/**
 * The socket handed to `on('connection')`: the real Socket.IO socket with `sessOn` added, and
 * with `on` replaced by it when `alwaysSession` is on (`Always = true`).
 * @since 1.0.0
 * @category model
 */
export type SessionSocket<A, Auto extends boolean, Always extends boolean> = Always extends true
  ? Omit<Socket, 'on'> & { readonly on: ReservedOn & SessOn<A, Auto>; readonly sessOn: SessOn<A, Auto> }
  : Socket & { readonly sessOn: SessOn<A, Auto> }

/** The handshake as Socket.IO v4 describes it (headers, address, query, auth...). @category model */
export type Handshake = Socket['handshake']

/**
 * `accept(err, authorized)`: an error, or `authorized` false, refuses the connection.
 * @category model
 */
export type Accept = (err: unknown, authorized?: boolean) => void

/** @category model */
export type AuthorizationCallback<A, Auto extends boolean> = Auto extends true
  ? (session: Session<A>, handshake: Handshake, accept: Accept) => unknown
  : (err: SessionError | null, session: Session<A> | undefined, handshake: Handshake, accept: Accept) => unknown

/** @category model */
export type ConnectionCallback<A, Auto extends boolean, Always extends boolean> = Auto extends true
  ? (session: Session<A>, socket: SessionSocket<A, Auto, Always>) => unknown
  : (err: SessionError | null, session: Session<A> | undefined, socket: SessionSocket<A, Auto, Always>) => unknown
