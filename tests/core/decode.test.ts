import fc from 'fast-check'
import * as E from 'fp-ts/Either'
import * as t from 'io-ts'
import { decodeSessionData, formatValidationError } from '../../src/core/data/decode'
import { invalidSession } from '../../src/core/errors/errors'
import type { StoredSession } from '../../src/core/store/storePort'

const cookie = { originalMaxAge: 60_000, expires: '2030-01-01T00:00:00.000Z', httpOnly: true, path: '/' }

/** A codec that transforms: the stored string becomes a number. */
const NumberFromString = new t.Type<number, string, unknown>(
  'NumberFromString',
  (u): u is number => typeof u === 'number',
  (u, c) => {
    if (typeof u !== 'string') return t.failure(u, c)
    const n = Number(u)
    return Number.isNaN(n) ? t.failure(u, c) : t.success(n)
  },
  String,
)

const errorsOf = (result: E.Either<unknown, unknown>): unknown =>
  E.isLeft(result) ? result.left : `expected a Left, got ${JSON.stringify(result)}`

describe('decodeSessionData', () => {
  it('gives the data, typed, when it fits the codec', () => {
    const decode = decodeSessionData(t.type({ count: t.number }))
    const result = decode({ count: 3, cookie })
    expect(result).toStrictEqual(E.right({ count: 3, cookie }))
    if (E.isRight(result)) {
      const count: number = result.right.count
      expect(count).toBe(3)
    }
  })

  it('keeps keys the codec does not know (the cookie, other libraries’ data)', () => {
    const stored: StoredSession = { count: 1, passport: { user: 'u1' }, flash: ['hi'], cookie }
    expect(decodeSessionData(t.type({ count: t.number }))(stored)).toStrictEqual(E.right(stored))
  })

  it('keeps unknown keys even through an exact codec, which strips them itself', () => {
    const stored: StoredSession = { count: 1, passport: { user: 'u1' }, cookie }
    const exact = t.strict({ count: t.number })
    expect(exact.decode(stored)).toStrictEqual(E.right({ count: 1 }))
    expect(decodeSessionData(exact)(stored)).toStrictEqual(E.right(stored))
  })

  it('lays decoded values over the stored ones without mutating the stored object', () => {
    const stored: StoredSession = { count: '41', other: true, cookie }
    const result = decodeSessionData(t.type({ count: NumberFromString }))(stored)
    expect(result).toStrictEqual(E.right({ count: 41, other: true, cookie }))
    expect(stored).toStrictEqual({ count: '41', other: true, cookie })
    expect(E.isRight(result) && result.right).not.toBe(stored)
  })

  it.each<{ name: string; codec: t.Decoder<unknown, unknown>; stored: StoredSession; errors: string[] }>([
    { name: 'a wrong field type', codec: t.type({ count: t.number }), stored: { count: 'x' }, errors: ['count: expected number, got string'] },
    {
      name: 'a missing field',
      codec: t.type({ user: t.type({ name: t.string }) }),
      stored: {},
      errors: ['user: expected { name: string }, got undefined'],
    },
    {
      name: 'a nested field',
      codec: t.type({ user: t.type({ name: t.string }) }),
      stored: { user: { name: null } },
      errors: ['user.name: expected string, got null'],
    },
    {
      name: 'an array element',
      codec: t.type({ tags: t.array(t.string) }),
      stored: { tags: ['a', 2, 'c'] },
      errors: ['tags.1: expected string, got number'],
    },
    {
      name: 'an array given for an object',
      codec: t.type({ user: t.type({ name: t.string }) }),
      stored: { user: ['ada'] },
      errors: ['user: expected { name: string }, got array'],
    },
    {
      name: 'a record entry',
      codec: t.type({ scores: t.record(t.string, t.number) }),
      stored: { scores: { ada: 1, bob: 'two' } },
      errors: ['scores.bob: expected number, got string'],
    },
    {
      name: 'an optional field of a partial codec',
      codec: t.partial({ count: t.number }),
      stored: { count: false },
      errors: ['count: expected number, got boolean'],
    },
    {
      name: 'several fields at once',
      codec: t.type({ a: t.number, b: t.string }),
      stored: { a: 'x', b: 1 },
      errors: ['a: expected number, got string', 'b: expected string, got number'],
    },
    {
      name: 'a union, reported once as the union',
      codec: t.type({ x: t.union([t.string, t.number]) }),
      stored: { x: true },
      errors: ['x: expected (string | number), got boolean'],
    },
    {
      name: 'a field inside a union member',
      codec: t.type({ user: t.union([t.null, t.type({ name: t.string })]) }),
      stored: { user: { name: 1 } },
      errors: ['user: expected (null | { name: string }), got object'],
    },
    { name: 'a codec for the whole session', codec: t.string, stored: {}, errors: ['session: expected string, got object'] },
  ])('names the path and the expected type for $name', ({ codec, stored, errors }) => {
    expect(decodeSessionData(codec)(stored)).toStrictEqual(E.left(invalidSession(errors)))
  })

  // io-ts puts an intersection's member index into the context; with the usual idiom for optional
  // fields, `t.intersection([t.type(required), t.partial(optional)])`, it must not reach the path.
  it('leaves intersection member indexes out of the path', () => {
    const codec = t.intersection([t.type({ count: t.number }), t.partial({ name: t.string })])
    expect(errorsOf(decodeSessionData(codec)({ count: 'x', name: 1 }))).toStrictEqual(
      invalidSession(['count: expected number, got string', 'name: expected string, got number']),
    )
  })

  it('never prints stored values in its errors', () => {
    const codec = t.type({
      count: t.number,
      user: t.type({ name: t.string, roles: t.array(t.string) }),
      token: t.literal('expected-token'),
    })
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9]{12}$/), (secret) => {
        const stored: StoredSession = {
          count: `SECRET${secret}`,
          user: { name: { password: `SECRET${secret}` }, roles: [`SECRET${secret}`, 5] },
          token: `SECRET${secret}`,
        }
        const left = errorsOf(decodeSessionData(codec)(stored))
        expect(left).toMatchObject({ _tag: 'InvalidSession' })
        expect(JSON.stringify(left)).not.toContain(secret)
      }),
      { numRuns: 50 },
    )
  })
})

describe('formatValidationError', () => {
  it('reports a context-free error against the whole session', () => {
    expect(formatValidationError({ value: 1, context: [] })).toBe('session: expected unknown, got number')
  })

  it.each<{ value: unknown; kind: string }>([
    { value: null, kind: 'null' },
    { value: undefined, kind: 'undefined' },
    { value: [], kind: 'array' },
    { value: {}, kind: 'object' },
    { value: 1n, kind: 'bigint' },
    { value: 'pw', kind: 'string' },
  ])('describes a $kind value by its kind only', ({ value, kind }) => {
    const formatted = formatValidationError({ value, context: [{ key: 'field', type: t.number, actual: value }] })
    expect(formatted).toBe(`field: expected number, got ${kind}`)
  })
})
