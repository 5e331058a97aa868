import * as E from 'fp-ts/Either'
import { type SessionError, invalidSession, sessionNotFound, storeFailure, storeTimeout } from '../../src/core/errors/errors'
import { asSessionId } from '../../src/core/cookie/sessionId'
import { destroySession, loadSession, saveSession, toStoredSession, touchSession } from '../../src/core/store/storeOps'
import { DEFAULT_STORE_TIMEOUT_MS, type SessionStore, type StoredSession } from '../../src/core/store/storePort'
import {
  countingStore,
  fakeStore,
  flush,
  memoryStore,
  readStored,
  requireStored,
  storeReturning,
  storedCookie,
  writeStored,
} from './stores'

const sid = asSessionId('sid-1')
const enoent = Object.assign(new Error('ENOENT: no such file'), { code: 'ENOENT' })
const options = { timeoutMs: 50 }

const seeded = async (data: StoredSession = { count: 1, cookie: storedCookie(Date.now()) }) => {
  const counted = countingStore()
  await writeStored(counted.store, sid, data)
  counted.calls.set = 0
  return counted
}

describe('toStoredSession', () => {
  it.each<{ name: string; raw: unknown; expected: SessionError }>([
    { name: 'undefined', raw: undefined, expected: sessionNotFound },
    { name: 'null', raw: null, expected: sessionNotFound },
    { name: 'a string', raw: '{"count":1}', expected: invalidSession(['session: expected an object, got string']) },
    { name: 'a number', raw: 42, expected: invalidSession(['session: expected an object, got number']) },
    { name: 'a boolean', raw: true, expected: invalidSession(['session: expected an object, got boolean']) },
    { name: 'an array', raw: [{ count: 1 }], expected: invalidSession(['session: expected an object, got an array']) },
    { name: 'a string cookie', raw: { cookie: 'x' }, expected: invalidSession(['session.cookie: expected an object, got string']) },
    { name: 'a number cookie', raw: { cookie: 3 }, expected: invalidSession(['session.cookie: expected an object, got number']) },
    { name: 'a null cookie', raw: { cookie: null }, expected: invalidSession(['session.cookie: expected an object, got null']) },
    { name: 'an array cookie', raw: { cookie: [] }, expected: invalidSession(['session.cookie: expected an object, got an array']) },
  ])('refuses $name', ({ raw, expected }) => {
    expect(toStoredSession(raw)).toStrictEqual(E.left(expected))
  })

  it.each<{ name: string; raw: StoredSession }>([
    { name: 'an empty object', raw: {} },
    { name: 'data without cookie', raw: { count: 1 } },
    { name: 'data with a cookie', raw: { count: 1, cookie: { originalMaxAge: null, expires: null } } },
  ])('accepts $name as it is', ({ raw }) => {
    expect(toStoredSession(raw)).toStrictEqual(E.right(raw))
  })

  it('never prints the stored value in its errors', () => {
    const result = toStoredSession('sid=supersecret')
    expect(JSON.stringify(result)).not.toContain('supersecret')
  })
})

