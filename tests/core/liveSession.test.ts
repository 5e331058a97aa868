import { pipe } from 'fp-ts/function'
import * as E from 'fp-ts/Either'
import * as TE from 'fp-ts/TaskEither'
import * as t from 'io-ts'
import { decodeSessionData } from '../../src/core/data/decode'
import { sessionNotFound, storeFailure, storeTimeout } from '../../src/core/errors/errors'
import { SessionOperationError, handlerFailure } from '../../src/core/errors/failure'
import {
  type SessionCallback,
  type SessionDeps,
  createSession,
  dataFingerprint,
  extendExpiry,
  toStoredForm,
} from '../../src/core/session/liveSession'
import { type SessionId, asSessionId } from '../../src/core/cookie/sessionId'
import { createDeadlines } from '../../src/core/store/deadlines'
import type { DestroyCount } from '../../src/core/session/sessionOperations'
import { loadSession } from '../../src/core/store/storeOps'
import type { SessionStore, StoredCookie } from '../../src/core/store/storePort'
import {
  countingStore,
  destroyStored,
  fakeStore,
  flush,
  readStored,
  requireStored,
  storedCookie,
  writeStored,
} from './stores'

const codec = t.partial({ count: t.number, name: t.string })
type Data = t.TypeOf<typeof codec>

// A little in the future, so sessions whose expiry is pushed from `now` stay alive for the real
// MemoryStore; and within the stored cookies' lifetime (a minute from now), since a session past
// its expires at `now` is SessionNotFound.
const NOW = Date.now() + 1_000
const sid = asSessionId('sid-live')

const depsFor = (store: SessionStore, overrides: Partial<SessionDeps<Data>> = {}): SessionDeps<Data> => ({
  store,
  deadlines: createDeadlines(100),
  now: () => NOW,
  decode: decodeSessionData(codec),
  ...overrides,
})

/** A counted real MemoryStore holding one session, calls reset to 0. */
const seededStore = async (data: Record<string, unknown> = { count: 1, name: 'ada' }) => {
  const counted = countingStore()
  await writeStored(counted.store, sid, { ...data, cookie: storedCookie(Date.now()) })
  counted.calls.set = 0
  return counted
}

/** Loads the session as a handler would get it. */
const open = async (deps: SessionDeps<Data>, id: SessionId = sid, destroyCount: DestroyCount = { destroys: 0 }) => {
  const mark = destroyCount.destroys
  const loaded = await pipe(
    loadSession(deps.store, { timeoutMs: deps.deadlines.timeoutMs })(id),
    TE.flatMap((stored) => () => Promise.resolve(deps.decode(stored))),
  )()
  if (E.isLeft(loaded)) throw new Error(`could not load the session: ${loaded.left._tag}`)
  return createSession(deps, id, loaded.right, destroyCount, mark)
}

/** Calls `f` as the handler's synchronous part would run: inside the load's synchronous run. */
const inLoadRun = <T>(tracker: { inLoadRun: boolean }, f: () => T): T => {
  tracker.inLoadRun = true
  try {
    return f()
  } finally {
    tracker.inLoadRun = false
  }
}

/** Calls a session method in its callback form and resolves with what the callback got. */
const viaCallback = (start: (cb: SessionCallback) => void): Promise<SessionOperationError | null> =>
  new Promise((resolve) => start(resolve))

describe('createSession: the session object', () => {
  it('exposes the stored data as properties and the id as a read-only accessor', async () => {
    const { store } = await seededStore()
    const { session } = await open(depsFor(store))
    expect(session.count).toBe(1)
    expect(session.name).toBe('ada')
    expect(session.id).toBe(sid)
    expect(session.cookie).toMatchObject({ originalMaxAge: 60_000 })
  })

  it('keeps the id and the methods out of the stored form', async () => {
    const { store } = await seededStore()
    const { session } = await open(depsFor(store))
    const stored = toStoredForm(session)
    expect(Object.keys(stored).sort()).toStrictEqual(['cookie', 'count', 'name'])
  })

  it('never lets a stored `id` field replace the real id, and writes it back unchanged as data', async () => {
    const { store } = await seededStore({ count: 1, id: 'forged' })
    const { session } = await open(depsFor(store))
    expect(session.id).toBe(sid)
    expect(Object.keys(session)).not.toContain('id')
    session.count = 2
    await session.save()
    expect(await requireStored(store, sid)).toMatchObject({ count: 2, id: 'forged' })
  })
})

