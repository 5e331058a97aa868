import * as E from 'fp-ts/Either'
import type * as TE from 'fp-ts/TaskEither'
import { type Deadlines, createDeadlines } from './deadlines'
import { type SessionError, invalidSession, sessionNotFound } from '../errors/errors'
import { expiredBy } from './expiry'
import type { SessionId } from '../cookie/sessionId'
import { type StoreDone, callStoreWith } from './storeCall'
import { DEFAULT_STORE_TIMEOUT_MS, type SessionRecord, type SessionStore, type StoreOptions, type StoredSession } from './storePort'

const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === 'object' && u !== null && !Array.isArray(u)

const describe = (u: unknown): string => (Array.isArray(u) ? 'an array' : u === null ? 'null' : typeof u)

/** Why `raw` (what `store.get` gave) is not a stored session, or `undefined` when it is one. */
const storedSessionError = (raw: unknown): SessionError | undefined => {
  if (raw === undefined || raw === null) return sessionNotFound
  if (!isRecord(raw)) return invalidSession([`session: expected an object, got ${describe(raw)}`])
  const cookie = raw['cookie']
  if (cookie !== undefined && !isRecord(cookie)) return invalidSession([`session.cookie: expected an object, got ${describe(cookie)}`])
  return undefined
}

/** Is `raw` (what `store.get` gave) a stored session? See {@link toStoredSession}. */
export const isStoredSession = (raw: unknown): raw is StoredSession => storedSessionError(raw) === undefined

/** Is `raw` (what `store.get` gave) the session as it is now: a stored session, not expired at `now()`? */
export const isCurrentSession = (raw: unknown, now: () => number): raw is StoredSession => isStoredSession(raw) && !expiredBy(raw, now)

/**
 * Why `raw` is not the session as it is now ({@link isCurrentSession} said no): absent or expired is
 * `SessionNotFound`, anything but a session object `InvalidSession`.
 */
export const notCurrentError = (raw: unknown): SessionError => storedSessionError(raw) ?? sessionNotFound

/**
 * What came back from `store.get`: nothing is `SessionNotFound`; anything but an object
 * (with, when present, an object `cookie`) is `InvalidSession`.
 * @category store
 */
export const toStoredSession = (raw: unknown): E.Either<SessionError, StoredSession> =>
  isStoredSession(raw) ? E.right(raw) : E.left(storedSessionError(raw) ?? sessionNotFound)

// The callback forms below are what the per-event path runs; the exported TaskEither functions
// are thin wrappers over the same code.

/** `store.get` as it came back, a missing-session error read as nothing (see `meansNoSession`). */
const getWith = (store: SessionStore, deadlines: Deadlines, sid: SessionId, done: StoreDone<unknown>): void =>
  callStoreWith<unknown>(deadlines, (cb) => store.get(sid, cb), done, true)

/** `store.get`, checked: see {@link toStoredSession}. @category store */
export const getStoredWith = (store: SessionStore, deadlines: Deadlines, sid: SessionId, done: StoreDone<StoredSession>): void =>
  getWith(store, deadlines, sid, (error, raw) => {
    if (error !== undefined) return done(error, undefined)
    if (isStoredSession(raw)) return done(undefined, raw)
    done(storedSessionError(raw), undefined)
  })

/**
 * The session as it is now: `store.get`, checked, and `SessionNotFound` when its cookie has
 * expired at `now` ({@link isExpired}) whatever the store still holds (see
 * {@link isCurrentSession}). What every load of a live session goes through: the per-event
 * load runs the same check from its own store-call target (`turn.ts`).
 * @category store
 */
export const getCurrentWith = (store: SessionStore, deadlines: Deadlines, now: () => number, sid: SessionId, done: StoreDone<StoredSession>): void =>
  getWith(store, deadlines, sid, (error, raw) => {
    if (error === undefined && isCurrentSession(raw, now)) return done(undefined, raw)
    done(error ?? notCurrentError(raw), undefined)
  })

/** `store.set`. @category store */
export const setStoredWith = (store: SessionStore, deadlines: Deadlines, sid: SessionId, data: StoredSession, done: StoreDone<void>): void =>
  callStoreWith<unknown>(deadlines, (cb) => store.set(sid, data satisfies SessionRecord, cb), (error) => done(error, undefined))

/** `store.destroy`. @category store */
export const destroyStoredWith = (store: SessionStore, deadlines: Deadlines, sid: SessionId, done: StoreDone<void>): void =>
  callStoreWith<unknown>(deadlines, (cb) => store.destroy(sid, cb), (error) => done(error, undefined))

/** Succeeds when the store still holds the session; `SessionNotFound` when not. @category store */
export const checkExistsWith = (store: SessionStore, deadlines: Deadlines, sid: SessionId, done: StoreDone<void>): void =>
  getWith(store, deadlines, sid, (error, found) => done(error ?? (found === undefined || found === null ? sessionNotFound : undefined), undefined))

