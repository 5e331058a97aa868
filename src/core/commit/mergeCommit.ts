import * as E from 'fp-ts/Either'
import { type SessionError, sessionConflict, sessionNotFound, storeFailure, storeTimeout } from '../errors/errors'
import type { SessionId } from '../cookie/sessionId'
import { toStoredSession } from '../store/storeOps'
import type { StoredSession } from '../store/storePort'
import { type CommitOutcome, type Found, type Snapshot, type VersionedStore } from './versionedStore'
import { createDeadlines, type Deadlines } from '../store/deadlines'
import { callStoreWith } from '../store/storeCall'
import { ownData, setOwnData } from '../data/plainData'
import { unserializableFrom } from '../data/serializable'

/**
 * How many conditional writes one save tries before it gives up with `SessionConflict` (empty
 * `keys`). High enough that, under load, saves of keys no one else changes are not refused only
 * because others keep writing other keys: what bounds a save in practice is its deadline
 * (`storeTimeoutMs` for all its tries together).
 */
export const MAX_COMMIT_TRIES = 64

/**
 * Equal as stored (JSON)? Never throws: values JSON cannot compare (a custom serializer's `BigInt`,
 * say) are equal only when identical.
 */
const same = (a: unknown, b: unknown): boolean => {
  if (a === b) return true
  try {
    return JSON.stringify(a) === JSON.stringify(b)
  } catch {
    return false
  }
}

const expiresOf = (cookie: unknown): number => {
  const expires: unknown = typeof cookie === 'object' && cookie !== null ? ownData(cookie, 'expires') : undefined
  if (expires === undefined || expires === null) return Infinity
  const at = typeof expires === 'string' || typeof expires === 'number' || expires instanceof Date ? new Date(expires).getTime() : Number.NaN
  // An expiry that does not parse loses against any that does.
  return Number.isNaN(at) ? -Infinity : at
}

/**
 * Three-way merge of top-level keys. `base` is what this turn loaded, `mine` what it wants to
 * save, `theirs` what the store holds now. A key this turn changed is put onto `theirs` unless
 * `theirs` changed it too (to any value): those keys come back as `Left`, nothing merged.
 * The `cookie` never conflicts: a changed cookie is taken, and when both sides changed it the
 * one expiring later wins (two rolling touches). Keys are data whatever their name: a
 * `__proto__` key is merged as an own property, never as a prototype.
 *
 * @example
 * import { mergeChanges } from 'expression.socket.io'
 * mergeChanges({ a: 1, b: 1 }, { a: 2, b: 1 }, { a: 1, b: 5 }) // Right({ a: 2, b: 5 })
 * mergeChanges({ a: 1 }, { a: 2 }, { a: 3 })                   // Left(['a'])
 * @since 1.1.0
 * @category session
 */
export const mergeChanges = (
  base: StoredSession,
  mine: StoredSession,
  theirs: StoredSession,
): E.Either<ReadonlyArray<string>, StoredSession> => {
  // Object spread copies an own `__proto__` as data; every read below is of own properties only.
  const merged: StoredSession = { ...theirs }
  const conflicts: string[] = []
  for (const key of new Set([...Object.keys(base), ...Object.keys(mine)])) {
    if (key === 'cookie') continue
    const baseValue = ownData(base, key)
    const mineValue = ownData(mine, key)
    if (same(baseValue, mineValue)) continue
    // Both sides changed it: a conflict even when to the same value, since two `count++` from
    // 1 would both write 2 and one increment would be lost.
    if (!same(ownData(theirs, key), baseValue)) conflicts.push(key)
    else if (Object.hasOwn(mine, key)) setOwnData(merged, key, mineValue)
    else Reflect.deleteProperty(merged, key)
  }
  if (conflicts.length > 0) return E.left(conflicts)
  const mineCookie = ownData(mine, 'cookie')
  const theirCookie = ownData(theirs, 'cookie')
  const baseCookie = ownData(base, 'cookie')
  if (mineCookie !== undefined && !same(baseCookie, mineCookie)) {
    const theirsKept = same(baseCookie, theirCookie)
    setOwnData(merged, 'cookie', theirsKept || expiresOf(mineCookie) >= expiresOf(theirCookie) ? mineCookie : theirCookie)
  }
  return E.right(merged)
}

/** Where merged-in keys go: the live session's data (see `SessionOperations`). */
export interface DataTarget {
  set(key: string, value: unknown): void
  delete(key: string): void
}

/**
 * After a merged commit, copies onto the live session the keys the store's copy brought in
 * (those where `written` differs from the `sent` data), so that a later save in the same turn
 * does not take them for changes of its own.
 * @category session
 */
export const adoptWritten = (target: DataTarget, sent: StoredSession, written: StoredSession): void => {
  if (written === sent) return
  for (const key of new Set([...Object.keys(sent), ...Object.keys(written)])) {
    if (same(ownData(sent, key), ownData(written, key))) continue
    if (Object.hasOwn(written, key)) target.set(key, ownData(written, key))
    else target.delete(key)
  }
}

/**
 * How a commit ended: the new snapshot (data as written), or why not. With a `SessionConflict`
 * found by the merge, `latest` is the session as the store holds it now (parsed, with its
 * version): what a handler run again on a fresh copy starts from.
 */
