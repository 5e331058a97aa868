import { sign } from 'cookie-signature'
import * as E from 'fp-ts/Either'
import { readSessionCookie } from '../../core/cookie/cookie'
import { type SessionError, invalidSignature, unsignedCookie } from '../../core/errors/errors'
import type { IncomingHeaders } from '../../core/cookie/headers'
import { type Secrets, toSecretList } from '../../core/cookie/secrets'
import { type SessionId, asSessionId } from '../../core/cookie/sessionId'

/**
 * A Connect/Express cookie parser built with the session secret, as the 2012 module took it:
 * `cookieParser('secret')` or `cookieParser(['new', 'old'])` from the `cookie-parser` package (or
 * Express 3's `express.cookieParser(secret)`). Any function type fits; it is checked at run time.
 * @since 1.1.0
 * @category model
 */
export type CookieParser = (...args: never[]) => unknown

/** The seed constructor's third argument, understood. */
export interface SeedSecret {
  /** The secrets `resolveConfig` validates (for a cookie parser: the one it signs with). */
  readonly secret: Secrets
  /** For a cookie parser: the verifier it provides, given the cookie name. */
  readonly verifierFor?: (key: string) => (headers: IncomingHeaders) => E.Either<SessionError, SessionId>
}

const PROBE = 'expression.socket.io-probe'
// A name that needs no encoding, for the one cookie the parser is shown.
const ONE_COOKIE = 'sid'
const LONE_SURROGATE = /\p{Cs}/u

interface Parsed {
  readonly secret: unknown
  readonly signedCookies: unknown
}

/** Runs the middleware on a request holding only `cookieHeader`; `undefined` if it does not behave as a cookie parser. */
const runParser = (parser: CookieParser, cookieHeader: string | undefined): Parsed | undefined => {
  const req: Record<string, unknown> = { headers: cookieHeader === undefined ? {} : { cookie: cookieHeader } }
  let passed = false
  try {
    Reflect.apply(parser, undefined, [req, {}, (err?: unknown) => (passed = err === undefined || err === null)])
  } catch {
    return undefined
  }
  return passed ? { secret: req['secret'], signedCookies: req['signedCookies'] } : undefined
}

const signedValue = (parsed: Parsed | undefined, name: string): unknown => {
  const signed = parsed?.signedCookies
  return typeof signed === 'object' && signed !== null ? Reflect.get(signed, name) : undefined
}

const notASecret = (): TypeError =>
  new TypeError(
    'expression.socket.io: the third argument must be the session secret (a string or an array of strings, newest first) ' +
      "or a cookie-parser middleware built with it (cookieParser('secret'))",
  )

const cookieHeaderOf = (headers: IncomingHeaders): string | undefined => {
  const h = headers['cookie']
  return Array.isArray(h) ? h.join('; ') : h
}

/**
 * Reads the seed constructor's third argument: a secret (string or array) is taken as it is; a
 * cookie-parser middleware is checked once (it must run synchronously, expose the secret it signs
 * with as `req.secret`, and verify a cookie signed with it into `req.signedCookies`) and then
 * verifies each connection's session cookie itself, so every secret it was built with works
 * (rotation). Anything else is a `TypeError`.
 *
 * For instance `fromSeedSecret(cookieParser(['new secret', 'old secret']))` gives the secrets and
 * the verifier that `ExpressionSocket` uses.
 * @category adapters
 */
export const fromSeedSecret = (arg: unknown): SeedSecret => {
  if (typeof arg === 'string' || Array.isArray(arg)) return { secret: toSecretList(arg, 'expression.socket.io: option "secret"') }
  if (typeof arg !== 'function') throw notASecret()
  const parser: CookieParser = (...args) => Reflect.apply(arg, undefined, args)
  const bare = runParser(parser, undefined)
  const secret = bare?.secret
  if (typeof secret !== 'string' || secret === '') {
    if (bare !== undefined && typeof bare.signedCookies === 'object')
      throw new TypeError("expression.socket.io: the cookie parser has no secret: build it with cookieParser('your session secret')")
    throw notASecret()
  }
  const probe = runParser(parser, `${PROBE}=${encodeURIComponent(`s:${sign(PROBE, secret)}`)}`)
  if (signedValue(probe, PROBE) !== PROBE) throw notASecret()

  const verify = (value: string): E.Either<SessionError, SessionId> => {
    if (!value.startsWith('s:')) return E.left(unsignedCookie)
    // No header carries lone surrogates, and encodeURIComponent would throw on them.
    if (LONE_SURROGATE.test(value)) return E.left(invalidSignature)
    const id = signedValue(runParser(parser, `${ONE_COOKIE}=${encodeURIComponent(value)}`), ONE_COOKIE)
    return typeof id === 'string' && id !== '' ? E.right(asSessionId(id)) : E.left(invalidSignature)
  }
  return {
    secret,
    verifierFor: (key) => {
      const readCookie = readSessionCookie(key)
      return (headers) => E.flatMap(verify)(readCookie(cookieHeaderOf(headers)))
    },
  }
}
