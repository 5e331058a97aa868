import { pipe } from 'fp-ts/function'
import * as E from 'fp-ts/Either'
import { readSessionCookie } from './cookie'
import type { SessionError } from '../errors/errors'
import type { SessionId } from './sessionId'
import type { Secrets } from './secrets'
import { unsignSessionId } from './signature'

/**
 * Request headers as Node (and Socket.IO's `socket.handshake.headers`) hold them.
 * @category model
 */
export type IncomingHeaders = Readonly<Record<string, string | string[] | undefined>>

/** @category model */
export interface SessionCookieConfig {
  /** Cookie name; express-session's `name` option. Default `connect.sid`. */
  readonly key?: string | undefined
  /** The same secret (or list) given to express-session. */
  readonly secret: Secrets
}

const cookieHeaderOf = (headers: IncomingHeaders): string | undefined => {
  const h = headers['cookie']
  return Array.isArray(h) ? h.join('; ') : h
}

/**
 * Headers to a verified session id: cookie extraction, then unsigning.
 *
 * @example
 * import { sessionIdFromHeaders } from 'expression.socket.io'
 * const sidOf = sessionIdFromHeaders({ secret: 'keyboard cat' })
 * sidOf(socket.handshake.headers) // Either<SessionError, SessionId>
 * @since 1.0.0
 * @category pipeline
 */
export const sessionIdFromHeaders = (
  config: SessionCookieConfig,
): ((headers: IncomingHeaders) => E.Either<SessionError, SessionId>) => {
  const readCookie = readSessionCookie(config.key ?? 'connect.sid')
  const unsign = unsignSessionId(config.secret)
  return (headers) => pipe(cookieHeaderOf(headers), readCookie, E.flatMap(unsign))
}
