import fc from 'fast-check'
import { isPlainJson, stringifySession } from '../../src/core/data/serializable'

const circular = (): Record<string, unknown> => {
  const o: Record<string, unknown> = { n: 1 }
  o['self'] = o
  return o
}

const nested = (depth: number): unknown => {
  let v: unknown = 'leaf'
  for (let i = 0; i < depth; i++) v = { a: v }
  return v
}

describe('stringifySession', () => {
  it('is JSON.stringify for JSON values', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(stringifySession(value)).toBe(JSON.stringify(value))
      }),
    )
  })

  it.each<{ name: string; value: unknown; path: unknown; reason: string }>([
    { name: 'a circular object', value: { user: { name: 'a' }, cart: circular() }, path: 'cart.self', reason: 'circular' },
    { name: 'a circular array', value: (() => { const a: unknown[] = [1]; a.push(a); return { list: a } })(), path: 'list.1', reason: 'circular' },
    { name: 'a BigInt', value: { ok: 1, big: { n: BigInt(1) } }, path: 'big.n', reason: 'bigint' },
    { name: 'a BigInt at the top', value: BigInt(2), path: 'session', reason: 'bigint' },
    { name: 'a toJSON that throws', value: { when: { toJSON: () => { throw new Error('no') } } }, path: 'when', reason: 'toJSON threw' },
    { name: 'nesting deeper than JSON.stringify goes', value: { deep: nested(20_000) }, path: expect.stringMatching(/^deep(\.a)+$/), reason: 'too deep' },
  ])('names $name: where and why, with what JSON.stringify threw', ({ value, path, reason }) => {
    const result = stringifySession(value)
    expect(result).toMatchObject({ _tag: 'UnserializableSession', path, reason })
    expect(typeof result === 'object' && 'cause' in result && result.cause instanceof Error).toBe(true)
  })

  it('follows toJSON as JSON.stringify does (a Date, an object whose toJSON gives a circular value)', () => {
    expect(stringifySession({ at: new Date(0) })).toBe('{"at":"1970-01-01T00:00:00.000Z"}')
    expect(stringifySession({ x: { toJSON: () => circular() } })).toMatchObject({ path: 'x.self', reason: 'circular' })
  })

  it('never throws, even on a getter that throws', () => {
    const value = Object.defineProperty({}, 'bad', { enumerable: true, get: () => { throw new Error('getter') } })
    expect(stringifySession(value)).toMatchObject({ _tag: 'UnserializableSession', path: 'session', reason: 'unserializable' })
  })

  it('finds an injected cycle anywhere in random data, at a path that leads back to an ancestor', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string({ minLength: 1, maxLength: 4 }).filter((k) => !k.includes('.')), fc.dictionary(fc.string({ minLength: 1, maxLength: 4 }).filter((k) => !k.includes('.')), fc.jsonValue({ maxDepth: 2 }), { minKeys: 1, maxKeys: 3 }), { minKeys: 1, maxKeys: 3 }), (data) => {
        const [first] = Object.keys(data)
        if (first === undefined) return
        const inner = Reflect.get(data, first)
        Reflect.set(inner, '↺', data)
        const result = stringifySession(data)
        expect(result).toMatchObject({ _tag: 'UnserializableSession', reason: 'circular' })
        const path = typeof result === 'object' && result._tag === 'UnserializableSession' ? result.path : ''
        const target = path.split('.').reduce<unknown>((at, k) => (typeof at === 'object' && at !== null ? Reflect.get(at, k) : undefined), data)
        expect(target === data || target === inner).toBe(true)
      }),
    )
  })
})

describe('isPlainJson (the save’s cheap check before JSON.stringify)', () => {
  it('says yes to JSON data, and a yes always means JSON.stringify succeeds', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (value) => {
        const plain = isPlainJson(value)
        if (plain) expect(() => JSON.stringify(value)).not.toThrow()
      }),
    )
    expect(isPlainJson({ cookie: { expires: '2030-01-01T00:00:00.000Z', httpOnly: true }, user: { name: 'a' }, n: [1, 2, null] })).toBe(true)
  })

  it.each<{ name: string; value: unknown }>([
    { name: 'a cycle', value: circular() },
    { name: 'a BigInt deep down', value: { a: [1, { b: BigInt(1) }] } },
    { name: 'a Date (its toJSON is JSON.stringify’s to call)', value: { at: new Date(0) } },
    { name: 'a class instance', value: { m: new Map() } },
    { name: 'more values than the walk looks at', value: { list: Array.from({ length: 300 }, (_, i) => i) } },
    { name: 'an array with a toJSON of its own', value: { list: Object.assign([1], { toJSON: () => { throw new Error('toJSON') } }) } },
    { name: 'an Array subclass', value: { list: class extends Array<number> {}.from([1]) } },
    { name: 'a getter that throws', value: { user: Object.defineProperty({}, 'name', { enumerable: true, get: () => { throw new Error('getter') } }) } },
    { name: 'a proxy whose traps throw', value: { p: new Proxy({}, { ownKeys: () => { throw new Error('trap') } }) } },
  ])('leaves $name to JSON.stringify (answers no, never throws)', ({ value }) => {
    expect(isPlainJson(value)).toBe(false)
  })
})
