import { pipe } from 'fp-ts/function'
import * as E from 'fp-ts/Either'
import * as TE from 'fp-ts/TaskEither'
import { type SessionError, sessionNotFound } from './errors'
import { type AccessFailure, SessionOperationError, handlerFailure } from './failure'
import type { DefaultSessionData } from './sessionData'
import type { SessionId } from './sessionId'
import { checkSessionExists, destroySession, loadSession, saveSession, touchSession } from './storeOps'
import type { SessionStore, StoredCookie, StoredSession } from './storePort'
import { type VersionedDeps, trackVersions } from './sessionVersions'

/** Callback form of the session methods: `null` on success. @category model */
export type SessionCallback = (err: SessionOperationError | null) => void

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

/** What a live session needs from the outside, captured once per `sessionAccess`. @category model */
export interface SessionDeps<A> extends VersionedDeps<A> {
  readonly store: SessionStore
  readonly timeoutMs: number
  readonly now: () => number
  readonly decode: (stored: StoredSession) => E.Either<SessionError, StoredSession & A>
  /**
   * Events of one session run one at a time in this process (`serialize`). A save started in the
   * same microtask cascade as the load that produced its data then needs no existence check.
   */
  readonly exclusiveTurns?: boolean
  /** Keep the stored form of the data for `autoSave`'s change check (default true). */
  readonly trackChanges?: boolean
}

/**
 * The bookkeeping behind one live session: operations in flight (a handler's turn waits for
 * them) and the failures they ended with.
 * @category model
 */
export interface SessionTracker {
  readonly sid: SessionId
  /** Resolves when every operation started so far (and any they started) has completed. */
  settle(): Promise<void>
  /** Failures of operations and of callbacks given to them, oldest first. */
  readonly failures: ReadonlyArray<AccessFailure>
  /** The stored form of the data when it was loaded or last saved. */
  baseline(): string
  isDestroyed(): boolean
}

type Operation = 'save' | 'reload' | 'destroy' | 'touch'

/** The fields that would be written to the store: own enumerable properties only. */
export const toStoredForm = (session: object): StoredSession => ({ ...session })

/** Stored form without the cookie, the part `autoSave` compares. */
export const dataFingerprint = (session: object): string => {
  const { cookie: _cookie, ...data } = toStoredForm(session)
  return JSON.stringify(data)
}

const noop = (): void => undefined

const settled: Promise<void> = Promise.resolve()

class LiveSession implements SessionHandle {
  declare cookie: StoredCookie
  readonly #sid: SessionId
  readonly #perform: (self: LiveSession, op: Operation, cb: SessionCallback | undefined) => Promise<void> | undefined

  constructor(
    sid: SessionId,
    perform: (self: LiveSession, op: Operation, cb: SessionCallback | undefined) => Promise<void> | undefined,
  ) {
    this.#sid = sid
    this.#perform = perform
  }

  // An accessor on the prototype: never part of the saved data, and a stored `id` field
  // assigned over it is ignored instead of replacing the real id.
  get id(): SessionId {
    return this.#sid
  }
  set id(_ignored: SessionId) {}

  save(): Promise<void>
  save(callback: SessionCallback): void
  save(callback?: SessionCallback): Promise<void> | undefined {
    return this.#perform(this, 'save', callback)
  }
  reload(): Promise<void>
  reload(callback: SessionCallback): void
  reload(callback?: SessionCallback): Promise<void> | undefined {
    return this.#perform(this, 'reload', callback)
  }
  destroy(): Promise<void>
  destroy(callback: SessionCallback): void
  destroy(callback?: SessionCallback): Promise<void> | undefined {
    return this.#perform(this, 'destroy', callback)
  }
  touch(): Promise<void>
  touch(callback: SessionCallback): void
  touch(callback?: SessionCallback): Promise<void> | undefined {
    return this.#perform(this, 'touch', callback)
  }
}

const replaceData = (target: object, data: StoredSession): void => {
  for (const key of Object.keys(target)) Reflect.deleteProperty(target, key)
  Object.assign(target, data)
}

/**
 * Builds the session object a handler gets from the data just loaded, and the tracker the
 * handler's turn uses to wait for the operations it starts.
 *
 * A `save` first checks that the session still exists, so a handler that loaded the session
 * before an HTTP logout cannot bring it back to life by saving: it gets `SessionNotFound`.
 * @since 1.0.0
 * @category session
 */
