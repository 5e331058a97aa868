import { sign } from 'cookie-signature'
import fc from 'fast-check'
import * as E from 'fp-ts/Either'
import {
  type SessionError,
  invalidSignature,
  noCookieHeader,
  sessionCookieMissing,
  unsignedCookie,
} from '../../src/core/errors/errors'
import { type IncomingHeaders, sessionIdFromHeaders } from '../../src/core/cookie/headers'
import { type SessionId, asSessionId } from '../../src/core/cookie/sessionId'

const cookieFor = (id: string, secret: string, name = 'connect.sid'): string =>
  `${name}=${encodeURIComponent(`s:${sign(id, secret)}`)}`

describe('sessionIdFromHeaders', () => {
  const sidOf = sessionIdFromHeaders({ secret: ['new secret', 'old secret'] })

  it.each<{ name: string; headers: IncomingHeaders; expected: E.Either<SessionError, SessionId> }>([
    { name: 'no cookie header', headers: { host: 'example.com' }, expected: E.left(noCookieHeader) },
    { name: 'an undefined cookie header', headers: { cookie: undefined }, expected: E.left(noCookieHeader) },
    { name: 'an empty cookie header', headers: { cookie: '' }, expected: E.left(noCookieHeader) },
    { name: 'an empty list of cookie headers', headers: { cookie: [] }, expected: E.left(noCookieHeader) },
    { name: 'no session cookie', headers: { cookie: 'a=1' }, expected: E.left(sessionCookieMissing('connect.sid')) },
    { name: 'an unsigned session cookie', headers: { cookie: 'connect.sid=abc' }, expected: E.left(unsignedCookie) },
    {
      name: 'a cookie signed with an unknown secret',
      headers: { cookie: cookieFor('abc', 'stolen secret') },
      expected: E.left(invalidSignature),
    },
    { name: 'a cookie signed with the current secret', headers: { cookie: cookieFor('abc', 'new secret') }, expected: E.right(asSessionId('abc')) },
    { name: 'a cookie signed with an old secret', headers: { cookie: cookieFor('abc', 'old secret') }, expected: E.right(asSessionId('abc')) },
    {
      name: 'the session cookie among others',
      headers: { cookie: `theme=dark; ${cookieFor('abc', 'new secret')}; lang=fr` },
      expected: E.right(asSessionId('abc')),
    },
    {
      name: 'the cookie header given as a list',
      headers: { cookie: ['theme=dark', cookieFor('abc', 'new secret')] },
      expected: E.right(asSessionId('abc')),
    },
    {
      name: 'two session cookies, the first forged',
      headers: { cookie: `${cookieFor('evil', 'stolen secret')}; ${cookieFor('abc', 'new secret')}` },
      expected: E.left(invalidSignature),
    },
  ])('$name → $expected._tag', ({ headers, expected }) => {
    expect(sidOf(headers)).toStrictEqual(expected)
  })

  it('reads the cookie named by `key`', () => {
    const custom = sessionIdFromHeaders({ key: 'app.sid', secret: 'keyboard cat' })
    const headers = { cookie: `${cookieFor('other', 'keyboard cat')}; ${cookieFor('mine', 'keyboard cat', 'app.sid')}` }
    expect(custom(headers)).toStrictEqual(E.right('mine'))
    expect(custom({ cookie: cookieFor('other', 'keyboard cat') })).toStrictEqual(E.left(sessionCookieMissing('app.sid')))
  })

  it('validates the secret when built', () => {
    expect(() => sessionIdFromHeaders({ secret: '' })).toThrow(TypeError)
  })

  describe('properties', () => {
    const anyHeader = fc.oneof(
      fc.string(),
      fc.string({ unit: 'binary' }),
      fc.string({ unit: 'binary', minLength: 5_000, maxLength: 10_000 }),
      fc.string({ unit: fc.constantFrom('connect.sid=', 's%3A', 's:', '.', ';', ' ', '%', '"', 'a') }),
    )

    it('never throws, whatever the cookie header holds', () => {
      fc.assert(
        fc.property(fc.oneof(anyHeader, fc.array(anyHeader, { maxLength: 3 })), (cookie) => {
          const result = sidOf({ cookie })
          expect(E.isLeft(result) || E.isRight(result)).toBe(true)
        }),
        { numRuns: 300 },
      )
    })

    it('never throws on arbitrary header records', () => {
      const value = fc.option(fc.oneof(fc.string(), fc.array(fc.string(), { maxLength: 3 })), { nil: undefined })
      fc.assert(
        fc.property(fc.dictionary(fc.string(), value), (headers) => {
          expect(() => sidOf(headers)).not.toThrow()
        }),
        { numRuns: 200 },
      )
    })

    it('gives back the id express-session signed, among random other cookies', () => {
      const otherCookie = fc
        .tuple(fc.stringMatching(/^[a-z][a-z0-9_]{0,8}$/), fc.string({ unit: 'binary' }))
        .map(([name, v]) => `${name}=${encodeURIComponent(v)}`)
      fc.assert(
        fc.property(
          fc.string({ unit: 'binary', minLength: 1 }),
          fc.constantFrom('new secret', 'old secret'),
          fc.array(otherCookie, { maxLength: 4 }),
          fc.nat(),
          (id, secret, others, at) => {
            const cookies = [...others]
            cookies.splice(at % (others.length + 1), 0, cookieFor(id, secret))
            expect(sidOf({ cookie: cookies.join('; ') })).toStrictEqual(E.right(id))
          },
        ),
        { numRuns: 300 },
      )
    })
  })
})
