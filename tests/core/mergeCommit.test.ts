import * as E from 'fp-ts/Either'
import { adoptWritten, mergeChanges } from '../../src/core/commit/mergeCommit'
import type { StoredSession } from '../../src/core/store/storePort'

const later = { originalMaxAge: 60_000, expires: '2030-01-01T00:01:00.000Z' }
const earlier = { originalMaxAge: 60_000, expires: '2030-01-01T00:00:00.000Z' }

describe('mergeChanges (base = loaded, mine = to save, theirs = stored now)', () => {
  it.each<{ name: string; base: StoredSession; mine: StoredSession; theirs: StoredSession; expected: E.Either<ReadonlyArray<string>, StoredSession> }>([
    { name: 'my key onto their other key', base: { a: 1, b: 1 }, mine: { a: 2, b: 1 }, theirs: { a: 1, b: 5 }, expected: E.right({ a: 2, b: 5 }) },
    { name: 'a key I added', base: { a: 1 }, mine: { a: 1, n: 'x' }, theirs: { a: 1, b: 2 }, expected: E.right({ a: 1, b: 2, n: 'x' }) },
    { name: 'a key I removed', base: { a: 1, gone: true }, mine: { a: 1 }, theirs: { a: 3, gone: true }, expected: E.right({ a: 3 }) },
    { name: 'a key they removed that I left alone', base: { a: 1, b: 1 }, mine: { a: 2, b: 1 }, theirs: { a: 1 }, expected: E.right({ a: 2 }) },
    { name: 'nested objects compared by value', base: { u: { n: 'a' } }, mine: { u: { n: 'a' }, x: 1 }, theirs: { u: { n: 'a' } }, expected: E.right({ u: { n: 'a' }, x: 1 }) },
    { name: 'both changed a key', base: { c: 1, d: 1 }, mine: { c: 2, d: 2 }, theirs: { c: 3, d: 1 }, expected: E.left(['c']) },
    { name: 'both changed a key to the same value', base: { c: 1 }, mine: { c: 2 }, theirs: { c: 2 }, expected: E.left(['c']) },
    { name: 'I removed, they changed', base: { c: 1 }, mine: {}, theirs: { c: 2 }, expected: E.left(['c']) },
    { name: 'my cookie change alone', base: { cookie: earlier }, mine: { cookie: later }, theirs: { cookie: earlier, b: 1 }, expected: E.right({ cookie: later, b: 1 }) },
    { name: 'both touched: the later expiry wins (mine)', base: { cookie: { originalMaxAge: 60_000, expires: '2029-01-01T00:00:00.000Z' } }, mine: { cookie: later }, theirs: { cookie: earlier }, expected: E.right({ cookie: later }) },
    { name: 'both touched: the later expiry wins (theirs)', base: { cookie: { originalMaxAge: 60_000, expires: '2029-01-01T00:00:00.000Z' } }, mine: { cookie: earlier }, theirs: { cookie: later }, expected: E.right({ cookie: later }) },
    { name: 'their cookie when I left mine alone', base: { cookie: earlier, a: 1 }, mine: { cookie: earlier, a: 2 }, theirs: { cookie: later, a: 1 }, expected: E.right({ cookie: later, a: 2 }) },
  ])('$name', ({ base, mine, theirs, expected }) => {
    expect(mergeChanges(base, mine, theirs)).toEqual(expected)
  })
})

describe('adoptWritten', () => {
  it('copies onto the live object only the keys the merge brought in, and removes the ones it dropped', () => {
    const sent = { a: 2, b: 1, gone: true }
    const live: Record<string, unknown> = { a: 2, b: 1, gone: true, later: 'set after save()' }
    adoptWritten(
      { set: (key, value) => Object.defineProperty(live, key, { value, writable: true, enumerable: true, configurable: true }), delete: (key) => delete live[key] },
      sent,
      { a: 2, b: 5, c: 7 },
    )
    expect(live).toEqual({ a: 2, b: 5, c: 7, later: 'set after save()' })
  })
})
