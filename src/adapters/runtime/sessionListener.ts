import type { Socket } from 'socket.io'
import type { SocketListener } from './handlerTypes'
import type { HandlerMode, SocketSessions, UserHandler } from './socketSessions'

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
