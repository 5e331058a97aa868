import { createHash } from 'node:crypto'
import createDebug from 'debug'
import * as E from 'fp-ts/Either'
import type { Socket } from 'socket.io'
import type { SessionError } from '../../core/errors/errors'
import { type AccessFailure, toClientError } from '../../core/errors/failure'
import type { SessionLog } from '../../core/session/logPort'
import type { SessionId } from '../../core/cookie/sessionId'

/**
 * The library's `debug` loggers, as Socket.IO has its own: turn them on with
 * `DEBUG=expression.socket.io:*` (or `debug.enable(...)`). Off, each costs one `enabled` read at
 * the places it guards. They never write a session id, a cookie or a secret: a session appears
 * as the first 8 hex digits of the SHA-256 of its id.
 */
export const debugLog = {
  handshake: createDebug('expression.socket.io:handshake'),
  load: createDebug('expression.socket.io:load'),
  save: createDebug('expression.socket.io:save'),
  revalidate: createDebug('expression.socket.io:revalidate'),
  queue: createDebug('expression.socket.io:queue'),
  disconnect: createDebug('expression.socket.io:disconnect'),
  error: createDebug('expression.socket.io:error'),
}

/** A session id's tag in logs: not the id, and not enough of a hash to find it back. */
export const sessionTag = (sid: string): string => createHash('sha256').update(sid).digest('hex').slice(0, 8)

/** The core's log port, on the `debug` loggers. */
export const sessionLog: SessionLog = { load: debugLog.load, save: debugLog.save, revalidate: debugLog.revalidate, tag: sessionTag }

/**
 * Runs one log write; a logger that throws (a custom `debug.log`, a formatter) is ignored: logging
 * never changes what an event does.
 */
const quietly = (write: () => void): void => {
  try {
    write()
  } catch {
    // Nothing to do: the log line is lost, the event goes on.
  }
}

const tagOf = (sid: E.Either<SessionError, SessionId> | undefined): string =>
  sid === undefined || E.isLeft(sid) ? '-' : sessionTag(sid.right)

/** `/ 1f2e3d4c ok` or `/ - no session: NoCookieHeader`: the session load of a handshake, with the namespace. */
export const logHandshake = (socket: Socket, sid: E.Either<SessionError, SessionId>, loaded: E.Either<SessionError, unknown>): void =>
  quietly(() => {
    if (E.isRight(loaded)) debugLog.handshake('%s %s ok', socket.nsp.name, tagOf(sid))
    else debugLog.handshake('%s %s no session: %s', socket.nsp.name, tagOf(sid), loaded.left._tag)
  })

/** Every failure, client errors included, with the event and the client-safe message. */
export const logFailure = (failure: AccessFailure, event: string | undefined, sid: E.Either<SessionError, SessionId> | undefined): void =>
  quietly(() =>
    debugLog.error('%s %s in %s: %s', failure._tag, tagOf(sid), event === undefined ? 'handshake or first event' : `"${event}"`, toClientError(failure).message),
  )

/** How long an event waited for the earlier events of its session. */
export const logQueueWait = (sid: SessionId, queuedAt: number): void =>
  quietly(() => debugLog.queue('%s waited %s ms', sessionTag(sid), (performance.now() - queuedAt).toFixed(1)))

/** Events refused or dropped by the queue's limits (`maxQueuedEvents`, a socket gone). */
export const logQueueLimit = (sid: SessionId, what: string, count: number): void =>
  quietly(() => debugLog.queue('%s %s: %d event(s)', sessionTag(sid), what, count))

/** `disconnectSession`: which session, in how many namespaces. */
export const logDisconnect = (sessionId: string, namespaces: number, acrossNodes: boolean): void =>
  quietly(() => debugLog.disconnect('%s in %d namespace(s)%s', sessionTag(sessionId), namespaces, acrossNodes ? ', every node' : ''))
