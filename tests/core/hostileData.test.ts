// Session data is data: a stored key named `__proto__`, `constructor`, `prototype`, or like one
// of the session's own methods, is plain own data on every path (load, reload, merge, adopt,
// fingerprint, save) against a real MemoryStore, and never reaches a prototype, a method or the id.
import * as E from 'fp-ts/Either'
import fc from 'fast-check'
import { createDeadlines } from '../../src/core/store/deadlines'
import { adoptWritten, mergeChanges } from '../../src/core/commit/mergeCommit'
import { type SessionDeps, createSession, dataFingerprint } from '../../src/core/session/liveSession'
import { layered } from '../../src/core/data/decode'
import { asSessionId } from '../../src/core/cookie/sessionId'
import { SessionOperations } from '../../src/core/session/sessionOperations'
import { SESSION_API_KEYS } from '../../src/core/data/sessionFields'
import { type SessionStore, type StoredSession } from '../../src/core/store/storePort'
import { loadSession } from '../../src/core/store/storeOps'
import { countingStore, requireStored, storedCookie, writeStored } from './stores'

const sid = asSessionId('sid-hostile')
const NOW = Date.now() + 1_000
const HOSTILE = '{"__proto__":{"isAdmin":true},"constructor":{"prototype":{"polluted":1}},"prototype":{"p":1},"count":1}'

const depsFor = (store: SessionStore): SessionDeps<Record<string, unknown>> => ({
  store,
  deadlines: createDeadlines(200),
  now: () => NOW,
  decode: (stored) => E.right(stored),
})

/** Writes `json` (plus a cookie) as the stored session, exactly as another service would. */
const seedRaw = async (json: string) => {
  const counted = countingStore()
  const parsed: StoredSession = JSON.parse(json)
  parsed.cookie = storedCookie(Date.now())
  await writeStored(counted.store, sid, parsed)
  return counted
}

const load = async (store: SessionStore) => {
  const loaded = await loadSession(store)(sid)()
  if (E.isLeft(loaded)) throw new Error(loaded.left._tag)
  return createSession(depsFor(store), sid, loaded.right)
}

const stringOf = async (store: SessionStore): Promise<string> => JSON.stringify(await requireStored(store, sid))

