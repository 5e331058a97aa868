import { dirname } from 'node:path'
import fc from 'fast-check'
import * as E from 'fp-ts/Either'
import { readSessionCookie } from '../../src/core/cookie/cookie'
import { type SessionError, noCookieHeader, sessionCookieMissing } from '../../src/core/errors/errors'

const read = readSessionCookie('connect.sid')

// express-session 1.19 reads the cookie with its own copy of `cookie` (0.7.x). Our reading must
// agree with it, so we use it as the oracle in the differential property below.
const expressSessionParse = ((): ((header: string) => unknown) => {
  const path = require.resolve('cookie', { paths: [dirname(require.resolve('express-session'))] })
  const mod: unknown = require(path)
  if (typeof mod !== 'object' || mod === null || !('parse' in mod) || typeof mod.parse !== 'function')
    throw new Error('express-session cookie parser not found')
  const parse = mod.parse
  return (header: string): unknown => {
    const cookies: unknown = parse(header)
    return typeof cookies === 'object' && cookies !== null && 'connect.sid' in cookies
      ? cookies['connect.sid']
      : undefined
  }
})()

describe('readSessionCookie', () => {
  it.each<{ name: string; header: string | undefined; expected: E.Either<SessionError, string> }>([
    { name: 'no header at all', header: undefined, expected: E.left(noCookieHeader) },
    { name: 'an empty header', header: '', expected: E.left(noCookieHeader) },
    { name: 'a blank header', header: '  \t ', expected: E.left(noCookieHeader) },
    { name: 'only other cookies', header: 'a=1; b=2', expected: E.left(sessionCookieMissing('connect.sid')) },
    { name: 'the name without "="', header: 'connect.sid', expected: E.left(sessionCookieMissing('connect.sid')) },
    { name: 'an empty value', header: 'connect.sid=', expected: E.left(sessionCookieMissing('connect.sid')) },
    { name: 'a longer name', header: 'connect.sidx=s%3Aa.b', expected: E.left(sessionCookieMissing('connect.sid')) },
    { name: 'a name with a prefix', header: 'xconnect.sid=s%3Aa.b', expected: E.left(sessionCookieMissing('connect.sid')) },
    { name: 'a name in another case', header: 'Connect.SID=s%3Aa.b', expected: E.left(sessionCookieMissing('connect.sid')) },
    { name: 'an URL-encoded signed value', header: 'connect.sid=s%3Aabc.sig', expected: E.right('s:abc.sig') },
    { name: 'a raw signed value', header: 'connect.sid=s:abc.sig', expected: E.right('s:abc.sig') },
    { name: 'an encoded "+" and "/"', header: 'connect.sid=s%3Aa%2Bb%2Fc.sig', expected: E.right('s:a+b/c.sig') },
    { name: 'a malformed escape kept raw', header: 'connect.sid=s%3Aabc%E0%A4%A', expected: E.right('s%3Aabc%E0%A4%A') },
    { name: 'other cookies around', header: 'a=1; connect.sid=s%3Aabc.sig; b=2', expected: E.right('s:abc.sig') },
    { name: 'no spaces after ";"', header: 'a=1;connect.sid=s%3Aabc.sig;b=2', expected: E.right('s:abc.sig') },
    { name: 'spaces around name and value', header: 'a=1;  connect.sid =  s%3Aabc.sig  ; b=2', expected: E.right('s:abc.sig') },
    { name: 'tabs around the value', header: 'connect.sid=\ts%3Aabc.sig\t', expected: E.right('s:abc.sig') },
    { name: '"=" inside the value', header: 'connect.sid=s%3Aa=b.sig', expected: E.right('s:a=b.sig') },
    { name: 'a nameless pair before', header: '=x; connect.sid=s%3Aabc.sig', expected: E.right('s:abc.sig') },
    { name: 'a pair without "=" before', header: 'junk; connect.sid=s%3Aabc.sig', expected: E.right('s:abc.sig') },
    { name: 'an unbalanced quote kept', header: 'connect.sid="s%3Aabc.sig', expected: E.right('"s:abc.sig') },
    {
      name: 'the name twice: the first wins',
      header: 'connect.sid=s%3Afirst.sig; connect.sid=s%3Asecond.sig',
      expected: E.right('s:first.sig'),
    },
    {
      name: 'the name twice, first empty: still the first (no session, as express-session)',
      header: 'connect.sid=; connect.sid=s%3Asecond.sig',
      expected: E.left(sessionCookieMissing('connect.sid')),
    },
  ])('$name → $expected._tag', ({ header, expected }) => {
    expect(read(header)).toStrictEqual(expected)
  })

  // `cookie` 1.x keeps the DQUOTEs RFC 6265 allows around a value, while express-session
  // (cookie 0.7) strips them: readSessionCookie strips them too.
  it.each<{ name: string; header: string; expected: string }>([
    { name: 'a quoted value', header: 'connect.sid="s%3Aabc.sig"', expected: 's:abc.sig' },
    { name: 'a quoted value among others', header: 'a="1"; connect.sid="s:abc.sig"; b=2', expected: 's:abc.sig' },
  ])('unquotes $name as express-session does', ({ header, expected }) => {
    expect(expressSessionParse(header)).toBe(expected)
    expect(read(header)).toStrictEqual(E.right(expected))
  })

  it.each([
    { key: 'sid', header: 'connect.sid=s%3Aother.sig; sid=s%3Amine.sig', expected: E.right('s:mine.sig') },
    { key: 'sid', header: 'connect.sid=s%3Aother.sig', expected: E.left(sessionCookieMissing('sid')) },
    { key: '__proto__', header: 'a=1', expected: E.left(sessionCookieMissing('__proto__')) },
    { key: 'toString', header: 'a=1', expected: E.left(sessionCookieMissing('toString')) },
    { key: 'hasOwnProperty', header: 'hasOwnProperty=s%3Av.sig', expected: E.right('s:v.sig') },
  ])('reads the cookie named $key and reports that name when it is missing', ({ key, header, expected }) => {
    expect(readSessionCookie(key)(header)).toStrictEqual(expected)
  })

  describe('properties', () => {
    it('never throws and always returns an Either, for any header string', () => {
      fc.assert(
        fc.property(
          fc.oneof(
            fc.string(),
            fc.string({ unit: 'binary' }),
            fc.string({ unit: 'binary-ascii' }),
            fc.string({ unit: fc.constantFrom('connect.sid', '=', ';', ' ', '%', '%E0', '"', 's%3A', '\t') }),
          ),
          (header) => {
            const result = read(header)
            expect(E.isLeft(result) || E.isRight(result)).toBe(true)
          },
        ),
        { numRuns: 500 },
      )
    })

    it('never throws on large headers', () => {
      fc.assert(
        fc.property(fc.string({ unit: 'binary', minLength: 10_000, maxLength: 20_000 }), (header) => {
          expect(() => read(header)).not.toThrow()
        }),
        { numRuns: 10 },
      )
    })

    it('finds an encoded value placed anywhere among other cookies', () => {
      const otherCookie = fc.tuple(
        fc.stringMatching(/^[a-z][a-z0-9_]{0,8}$/).filter((name) => name !== 'connect'),
        fc.string({ unit: 'binary' }),
      )
      fc.assert(
        fc.property(
          fc.string({ unit: 'binary', minLength: 1 }),
          fc.array(otherCookie, { maxLength: 5 }),
          fc.nat(),
          (value, others, at) => {
            const pairs = others.map(([name, v]) => `${name}=${encodeURIComponent(v)}`)
            pairs.splice(at % (pairs.length + 1), 0, `connect.sid=${encodeURIComponent(value)}`)
            expect(read(pairs.join('; '))).toStrictEqual(E.right(value))
          },
        ),
        { numRuns: 300 },
      )
    })

    it('agrees with express-session on every header without double quotes', () => {
      const piece = fc.constantFrom('connect.sid', ' connect.sid ', 'a', '=', ';', '; ', ' ', '\t', 's%3A', '%', '%E0', '.', 'x')
      const withoutQuotes = fc
        .oneof(fc.string({ unit: piece }), fc.string({ unit: 'binary' }))
        .filter((header) => !header.includes('"'))
      fc.assert(
        fc.property(withoutQuotes, (header) => {
          const theirs = expressSessionParse(header)
          const expected = typeof theirs === 'string' && theirs !== '' ? E.right(theirs) : undefined
          const ours = read(header)
          if (expected === undefined) expect(E.isLeft(ours)).toBe(true)
          else expect(ours).toStrictEqual(expected)
        }),
        { numRuns: 1000 },
      )
    })
  })
})
