import * as E from 'fp-ts/Either'
import type { SessionDecode } from './decode'
import type { Deadlines } from './deadlines'
import { type SessionLog, logOperation, logOutcome } from './logPort'
import { isThenable } from './thenable'
import { type SessionError, sessionNotFound } from './errors'
import { type AccessFailure, SessionOperationError, handlerFailure } from './failure'
import type { SessionId } from './sessionId'
import type { StoreDone } from './storeCall'
import { loadCurrentWith } from './loadCurrent'
import { adoptWritten, commitMergingWith } from './mergeCommit'
import { checkExistsWith, destroyStoredWith, setStoredWith, touchStoredWith } from './storeOps'
import type { VersionedStore } from './versionedStore'
import type { SessionStore, StoredCookie, StoredSession } from './storePort'

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

export type Operation = 'save' | 'reload' | 'destroy' | 'touch'

/** The fields that would be written to the store: own enumerable properties only. */
export const toStoredForm = (session: object): StoredSession => ({ ...session })

/** Stored form without the cookie, the part `autoSave` compares. */
export const dataFingerprint = (session: object): string => {
  const { cookie: _cookie, ...data } = toStoredForm(session)
  return JSON.stringify(data)
}

/**
 * express-session's `cookie.resetMaxAge()` on the stored cookie: a new `expires` of now plus
 * `originalMaxAge`. A browser-session cookie (no max age) has nothing to extend.
 */
export const extendExpiry = (cookie: StoredCookie | undefined, now: number): void => {
  if (cookie === undefined || typeof cookie.originalMaxAge !== 'number') return
  cookie.expires = new Date(now + cookie.originalMaxAge).toISOString()
}

const replaceData = (target: object, data: StoredSession): void => {
  for (const key of Object.keys(target)) Reflect.deleteProperty(target, key)
  Object.assign(target, data)
}

const EMPTY: ReadonlyArray<AccessFailure> = []

/** One requested operation: what it does was fixed when it was called. */
class Request {
  resolve: (() => void) | undefined = undefined
  reject: ((err: SessionOperationError) => void) | undefined = undefined
  promise: Promise<void> | undefined = undefined
  constructor(
    readonly op: Operation,
    readonly callback: SessionCallback | undefined,
    /** The data a save or touch writes, as it was when called. */
    readonly stored: StoredSession | undefined,
    /** A save that may skip the existence check (see {@link SessionOperations.perform}). */
    readonly trusted: boolean,
  ) {}
}

/**
 * Runs a live session's `save`/`reload`/`destroy`/`touch` one after another (so a destroy is
 * never overtaken by an earlier save), by callbacks: a promise is made only when the caller
 * asked for one (no callback given).
 *
 * **When a save checks that the session still exists.** A save must never bring back a session
 * that was logged out after it was loaded. It writes without a check only when nothing can have
 * removed the session since the load: it was called in the same synchronous run as the load's
 * callback (`inLoadRun`: the handler's synchronous part, before its first `await`; no I/O, so no
 * HTTP logout, can run inside it), and no destroy of this session was started by this library
 * since the load was issued ({@link DestroyCount}). Any other save reads the session first.
 */
export class SessionOperations<A> implements SessionTracker {
  /** True while the load's synchronous run lasts; set and cleared by whoever loaded. */
  inLoadRun = false
  #inFlight = 0
  #queue: Request[] | undefined = undefined
  #failures: AccessFailure[] | undefined = undefined
  #idleWaiters: Array<() => void> | undefined = undefined
  #destroyed = false
  #loadMark: number
  #baseline: string
  /** Compare-and-set mode: the stored string the data came from; a save commits against it. */
  #version: string | undefined

  constructor(
    readonly deps: SessionDeps<A>,
    readonly sid: SessionId,
    readonly destroyCount: DestroyCount,
    /** `destroyCount.destroys` when the load was issued. */
    loadMark: number,
    data: StoredSession,
    version: string | undefined,
  ) {
    this.#version = version
    this.#loadMark = loadMark
    this.#baseline = this.#fingerprint(data)
  }

  get failures(): ReadonlyArray<AccessFailure> {
    return this.#failures ?? EMPTY
  }

  baseline(): string {
    return this.#baseline
  }

  isDestroyed(): boolean {
    return this.#destroyed
  }

