// Test doubles for the store port: a real express-session MemoryStore (optionally counted) and
// small hand-written stores for fault injection. Not a test file (no `.test.ts`): shared helpers.
import session from 'express-session'
import type { SessionStore, StoredSession } from '../../src/core/store/storePort'

export interface StoreCalls {
  get: number
  set: number
  destroy: number
  touch: number
}

/** A fresh, real express-session MemoryStore seen through the port. */
export const memoryStore = (): SessionStore => new session.MemoryStore()

/**
 * Wraps a store and counts every call. `withTouch: false` hides `touch`, like a store that does
 * not implement it.
 */
export const countingStore = (
  inner: SessionStore = memoryStore(),
  { withTouch = true }: { readonly withTouch?: boolean } = {},
): { readonly store: SessionStore; readonly calls: StoreCalls } => {
  const calls: StoreCalls = { get: 0, set: 0, destroy: 0, touch: 0 }
  const base: SessionStore = {
    get: (sid, cb) => {
      calls.get += 1
      return inner.get(sid, cb)
    },
    set: (sid, data, cb) => {
      calls.set += 1
      return inner.set(sid, data, cb)
    },
    destroy: (sid, cb) => {
      calls.destroy += 1
      return inner.destroy(sid, cb)
    },
  }
  const touch = inner.touch?.bind(inner)
  if (!withTouch || touch === undefined) return { store: base, calls }
  return {
    store: {
      ...base,
      touch: (sid, data, cb) => {
        calls.touch += 1
        return touch(sid, data, cb)
      },
    },
    calls,
  }
}

/** A store whose methods are all replaced by `overrides`; the rest succeed immediately. */
export const fakeStore = (overrides: Partial<SessionStore>): SessionStore => ({
  get: (_sid, cb) => cb(null, undefined),
  set: (_sid, _data, cb) => cb?.(),
  destroy: (_sid, cb) => cb?.(),
  ...overrides,
})

/** A store whose `get` calls back with exactly `value`. */
export const storeReturning = (value: unknown): SessionStore =>
  fakeStore({ get: (_sid, cb) => setImmediate(() => cb(null, value)) })

export const readStored = (store: SessionStore, sid: string): Promise<unknown> =>
  new Promise((resolve, reject) => {
    store.get(sid, (err, value) => (err ? reject(toError(err)) : resolve(value)))
  })

export const writeStored = (store: SessionStore, sid: string, data: StoredSession): Promise<void> =>
  new Promise((resolve, reject) => {
    store.set(sid, data, (err) => (err ? reject(toError(err)) : resolve()))
  })

export const destroyStored = (store: SessionStore, sid: string): Promise<void> =>
  new Promise((resolve, reject) => {
    store.destroy(sid, (err) => (err ? reject(toError(err)) : resolve()))
  })

const toError = (err: unknown): Error => (err instanceof Error ? err : new Error(String(err)))

/** Lets every pending callback, microtask and `setImmediate` run. */
export const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

/** A cookie as express-session stores it, expiring `maxAge` ms after `from`. */
export const storedCookie = (from: number, maxAge = 60_000): NonNullable<StoredSession['cookie']> => ({
  originalMaxAge: maxAge,
  expires: new Date(from + maxAge).toISOString(),
  httpOnly: true,
  path: '/',
})

/** Type guard used to read stored sessions back without casts. */
export const isRecord = (u: unknown): u is Record<string, unknown> =>
  typeof u === 'object' && u !== null && !Array.isArray(u)

/** The stored session, which must exist and be an object. */
export const requireStored = async (store: SessionStore, sid: string): Promise<Record<string, unknown>> => {
  const value = await readStored(store, sid)
  if (!isRecord(value)) throw new Error(`expected a stored session for ${sid}, got ${String(value)}`)
  return value
}
