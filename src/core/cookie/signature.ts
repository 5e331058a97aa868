import { unsign } from 'cookie-signature'
import * as E from 'fp-ts/Either'
import { type SessionError, invalidSignature, unsignedCookie } from '../errors/errors'
import { type SessionId, asSessionId } from './sessionId'
import { type Secrets, toSecretList } from './secrets'

const SIGNED_PREFIX = 's:'
// In `u` mode a surrogate pair is one code point: only unpaired halves match.
const LONE_SURROGATE = /\p{Cs}/u

const unsignWith = (secrets: readonly string[], signed: string): SessionId | undefined => {
  for (const secret of secrets) {
    const sid = unsign(signed, secret)
    if (sid !== false) return asSessionId(sid)
  }
  return undefined
}

/**
 * Verifies an express-session cookie value (`s:<id>.<signature>`) and returns the id. Any of
 * the secrets may verify, so a cookie signed with an old secret still works while that secret
 * stays in the list (rotation). The comparison is constant-time (`cookie-signature`).
 *
 * @example
 * import { unsignSessionId } from 'expression.socket.io'
 * import { sign } from 'cookie-signature'
 * unsignSessionId(['new secret', 'old secret'])('s:' + sign('abc', 'old secret'))
 * // { _tag: 'Right', right: 'abc' }
 * @since 1.0.0
 * @category signature
 */
export const unsignSessionId = (secrets: Secrets): ((value: string) => E.Either<SessionError, SessionId>) => {
  const list = toSecretList(secrets)
  return (value) => {
    if (typeof value !== 'string' || !value.startsWith(SIGNED_PREFIX)) return E.left(unsignedCookie)
    // Lone surrogates all encode to the same UTF-8 bytes, so they could share a signature; no HTTP
    // header can carry them anyway.
    if (LONE_SURROGATE.test(value)) return E.left(invalidSignature)
    const sid = unsignWith(list, value.slice(SIGNED_PREFIX.length))
    return sid === undefined ? E.left(invalidSignature) : E.right(sid)
  }
}
