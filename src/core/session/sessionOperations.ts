import * as E from 'fp-ts/Either'
import { logOperation, logOutcome } from './logPort'
import { isThenable } from '../util/thenable'
import { type SessionError, sessionNotFound, storeFailure } from '../errors/errors'
import { type AccessFailure, SessionOperationError, handlerFailure } from '../errors/failure'
import type { SessionId } from '../cookie/sessionId'
import type { StoreDone } from '../store/storeCall'
import { loadCurrentWith } from './loadCurrent'
import { type DataTarget, adoptWritten, commitMergingWith } from '../commit/mergeCommit'
import { isPlainJson, stringifySession, unserializableFrom } from '../data/serializable'
import { type AsideData, clearSession, deleteSessionKey, fillSession, setSessionKey, storedFormOf } from '../data/sessionFields'
import { checkExistsWith, destroyStoredWith, touchStoredWith } from '../store/storeOps'
import { StoreCall, type StoreCallTarget } from '../store/storeCall'
import type { Snapshot } from '../commit/versionedStore'
import type { SessionRecord, StoredCookie, StoredSession } from '../store/storePort'
import type { DestroyCount, SessionCallback, SessionDeps } from './sessionDeps'

export type { DestroyCount, SessionCallback, SessionDeps } from './sessionDeps'

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
  /**
   * The stored form of the data (cookie aside, as JSON) when it was loaded or last saved;
   * `undefined` when it could not be serialized.
   */
  baseline(): string | undefined
  isDestroyed(): boolean
}

export type Operation = 'save' | 'reload' | 'destroy' | 'touch'

/** Where a run lost to a conflict starts again: the store's copy its commit met, or a fresh load. */
export type RetryFrom = Snapshot | 'load'

/** The fields that would be written to the store: own enumerable properties only. */
export const toStoredForm = (session: object): StoredSession => ({ ...session })

/**
 * A stored form without its cookie, as JSON: the part `autoSave` compares. `undefined` when the
 * data cannot be serialized (never throws).
 */
export const fingerprintOf = (stored: StoredSession): string | undefined => {
  const { cookie: _cookie, ...data } = stored
  const json = stringifySession(data)
  return typeof json === 'string' ? json : undefined
}

/** {@link fingerprintOf} the object's own data. */
export const dataFingerprint = (session: object): string | undefined => fingerprintOf(toStoredForm(session))

/** The latest time a `Date` can hold, in ms since the epoch. */
const MAX_DATE_MS = 8.64e15

/**
 * express-session's `cookie.resetMaxAge()` on the stored cookie: a new `expires` of now plus
 * `originalMaxAge`. A browser-session cookie (no max age) has nothing to extend, and neither has
 * a cookie whose max age gives no valid date.
 */
export const extendExpiry = (cookie: StoredCookie | undefined, now: number): void => {
  if (typeof cookie !== 'object' || cookie === null || typeof cookie.originalMaxAge !== 'number') return
  const at = now + cookie.originalMaxAge
  if (!Number.isFinite(at) || Math.abs(at) > MAX_DATE_MS) return
  cookie.expires = new Date(at).toISOString()
}

const EMPTY: ReadonlyArray<AccessFailure> = []
const NO_EFFECTS: ReadonlyArray<() => void> = []

// Any object: every field of a stored cookie is optional, and each is checked where it is read.
const isCookie = (u: unknown): u is StoredCookie => typeof u === 'object' && u !== null

/** Who a request's `store.set` answers to (the session's operations). */
interface RequestOwner {
  written(request: Request, error: SessionError | undefined): void
}

/**
 * One requested operation: what it does was fixed when it was called. It is also the target of a
 * save's `store.set` (see `StoreCall`): the write makes no object or closure of its own.
 */
class Request implements StoreCallTarget<unknown> {
  resolve: (() => void) | undefined = undefined
  reject: ((err: SessionOperationError) => void) | undefined = undefined
  promise: Promise<void> | undefined = undefined
  /** The data a save or touch writes, as it was when called. */
  stored: StoredSession | undefined = undefined
  /** Why it cannot run at all (its data could not be read), found when it was called. */
  refused: SessionError | undefined = undefined
  /** A save's data as the change check sees it, taken when it is handed to `store.set`. */
  fingerprint: string | undefined = ''
  /** Answered: a second answer (a store calling back twice) is ignored. */
  answered = false
  constructor(
    readonly owner: RequestOwner,
    readonly op: Operation,
    readonly callback: SessionCallback | undefined,
    /** A save that may skip the existence check (see {@link SessionOperations.perform}). */
    readonly trusted: boolean,
    /** A save whose data the caller has just serialized (`autoSave`'s change check). */
    readonly checked: boolean,
  ) {}
  storeAnswered(error: SessionError | undefined): void {
    this.owner.written(this, error)
  }
}

