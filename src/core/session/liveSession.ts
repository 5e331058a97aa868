import type { SessionOperationError } from '../errors/failure'
import type { DefaultSessionData } from '../data/sessionData'
import type { SessionId } from '../cookie/sessionId'
import { type DestroyCount, type SessionCallback, type SessionDeps, SessionOperations, type SessionTracker } from './sessionOperations'
import type { StoredCookie, StoredSession } from '../store/storePort'

export type { SessionCallback, SessionDeps, SessionTracker } from './sessionOperations'
export { dataFingerprint, extendExpiry, fingerprintOf, toStoredForm } from './sessionOperations'

/**
 * The methods and fixed fields every session has, as on express-session's `req.session`.
 * @since 1.0.0
 * @category model
 */
export interface SessionHandle {
  /** The session id (not enumerable: never saved as data). */
  readonly id: SessionId
  /** The cookie settings express-session stored with the session. */
  cookie: StoredCookie
  /** Writes the session to the store. Refused with `SessionNotFound` if it was destroyed meanwhile. */
  save(): Promise<void>
  save(callback: SessionCallback): void
  /** Replaces the data with the store's current copy. */
  reload(): Promise<void>
  reload(callback: SessionCallback): void
  /** Removes the session from the store (logout). */
  destroy(): Promise<void>
  destroy(callback: SessionCallback): void
  /** Pushes the expiry forward by the cookie's `originalMaxAge` and tells the store. */
  touch(): Promise<void>
  touch(callback: SessionCallback): void
  /**
   * Runs `effect` once the event's turn has ended well: the handler settled, its session
   * operations completed, `autoSave` committed. Dropped if the turn fails, and — with
   * `onConflict: 'retry'` — if this run lost a conflict and the handler runs again (the next run
   * registers its own). For emits that must follow the write:
   * `session.afterCommit(() => io.to(room).emit('count', session.count))`.
   */
  afterCommit(effect: () => void): void
}

/**
 * What a handler receives: the session's data as properties plus {@link SessionHandle}.
 *
 * @example
 * withSession(async (session: Session<{ count?: number }>) => {
 *   session.count = (session.count ?? 0) + 1
 *   await session.save()
 * })
 * @since 1.0.0
 * @category model
 */
export type Session<A = DefaultSessionData> = A & SessionHandle

// Re-exported for callers that catch a method's failure by class.
export type { SessionOperationError }

class LiveSession implements SessionHandle {
  declare cookie: StoredCookie
  // A private field: invisible to `{ ...session }`, so never part of the saved data.
  readonly #ops: SessionOperations<unknown>

  constructor(ops: SessionOperations<unknown>) {
    this.#ops = ops
  }

  // An accessor on the prototype: never part of the saved data, and a stored `id` field
  // assigned over it is ignored instead of replacing the real id.
  get id(): SessionId {
    return this.#ops.sid
  }
  set id(_ignored: SessionId) {}

  save(): Promise<void>
  save(callback: SessionCallback): void
  save(callback?: SessionCallback): Promise<void> | undefined {
    return this.#ops.perform('save', callback)
  }
  reload(): Promise<void>
  reload(callback: SessionCallback): void
  reload(callback?: SessionCallback): Promise<void> | undefined {
    return this.#ops.perform('reload', callback)
  }
  destroy(): Promise<void>
  destroy(callback: SessionCallback): void
  destroy(callback?: SessionCallback): Promise<void> | undefined {
    return this.#ops.perform('destroy', callback)
  }
  touch(): Promise<void>
  touch(callback: SessionCallback): void
  touch(callback?: SessionCallback): Promise<void> | undefined {
    return this.#ops.perform('touch', callback)
  }
  afterCommit(effect: () => void): void {
    if (typeof effect !== 'function') throw new TypeError('expression.socket.io: afterCommit takes a function')
    this.#ops.afterCommit(effect)
  }
}

/**
 * Puts `data` (parsed for this load alone: stores parse on every get) onto the session object as
 * own data properties, beside the methods and the id (see `sessionFields`); from then on the
 * object carries `data`'s fields, which is what the assertion states.
 */
function fillSessionObject<A>(tracker: SessionOperations<A>, live: LiveSession, data: StoredSession & A): asserts live is LiveSession & StoredSession & A {
  tracker.fill(live, data)
}

/** A live session and the operations behind it. @category model */
export interface LoadedSession<A> {
  readonly session: Session<A>
  readonly tracker: SessionOperations<A>
}

/**
 * Builds the session object a handler gets from the data just loaded, and the operations
 * tracker the handler's turn uses to wait for what it starts.
 *
 * `destroyCount` and `loadMark` feed the rule that decides when a save must first check that the
 * session still exists (see {@link SessionOperations}); by default every save checks.
 * @since 1.0.0
 * @category session
 */
export const createSession = <A>(
  deps: SessionDeps<A>,
  sid: SessionId,
  data: StoredSession & A,
  destroyCount: DestroyCount = { destroys: 0 },
  loadMark: number = destroyCount.destroys,
  /** Compare-and-set mode: the stored string `data` came from. */
  version?: string,
): LoadedSession<A> => {
  const tracker = new SessionOperations<A>(deps, sid, destroyCount, loadMark, version)
  const live = new LiveSession(tracker)
  fillSessionObject(tracker, live, data)
  const session: Session<A> = live
  return { session, tracker }
}