export type CommitDone = (result: E.Either<SessionError, Snapshot>, latest?: Snapshot) => void

const decodeSession = (store: VersionedStore, raw: string, done: (result: E.Either<SessionError, StoredSession>) => void): void => {
  let called = false
  try {
    store.decode(raw, (err, data) => {
      if (called) return
      called = true
      done(err ? E.left(storeFailure(err)) : toStoredSession(data))
    })
  } catch (err) {
    if (!called) done(E.left(storeFailure(err)))
  }
}

/**
 * Saves `data` over the `loaded` snapshot with conditional writes, all within `timeoutMs`:
 * - the store still holds the loaded version → written;
 * - it holds another one → the keys this turn changed are merged onto it and written again
 *   (at most {@link MAX_COMMIT_TRIES} writes), unless the other side changed one of them too:
 *   `SessionConflict`, nothing written;
 * - the session is gone → `SessionNotFound`, nothing created;
 * - the write's reply is lost (`StoreFailure`) or late (`StoreTimeout`) → that error: the
 *   outcome is unknown. (Reading the key back cannot tell: two saves from the same base, such as
 *   two `count++`, write the very same bytes, so finding them proves nothing about this save.)
 * Calls back once with the new snapshot (data as written, which may include others' keys).
 *
 * @example
 * import { type Snapshot, type VersionedStore, commitMerging } from 'expression.socket.io'
 * declare const versioned: VersionedStore // versionedRedisStore(store)
 * declare const loaded: Snapshot // what loadSnapshot gave
 * commitMerging(versioned, 2000)(sid, loaded, { ...loaded.data, count: 2 }, (result) => {
 *   // Right(new snapshot) | Left(SessionConflict | SessionNotFound | StoreFailure | StoreTimeout | InvalidSession)
 * })
 * @since 1.1.0
 * @category session
 */
export const commitMerging = (
  store: VersionedStore,
  timeoutMs: number,
  maxTries: number = MAX_COMMIT_TRIES,
): ((sid: SessionId, loaded: Snapshot, data: StoredSession, done: CommitDone) => void) => commitMergingWith(store, createDeadlines(timeoutMs), maxTries)

/** Wraps a callback-style store call's outcome as an `Either` for the steps below. */
const eitherOf = <A>(error: SessionError | undefined, value: A | undefined): E.Either<SessionError, A | undefined> =>
  error === undefined ? E.right(value) : E.left(error)

/**
 * {@link commitMerging} on the caller's deadlines: each store call is bounded by
 * `deadlines.timeoutMs`, and no new try starts once that much time has passed since the save
 * began (`StoreTimeout`).
 * @category session
 */
export const commitMergingWith =
  (store: VersionedStore, deadlines: Deadlines, maxTries: number = MAX_COMMIT_TRIES) =>
  (sid: SessionId, loaded: Snapshot, data: StoredSession, done: CommitDone): void => {
    const timeoutMs = deadlines.timeoutMs
    const deadline = Date.now() + timeoutMs
    const callBefore = <A>(call: (cb: (err: unknown, value?: A) => void) => void, then: (result: E.Either<SessionError, A | undefined>) => void): void => {
      if (Date.now() >= deadline) return then(E.left(storeTimeout(timeoutMs)))
      callStoreWith<A>(deadlines, call, (error, value) => then(eitherOf(error, value)))
    }

    // `base` is undefined on the first try: the loaded data may be the live session's own
    // objects, mutated in place since, so the base is parsed again from its version.
    const attempt = (version: string, base: StoredSession | undefined, mine: StoredSession, tries: number): void => {
      let encoded: string
      try {
        encoded = store.encode(mine)
      } catch (err) {
        return done(E.left(unserializableFrom(mine, err)))
      }
      callBefore<CommitOutcome>(
        (cb) => store.commit(sid, mine, encoded, version, cb),
        (result) => {
          if (E.isLeft(result)) return done(result)
          const outcome = result.right
          if (outcome === undefined) return done(E.left(storeFailure(new Error('the store gave no commit outcome'))))
          switch (outcome._tag) {
            case 'Committed':
              return done(E.right({ data: mine, version: outcome.version }))
            case 'Missing':
              return done(E.left(sessionNotFound))
            case 'Mismatch':
              return tries >= maxTries ? done(E.left(sessionConflict([]))) : remerge(version, base, mine, outcome.current, tries)
          }
        },
      )
    }

    const remerge = (version: string, base: StoredSession | undefined, mine: StoredSession, current: string, tries: number): void =>
      withBase(version, base, (baseData) =>
        decodeSession(store, current, (theirs) => {
          if (E.isLeft(theirs)) return done(theirs)
          const merged = mergeChanges(baseData, mine, theirs.right)
          if (E.isLeft(merged)) return done(E.left(sessionConflict(merged.left)), { data: theirs.right, version: current })
          attempt(current, theirs.right, merged.right, tries + 1)
        }),
      )

    const withBase = (version: string, base: StoredSession | undefined, then: (base: StoredSession) => void): void => {
      if (base !== undefined) return then(base)
      decodeSession(store, version, (decoded) => (E.isLeft(decoded) ? done(decoded) : then(decoded.right)))
    }

    attempt(loaded.version, undefined, data, 1)
  }
