import type { Namespace, Server } from 'socket.io'
import { sessionNotFound } from '../../core/errors/errors'
import { toClientError } from '../../core/errors/failure'
import { asSessionId } from '../../core/cookie/sessionId'
import { debugLog, logDisconnect } from './log'
import { sessionRoom } from './rooms'

/**
 * Sends `session_lost` to every socket of a session and disconnects them: in every namespace of
 * `io` (on every node, with a cluster adapter) when it is given, else in the namespaces this
 * library has seen in this process.
 */
export const disconnectSessionIn =
  (io: Server | undefined, seen: ReadonlySet<Namespace>) =>
  (sessionId: string): void => {
    const room = sessionRoom(asSessionId(sessionId))
    const targets = io === undefined ? [...seen] : [...io._nsps.values()]
    if (debugLog.disconnect.enabled) logDisconnect(sessionId, targets.length, io !== undefined)
    for (const nsp of targets) {
      nsp.to(room).emit('session_lost', toClientError(sessionNotFound))
      nsp.in(room).disconnectSockets(false)
    }
  }