export const createSession = <A>(
  deps: SessionDeps<A>,
  sid: SessionId,
  data: StoredSession & A,
  version?: string,
): { readonly session: Session<A>; readonly tracker: SessionTracker } => {
  const pending = new Set<Promise<void>>()
  const failures: AccessFailure[] = []
  const store = { timeoutMs: deps.timeoutMs }
  let destroyed = false
  const fingerprint = deps.trackChanges === false ? (): string => '' : dataFingerprint
  let baseline = fingerprint(data)
  // compare-and-set (issue 12): the loaded version; saves commit against it, reloads renew it
  const versions = deps.versioned === undefined || version === undefined ? undefined : trackVersions(deps.versioned, deps.timeoutMs, sid, version)

  // True from a load until the microtask cascade it ran in ends (process.nextTick runs only once
  // every microtask has). Until then no I/O can have run, so no logout handled by this process,
  // and the load itself proved the session exists: a save needs no existence check. A network
  // store leaves the same one-round-trip window with or without the check.
  let justLoaded = false
  const markLoaded = (): void => {
    if (deps.exclusiveTurns !== true) return
    justLoaded = true
    process.nextTick(() => {
      justLoaded = false
    })
  }
  markLoaded()

  const checkExists = checkSessionExists(deps.store, store)(sid)
  const stillExists = (): Promise<E.Either<SessionError, void>> => (justLoaded ? Promise.resolve(E.right(undefined)) : checkExists())

  // What an operation does is fixed when it is called (a save writes the data as it is then);
  // operations run one after another, so a destroy is never overtaken by an earlier save.
  let previous: Promise<unknown> = Promise.resolve()
  let inFlight = 0

  const operation = (self: LiveSession, op: Operation): TE.TaskEither<SessionError, void> => {
    switch (op) {
      case 'save': {
        const stored = toStoredForm(self)
        if (versions !== undefined) return pipe(versions.commit(self, stored), TE.map((written) => void (baseline = fingerprint(written)))) // issue 12
        return async () => {
          const exists = await stillExists()
          if (E.isLeft(exists)) return exists
          const saved = await saveSession(deps.store, store)(sid, stored)()
          if (E.isRight(saved)) baseline = fingerprint(stored)
          return saved
        }
      }
      case 'reload':
        return pipe(
          versions === undefined ? loadSession(deps.store, store)(sid) : versions.reload, // issue 12
          TE.flatMapEither(deps.decode),
          TE.map((fresh) => {
            replaceData(self, fresh)
            baseline = fingerprint(fresh)
            markLoaded()
          }),
        )
      case 'destroy':
        return pipe(
          destroySession(deps.store, store)(sid),
          TE.map(() => void (destroyed = true)),
        )
      case 'touch': {
        extendExpiry(self.cookie, deps.now())
        return touchSession(deps.store, store)(sid, toStoredForm(self))
      }
    }
  }

  const perform = (self: LiveSession, op: Operation, cb: SessionCallback | undefined): Promise<void> | undefined => {
    const task = operation(self, op)
    const run = (): Promise<E.Either<SessionError, void>> => (destroyed ? Promise.resolve(E.left(sessionNotFound)) : task())
    // With nothing in flight the operation starts at once; otherwise after the last one.
    const outcome = inFlight === 0 ? run() : previous.then(run)
    previous = outcome
    inFlight += 1
    const tracked = outcome.then((result) => {
      inFlight -= 1
      if (E.isLeft(result)) failures.push(result.left)
      if (cb === undefined) return
      try {
        cb(E.isLeft(result) ? new SessionOperationError(result.left) : null)
      } catch (err) {
        failures.push(handlerFailure(err))
      }
    })
    pending.add(tracked)
    void tracked.then(() => pending.delete(tracked))
    if (cb !== undefined) return undefined
    const promise = outcome.then((result) => {
      if (E.isLeft(result)) throw new SessionOperationError(result.left)
    })
    // A failure the handler does not await is still reported through the turn, not as an
    // unhandled rejection.
    promise.catch(noop)
    return promise
  }

  const drain = async (): Promise<void> => {
    while (pending.size > 0) await Promise.all([...pending])
  }

  const session = Object.assign(new LiveSession(sid, perform), data)
  const tracker: SessionTracker = {
    sid,
    failures,
    settle: () => (pending.size === 0 ? settled : drain()),
    baseline: () => baseline,
    isDestroyed: () => destroyed,
  }
  return { session, tracker }
}

/**
 * express-session's `cookie.resetMaxAge()` on the stored cookie: a new `expires` of now plus
 * `originalMaxAge`. A browser-session cookie (no max age) has nothing to extend.
 */
export const extendExpiry = (cookie: StoredCookie | undefined, now: number): void => {
  if (cookie === undefined || typeof cookie.originalMaxAge !== 'number') return
  cookie.expires = new Date(now + cookie.originalMaxAge).toISOString()
}
