import type { SessionDecode } from '../data/decode'
import type { SessionOperationError } from '../errors/failure'
import type { Deadlines } from '../store/deadlines'
import type { SessionStore } from '../store/storePort'
import type { VersionedStore } from '../commit/versionedStore'
import type { SessionLog } from './logPort'

/** Callback form of the session methods: `null` on success. @category model */
export type SessionCallback = (err: SessionOperationError | null) => void

/** What a live session needs from the outside, captured once per `sessionAccess`. @category model */
export interface SessionDeps<A> {
  readonly store: SessionStore
  /** The deadline of every store call (`storeTimeoutMs`). */
  readonly deadlines: Deadlines
  readonly now: () => number
  /** May answer with a Promise (an async Standard Schema validator); never rejects. */
  readonly decode: SessionDecode<A>
  /** Keep the stored form of the data for `autoSave`'s change check (default true). */
  readonly trackChanges?: boolean
  /** Where the steps are written when debugging (`DEBUG=expression.socket.io:*`). */
  readonly log?: SessionLog
  /** `commit: 'compare-and-set'`: loads keep a version, saves are conditional writes. */
  readonly versioned?: VersionedStore | undefined
  /**
   * `onConflict: 'retry'`: how many times a turn may run its handler again after a conflict (0,
   * the default, is off). A save refused with `SessionConflict` before anything of the run was
   * written marks the run as lost (see {@link SessionOperations.lostTo}).
   */
  readonly conflictRetries?: number | undefined
}

/**
 * Destroys of one session started by this library in this process, counted. A save compares
 * the count with the one taken when its data was loaded: equal means none of our own
 * operations can have removed the session in between.
 * @category model
 */
export interface DestroyCount {
  destroys: number
}
