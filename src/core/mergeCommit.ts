import * as E from 'fp-ts/Either'
import { type SessionError, sessionConflict, sessionNotFound, storeFailure, storeTimeout } from './errors'
import type { SessionId } from './sessionId'
import { toStoredSession } from './storeOps'
import type { StoredCookie, StoredSession } from './storePort'
import { type CommitOutcome, type Found, type Snapshot, type VersionedStore } from './versionedStore'
import { createDeadlines, type Deadlines } from './deadlines'
import { callStoreWith } from './storeCall'

/** How many conditional writes one save tries before it gives up with `SessionConflict`. */
export const MAX_COMMIT_TRIES = 8

const same = (a: unknown, b: unknown): boolean => a === b || JSON.stringify(a) === JSON.stringify(b)

const expiresOf = (cookie: StoredCookie | undefined): number => {
  const expires = cookie?.expires
  return expires === undefined || expires === null ? Infinity : new Date(expires).getTime()
}

/**
 * Three-way merge of top-level keys. `base` is what this turn loaded, `mine` what it wants to
 * save, `theirs` what the store holds now. A key this turn changed is put onto `theirs` unless
 * `theirs` changed it too (to any value): those keys come back as `Left`, nothing merged.
 * The `cookie` never conflicts: a changed cookie is taken, and when both sides changed it the
 * one expiring later wins (two rolling touches).
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
  const merged: StoredSession = { ...theirs }
  const conflicts: string[] = []
  for (const key of new Set([...Object.keys(base), ...Object.keys(mine)])) {
    if (key === 'cookie') continue
    const mineValue = mine[key]
    if (same(base[key], mineValue)) continue
    // Both sides changed it: a conflict even when to the same value, since two `count++` from
    // 1 would both write 2 and one increment would be lost.
    if (!same(theirs[key], base[key])) conflicts.push(key)
    else if (Object.hasOwn(mine, key)) merged[key] = mineValue
    else Reflect.deleteProperty(merged, key)
  }
  if (conflicts.length > 0) return E.left(conflicts)
  if (mine.cookie !== undefined && !same(base.cookie, mine.cookie)) {
    const theirsKept = same(base.cookie, theirs.cookie)
    merged.cookie = theirsKept || expiresOf(mine.cookie) >= expiresOf(theirs.cookie) ? mine.cookie : theirs.cookie
  }
  return E.right(merged)
}

/**
 * After a merged commit, copies onto the live session the keys the store's copy brought in
 * (those where `written` differs from the `sent` data), so that a later save in the same turn
 * does not take them for changes of its own.
 * @category session
 */
export const adoptWritten = (target: object, sent: StoredSession, written: StoredSession): void => {
  if (written === sent) return
  for (const key of new Set([...Object.keys(sent), ...Object.keys(written)])) {
    if (same(sent[key], written[key])) continue
    if (Object.hasOwn(written, key)) Reflect.set(target, key, written[key])
    else Reflect.deleteProperty(target, key)
  }
}

/** How a commit ended: the new snapshot (data as written), or why not. */
export type CommitDone = (result: E.Either<SessionError, Snapshot>) => void

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
 * - the write's reply is lost (`StoreFailure`) → one read: if the store holds exactly what was
 *   written, it counts as written; otherwise the `StoreFailure` stands. A `StoreTimeout` means
 *   the time is up: the outcome stays unknown and is reported as `StoreTimeout`.
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
      const encoded = store.encode(mine)
      callBefore<CommitOutcome>(
        (cb) => store.commit(sid, mine, encoded, version, cb),
        (result) => {
          if (E.isLeft(result)) return result.left._tag === 'StoreFailure' ? verify(encoded, mine, result.left) : done(result)
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
          if (E.isLeft(merged)) return done(E.left(sessionConflict(merged.left)))
          attempt(current, theirs.right, merged.right, tries + 1)
        }),
      )

    const withBase = (version: string, base: StoredSession | undefined, then: (base: StoredSession) => void): void => {
      if (base !== undefined) return then(base)
      decodeSession(store, version, (decoded) => (E.isLeft(decoded) ? done(decoded) : then(decoded.right)))
    }

    const verify = (encoded: string, mine: StoredSession, failure: SessionError): void =>
      callBefore<Found>((cb) => store.load(sid, cb), (found) =>
        done(E.isRight(found) && found.right?.version === encoded ? E.right({ data: mine, version: encoded }) : E.left(failure)),
      )

    attempt(loaded.version, undefined, data, 1)
  }
