import type { SessionError } from '../errors/errors'
import type { SessionDeps } from './sessionDeps'
import type { SessionId } from '../cookie/sessionId'
import { getCurrentWith } from '../store/storeOps'
import type { StoredSession } from '../store/storePort'
import { loadSnapshotWith } from '../commit/versionedStore'

/**
 * The one load every live session goes through (an event's, a handshake's, a `reload`): the
 * session as it is now, `SessionNotFound` when absent or expired. In compare-and-set mode
 * (`deps.versioned`) it also gives the stored string it came from, the version a save commits
 * against; otherwise `version` is `undefined`.
 */
export const loadCurrentWith = <A>(
  deps: SessionDeps<A>,
  sid: SessionId,
  done: (error: SessionError | undefined, stored: StoredSession | undefined, version?: string) => void,
): void => {
  if (deps.versioned === undefined) return getCurrentWith(deps.store, deps.deadlines, deps.now, sid, done)
  loadSnapshotWith(deps.versioned, deps.deadlines, deps.now, sid, (error, snapshot) => done(error, snapshot?.data, snapshot?.version))
}
