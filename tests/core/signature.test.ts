import { sign } from 'cookie-signature'
import fc from 'fast-check'
import * as E from 'fp-ts/Either'
import { type SessionError, invalidSignature, unsignedCookie } from '../../src/core/errors/errors'
import { type Secrets, toSecretList } from '../../src/core/cookie/secrets'
import { type SessionId, asSessionId } from '../../src/core/cookie/sessionId'
import { unsignSessionId } from '../../src/core/cookie/signature'

/** The cookie value express-session sets: `s:` + cookie-signature's `sign`. */
const signedCookie = (id: string, secret: string): string => `s:${sign(id, secret)}`

const pickOne = (list: readonly string[], n: number): string => {
  const chosen = list[n % list.length]
  if (chosen === undefined) throw new Error('pickOne needs a non-empty list')
  return chosen
}

describe('unsignSessionId', () => {
  const secrets: Secrets = ['new secret', 'old secret']
  const unsign = unsignSessionId(secrets)

  it.each<{ name: string; value: string; expected: E.Either<SessionError, SessionId> }>([
    { name: 'no "s:" prefix', value: sign('abc', 'new secret'), expected: E.left(unsignedCookie) },
    { name: 'an empty value', value: '', expected: E.left(unsignedCookie) },
    { name: 'an upper-case "S:" prefix', value: `S:${sign('abc', 'new secret')}`, expected: E.left(unsignedCookie) },
    { name: 'a space before "s:"', value: ` ${signedCookie('abc', 'new secret')}`, expected: E.left(unsignedCookie) },
    { name: 'only "s"', value: 's', expected: E.left(unsignedCookie) },
    { name: 'only "s:"', value: 's:', expected: E.left(invalidSignature) },
    { name: 'no signature part', value: 's:abc', expected: E.left(invalidSignature) },
    { name: 'an empty signature', value: 's:abc.', expected: E.left(invalidSignature) },
    { name: 'a made-up signature', value: 's:abc.c2lnbmF0dXJl', expected: E.left(invalidSignature) },
    { name: 'a secret not in the list', value: signedCookie('abc', 'another secret'), expected: E.left(invalidSignature) },
    { name: 'a truncated signature', value: signedCookie('abc', 'new secret').slice(0, -1), expected: E.left(invalidSignature) },
    { name: 'an extra character', value: `${signedCookie('abc', 'new secret')}x`, expected: E.left(invalidSignature) },
    { name: 'the current secret', value: signedCookie('abc', 'new secret'), expected: E.right(asSessionId('abc')) },
    { name: 'an old secret still listed', value: signedCookie('abc', 'old secret'), expected: E.right(asSessionId('abc')) },
    { name: 'an id holding dots', value: signedCookie('a.b.c', 'old secret'), expected: E.right(asSessionId('a.b.c')) },
  ])('$name → $expected._tag', ({ value, expected }) => {
    expect(unsign(value)).toStrictEqual(expected)
  })

  it('takes a single secret string', () => {
    const unsignOne = unsignSessionId('keyboard cat')
    expect(unsignOne(signedCookie('abc', 'keyboard cat'))).toStrictEqual(E.right('abc'))
    expect(unsignOne(signedCookie('abc', 'keyboard dog'))).toStrictEqual(E.left(invalidSignature))
  })

  it('no longer verifies a cookie once its secret left the list', () => {
    const cookie = signedCookie('abc', 'old secret')
    expect(unsignSessionId(['new secret', 'old secret'])(cookie)).toStrictEqual(E.right('abc'))
    expect(unsignSessionId(['new secret'])(cookie)).toStrictEqual(E.left(invalidSignature))
  })

  describe('refuses a bad secret option up front, with a TypeError naming it', () => {
    it('an empty array', () => {
      // The type accepts any string array (express-session's own option type), so this is a run-time check.
      expect(() => unsignSessionId([])).toThrow(TypeError)
      expect(() => unsignSessionId([])).toThrow(/^secret must be a non-empty string or a non-empty array/)
    })

    it.each<{ name: string; secrets: Secrets }>([
      { name: 'an empty string', secrets: '' },
      { name: 'an empty string in the list', secrets: ['good', ''] },
    ])('$name', ({ secrets: bad }) => {
      expect(() => unsignSessionId(bad)).toThrow(TypeError)
      expect(() => unsignSessionId(bad)).toThrow(/^secret must be/)
    })

    it('a non-string in the list', () => {
      // @ts-expect-error numbers are not secrets
      expect(() => unsignSessionId(['good', 42])).toThrow(TypeError)
    })
  })

  describe('properties', () => {
    const secretList = fc.array(fc.string({ unit: 'binary', minLength: 1 }), { minLength: 1, maxLength: 4 })

    it('verifies a cookie signed with any secret of the list, giving back the id', () => {
      fc.assert(
        fc.property(fc.string({ unit: 'binary' }), secretList, fc.nat(), (id, list, pick) => {
          const signer = pickOne(list, pick)
          expect(unsignSessionId(list)(signedCookie(id, signer))).toStrictEqual(E.right(id))
        }),
        { numRuns: 300 },
      )
    })

    it('refuses every single-character change to the cookie value', () => {
      // Mutations are made per code point so the mutated value stays well-formed UTF-16 (see the
      // lone-surrogate case below for why that matters).
      fc.assert(
        fc.property(
          fc.string({ unit: 'binary' }),
          secretList,
          fc.nat(),
          fc.nat(),
          fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
          (id, list, pick, at, replacement) => {
            const original = Array.from(signedCookie(id, pickOne(list, pick)))
            const index = at % original.length
            fc.pre(original[index] !== replacement)
            const mutated = original.map((c, i) => (i === index ? replacement : c)).join('')
            expect(E.isLeft(unsignSessionId(list)(mutated))).toBe(true)
          },
        ),
        { numRuns: 500 },
      )
    })

    it('refuses every insertion or deletion of a character', () => {
      fc.assert(
        fc.property(
          fc.string({ unit: 'grapheme-ascii' }),
          fc.string({ unit: 'grapheme-ascii', minLength: 1 }),
          fc.nat(),
          fc.boolean(),
          fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 1 }),
          (id, secret, at, insert, extra) => {
            const original = signedCookie(id, secret)
            const index = at % original.length
            const mutated = insert
              ? original.slice(0, index) + extra + original.slice(index)
              : original.slice(0, index) + original.slice(index + 1)
            expect(E.isLeft(unsignSessionId(secret)(mutated))).toBe(true)
          },
        ),
        { numRuns: 300 },
      )
    })
  })

  // cookie-signature compares UTF-8 buffers, where every lone surrogate encodes to the same
  // U+FFFD bytes: two ids differing only in lone surrogates would share a signature. Such strings
  // cannot come from an HTTP header; unsignSessionId refuses them outright.
  it('refuses a value whose lone surrogate was swapped for another', () => {
    const original = signedCookie('ab\uD800', 'k')
    const mutated = original.replace('\uD800', '\uD801')
    expect(mutated).not.toBe(original)
    expect(unsignSessionId('k')(mutated)).toStrictEqual(E.left(invalidSignature))
  })
})