/** `store.touch` where the store has it, else an existence check and `store.set`. @category store */
export const touchStoredWith = (store: SessionStore, deadlines: Deadlines, sid: SessionId, data: StoredSession, done: StoreDone<void>): void => {
  const touch = store.touch
  if (typeof touch === 'function')
    return callStoreWith<unknown>(deadlines, (cb) => Reflect.apply(touch, store, [sid, data, cb]), (error) => done(error, undefined))
  checkExistsWith(store, deadlines, sid, (error) =>
    error === undefined ? setStoredWith(store, deadlines, sid, data, done) : done(error, undefined),
  )
}

/** A lazy task over a callback operation; `toResult` turns a success's value into the task's. */
const taskOf =
  <A>(run: (done: StoreDone<A>) => void, toResult: (value: A | undefined) => E.Either<SessionError, A>): TE.TaskEither<SessionError, A> =>
  () =>
    new Promise((resolve) => run((error, value) => resolve(error === undefined ? toResult(value) : E.left(error))))

const nothing = (): E.Either<SessionError, void> => E.right(undefined)
const found = (value: StoredSession | undefined): E.Either<SessionError, StoredSession> => (value === undefined ? E.left(sessionNotFound) : E.right(value))

const deadlinesFor = (options: StoreOptions | undefined): Deadlines => createDeadlines(options?.timeoutMs ?? DEFAULT_STORE_TIMEOUT_MS)

/**
 * Reads a session from the store. Lazy: nothing happens until the task runs.
 *
 * @example
 * import { loadSession } from 'expression.socket.io'
 * const result = await loadSession(store, { timeoutMs: 2000 })(sid)()
 * // Right(session data) | Left(SessionNotFound | StoreFailure | StoreTimeout | InvalidSession)
 * @since 1.0.0
 * @category store
 */
export const loadSession = (store: SessionStore, options?: StoreOptions): ((sid: SessionId) => TE.TaskEither<SessionError, StoredSession>) => {
  const deadlines = deadlinesFor(options)
  return (sid) => taskOf((done) => getStoredWith(store, deadlines, sid, done), found)
}

/**
 * Writes a session to the store (`store.set`).
 *
 * @example
 * import { saveSession } from 'expression.socket.io'
 * await saveSession(store)(sid, { ...data, count: 1 })()
 * @since 1.0.0
 * @category store
 */
export const saveSession = (
  store: SessionStore,
  options?: StoreOptions,
): ((sid: SessionId, data: StoredSession) => TE.TaskEither<SessionError, void>) => {
  const deadlines = deadlinesFor(options)
  return (sid, data) => taskOf((done) => setStoredWith(store, deadlines, sid, data, done), nothing)
}

/**
 * Removes a session from the store (`store.destroy`).
 *
 * @example
 * import { destroySession } from 'expression.socket.io'
 * await destroySession(store)(sid)()
 * @since 1.0.0
 * @category store
 */
export const destroySession = (store: SessionStore, options?: StoreOptions): ((sid: SessionId) => TE.TaskEither<SessionError, void>) => {
  const deadlines = deadlinesFor(options)
  return (sid) => taskOf((done) => destroyStoredWith(store, deadlines, sid, done), nothing)
}

/**
 * Succeeds when the store still holds the session, `SessionNotFound` when it does not: the check
 * a write makes so that it never recreates a session that was logged out meanwhile.
 *
 * @example
 * import { checkSessionExists } from 'expression.socket.io'
 * await checkSessionExists(store)(sid)() // Right(undefined) | Left(SessionNotFound | StoreFailure | StoreTimeout)
 * @since 1.0.0
 * @category store
 */
export const checkSessionExists = (store: SessionStore, options?: StoreOptions): ((sid: SessionId) => TE.TaskEither<SessionError, void>) => {
  const deadlines = deadlinesFor(options)
  return (sid) => taskOf((done) => checkExistsWith(store, deadlines, sid, done), nothing)
}

/**
 * Extends a session's life in the store: `store.touch` where the store has it, else `store.set`
 * — after checking that the session still exists, so a touch never recreates a session that was
 * logged out meanwhile (`SessionNotFound`).
 *
 * @example
 * import { touchSession } from 'expression.socket.io'
 * await touchSession(store)(sid, data)()
 * @since 1.0.0
 * @category store
 */
export const touchSession = (
  store: SessionStore,
  options?: StoreOptions,
): ((sid: SessionId, data: StoredSession) => TE.TaskEither<SessionError, void>) => {
  const deadlines = deadlinesFor(options)
  return (sid, data) => taskOf((done) => touchStoredWith(store, deadlines, sid, data, done), nothing)
}