const noop = (): void => undefined

/**
 * The request whose promise is being made: the executor below stores the promise's resolvers on
 * it, so that making a promise costs no closure of its own.
 */
let settling: Request | undefined
const captureResolvers = (resolve: () => void, reject: (err: SessionOperationError) => void): void => {
  if (settling === undefined) return
  settling.resolve = resolve
  settling.reject = reject
}

/**
 * The error an operation answers with, without a captured stack: it is made in the library's
 * store callback, where the stack holds only the library's own frames, and capturing it is the
 * costliest part of answering a failed operation (a conflict, say). `stack` keeps the message.
 */
const operationError = (error: SessionError): SessionOperationError => {
  const limit = Error.stackTraceLimit
  Error.stackTraceLimit = 0
  try {
    return new SessionOperationError(error)
  } finally {
    Error.stackTraceLimit = limit
  }
}

/**
 * Runs a live session's `save`/`reload`/`destroy`/`touch` one after another (so a destroy is
 * never overtaken by an earlier save), by callbacks: a promise is made only when the caller
 * asked for one (no callback given). It also keeps the session's data on the session object
 * (see `sessionFields`): nothing stored can reach a prototype, a method or the id.
 *
 * **When a save checks that the session still exists.** A save must never bring back a session
 * that was logged out after it was loaded. It writes without a check only when nothing can have
 * removed the session since the load: it was called in the same synchronous run as the load's
 * callback (`inLoadRun`: the handler's synchronous part, before its first `await`; no I/O, so no
 * HTTP logout, can run inside it), and no destroy of this session was started by this library
 * since the load was issued ({@link DestroyCount}). Any other save reads the session first.
 *
 * **Nothing escapes.** Every continuation it runs after a store call catches what it could throw
 * and answers the operation with a tag; a session operation never throws to its caller (it
 * answers by callback or rejection), and a value that cannot be stored is an
 * `UnserializableSession`, with nothing written.
 */
export class SessionOperations<A> implements SessionTracker, DataTarget, RequestOwner {
  /** True while the load's synchronous run lasts; set and cleared by whoever loaded. */
  inLoadRun = false
  #self: object = {}
  #inFlight = 0
  #queue: Request[] | undefined = undefined
  #failures: AccessFailure[] | undefined = undefined
  #idleWaiters: Array<() => void> | undefined = undefined
  #destroyed = false
  /** Set by `close`: every operation from now on is answered with it and writes nothing. */
  #closedWith: SessionError | undefined = undefined
  #loadMark: number
  #baseline: string | undefined = ''
  #aside: AsideData | undefined = undefined
  /** Compare-and-set mode: the stored string the data came from; a save commits against it. */
  #version: string | undefined
  /** A save or destroy of this session object has been written: a conflict after it is final. */
  #wrote = false
  /** Where this run, lost to a conflict, may start again (see `lostTo`). */
  #lostTo: RetryFrom | undefined = undefined
  /** `afterCommit` effects, in order: run when the turn ends well, dropped otherwise. */
  #effects: Array<() => void> | undefined = undefined

  constructor(
    readonly deps: SessionDeps<A>,
    readonly sid: SessionId,
    readonly destroyCount: DestroyCount,
    /** `destroyCount.destroys` when the load was issued. */
    loadMark: number,
    version: string | undefined,
  ) {
    this.#version = version
    this.#loadMark = loadMark
  }

  get failures(): ReadonlyArray<AccessFailure> {
    return this.#failures ?? EMPTY
  }

  baseline(): string | undefined {
    return this.#baseline
  }

  isDestroyed(): boolean {
    return this.#destroyed
  }

  /** Is an operation in flight or waiting? */
  isBusy(): boolean {
    return this.#inFlight > 0
  }

  /**
   * Set when a save was refused with `SessionConflict` and nothing of this session object had
   * been written before it (`conflictRetries`): the turn may run the handler again, on the store's
   * copy that save met, or on a fresh load when the commit gave up without one. `undefined`
   * otherwise.
   */
  lostTo(): RetryFrom | undefined {
    return this.#lostTo
  }