describe('toSecretList', () => {
  it('normalises a lone secret to a one-element list', () => {
    expect(toSecretList('keyboard cat')).toStrictEqual(['keyboard cat'])
  })

  it('keeps a list in order (the first signs)', () => {
    expect(toSecretList(['a', 'b', 'c'])).toStrictEqual(['a', 'b', 'c'])
  })

  it.each<{ name: string; value: unknown }>([
    { name: 'undefined', value: undefined },
    { name: 'null', value: null },
    { name: 'a number', value: 42 },
    { name: 'an empty string', value: '' },
    { name: 'an empty array', value: [] },
    { name: 'a list holding a number', value: ['a', 1] },
    { name: 'a list holding an empty string', value: ['a', ''] },
  ])('throws a TypeError naming the option for $name', ({ value }) => {
    expect(() => toSecretList(value, 'sessionSecret')).toThrow(TypeError)
    expect(() => toSecretList(value, 'sessionSecret')).toThrow(/^sessionSecret must be a non-empty/)
  })
})

describe('asSessionId', () => {
  it('brands a trusted string without changing it', () => {
    const sid: SessionId = asSessionId('b4KxJ1')
    expect(sid).toBe('b4KxJ1')
  })

  it('is needed to turn a raw string into a SessionId', () => {
    // @ts-expect-error a raw cookie string is not a SessionId
    const sid: SessionId = 'raw'
    expect(typeof sid).toBe('string')
  })
})