describe('loadSession', () => {
  it('reads a session written to a real MemoryStore, as JSON', async () => {
    const cookie = storedCookie(Date.now())
    const { store } = await seeded({ count: 1, user: { name: 'ada' }, cookie })
    expect(await loadSession(store, options)(sid)()).toStrictEqual(E.right({ count: 1, user: { name: 'ada' }, cookie }))
  })

  it('gives SessionNotFound for an unknown id', async () => {
    expect(await loadSession(memoryStore(), options)(asSessionId('nope'))()).toStrictEqual(E.left(sessionNotFound))
  })

  it("gives SessionNotFound for a session the MemoryStore considers expired", async () => {
    const { store } = await seeded({ count: 1, cookie: storedCookie(Date.now() - 120_000) })
    expect(await loadSession(store, options)(sid)()).toStrictEqual(E.left(sessionNotFound))
  })

  it('is lazy: building the task does not call the store', async () => {
    const { store, calls } = await seeded()
    const task = loadSession(store, options)(sid)
    await flush()
    expect(calls.get).toBe(0)
    await task()
    expect(calls.get).toBe(1)
  })

  it.each<{ name: string; value: unknown; expected: SessionError }>([
    { name: 'nothing', value: undefined, expected: sessionNotFound },
    { name: 'null', value: null, expected: sessionNotFound },
    { name: 'a string', value: 'garbage', expected: invalidSession(['session: expected an object, got string']) },
    { name: 'a number', value: 7, expected: invalidSession(['session: expected an object, got number']) },
    { name: 'an array', value: [], expected: invalidSession(['session: expected an object, got an array']) },
    { name: 'a non-object cookie', value: { cookie: 'c' }, expected: invalidSession(['session.cookie: expected an object, got string']) },
  ])('gives $expected._tag when the store returns $name', async ({ value, expected }) => {
    expect(await loadSession(storeReturning(value), options)(sid)()).toStrictEqual(E.left(expected))
  })

  it('gives StoreTimeout with the configured limit when get never calls back', async () => {
    const hanging = fakeStore({ get: () => undefined })
    expect(await loadSession(hanging, { timeoutMs: 40 })(sid)()).toStrictEqual(E.left(storeTimeout(40)))
  })

  it(`defaults the limit to ${DEFAULT_STORE_TIMEOUT_MS} ms`, async () => {
    jest.useFakeTimers()
    try {
      let outcome: unknown = 'pending'
      void loadSession(fakeStore({ get: () => undefined }))(sid)().then((r) => (outcome = r))
      await jest.advanceTimersByTimeAsync(DEFAULT_STORE_TIMEOUT_MS - 1)
      expect(outcome).toBe('pending')
      await jest.advanceTimersByTimeAsync(1)
      expect(outcome).toStrictEqual(E.left(storeTimeout(DEFAULT_STORE_TIMEOUT_MS)))
    } finally {
      jest.useRealTimers()
    }
  })

  it.each<{ name: string; get: SessionStore['get'] }>([
    {
      name: 'throws synchronously',
      get: () => {
        throw new Error('down')
      },
    },
    { name: 'calls back with an error', get: (_sid, cb) => setImmediate(() => cb(new Error('down'))) },
    { name: 'returns a rejected promise', get: () => Promise.reject(new Error('down')) },
  ])('gives StoreFailure when get $name', async ({ get }) => {
    const result = await loadSession(fakeStore({ get }), options)(sid)()
    expect(result).toStrictEqual(E.left(storeFailure(new Error('down'))))
  })

  // express-session reads a get's ENOENT error as "no session" (session-file-store answers a
  // missing file with it); any other code, or a code that cannot be read, is a failure.
  const errorWithCode = (code: string): Error => Object.assign(new Error(`${code}: no such file`), { code })
  it.each<{ name: string; get: SessionStore['get'] }>([
    { name: 'calls back with an ENOENT error', get: (_sid, cb) => setImmediate(() => cb(errorWithCode('ENOENT'))) },
    { name: 'returns a promise rejected with an ENOENT error', get: () => Promise.reject(errorWithCode('ENOENT')) },
  ])('gives SessionNotFound, not StoreFailure, when get $name', async ({ get }) => {
    expect(await loadSession(fakeStore({ get }), options)(sid)()).toStrictEqual(E.left(sessionNotFound))
  })

  it('gives StoreFailure for another error code, and for an error whose code throws when read', async () => {
    const eacces = errorWithCode('EACCES')
    expect(await loadSession(fakeStore({ get: (_sid, cb) => cb(eacces) }), options)(sid)()).toStrictEqual(E.left(storeFailure(eacces)))
    const hostile = new Error('hostile')
    Object.defineProperty(hostile, 'code', {
      get() {
        throw new Error('code getter')
      },
    })
    expect(await loadSession(fakeStore({ get: (_sid, cb) => cb(hostile) }), options)(sid)()).toStrictEqual(E.left(storeFailure(hostile)))
  })

  it('keeps the first answer of a store that calls back twice', async () => {
    const twice = fakeStore({
      get: (_sid, cb) => {
        cb(null, { count: 1 })
        cb(null, { count: 2 })
      },
    })
    expect(await loadSession(twice, options)(sid)()).toStrictEqual(E.right({ count: 1 }))
  })

  it('asks the store for the id it was given', async () => {
    const asked: string[] = []
    const spy = fakeStore({
      get: (id, cb) => {
        asked.push(id)
        cb(null, undefined)
      },
    })
    await loadSession(spy, options)(asSessionId('abc'))()
    expect(asked).toStrictEqual(['abc'])
  })
})

