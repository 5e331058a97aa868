import * as E from 'fp-ts/Either'
import { type SessionError, sessionNotFound, storeFailure, storeTimeout } from './errors'
import type { SessionId } from './sessionId'
import { toStoredSession } from './storeOps'
import type { StoredSession } from './storePort'

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
 * import type { VersionedStore } from 'expression.socket.io'
 * const loadRaw = (vs: VersionedStore, sid: SessionId) =>
 *   vs.load(sid, (err, found) => console.log(err ?? found?.version))
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
 * Calls `call` with a callback that settles at most once: on its first answer, or with
 * `StoreTimeout` when `deadline` (ms since the epoch, from `now`) passes first.
 */
export const callBefore = <A>(
  deadline: number,
  timeoutMs: number,
  call: (cb: (err: unknown, value?: A) => void) => void,
  done: (result: E.Either<SessionError, A | undefined>) => void,
): void => {
  let settled = false
  const settle = (result: E.Either<SessionError, A | undefined>): void => {
    if (settled) return
    settled = true
    clearTimeout(timer)
    done(result)
  }
  const timer = setTimeout(() => settle(E.left(storeTimeout(timeoutMs))), Math.max(0, deadline - Date.now()))
  timer.unref()
  try {
    call((err, value) => settle(err ? E.left(storeFailure(err)) : E.right(value)))
  } catch (err) {
    settle(E.left(storeFailure(err)))
  }
}

/**
 * Loads a session and its version, within `timeoutMs`: absent is `SessionNotFound`, a value
 * that is not a session object is `InvalidSession`.
 *
 * @example
 * import { loadSnapshot } from 'expression.socket.io'
 * loadSnapshot(versioned, 2000)(sid, (result) => {
 *   // Right({ data, version }) | Left(SessionNotFound | StoreFailure | StoreTimeout | InvalidSession)
 * })
 * @since 1.1.0
 * @category store
 */
export const loadSnapshot =
  (store: VersionedStore, timeoutMs: number) =>
  (sid: SessionId, done: (result: E.Either<SessionError, Snapshot>) => void): void =>
    callBefore<Found>(Date.now() + timeoutMs, timeoutMs, (cb) => store.load(sid, cb), (found) => {
      if (E.isLeft(found)) return done(found)
      if (found.right === undefined) return done(E.left(sessionNotFound))
      const { version } = found.right
      const data = toStoredSession(found.right.data)
      done(E.isLeft(data) ? data : E.right({ data: data.right, version }))
    })