  /** Calls `then` once no operation is in flight: at once if none is. */
  whenIdle(then: () => void): void {
    if (this.#inFlight === 0) return then()
    ;(this.#idleWaiters ??= []).push(then)
  }

  settle(): Promise<void> {
    return this.#inFlight === 0 ? Promise.resolve() : new Promise((resolve) => this.whenIdle(resolve))
  }

  perform(self: { cookie?: StoredCookie }, op: Operation, callback: SessionCallback | undefined): Promise<void> | undefined {
    if (op === 'touch') extendExpiry(self.cookie, this.deps.now())
    const stored = op === 'save' || op === 'touch' ? toStoredForm(self) : undefined
    const trusted = op === 'save' && this.inLoadRun && this.destroyCount.destroys === this.#loadMark
    const request = new Request(op, callback, stored, trusted)
    if (callback === undefined)
      request.promise = new Promise<void>((resolve, reject) => {
        request.resolve = resolve
        request.reject = reject
      })
    this.#inFlight += 1
    if (this.#inFlight === 1) this.#start(self, request)
    else (this.#queue ??= []).push(request)
    return request.promise
  }

  #fingerprint(data: StoredSession): string {
    return this.deps.trackChanges === false ? '' : dataFingerprint(data)
  }

  #start(self: object, request: Request): void {
    const done: StoreDone<unknown> = (error) => this.#finish(self, request, error)
    if (this.#destroyed) return done(sessionNotFound, undefined)
    const { store, deadlines } = this.deps
    const sid = this.sid
    switch (request.op) {
      case 'save': {
        const stored = request.stored ?? {}
        const versioned = this.deps.versioned
        const version = this.#version
        // Compare-and-set: one conditional write, which never recreates a missing session, so it
        // needs no existence check (see commitMerging).
        if (versioned !== undefined && version !== undefined)
          return commitMergingWith(versioned, deadlines)(sid, { data: stored, version }, stored, (result) => {
            if (E.isLeft(result)) return done(result.left, undefined)
            this.#version = result.right.version
            adoptWritten(self, stored, result.right.data)
            this.#baseline = this.#fingerprint(result.right.data)
            done(undefined, undefined)
          })
        const write = (): void =>
          setStoredWith(store, deadlines, sid, stored, (error) => {
            if (error === undefined) this.#baseline = this.#fingerprint(stored)
            done(error, undefined)
          })
        if (request.trusted && this.destroyCount.destroys === this.#loadMark) return write()
        return checkExistsWith(store, deadlines, sid, (error) => {
          const log = this.deps.log
          if (log?.revalidate.enabled === true) logOutcome(log.revalidate, 'exists', log.tag(sid), error)
          if (error === undefined) write()
          else done(error, undefined)
        })
      }
      case 'reload': {
        const mark = this.destroyCount.destroys
        return loadCurrentWith(this.deps, sid, (error, fresh, version) => {
          if (error !== undefined || fresh === undefined) return done(error ?? sessionNotFound, undefined)
          const apply = (decoded: E.Either<SessionError, StoredSession & A>): void => {
            if (E.isLeft(decoded)) return done(decoded.left, undefined)
            replaceData(self, decoded.right)
            this.#baseline = this.#fingerprint(decoded.right)
            this.#loadMark = mark
            this.#version = version
            done(undefined, undefined)
          }
          const decoding = this.deps.decode(fresh)
          if (isThenable(decoding)) void decoding.then(apply)
          else apply(decoding)
        })
      }
      case 'destroy':
        this.destroyCount.destroys += 1
        return destroyStoredWith(store, deadlines, sid, (error) => {
          if (error === undefined) this.#destroyed = true
          done(error, undefined)
        })
      case 'touch':
        return touchStoredWith(store, deadlines, sid, request.stored ?? {}, done)
    }
  }

  #finish(self: object, request: Request, error: SessionError | undefined): void {
    if (this.deps.log !== undefined) logOperation(this.deps.log, request.op, this.sid, error)
    if (error !== undefined) (this.#failures ??= []).push(error)
    const { callback } = request
    if (callback !== undefined) {
      try {
        callback(error === undefined ? null : new SessionOperationError(error))
      } catch (err) {
        ;(this.#failures ??= []).push(handlerFailure(err))
      }
    } else if (error === undefined) request.resolve?.()
    else {
      // A failure the handler does not await is still reported through the turn, not as an
      // unhandled rejection; the guard is attached only on this (rare) path.
      request.promise?.catch(noop)
      request.reject?.(new SessionOperationError(error))
    }
    this.#inFlight -= 1
    const next = this.#queue?.shift()
    if (next !== undefined) return this.#start(self, next)
    if (this.#inFlight === 0 && this.#idleWaiters !== undefined) {
      const waiters = this.#idleWaiters
      this.#idleWaiters = undefined
      for (const waiter of waiters) waiter()
    }
  }
}

const noop = (): void => undefined