describe('saveSession', () => {
  it('writes the data to the store', async () => {
    const { store, calls } = await seeded()
    const cookie = storedCookie(Date.now())
    const task = saveSession(store, options)(sid, { count: 2, cookie })
    await flush()
    expect(calls.set).toBe(0)
    expect(await task()).toStrictEqual(E.right(undefined))
    expect(calls.set).toBe(1)
    expect(await readStored(store, sid)).toStrictEqual({ count: 2, cookie })
  })

  it.each<{ name: string; set: SessionStore['set']; expected: SessionError }>([
    { name: 'calls back with an error', set: (_s, _d, cb) => cb?.('disk full'), expected: storeFailure('disk full') },
    {
      name: 'throws',
      set: () => {
        throw 'read-only'
      },
      expected: storeFailure('read-only'),
    },
    { name: 'never calls back', set: () => undefined, expected: storeTimeout(50) },
    // Only a read's ENOENT means "no session": a write that meets one has failed.
    { name: 'calls back with an ENOENT error', set: (_s, _d, cb) => cb?.(enoent), expected: storeFailure(enoent) },
  ])('gives $expected._tag when set $name', async ({ set, expected }) => {
    expect(await saveSession(fakeStore({ set }), options)(sid, { count: 1 })()).toStrictEqual(E.left(expected))
  })
})

describe('destroySession', () => {
  it('removes the session from the store, lazily', async () => {
    const { store, calls } = await seeded()
    const task = destroySession(store, options)(sid)
    await flush()
    expect(calls.destroy).toBe(0)
    expect(await readStored(store, sid)).toBeDefined()
    expect(await task()).toStrictEqual(E.right(undefined))
    expect(calls.destroy).toBe(1)
    expect(await readStored(store, sid)).toBeUndefined()
  })

  it('gives StoreFailure when destroy calls back with an error', async () => {
    const failing = fakeStore({ destroy: (_sid, cb) => cb?.(new Error('nope')) })
    expect(await destroySession(failing, options)(sid)()).toStrictEqual(E.left(storeFailure(new Error('nope'))))
  })
})

describe('touchSession', () => {
  it('uses the store touch when there is one (MemoryStore only updates the cookie)', async () => {
    const { store, calls } = await seeded({ count: 1, cookie: storedCookie(Date.now()) })
    const later = storedCookie(Date.now() + 30_000)
    const task = touchSession(store, options)(sid, { count: 99, cookie: later })
    await flush()
    expect(calls.touch).toBe(0)
    expect(await task()).toStrictEqual(E.right(undefined))
    expect(calls).toMatchObject({ touch: 1, set: 0 })
    expect(await requireStored(store, sid)).toStrictEqual({ count: 1, cookie: later })
  })

  it('falls back to set when the store has no touch', async () => {
    const { store: inner } = await seeded({ count: 1, cookie: storedCookie(Date.now()) })
    const { store, calls } = countingStore(inner, { withTouch: false })
    expect(store.touch).toBeUndefined()
    const later = storedCookie(Date.now() + 30_000)
    expect(await touchSession(store, options)(sid, { count: 99, cookie: later })()).toStrictEqual(E.right(undefined))
    expect(calls).toMatchObject({ touch: 0, set: 1 })
    expect(await requireStored(store, sid)).toStrictEqual({ count: 99, cookie: later })
  })

  it('gives StoreFailure when touch fails', async () => {
    const failing = fakeStore({ touch: (_sid, _data, cb) => cb?.(new Error('nope')) })
    expect(await touchSession(failing, options)(sid, {})()).toStrictEqual(E.left(storeFailure(new Error('nope'))))
  })
})