describe('save', () => {
  it('writes the current data to the store (promise form)', async () => {
    const { store, calls } = await seededStore()
    const { session, tracker } = await open(depsFor(store))
    session.count = 2
    session.name = 'grace'
    await expect(session.save()).resolves.toBeUndefined()
    expect(calls.set).toBe(1)
    expect(await requireStored(store, sid)).toMatchObject({ count: 2, name: 'grace' })
    expect(tracker.baseline()).toBe(dataFingerprint(session))
    expect(tracker.failures).toStrictEqual([])
  })

  it('writes the data and calls back with null (callback form)', async () => {
    const { store } = await seededStore()
    const { session } = await open(depsFor(store))
    session.count = 3
    let returned: unknown = 'not called'
    const err = await viaCallback((cb) => {
      returned = session.save(cb)
    })
    expect(returned).toBeUndefined()
    expect(err).toBeNull()
    expect(await requireStored(store, sid)).toMatchObject({ count: 3 })
  })

  it('writes the data as it was when save was called', async () => {
    const { store } = await seededStore()
    const { session } = await open(depsFor(store))
    session.count = 5
    const saving = session.save()
    session.count = 6
    await saving
    expect(await requireStored(store, sid)).toMatchObject({ count: 5 })
  })

  it('is refused with SessionNotFound, without recreating it, when the session was destroyed elsewhere', async () => {
    const { store, calls } = await seededStore()
    const { session, tracker } = await open(depsFor(store))
    await destroyStored(store, sid) // an HTTP logout between the load and the save
    session.count = 99
    const failure = await session.save().catch((e: unknown) => e)
    expect(failure).toBeInstanceOf(SessionOperationError)
    expect(failure).toMatchObject({ code: 'SessionNotFound', error: sessionNotFound })
    expect(calls.set).toBe(0)
    expect(await readStored(store, sid)).toBeUndefined()
    expect(tracker.failures).toStrictEqual([sessionNotFound])
  })

  it('passes the same refusal to a callback', async () => {
    const { store } = await seededStore()
    const { session } = await open(depsFor(store))
    await destroyStored(store, sid)
    const err = await viaCallback((cb) => session.save(cb))
    expect(err).toBeInstanceOf(SessionOperationError)
    expect(err?.code).toBe('SessionNotFound')
    expect(await readStored(store, sid)).toBeUndefined()
  })

  it('reports a store that never answers as StoreTimeout after the configured limit', async () => {
    const { store: inner } = await seededStore()
    const store: SessionStore = { ...inner, get: inner.get, destroy: inner.destroy, set: () => undefined }
    const { session, tracker } = await open(depsFor(store, { deadlines: createDeadlines(40) }))
    await expect(session.save()).rejects.toMatchObject({ code: 'StoreTimeout', error: storeTimeout(40) })
    expect(tracker.failures).toStrictEqual([storeTimeout(40)])
  })

  it('does not turn an unawaited failing save into an unhandled rejection', async () => {
    const { store: inner } = await seededStore()
    const store: SessionStore = { ...inner, get: inner.get, destroy: inner.destroy, set: (_s, _d, cb) => cb?.(new Error('disk full')) }
    const { session, tracker } = await open(depsFor(store))
    void session.save()
    await tracker.settle()
    await flush()
    await flush()
    expect(tracker.failures).toStrictEqual([storeFailure(new Error('disk full'))])
  })

  it('runs a save and a destroy issued in the same tick in that order: the destroy has the last word', async () => {
    const { store } = await seededStore()
    const { session, tracker } = await open(depsFor(store))
    session.count = 2
    const saving = session.save()
    await session.destroy()
    await expect(saving).resolves.toBeUndefined()
    await expect(session.save()).rejects.toMatchObject({ code: 'SessionNotFound' })
    await tracker.settle()
    expect(await readStored(store, sid)).toBeUndefined()
  })

  describe('the existence check a save makes', () => {
    it('is skipped for a save made in the load’s synchronous run (a handler’s part before its first await): 1 get + 1 set', async () => {
      const { store, calls } = await seededStore()
      const { session, tracker } = await open(depsFor(store))
      expect(calls.get).toBe(1)
      const saving = inLoadRun(tracker, () => {
        session.count = 5
        return session.save()
      })
      await saving
      expect(calls).toMatchObject({ get: 1, set: 1 })
      await tracker.settle()
      expect(await readStored(store, sid)).toMatchObject({ count: 5 })
    })

    it('is made for a save after the load’s synchronous run, where a logout could have come in: 2 gets + 1 set', async () => {
      const { store, calls } = await seededStore()
      const { session } = await open(depsFor(store))
      session.count = 6
      await session.save()
      expect(calls).toMatchObject({ get: 2, set: 1 })
    })

    it('is made, even in the load’s run, once another turn of this process started a destroy of the session since the load', async () => {
      const { store, calls } = await seededStore()
      const destroyCount: DestroyCount = { destroys: 0 }
      const deps = depsFor(store)
      const first = await open(deps, sid, destroyCount)
      const second = await open(deps, sid, destroyCount)
      await second.session.destroy()
      const saving = inLoadRun(first.tracker, () => {
        first.session.count = 9
        return first.session.save()
      })
      await expect(saving).rejects.toMatchObject({ code: 'SessionNotFound' })
      expect(calls.set).toBe(0)
      expect(await readStored(store, sid)).toBeUndefined()
    })
  })

  // A save issues `set` only after its existence check (`get`) has answered; a destroy issued while
  // an earlier save waits must not be overtaken (get → destroy → set would bring the session back).
  it('does not bring back a session destroyed while an earlier save was in flight', async () => {
    const { store } = await seededStore()
    const { session, tracker } = await open(depsFor(store))
    session.count = 2
    void session.save()
    await Promise.resolve() // any awaited work between the two calls
    await Promise.resolve()
    await session.destroy()
    await tracker.settle()
    expect(await readStored(store, sid)).toBeUndefined()
  })
})

