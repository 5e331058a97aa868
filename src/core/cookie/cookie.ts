import { parse } from 'cookie'
import * as E from 'fp-ts/Either'
import { type SessionError, noCookieHeader, sessionCookieMissing } from '../errors/errors'

// express-session's cookie parser drops the double quotes around a value; `cookie` 1.x keeps them.
const unquote = (value: string | undefined): string | undefined =>
  value !== undefined && value.length >= 2 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value

/**
 * The raw value of the session cookie in a `Cookie` header, `s:` prefix kept and URL-decoded
 * (`s%3A...` becomes `s:...`). If the name appears twice the first one wins, as in
 * express-session.
 *
 * @example
 * import { readSessionCookie } from 'expression.socket.io'
 * readSessionCookie('connect.sid')('a=1; connect.sid=s%3Aabc.sig')
 * // { _tag: 'Right', right: 's:abc.sig' }
 * @since 1.0.0
 * @category cookie
 */
export const readSessionCookie =
  (key: string) =>
  (cookieHeader: string | undefined): E.Either<SessionError, string> => {
    if (typeof cookieHeader !== 'string' || cookieHeader.trim() === '') return E.left(noCookieHeader)
    const value = unquote(parse(cookieHeader)[key])
    return value === undefined || value === '' ? E.left(sessionCookieMissing(key)) : E.right(value)
  }
