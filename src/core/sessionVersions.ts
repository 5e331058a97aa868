import * as E from 'fp-ts/Either'
import type * as TE from 'fp-ts/TaskEither'
import type { SessionError } from './errors'
import { adoptWritten, commitMerging } from './mergeCommit'
import type { SessionId } from './sessionId'
import type { StoredSession } from './storePort'
import { type Snapshot, type VersionedStore, loadSnapshot } from './versionedStore'

/** What the compare-and-set mode adds to a live session's dependencies. @category model */
export interface VersionedDeps<A> {
  /** Set in `commit: 'compare-and-set'` mode: loads keep a version, saves are conditional writes. */
  readonly versioned?: VersionedStore | undefined
  readonly timeoutMs: number
  readonly decode: (stored: StoredSession) => E.Either<SessionError, StoredSession & A>
}

/**
 * Loads a session with its version and decodes it (`codec`), for a live session in
 * compare-and-set mode.
 * @category session
 */
export const loadWithVersion = <A>(
  versioned: VersionedStore,
  deps: VersionedDeps<A>,
  sid: SessionId,
): Promise<E.Either<SessionError, { readonly data: StoredSession & A; readonly version: string }>> =>
  new Promise((resolve) =>
    loadSnapshot(versioned, deps.timeoutMs)(sid, (loaded) => {
      if (E.isLeft(loaded)) return resolve(loaded)
      const decoded = deps.decode(loaded.right.data)
      resolve(E.isLeft(decoded) ? decoded : E.right({ data: decoded.right, version: loaded.right.version }))
    }),
  )

/**
 * The version a live session holds, and its two operations that use it: `commit` (a save: a
 * conditional write merging with changes made elsewhere, see `commitMerging`; keys the merge
 * brought in are copied onto the live object) and `reload` (a fresh load and its version).
 * Both read the version when they run: the session's operations run one after another.
 * @category session
 */
export interface SessionVersions {
  commit(live: object, stored: StoredSession): TE.TaskEither<SessionError, StoredSession>
  readonly reload: TE.TaskEither<SessionError, StoredSession>
}

/** @category constructors */
export const trackVersions = (versioned: VersionedStore, timeoutMs: number, sid: SessionId, loaded: string): SessionVersions => {
  let version = loaded
  const commit = commitMerging(versioned, timeoutMs)
  return {
    commit: (live, stored) => () =>
      new Promise((resolve) =>
        commit(sid, { data: stored, version }, stored, (result) => {
          if (E.isLeft(result)) return resolve(result)
          version = result.right.version
          adoptWritten(live, stored, result.right.data)
          resolve(E.right(result.right.data))
        }),
      ),
    reload: () =>
      new Promise((resolve) =>
        loadSnapshot(versioned, timeoutMs)(sid, (loaded: E.Either<SessionError, Snapshot>) => {
          if (E.isRight(loaded)) version = loaded.right.version
          resolve(E.isLeft(loaded) ? loaded : E.right(loaded.right.data))
        }),
      ),
  }
}
