import * as E from 'fp-ts/Either'
import { createDeadlines, type Deadlines } from '../store/deadlines'
import { type SessionError, sessionNotFound } from '../errors/errors'
import { expiredBy } from '../store/expiry'
import { callStoreWith } from '../store/storeCall'
import type { SessionId } from '../cookie/sessionId'
import { toStoredSession } from '../store/storeOps'
import type { StoredSession } from '../store/storePort'

/**
 * A session as loaded for a compare-and-set commit: the data, and the exact stored string it was
 * parsed from. The string is the version: a commit succeeds only while the store still holds it.
 * @since 1.1.0
 * @category model
 */
export interface Snapshot {
  readonly data: StoredSession
  readonly version: string
}

/** What `load` found: the parsed value (not yet checked) and the stored string. @category model */
export interface Found {
  readonly data: unknown
  readonly version: string
}

/**
 * What a conditional write came to.
 * - `Committed`: written; `version` is the stored string now.
 * - `Mismatch`: the stored string was no longer the expected one; nothing written. `current` is
 *   the string stored now.
 * - `Missing`: no such key (logged out, expired); nothing written, nothing created.
 * @since 1.1.0
 * @category model
 */
export type CommitOutcome =
  | { readonly _tag: 'Committed'; readonly version: string }
  | { readonly _tag: 'Mismatch'; readonly current: string }
  | { readonly _tag: 'Missing' }

/**
 * The port a compare-and-set commit needs from a store (connect-redis: see
 * `versionedRedisStore`). Callback style: an `err` means the outcome is unknown (the write
 * may or may not have happened).
 *
 * @example
 * import type { SessionId, VersionedStore } from 'expression.socket.io'
 * const loadRaw = (vs: VersionedStore, sid: SessionId) =>
 *   vs.load(sid, (err, found) => void (err ?? found?.version)) // the raw stored string, or why not
 * @since 1.1.0
 * @category model
 */
export interface VersionedStore {
  /** GET: the parsed session and the stored string it came from; `undefined` when absent. */
  load(sid: SessionId, cb: (err: unknown, found?: Found) => void): void
  /** The string `commit` stores for `data` (its version once committed). */
  encode(data: StoredSession): string
  /** Parses a stored string, as `load` does. */
  decode(raw: string, cb: (err: unknown, data?: unknown) => void): void
  /**
   * Writes `encoded` (= `encode(data)`) only if the stored string still equals `version`; never
   * creates a missing key. The expiry follows the store's own rules for `data`.
   */
  commit(sid: SessionId, data: StoredSession, encoded: string, version: string, cb: (err: unknown, outcome?: CommitOutcome) => void): void
}

/**
 * Loads a session and its version (callback form, on the caller's deadlines): absent is
 * `SessionNotFound`, a value that is not a session object is `InvalidSession`, a session whose
 * cookie has expired at `now` is `SessionNotFound`.
 * @category store
 */
export const loadSnapshotWith = (
  store: VersionedStore,
  deadlines: Deadlines,
  now: () => number,
  sid: SessionId,
  done: (error: SessionError | undefined, snapshot: Snapshot | undefined) => void,
): void =>
  callStoreWith<Found>(deadlines, (cb) => store.load(sid, cb), (error, found) => {
    if (error !== undefined) return done(error, undefined)
    if (found === undefined) return done(sessionNotFound, undefined)
    const data = toStoredSession(found.data)
    if (E.isLeft(data)) return done(data.left, undefined)
    if (expiredBy(data.right, now)) return done(sessionNotFound, undefined)
    done(undefined, { data: data.right, version: found.version })
  })

/**
 * Loads a session and its version, within `timeoutMs`: absent (or expired) is
 * `SessionNotFound`, a value that is not a session object is `InvalidSession`.
 *
 * @example
 * import { type VersionedStore, loadSnapshot } from 'expression.socket.io'
 * declare const versioned: VersionedStore // versionedRedisStore(store)
 * loadSnapshot(versioned, 2000)(sid, (result) => {
 *   // Right({ data, version }) | Left(SessionNotFound | StoreFailure | StoreTimeout | InvalidSession)
 * })
 * @since 1.1.0
 * @category store
 */
export const loadSnapshot = (
  store: VersionedStore,
  timeoutMs: number,
  now: () => number = Date.now,
): ((sid: SessionId, done: (result: E.Either<SessionError, Snapshot>) => void) => void) => {
  const deadlines = createDeadlines(timeoutMs)
  return (sid, done) =>
    loadSnapshotWith(store, deadlines, now, sid, (error, snapshot) =>
      done(error === undefined && snapshot !== undefined ? E.right(snapshot) : E.left(error ?? sessionNotFound)),
    )
}
