import type { Socket } from 'socket.io'

/**
 * The event a listener is registered for on a socket, found when a failure needs naming (for
 * `onError`), so that events cost nothing for it: `socket.on('evt', withSession(...))` does not
 * tell the wrapper its event. `undefined` when the listener is no longer registered; the first
 * name when the same listener serves several events.
 */
export const eventNameOf = (socket: Socket, listener: unknown): string | undefined => {
  for (const name of socket.eventNames()) {
    if (typeof name === 'string' && socket.listeners(name).some((l) => l === listener)) return name
  }
  return undefined
}
