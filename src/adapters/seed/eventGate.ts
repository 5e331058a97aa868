import type { Socket } from 'socket.io'

/**
 * Holds a socket's incoming events until `open()` is called, then lets them through in arrival
 * order (and every later one at once). For a connection recovered by connection-state recovery:
 * its `connection` listeners can only run once its session is loaded, and the events the client
 * buffered while offline arrive in between; without the gate they would reach a socket with no
 * listener yet and be dropped, acks unanswered.
 *
 * It is a Socket.IO packet middleware (`socket.use`), so it sits before every listener; once open
 * it costs one function call per event. Middlewares added with `socket.use` after it see only the
 * events that arrive after `open()`.
 *
 * Used as `const open = holdEvents(socket)`, then `open()` once the listeners are registered.
 * @category adapters
 */
export const holdEvents = (socket: Socket): (() => void) => {
  let held: Array<() => void> | undefined = []
  socket.use((_packet, next) => {
    if (held === undefined) return next()
    held.push(() => next())
  })
  return () => {
    const waiting = held ?? []
    held = undefined
    for (const release of waiting) release()
  }
}
