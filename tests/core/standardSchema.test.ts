import * as E from 'fp-ts/Either'
import * as t from 'io-ts'
import * as v from 'valibot'
import * as z from 'zod'
import { sessionDecoderFor } from '../../src/core/data/decode'
import { invalidSession } from '../../src/core/errors/errors'
import { type StandardSchemaV1, decodeWithStandardSchema, formatStandardIssue, isStandardSchema } from '../../src/core/data/standardSchema'

/** A hand-written Standard Schema: answers with whatever `answer` gives. */
const schema = <A>(answer: (value: unknown) => StandardSchemaV1.Result<A> | Promise<StandardSchemaV1.Result<A>>): StandardSchemaV1<unknown, A> => ({
  '~standard': { version: 1, vendor: 'test', validate: answer },
})

describe('isStandardSchema', () => {
  it.each([
    ['a zod schema', z.string(), true],
    ['a valibot schema', v.string(), true],
    ['a function carrying ~standard (as arktype types are)', Object.assign(() => true, { '~standard': { version: 1, vendor: 'x', validate: () => ({ value: 1 }) } }), true],
    ['an io-ts codec', t.string, false],
    ['~standard without validate', { '~standard': { version: 1 } }, false],
    ['null', null, false],
  ])('%s', (_name, u, expected) => {
    expect(isStandardSchema(u)).toBe(expected)
  })
})

describe('formatStandardIssue', () => {
  const stored = { user: { name: 42, tags: ['a', null] }, token: 'hunter2' }

  it.each<[string, StandardSchemaV1.Issue & Record<string, unknown>, string]>([
    ['a path of keys, with what the library expected', { message: 'Invalid', path: ['user', 'name'], expected: 'string' }, 'user.name: expected string, got number'],
    ['a path of segments and indices', { message: 'Invalid', path: [{ key: 'user' }, { key: 'tags' }, { key: 1 }], expected: 'string' }, 'user.tags.1: expected string, got null'],
    ['no path: the whole session', { message: 'Invalid', expected: 'object' }, 'session: expected object, got object'],
    ['a path that leads nowhere', { message: 'Required', path: ['missing', 'deep'] }, 'missing.deep: Required, got undefined'],
    ['no expected: the message (a custom one)', { message: 'token too short', path: ['token'] }, 'token: token too short, got string'],
    ['a message quoting the received value is not printed', { message: 'Invalid input: Received "hunter2"', path: ['token'], received: '"hunter2"' }, 'token: invalid, got string'],
    ['nor one quoting the actual value', { message: 'must be longer (was hunter2)', path: ['token'], actual: 'hunter2' }, 'token: invalid, got string'],
    ['a symbol key', { message: 'bad', path: [Symbol.for('s')] }, 'Symbol(s): bad, got undefined'],
  ])('%s', (_name, issue, expected) => {
    expect(formatStandardIssue(stored)(issue)).toBe(expected)
  })
})

describe('decodeWithStandardSchema', () => {
  it('lays the output over the stored data, keeping unknown keys, without mutating it', () => {
    const stored = { count: '2', other: true }
    const decoded = decodeWithStandardSchema(z.object({ count: z.coerce.number() }))(stored)
    expect(decoded).toStrictEqual(E.right({ count: 2, other: true }))
    expect(stored).toStrictEqual({ count: '2', other: true })
  })

  it('is synchronous for a synchronous validator', () => {
    expect(decodeWithStandardSchema(schema(() => ({ value: { a: 1 } })))({})).toStrictEqual(E.right({ a: 1 }))
  })

  it('gives a Promise only for a validator that answers with one', async () => {
    const decoded = decodeWithStandardSchema(schema(async () => ({ issues: [{ message: 'no', path: ['a'] }] })))({ a: 1 })
    expect(decoded).toBeInstanceOf(Promise)
    expect(await decoded).toStrictEqual(E.left(invalidSession(['a: no, got number'])))
  })

  it('a validator that throws or rejects is InvalidSession with the error as cause', async () => {
    const boom = new RangeError('boom')
    expect(
      decodeWithStandardSchema(
        schema(() => {
          throw boom
        }),
      )({}),
    ).toStrictEqual(E.left(invalidSession(['session: the codec threw RangeError'], boom)))
    expect(await decodeWithStandardSchema(schema(() => Promise.reject('text')))({})).toStrictEqual(
      E.left(invalidSession(['session: the codec threw'], 'text')),
    )
  })

  it('removes duplicate messages', () => {
    const twice = { message: 'x', path: ['a'], expected: 'string' }
    expect(decodeWithStandardSchema(schema(() => ({ issues: [twice, twice] })))({ a: 1 })).toStrictEqual(
      E.left(invalidSession(['a: expected string, got number'])),
    )
  })
})

describe('sessionDecoderFor', () => {
  it('takes a zod 4 schema as a Standard Schema although it has a decode method', () => {
    const Count = z.object({ count: z.number() })
    expect(typeof Count.decode).toBe('function')
    expect(sessionDecoderFor(Count)({ count: 'x' })).toStrictEqual(E.left(invalidSession(['count: expected number, got string'])))
  })

  it('takes an io-ts codec as io-ts, and a throwing one as InvalidSession', () => {
    expect(sessionDecoderFor(t.type({ count: t.number }))({ count: 'x' })).toStrictEqual(
      E.left(invalidSession(['count: expected number, got string'])),
    )
    const boom = new Error('boom')
    const Throwing = new t.Type<number, number, unknown>('Throwing', t.number.is, () => {
      throw boom
    }, (n) => n)
    expect(sessionDecoderFor(Throwing)({})).toStrictEqual(E.left(invalidSession(['session: the codec threw Error'], boom)))
  })
})