describe('a stored __proto__, constructor or prototype key', () => {
  it('loads as own data: the prototype, the methods and the id are untouched', async () => {
    const { store } = await seedRaw(HOSTILE)
    const { session } = await load(store)
    expect(Reflect.get(session, 'isAdmin')).toBeUndefined()
    expect(Object.getOwnPropertyDescriptor(session, '__proto__')?.value).toEqual({ isAdmin: true })
    expect(Object.getOwnPropertyDescriptor(session, 'constructor')?.value).toEqual({ prototype: { polluted: 1 } })
    expect(Reflect.get(session, 'prototype')).toEqual({ p: 1 })
    for (const method of ['save', 'reload', 'destroy', 'touch'] as const) expect(typeof session[method]).toBe('function')
    expect(session.id).toBe(sid)
    expect(Reflect.get({}, 'polluted')).toBeUndefined()
  })

  it('is written back as it was by a save, beside the handler’s change', async () => {
    const { store } = await seedRaw(HOSTILE)
    const { session } = await load(store)
    Reflect.set(session, 'count', 2)
    await session.save()
    const stored = await stringOf(store)
    expect(stored).toContain('"__proto__":{"isAdmin":true}')
    expect(stored).toContain('"constructor":{"prototype":{"polluted":1}}')
    expect(stored).toContain('"count":2')
  })

  it('reloads as own data', async () => {
    const { store } = await seedRaw('{"count":1}')
    const { session } = await load(store)
    const fresh: StoredSession = JSON.parse(HOSTILE)
    fresh.cookie = storedCookie(Date.now())
    await writeStored(store, sid, fresh)
    await session.reload()
    expect(Reflect.get(session, 'isAdmin')).toBeUndefined()
    expect(Object.getOwnPropertyDescriptor(session, '__proto__')?.value).toEqual({ isAdmin: true })
    expect(typeof session.save).toBe('function')
  })

  it('takes part in the autoSave fingerprint like any key', async () => {
    const { store } = await seedRaw(HOSTILE)
    const { session, tracker } = await load(store)
    expect(tracker.baseline()).toContain('"__proto__":{"isAdmin":true}')
    expect(dataFingerprint(session)).toBe(tracker.baseline())
    Object.defineProperty(session, '__proto__', { value: { isAdmin: false }, enumerable: true, writable: true, configurable: true })
    expect(dataFingerprint(session)).not.toBe(tracker.baseline())
  })

  it('is laid over as data by a codec’s decoding', () => {
    const stored: StoredSession = JSON.parse(HOSTILE)
    const decoded = layered(stored, { count: 2 })
    expect(Object.getPrototypeOf(decoded)).toBe(Object.prototype)
    expect(Object.getOwnPropertyDescriptor(decoded, '__proto__')?.value).toEqual({ isAdmin: true })
    expect(decoded.count).toBe(2)
  })

  it('merges as plain data (mergeChanges): mine, theirs and base all with such keys', () => {
    const base: StoredSession = JSON.parse('{"__proto__":{"v":1},"constructor":1,"a":1}')
    const mine: StoredSession = JSON.parse('{"__proto__":{"v":2},"constructor":1,"a":1}')
    const theirs: StoredSession = JSON.parse('{"__proto__":{"v":1},"constructor":5,"a":1,"prototype":{"x":1}}')
    const merged = mergeChanges(base, mine, theirs)
    if (E.isLeft(merged)) throw new Error(`conflict on ${merged.left.join()}`)
    expect(Object.getPrototypeOf(merged.right)).toBe(Object.prototype)
    expect(JSON.parse(JSON.stringify(merged.right))).toEqual(JSON.parse('{"__proto__":{"v":2},"constructor":5,"a":1,"prototype":{"x":1}}'))
    expect(Object.getOwnPropertyDescriptor(merged.right, '__proto__')?.value).toEqual({ v: 2 })
  })

  it('merges a __proto__ key only my side has onto theirs as data (no prototype set on the merged copy)', () => {
    const mine: StoredSession = JSON.parse('{"__proto__":{"isAdmin":true},"a":1}')
    const merged = mergeChanges({ a: 1 }, mine, { a: 1, b: 2 })
    if (E.isLeft(merged)) throw new Error('conflict')
    expect(Object.getPrototypeOf(merged.right)).toBe(Object.prototype)
    expect(Reflect.get(merged.right, 'isAdmin')).toBeUndefined()
    expect(JSON.stringify(merged.right)).toBe('{"a":1,"b":2,"__proto__":{"isAdmin":true}}')
  })

  it('sees their removal of a __proto__ key (no inherited value taken for theirs)', () => {
    const base: StoredSession = JSON.parse('{"__proto__":{},"a":1}')
    const mine: StoredSession = JSON.parse('{"__proto__":{"mine":1},"a":1}')
    const theirs: StoredSession = { a: 1 }
    expect(mergeChanges(base, mine, theirs)).toEqual(E.left(['__proto__']))
  })

  it('conflicts when both sides changed a __proto__ key', () => {
    const base: StoredSession = JSON.parse('{"__proto__":{"v":1}}')
    expect(mergeChanges(base, JSON.parse('{"__proto__":{"v":2}}'), JSON.parse('{"__proto__":{"v":3}}'))).toEqual(E.left(['__proto__']))
  })

  it('is adopted onto the live session as data after a merged commit', async () => {
    const { store } = await seedRaw('{"count":1}')
    const { session, tracker } = await load(store)
    const sent = tracker.storedForm()
    const written: StoredSession = { ...sent, ...JSON.parse('{"__proto__":{"isAdmin":true},"save":"theirs"}') }
    adoptWritten(tracker, sent, written)
    expect(Reflect.get(session, 'isAdmin')).toBeUndefined()
    expect(Object.getOwnPropertyDescriptor(session, '__proto__')?.value).toEqual({ isAdmin: true })
    expect(typeof session.save).toBe('function')
    expect(tracker.storedForm()).toMatchObject({ save: 'theirs' })
  })
})