describe('reload', () => {
  it('replaces the data with the store’s current copy', async () => {
    const { store } = await seededStore()
    const { session, tracker } = await open(depsFor(store))
    session.count = 42
    const newer = storedCookie(Date.now() + 10_000)
    await writeStored(store, sid, { name: 'grace', cookie: newer })
    await expect(session.reload()).resolves.toBeUndefined()
    expect(session.count).toBeUndefined()
    expect(session.name).toBe('grace')
    expect(session.cookie).toStrictEqual(newer)
    expect(session.id).toBe(sid)
    expect(toStoredForm(session)).toStrictEqual({ name: 'grace', cookie: newer })
    expect(tracker.baseline()).toBe(dataFingerprint(session))
  })

  it('works in callback form', async () => {
    const { store } = await seededStore()
    const { session } = await open(depsFor(store))
    await writeStored(store, sid, { count: 7, cookie: storedCookie(Date.now()) })
    expect(await viaCallback((cb) => session.reload(cb))).toBeNull()
    expect(session.count).toBe(7)
  })

  it('keeps the data and fails with SessionNotFound when the session is gone', async () => {
    const { store } = await seededStore()
    const { session } = await open(depsFor(store))
    session.count = 8
    await destroyStored(store, sid)
    await expect(session.reload()).rejects.toMatchObject({ code: 'SessionNotFound' })
    expect(session.count).toBe(8)
  })

  it('fails with InvalidSession when the stored copy no longer fits the codec', async () => {
    const { store } = await seededStore()
    const { session, tracker } = await open(depsFor(store))
    await writeStored(store, sid, { count: 'many', cookie: storedCookie(Date.now()) })
    await expect(session.reload()).rejects.toMatchObject({ code: 'InvalidSession' })
    expect(session.count).toBe(1)
    expect(tracker.failures).toStrictEqual([{ _tag: 'InvalidSession', errors: ['count: expected number, got string'] }])
  })
})

describe('destroy', () => {
  it('removes the session from the store and marks it destroyed', async () => {
    const { store, calls } = await seededStore()
    const { session, tracker } = await open(depsFor(store))
    expect(tracker.isDestroyed()).toBe(false)
    await expect(session.destroy()).resolves.toBeUndefined()
    expect(calls.destroy).toBe(1)
    expect(tracker.isDestroyed()).toBe(true)
    expect(await readStored(store, sid)).toBeUndefined()
  })

  it('works in callback form', async () => {
    const { store } = await seededStore()
    const { session, tracker } = await open(depsFor(store))
    expect(await viaCallback((cb) => session.destroy(cb))).toBeNull()
    expect(tracker.isDestroyed()).toBe(true)
    expect(await readStored(store, sid)).toBeUndefined()
  })

  it('refuses every later operation with SessionNotFound, without touching the store', async () => {
    const { store, calls } = await seededStore()
    const { session } = await open(depsFor(store))
    await session.destroy()
    const before = { ...calls }
    for (const op of [() => session.save(), () => session.reload(), () => session.touch(), () => session.destroy()])
      await expect(op()).rejects.toMatchObject({ code: 'SessionNotFound' })
    expect(calls).toStrictEqual(before)
    expect(await readStored(store, sid)).toBeUndefined()
  })

  it('stays usable when the store fails to destroy', async () => {
    const { store: inner } = await seededStore()
    const store = fakeStore({ get: inner.get, set: inner.set, destroy: (_sid, cb) => cb?.(new Error('nope')) })
    const { session, tracker } = await open(depsFor(store))
    await expect(session.destroy()).rejects.toMatchObject({ code: 'StoreFailure' })
    expect(tracker.isDestroyed()).toBe(false)
  })
})

