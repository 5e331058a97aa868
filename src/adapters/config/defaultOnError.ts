import { type AccessFailure, toClientError } from '../../core/errors/failure'
import type { ErrorContext } from './options'

/**
 * Failures that are the server's to fix: a handler that threw or did not finish in time, a store
 * that failed or did not answer, stored data the codec refused, a value the handler put in the
 * session that cannot be stored. The others (no cookie, a bad signature, a session that is gone, a
 * forbidden origin, a client flooding its session's queue) are what clients send, and are not
 * written: a flood would otherwise write a line per refused event.
 */
const written: ReadonlySet<AccessFailure['_tag']> = new Set([
  'HandlerFailure',
  'HandlerTimeout',
  'StoreFailure',
  'StoreTimeout',
  'InvalidSession',
  'UnserializableSession',
])

const causeOf = (failure: AccessFailure): ReadonlyArray<unknown> =>
  'cause' in failure && failure.cause !== undefined ? [failure.cause] : []

/**
 * The `onError` used when none is given: writes `HandlerFailure`, `HandlerTimeout`,
 * `StoreFailure`, `StoreTimeout`, `InvalidSession` and `UnserializableSession` to `console.error`
 * with the event name and the cause (a thrown error with its stack). Never the session id, the cookie or the secret: none of them is in a failure.
 *
 * @example
 * import { reportToConsole, sessionAccess } from 'expression.socket.io'
 * // Keep the default output and count failures too:
 * let failures = 0
 * sessionAccess({ store, secret: 'keyboard cat', onError: (error, context) => { failures += 1; reportToConsole(error, context) } })
 * // A handler that reads `session.usr.name` writes:
 * // expression.socket.io: HandlerFailure in event "profile": The event handler failed TypeError: Cannot read properties of undefined (reading 'name')
 * //     at ...
 * @since 1.1.0
 * @category adapters
 */
export const reportToConsole = (failure: AccessFailure, context: ErrorContext): void => {
  if (!written.has(failure._tag)) return
  const where = context.event === undefined ? 'at the handshake or first event' : `in event "${context.event}"`
  console.error(`expression.socket.io: ${failure._tag} ${where}: ${toClientError(failure).message}`, ...causeOf(failure))
}