describe('a stored key named like a session method or the id', () => {
  it('never replaces the method or the id, stays out of the handler’s sight, and is written back unchanged', async () => {
    const { store } = await seedRaw('{"save":"s","reload":1,"destroy":null,"touch":[1],"id":"forged","count":1}')
    const { session } = await load(store)
    for (const method of ['save', 'reload', 'destroy', 'touch'] as const) expect(typeof session[method]).toBe('function')
    expect(session.id).toBe(sid)
    expect(Object.keys(session).sort()).toEqual(['cookie', 'count'])
    Reflect.set(session, 'count', 2)
    await session.save()
    expect(await requireStored(store, sid)).toMatchObject({ save: 's', reload: 1, destroy: null, touch: [1], id: 'forged', count: 2 })
  })

  it('covers every name the session object has for itself, each alone in the data', async () => {
    const { store } = await seedRaw('{"count":1}')
    const { session } = await load(store)
    // The names come from the object, not from the library's list: a method added later is held too.
    const own = Object.getOwnPropertyNames(Object.getPrototypeOf(session)).filter((name) => name !== 'constructor')
    expect(own.sort()).toEqual([...SESSION_API_KEYS].sort())
    for (const name of own) {
      const seeded = await seedRaw(JSON.stringify({ [name]: 'stored', count: 1 }))
      const loaded = await load(seeded.store)
      expect(Object.keys(loaded.session).sort()).toEqual(['cookie', 'count'])
      expect(loaded.session.id).toBe(sid)
      expect(typeof loaded.session.save).toBe('function')
      await loaded.session.save()
      expect(await requireStored(seeded.store, sid)).toMatchObject({ [name]: 'stored', count: 1 })
    }
  })

  it('keeps an autoSave read-only turn read-only: the kept-aside keys are part of the baseline', async () => {
    const { store } = await seedRaw('{"save":"s","count":1}')
    const { tracker } = await load(store)
    expect(tracker.changeCheck()).toBe('unchanged')
  })
})

describe('any stored keys (property)', () => {
  const hostileKey = fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', 'then', 'save', 'id', 'touch', 'cookieX')
  const key = fc.oneof(hostileKey, fc.string({ maxLength: 8 }).filter((k) => k !== 'cookie'))

  it('round-trip through load and save exactly, and never change a prototype', async () => {
    await fc.assert(
      fc.asyncProperty(fc.dictionary(key, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 6 }), async (data) => {
        // fc.dictionary builds its objects with own `__proto__` keys as data, like JSON.parse.
        const json = JSON.stringify(data)
        const { store } = await seedRaw(json)
        const { session, tracker } = await load(store)
        expect(Object.getPrototypeOf(Object.getPrototypeOf(session))).toBe(Object.prototype)
        expect(typeof session.save).toBe('function')
        expect(session.id).toBe(sid)
        expect(tracker.changeCheck()).toBe('unchanged')
        await session.save()
        const { cookie: _cookie, ...stored } = await requireStored(store, sid)
        expect(JSON.parse(JSON.stringify(stored))).toEqual(JSON.parse(json))
      }),
      { numRuns: 60 },
    )
  })
})

describe('SessionOperations without a session object', () => {
  it('holds nothing of a previous fill after a reload to fewer keys', async () => {
    const { store } = await seedRaw('{"save":"s","a":1}')
    const ops = new SessionOperations(depsFor(store), sid, { destroys: 0 }, 0, undefined)
    const self = {}
    ops.fill(self, { a: 1, save: 's' })
    expect(ops.storedForm()).toEqual({ a: 1, save: 's' })
    ops.fill(self, { a: 2 })
    expect(ops.storedForm()).toEqual({ a: 2 })
  })
})