describe('touch', () => {
  it('pushes cookie.expires to now + originalMaxAge, using the injected clock, and tells the store', async () => {
    const { store, calls } = await seededStore()
    const { session } = await open(depsFor(store))
    await expect(session.touch()).resolves.toBeUndefined()
    const expected = new Date(NOW + 60_000).toISOString()
    expect(session.cookie.expires).toBe(expected)
    expect(calls).toMatchObject({ touch: 1, set: 0 })
    expect(await requireStored(store, sid)).toMatchObject({ count: 1, cookie: { expires: expected } })
  })

  it('follows the clock from one touch to the next', async () => {
    const { store } = await seededStore()
    let now = NOW
    const { session } = await open(depsFor(store, { now: () => now }))
    await session.touch()
    now += 5_000
    expect(await viaCallback((cb) => session.touch(cb))).toBeNull()
    expect(session.cookie.expires).toBe(new Date(NOW + 5_000 + 60_000).toISOString())
  })

  it('saves the data too on a store without touch', async () => {
    const { store: inner } = await seededStore()
    const { store, calls } = countingStore(inner, { withTouch: false })
    const { session } = await open(depsFor(store))
    session.count = 9
    await session.touch()
    expect(calls).toMatchObject({ touch: 0, set: 1 })
    expect(await requireStored(store, sid)).toMatchObject({ count: 9, cookie: { expires: new Date(NOW + 60_000).toISOString() } })
  })

  // On a store without `touch`, touch falls back to `set`: like save, it must first check that the
  // session still exists, or a touch after an HTTP logout would recreate it.
  it('does not recreate a session destroyed elsewhere, even on a store without touch', async () => {
    const { store: inner } = await seededStore()
    const { store } = countingStore(inner, { withTouch: false })
    const { session } = await open(depsFor(store))
    await destroyStored(store, sid)
    await session.touch().catch(() => undefined)
    expect(await readStored(store, sid)).toBeUndefined()
  })
})

describe('tracker', () => {
  it('settles only when every operation, and those started from their callbacks, are done', async () => {
    const { store } = await seededStore()
    const { session, tracker } = await open(depsFor(store))
    const log: string[] = []
    session.count = 2
    session.save((err) => {
      log.push(`saved:${String(err)}`)
      session.touch((err2) => {
        log.push(`touched:${String(err2)}`)
      })
    })
    expect(log).toStrictEqual([])
    await tracker.settle()
    expect(log).toStrictEqual(['saved:null', 'touched:null'])
  })

  it('records failures oldest first, including a callback that throws', async () => {
    const { store } = await seededStore()
    const { session, tracker } = await open(depsFor(store))
    const thrown = new Error('callback bug')
    await destroyStored(store, sid)
    session.save(() => {
      throw thrown
    })
    await tracker.settle()
    await session.reload().catch(() => undefined)
    expect(tracker.failures).toStrictEqual([sessionNotFound, handlerFailure(thrown), sessionNotFound])
  })

  it('settles at once when nothing was started', async () => {
    const { store } = await seededStore()
    const { tracker } = await open(depsFor(store))
    await expect(tracker.settle()).resolves.toBeUndefined()
    expect(tracker.sid).toBe(sid)
  })
})

describe('dataFingerprint and toStoredForm', () => {
  it('ignores the cookie but sees every data change', () => {
    const cookie: StoredCookie = { originalMaxAge: 1000, expires: 'a' }
    const base = dataFingerprint({ count: 1, cookie })
    expect(dataFingerprint({ count: 1, cookie: { ...cookie, expires: 'b' } })).toBe(base)
    expect(dataFingerprint({ count: 2, cookie })).not.toBe(base)
    expect(dataFingerprint({ count: 1, extra: true, cookie })).not.toBe(base)
  })

  it('copies own enumerable properties only', () => {
    const source = Object.create({ inherited: 1 }, { hidden: { value: 2, enumerable: false }, shown: { value: 3, enumerable: true } })
    expect(toStoredForm(source)).toStrictEqual({ shown: 3 })
  })
})

describe('extendExpiry', () => {
  it('sets expires to now + originalMaxAge', () => {
    const cookie: StoredCookie = { originalMaxAge: 1000, expires: null }
    extendExpiry(cookie, 5_000)
    expect(cookie.expires).toBe(new Date(6_000).toISOString())
  })

  it.each<{ name: string; cookie: StoredCookie | undefined }>([
    { name: 'no cookie', cookie: undefined },
    { name: 'a browser-session cookie', cookie: { originalMaxAge: null, expires: null } },
    { name: 'a cookie without max age', cookie: { expires: '2030-01-01T00:00:00.000Z' } },
  ])('leaves $name alone', ({ cookie }) => {
    const before = cookie === undefined ? undefined : { ...cookie }
    extendExpiry(cookie, 5_000)
    expect(cookie).toStrictEqual(before)
  })
})