  /** Holds `effect` until the turn ends well (`session.afterCommit`). */
  afterCommit(effect: () => void): void {
    ;(this.#effects ??= []).push(effect)
  }

  /** The effects held so far, handed over once (the turn runs them). */
  takeEffects(): ReadonlyArray<() => void> {
    const effects = this.#effects ?? NO_EFFECTS
    this.#effects = undefined
    return effects
  }

  /** Puts freshly loaded data onto `self`, the session object (at its creation and on reload). */
  fill(self: object, data: StoredSession): void {
    this.#self = self
    this.#aside = fillSession(self, data)
    this.#baseline = this.deps.trackChanges === false ? '' : fingerprintOf(this.storedForm())
  }

  /** What a save would write now. */
  storedForm(): StoredSession {
    return storedFormOf(this.#self, this.#aside)
  }

  /**
   * Has the data changed since it was loaded or last saved (cookie aside)? `'unserializable'`
   * when it cannot be compared because it is no longer JSON: a save must then tell why.
   */
  changeCheck(): 'unchanged' | 'changed' | 'unserializable' {
    const now = fingerprintOf(this.storedForm())
    if (now === undefined) return 'unserializable'
    return now === this.#baseline ? 'unchanged' : 'changed'
  }

  /** The session's cookie, as the handler left it. */
  cookie(): StoredCookie | undefined {
    const cookie: unknown = Reflect.get(this.#self, 'cookie')
    return isCookie(cookie) ? cookie : undefined
  }

  /** Sets a data key of the session (`DataTarget`: merged-in keys). */
  set(key: string, value: unknown): void {
    this.#aside = setSessionKey(this.#self, this.#aside, key, value)
  }

  /** Removes a data key of the session (`DataTarget`). */
  delete(key: string): void {
    deleteSessionKey(this.#self, this.#aside, key)
  }

  /** Calls `then` once no operation is in flight: at once if none is. */
  whenIdle(then: () => void): void {
    if (this.#inFlight === 0) return then()
    ;(this.#idleWaiters ??= []).push(then)
  }

  settle(): Promise<void> {
    return this.#inFlight === 0 ? Promise.resolve() : new Promise((resolve) => this.whenIdle(resolve))
  }

  /**
   * Ends the session's use by its turn (a handler past `handlerTimeoutMs`): operations waiting to
   * start and every later one are answered with `error` and write nothing. One already at the
   * store completes (the turn waits for it).
   */
  close(error: SessionError): void {
    this.#closedWith = error
    const waiting = this.#queue
    this.#queue = undefined
    if (waiting !== undefined) for (const request of waiting) this.#finish(request, error)
  }

  /**
   * Starts (or queues) one operation. `checked`: the caller has just serialized the data (the
   * change check of `autoSave`), so the save does not do it again.
   */
  perform(op: Operation, callback: SessionCallback | undefined, checked = false): Promise<void> | undefined {
    const trusted = op === 'save' && this.inLoadRun && this.destroyCount.destroys === this.#loadMark
    const request = new Request(this, op, callback, trusted, checked)
    if (callback === undefined) {
      settling = request
      request.promise = new Promise<void>(captureResolvers)
      settling = undefined
    }
    const closed = this.#closedWith
    if (closed !== undefined) {
      this.#answer(request, closed)
      return request.promise
    }
    if (op === 'save' || op === 'touch') this.#snapshot(request)
    this.#inFlight += 1
    if (this.#inFlight === 1) this.#start(request)
    else (this.#queue ??= []).push(request)
    return request.promise
  }

  /** The data a save or touch writes, taken now; a getter that throws makes it unserializable. */
  #snapshot(request: Request): void {
    try {
      if (request.op === 'touch') extendExpiry(this.cookie(), this.deps.now())
      request.stored = this.storedForm()
    } catch (err) {
      request.refused = unserializableFrom(this.#self, err)
    }
  }

  #track(stored: StoredSession): string | undefined {
    return this.deps.trackChanges === false ? '' : fingerprintOf(stored)
  }

  #start(request: Request): void {
    if (this.#destroyed) return this.#finish(request, sessionNotFound)
    if (request.refused !== undefined) return this.#finish(request, request.refused)
    try {
      this.#run(request)
    } catch (err) {
      // Only a bug can get here; the request is answered once whatever the store does later.
      this.#finish(request, storeFailure(err))
    }
  }

  /** A save's `store.set` answered (the request is the store call's target). */
  written(request: Request, error: SessionError | undefined): void {
    if (error === undefined) {
      this.#wrote = true
      this.#baseline = request.fingerprint
    }
    this.#finish(request, error)
  }

  /** Writes a save's data with `store.set`. */
  #write(request: Request, stored: StoredSession): void {
    request.stored = stored
    // The baseline once written, taken before the store has the object: a store may add to what
    // it is given (session-file-store adds its `__lastAccess`), which the session does not hold.
    request.fingerprint = this.#track(stored)
    const call = new StoreCall<unknown>(this.deps.deadlines, request)
    try {
      call.returned(this.deps.store.set(this.sid, stored satisfies SessionRecord, call.callback))
    } catch (err) {
      call.threw(err)
    }
  }

  /** The store continuation that answers `request`. */
  #doneFor(request: Request): StoreDone<unknown> {
    return (error) => this.#finish(request, error)
  }

  #run(request: Request): void {
    const { store, deadlines } = this.deps
    const sid = this.sid
    switch (request.op) {
      case 'save': {
        const stored = request.stored ?? {}
        const versioned = this.deps.versioned
        const version = this.#version
        // Compare-and-set: one conditional write, which never recreates a missing session, so it
        // needs no existence check (see commitMerging); its encoding is the serializability check.
        if (versioned !== undefined && version !== undefined)
          return commitMergingWith(versioned, deadlines)(sid, { data: stored, version }, stored, (result, latest) => {
            if (E.isLeft(result)) {
              if ((this.deps.conflictRetries ?? 0) > 0 && !this.#wrote && result.left._tag === 'SessionConflict') this.#lostTo = latest ?? 'load'
              return this.#finish(request, result.left)
            }
            this.#wrote = true
            this.#version = result.right.version
            this.#baseline = this.#track(result.right.data)
            try {
              adoptWritten(this, stored, result.right.data)
            } catch {
              // The live object refused the merged-in keys (the handler froze it): the write stands.
            }
            this.#finish(request, undefined)
          })
        if (!request.checked && !isPlainJson(stored)) {
          const json = stringifySession(stored)
          if (typeof json !== 'string') return this.#finish(request, json)
        }
        if (request.trusted && this.destroyCount.destroys === this.#loadMark) return this.#write(request, stored)
        return checkExistsWith(store, deadlines, sid, (error) => {
          const log = this.deps.log
          if (log?.revalidate.enabled === true) logOutcome(log.revalidate, 'exists', log.tag(sid), error)
          if (error === undefined) this.#write(request, stored)
          else this.#finish(request, error)
        })
      }
      case 'reload': {
        const done = this.#doneFor(request)
        const mark = this.destroyCount.destroys
        return loadCurrentWith(this.deps, sid, (error, fresh, version) => {
          if (error !== undefined || fresh === undefined) return done(error ?? sessionNotFound, undefined)
          const apply = (decoded: E.Either<SessionError, StoredSession & A>): void => {
            if (E.isLeft(decoded)) return done(decoded.left, undefined)
            try {
              clearSession(this.#self)
              this.fill(this.#self, decoded.right)
            } catch (err) {
              return done(storeFailure(err), undefined)
            }
            this.#loadMark = mark
            this.#version = version
            done(undefined, undefined)
          }
          const decoding = this.deps.decode(fresh)
          if (isThenable(decoding)) decoding.then(apply, (err: unknown) => done(storeFailure(err), undefined))
          else apply(decoding)
        })
      }
      case 'destroy':
        this.destroyCount.destroys += 1
        return destroyStoredWith(store, deadlines, sid, (error) => {
          if (error === undefined) this.#destroyed = this.#wrote = true
          this.#finish(request, error)
        })
      case 'touch': {
        const stored = request.stored ?? {}
        // A store without `touch` writes the data with `set`: it must be JSON, as for a save.
        if (typeof store.touch !== 'function' && !isPlainJson(stored)) {
          const json = stringifySession(stored)
          if (typeof json !== 'string') return this.#finish(request, json)
        }
        return touchStoredWith(store, deadlines, sid, stored, this.#doneFor(request))
      }
    }
  }

  /** Calls the callback, or settles the promise; never throws. */
  #answer(request: Request, error: SessionError | undefined): void {
    const { callback } = request
    if (callback !== undefined) {
      try {
        callback(error === undefined ? null : operationError(error))
      } catch (err) {
        ;(this.#failures ??= []).push(handlerFailure(err))
      }
    } else if (error === undefined) request.resolve?.()
    else {
      // A failure the handler does not await is still reported through the turn, not as an
      // unhandled rejection; the guard is attached only on this (rare) path.
      request.promise?.catch(noop)
      request.reject?.(operationError(error))
    }
  }

  #finish(request: Request, error: SessionError | undefined): void {
    if (request.answered) return
    request.answered = true
    if (this.deps.log !== undefined) logOperation(this.deps.log, request.op, this.sid, error)
    if (error !== undefined) (this.#failures ??= []).push(error)
    this.#answer(request, error)
    this.#inFlight -= 1
    const next = this.#queue?.shift()
    if (next !== undefined) return this.#start(next)
    if (this.#inFlight === 0 && this.#idleWaiters !== undefined) {
      const waiters = this.#idleWaiters
      this.#idleWaiters = undefined
      for (const waiter of waiters) {
        try {
          waiter()
        } catch {
          // A waiter guards its own work (the turn does); one that throws must not stop the others.
        }
      }
    }
  }
}
