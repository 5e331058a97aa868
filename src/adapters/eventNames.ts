import type { Socket } from 'socket.io'

/**
 * Follows which event a socket is dispatching, so `onError` can name it for listeners that do
 * not know their own event (`socket.on('evt', withSession(...))`).
 *
 * Socket.IO calls any-listeners synchronously when a packet arrives and runs the event's own
 * listeners on a later `process.nextTick`; a tick queued from the any-listener runs just before
 * them, so the name is right even when several packets arrive in one read. (Socket middlewares
 * added with `socket.use` that finish asynchronously can shift it: the name is for logs only.)
 */
export const followEventNames = (socket: Socket): (() => string | undefined) => {
  let current: string | undefined
  socket.prependAny((event: unknown) => {
    process.nextTick(() => {
      current = typeof event === 'string' ? event : String(event)
    })
  })
  return () => current
}
