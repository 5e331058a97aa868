import * as E from 'fp-ts/Either'
import type * as TE from 'fp-ts/TaskEither'
import { type DeadlineHolder, type DeadlineNode, type Deadlines, cancelDeadline } from '../store/deadlines'
import { type SessionError, handlerTimeout, invalidSession, sessionConflict, sessionNotFound, storeFailure } from '../errors/errors'
import { type AccessFailure, failureFromThrown, handlerFailure } from '../errors/failure'
import { expiredBy } from '../store/expiry'
import { type LoadedSession, type Session, createSession } from './liveSession'
import { type DestroyCount, type SessionDeps, type SessionOperations, extendExpiry } from './sessionOperations'
import type { SessionId } from '../cookie/sessionId'
import { loadCurrentWith } from './loadCurrent'
import { isThenable } from '../util/thenable'
import { logOutcome } from './logPort'
import type { StoredSession } from '../store/storePort'
import { StoreCall, type StoreCallTarget } from '../store/storeCall'
import { isCurrentSession, notCurrentError } from '../store/storeOps'
import { trustStored, trustedData } from '../data/decode'

/** How a turn ends the session's part of an event, captured once per `sessionAccess`. @category model */
export interface TurnDeps<A> extends SessionDeps<A> {
  /** Save after the handler when the data changed. */
  readonly autoSave: boolean
  /** Is a rolling-expiry touch due for this session? (Always false when rolling is off.) */
  readonly touchDue: (sid: SessionId) => boolean
  readonly touched: (sid: SessionId) => void
  /** `handlerTimeoutMs`: a handler not settled by its deadline ends its turn. None when undefined. */
  readonly handlerDeadlines?: Deadlines | undefined
}

/**
 * What the turn tells the owner while the handler runs: whether a reply the handler gives now
 * must be held until the turn ends (see `OnceAck`). It must when `autoSave` will write after the
 * handler, or when an operation the handler started is still in flight: a reply is then a promise
 * about a write that has not happened yet. (A reply given after an operation failed is the
 * handler's own answer to that failure: it is sent as it is.) With `onConflict: 'retry'` every
 * reply is held: the run that gives it may lose a conflict and run again.
 * @category model
 */
export interface TurnReplies {
  holdsReplies(): boolean
}

/**
 * Who an event's turn works for: `run` calls the user's handler with the load's outcome (exactly
 * one of `error` and `session` is set) and returns what it returns; `end` is told how the turn
 * ended, once, after the handler and every operation it started have completed.
 * @category model
 */
export interface TurnOwner<A> {
  run(error: SessionError | undefined, session: Session<A> | undefined, replies: TurnReplies | undefined): unknown
  /**
   * `loadError`: the session could not be loaded (the handler got none). `failure`: the first
   * failure after loading, the handler's or a session operation's. `effectFailure`: an
   * `afterCommit` effect threw after the turn ended well (to report; the turn's outcome stands).
   */
  end(loadError: SessionError | undefined, failure: AccessFailure | undefined, effectFailure?: AccessFailure): void
  /**
   * The handler's run lost a conflict and the handler runs again (`onConflict: 'retry'`): drop
   * what the lost run held (its reply).
   */
  rerun?(): void
}

/** What one event's turn came to. @category model */
export interface TurnResult {
  readonly loadError: SessionError | undefined
  readonly failure: AccessFailure | undefined
}

/**
 * Who receives what a load built: the live session, or why there is none. `inLoadRun` is false
 * when an async validator answered: I/O may have run since, so saves check that the session still
 * exists (see `SessionOperations`). An object, not a callback: the turn is its own target, so the
 * per-event load makes no closure.
 */
interface LiveTarget<A> {
  live(error: SessionError | undefined, loaded: LoadedSession<A> | undefined, inLoadRun: boolean): void
}

const codecRejected = (cause: unknown): SessionError => invalidSession(['session: the codec failed'], cause)

/**
 * Builds the live session from stored data just had from the store (a load, or the copy a
 * conflicting commit met): decoded, then made into the object a handler gets. Answers `target`
 * exactly once, whatever the codec does. Without a codec (`trustStored`) the data is used as it is:
 * no `Either` is made for it.
 */
const liveFrom = <A>(deps: SessionDeps<A>, sid: SessionId, destroyCount: DestroyCount, mark: number, stored: StoredSession, version: string | undefined, target: LiveTarget<A>): void => {
  if (deps.decode === trustStored) return liveDecoded(deps, sid, destroyCount, mark, version, trustedData<A>(stored), true, target)
  let decoding: ReturnType<SessionDeps<A>['decode']>
  try {
    decoding = deps.decode(stored)
  } catch (err) {
    return target.live(codecRejected(err), undefined, true)
  }
  // The common case, a synchronous codec: no closure, no promise.
  if (!isThenable(decoding)) return liveDecodedEither(deps, sid, destroyCount, mark, version, decoding, true, target)
  let answered = false
  decoding.then(
    (decoded) => {
      if (answered) return
      answered = true
      liveDecodedEither(deps, sid, destroyCount, mark, version, decoded, false, target)
    },
    (err: unknown) => {
      if (answered) return
      answered = true
      target.live(codecRejected(err), undefined, false)
    },
  )
}

const liveDecodedEither = <A>(
  deps: SessionDeps<A>,
  sid: SessionId,
  destroyCount: DestroyCount,
  mark: number,
  version: string | undefined,
  decoded: E.Either<SessionError, StoredSession & A>,
  inLoadRun: boolean,
  target: LiveTarget<A>,
): void => {
  if (E.isLeft(decoded)) return target.live(decoded.left, undefined, inLoadRun)
  liveDecoded(deps, sid, destroyCount, mark, version, decoded.right, inLoadRun, target)
}

const liveDecoded = <A>(
  deps: SessionDeps<A>,
  sid: SessionId,
  destroyCount: DestroyCount,
  mark: number,
  version: string | undefined,
  data: StoredSession & A,
  inLoadRun: boolean,
  target: LiveTarget<A>,
): void => {
  let loaded: LoadedSession<A>
  try {
    loaded = createSession(deps, sid, data, destroyCount, mark, version)
  } catch (err) {
    return target.live(storeFailure(err), undefined, inLoadRun)
  }
  target.live(undefined, loaded, inLoadRun)
}

/**
 * A `store.get` of a live session answered (overwrite mode): checked as every load is (see
 * `isCurrentSession`), logged, then made live for `target`.
 */
const answerLoad = <A>(deps: SessionDeps<A>, sid: SessionId, destroyCount: DestroyCount, mark: number, target: LiveTarget<A>, error: SessionError | undefined, raw: unknown): void => {
  const current = error === undefined && isCurrentSession(raw, deps.now)
  const failure = current ? undefined : (error ?? notCurrentError(raw))
  if (deps.log?.load.enabled === true) logOutcome(deps.log.load, 'load', deps.log.tag(sid), failure)
  if (!current) return target.live(failure, undefined, true)
  liveFrom(deps, sid, destroyCount, mark, raw, undefined, target)
}

/** `store.get` for a load, answered to `answered` (a store call: once, within the deadline). */
const getLive = <A>(deps: SessionDeps<A>, sid: SessionId, answered: StoreCallTarget<unknown>): void => {
  const call = new StoreCall<unknown>(deps.deadlines, answered, true)
  try {
    call.returned(deps.store.get(sid, call.callback))
  } catch (err) {
    call.threw(err)
  }
}

/** A load for a target that is not an event's turn (the handshake's). */
class LiveLoad<A> implements StoreCallTarget<unknown> {
  constructor(
    readonly deps: SessionDeps<A>,
    readonly sid: SessionId,
    readonly destroyCount: DestroyCount,
    readonly mark: number,
    readonly target: LiveTarget<A>,
  ) {}
  storeAnswered(error: SessionError | undefined, raw: unknown): void {
    answerLoad(this.deps, this.sid, this.destroyCount, this.mark, this.target, error, raw)
  }
}

/**
 * The load every live session goes through: fresh from the store (expired is not found), then
 * {@link liveFrom}. Compare-and-set mode loads the stored string too (the version a save commits
 * against).
 */
const loadLive = <A>(deps: SessionDeps<A>, sid: SessionId, destroyCount: DestroyCount, target: LiveTarget<A>): void => {
  const mark = destroyCount.destroys
  if (deps.versioned === undefined) return getLive(deps, sid, new LiveLoad(deps, sid, destroyCount, mark, target))
  loadCurrentWith(deps, sid, (error, stored, version) => {
    if (deps.log?.load.enabled === true) logOutcome(deps.log.load, 'load', deps.log.tag(sid), error)
    if (error !== undefined || stored === undefined) return target.live(error ?? sessionNotFound, undefined, true)
    liveFrom(deps, sid, destroyCount, mark, stored, version, target)
  })
}

/** Runs `afterCommit` effects in order; each one that throws is skipped; the first such is returned. */
const runEffects = (effects: ReadonlyArray<() => void>): AccessFailure | undefined => {
  let failure: AccessFailure | undefined
  for (const effect of effects) {
    try {
      effect()
    } catch (err) {
      failure ??= handlerFailure(err)
    }
  }
  return failure
}

/**
 * One event's use of its session, by callbacks: load it fresh, run the handler, wait until it has
 * returned, its promise has settled and every operation it started has completed, then apply
 * `autoSave` and rolling expiry, and tell the owner, exactly once. Makes no promise of its own: a
 * promise is only waited on when the handler returns one.
 *
 * It is its own deadline (`handlerTimeoutMs`, per run of the handler): a handler that has not
 * settled in time ends the turn with `HandlerTimeout` once the operations already at the store are
 * done, and its session refuses every later operation (nothing more is written for it). Every step
 * that runs after the handler catches what it could throw and ends the turn with a tag: nothing
 * escapes.
 *
 * **Retry** (`conflictRetries` > 0): a run whose save lost a conflict before anything of it was
 * written (see `SessionOperations.lostTo`) is dropped once it has settled — its reply and
 * `afterCommit` effects with it, its session object closed — and the handler runs again on the
 * store's current copy, up to `conflictRetries` more times and no later than `storeTimeoutMs`
 * after the first conflict. Only the run that commits speaks.
 */
class EventTurn<A> implements DeadlineNode, TurnReplies, LiveTarget<A>, StoreCallTarget<unknown> {
  prev: DeadlineNode | undefined = undefined
  next: DeadlineNode | undefined = undefined
  due = 0
  list: DeadlineHolder | undefined = undefined
  #failure: AccessFailure | undefined = undefined
  /** `destroyCount.destroys` when the load in flight was issued (see `SessionOperations`). */
  #loadMark = 0
  #tracker: SessionOperations<A> | undefined = undefined
  #handled = false
  #timedOut = false
  #ended = false
  #retries = 0
  /** When the first conflict was met (`performance.now()`): retries stop `storeTimeoutMs` later. */
  #firstConflictAt = 0

  constructor(
    readonly deps: TurnDeps<A>,
    readonly sid: SessionId,
    readonly destroyCount: DestroyCount,
    readonly owner: TurnOwner<A>,
  ) {}

  cancel(): void {
    cancelDeadline(this)
  }

  /**
   * Loads the session for a run of the handler: the turn is the load's own target (overwrite
   * mode), so the per-event load is one store-call object and its callback.
   */
  load(): void {
    if (this.deps.versioned !== undefined) return loadLive(this.deps, this.sid, this.destroyCount, this)
    this.#loadMark = this.destroyCount.destroys
    getLive(this.deps, this.sid, this)
  }

  /** The store answered this turn's `store.get`. */
  storeAnswered(error: SessionError | undefined, raw: unknown): void {
    answerLoad(this.deps, this.sid, this.destroyCount, this.#loadMark, this, error, raw)
  }

  holdsReplies(): boolean {
    return this.deps.autoSave || (this.deps.conflictRetries ?? 0) > 0 || this.#tracker?.isBusy() === true
  }

  /**
   * A load of this turn answered: the first one starts the handler, a retry's runs it again (never
   * as in the load's run: a retry's saves always check, as they did before the retry had a target).
   */
  live(error: SessionError | undefined, loaded: LoadedSession<A> | undefined, inLoadRun: boolean): void {
    if (loaded !== undefined) return this.withSession(loaded, inLoadRun && this.#retries === 0)
    if (this.#retries > 0) return this.#endWith(error ?? sessionNotFound)
    startFailedTurn(error ?? sessionNotFound, this.owner, this.deps.handlerDeadlines)
  }

  withSession(loaded: LoadedSession<A>, inLoadRun: boolean): void {
    const { session, tracker } = loaded
    this.#tracker = tracker
    this.#handled = false
    this.#failure = undefined
    this.deps.handlerDeadlines?.track(this)
    // Saves made in the handler's synchronous part (and autoSave after a synchronous handler)
    // run in the load's synchronous run: see SessionOperations.
    tracker.inLoadRun = inLoadRun
    let returned: unknown
    try {
      returned = this.owner.run(undefined, session, this)
    } catch (err) {
      this.#failure = failureFromThrown(err)
    }
    if (!isThenable(returned)) this.#settled()
    tracker.inLoadRun = false
    if (isThenable(returned)) this.#await(returned)
  }

  /** Waits for the handler's promise; a `then` that throws or calls back twice changes nothing. */
  #await(returned: PromiseLike<unknown>): void {
    try {
      returned.then(
        () => this.#settled(),
        (err: unknown) => {
          if (!this.#handled) this.#failure ??= failureFromThrown(err)
          this.#settled()
        },
      )
    } catch (err) {
      this.#failure ??= failureFromThrown(err)
      this.#settled()
    }
  }

  /** The handler has returned or settled: finish once its operations are done. */
  #settled(): void {
    if (this.#handled) return
    this.#handled = true
    const tracker = this.#tracker
    if (tracker === undefined) return
    // Usually nothing is in flight any more: finish now, without a closure for later.
    if (tracker.isBusy()) tracker.whenIdle(() => this.#finish())
    else this.#finish()
  }

  /** `handlerTimeoutMs` has passed and the turn is not finishing. */
  expire(): void {
    const tracker = this.#tracker
    if (this.#ended || tracker === undefined) return
    const timeout = handlerTimeout(this.deps.handlerDeadlines?.timeoutMs ?? 0)
    this.#timedOut = true
    this.#failure = timeout
    tracker.close(timeout)
    tracker.whenIdle(() => this.#end())
  }

  /** Rolling expiry and `autoSave`, once the handler and its operations are done. */
  #finish(): void {
    this.cancel()
    const tracker = this.#tracker
    if (this.#ended || this.#timedOut || tracker === undefined) return
    try {
      const { deps } = this
      if (this.#retryIfLost(tracker)) return
      if (this.#failure !== undefined || tracker.isDestroyed()) return this.#end()
      const change = deps.autoSave ? tracker.changeCheck() : 'unchanged'
      const touchDue = deps.touchDue(this.sid)
      if (change === 'unchanged' && !touchDue) return this.#end()
      if (change !== 'unchanged') {
        // The save carries the pushed expiry; a touch pushes it itself.
        if (touchDue) extendExpiry(tracker.cookie(), deps.now())
        tracker.perform('save', noop, change === 'changed')
      } else tracker.perform('touch', noop)
      tracker.whenIdle(() => {
        if (this.#retryIfLost(tracker)) return
        if (touchDue && tracker.failures.length === 0) deps.touched(this.sid)
        this.#end()
      })
    } catch (err) {
      this.#failure ??= failureFromThrown(err)
      tracker.whenIdle(() => this.#end())
    }
  }

  /**
   * Runs the handler again when this run lost a conflict it may retry: on the copy the commit
   * met (checked for expiry and decoded as any load), or on a fresh load. True when it did.
   */
  #retryIfLost(tracker: SessionOperations<A>): boolean {
    const from = tracker.lostTo()
    if (from === undefined || this.#retries >= (this.deps.conflictRetries ?? 0)) return false
    const now = performance.now()
    if (this.#retries === 0) this.#firstConflictAt = now
    else if (now - this.#firstConflictAt >= this.deps.deadlines.timeoutMs) return false
    this.#retries += 1
    // The lost run's session writes nothing more, and what it held is dropped.
    tracker.close(sessionConflict([]))
    tracker.takeEffects()
    this.owner.rerun?.()
    // The first retry runs at once, on the copy just met. Losing again means another writer is
    // saving the same key back to back: wait a random moment, growing with each loss, so that
    // the two stop meeting in step (exponential backoff with full jitter, at most 8 ms), then
    // load afresh (the copy met before the wait is stale by then).
    if (this.#retries > 1) {
      setTimeout(() => this.load(), Math.random() * Math.min(8, 2 ** (this.#retries - 2)))
      return true
    }
    if (from === 'load') this.load()
    else if (expiredBy(from.data, this.deps.now)) this.#endWith(sessionNotFound)
    else liveFrom(this.deps, this.sid, this.destroyCount, this.destroyCount.destroys, from.data, from.version, this)
    return true
  }

  /** A retry could not have its session (destroyed, expired, invalid, the store out). */
  #endWith(error: SessionError): void {
    this.#failure = error
    this.#tracker = undefined
    this.#end()
  }

  #end(): void {
    if (this.#ended) return
    this.#ended = true
    this.cancel()
    const tracker = this.#tracker
    const failure = this.#failure ?? tracker?.failures[0]
    // Effects follow the commit: run before the reply is sent, and only when the turn ended well.
    const effectFailure = failure === undefined && tracker !== undefined ? runEffects(tracker.takeEffects()) : undefined
    this.owner.end(undefined, failure, effectFailure)
  }
}

const noop = (): void => undefined

/**
 * Starts one event's turn (see {@link TurnOwner}). `destroyCount` is the session's count of
 * destroys started in this process, shared by all its turns (see `SessionOperations`).
 * @category session
 */
export const startTurn = <A>(deps: TurnDeps<A>, sid: SessionId, destroyCount: DestroyCount, owner: TurnOwner<A>): void =>
  new EventTurn(deps, sid, destroyCount, owner).load()

/**
 * The turn of an event whose session could not be had: an error-first handler is told why; no
 * store access happens. Ends once, when the handler has settled or its deadline has passed.
 */
class FailedTurn<A> implements DeadlineNode {
  prev: DeadlineNode | undefined = undefined
  next: DeadlineNode | undefined = undefined
  due = 0
  list: DeadlineHolder | undefined = undefined
  #ended = false

  constructor(
    readonly error: SessionError,
    readonly owner: TurnOwner<A>,
    readonly deadlines: Deadlines | undefined,
  ) {}

  cancel(): void {
    cancelDeadline(this)
  }

  start(): void {
    this.deadlines?.track(this)
    let returned: unknown
    try {
      returned = this.owner.run(this.error, undefined, undefined)
    } catch (err) {
      return this.#end(failureFromThrown(err))
    }
    if (!isThenable(returned)) return this.#end(undefined)
    try {
      returned.then(
        () => this.#end(undefined),
        (err: unknown) => this.#end(failureFromThrown(err)),
      )
    } catch (err) {
      this.#end(failureFromThrown(err))
    }
  }

  expire(): void {
    this.#end(handlerTimeout(this.deadlines?.timeoutMs ?? 0))
  }

  #end(failure: AccessFailure | undefined): void {
    if (this.#ended) return
    this.#ended = true
    this.cancel()
    this.owner.end(this.error, failure)
  }
}

/**
 * The turn of an event whose session could not even be looked up (bad cookie, forbidden
 * origin, a store outage met by an earlier event, a full queue): an error-first handler is told
 * why; no store access happens. `deadlines`: `handlerTimeoutMs`, when set.
 * @category session
 */
export const startFailedTurn = <A>(error: SessionError, owner: TurnOwner<A>, deadlines?: Deadlines): void =>
  new FailedTurn(error, owner, deadlines).start()

/**
 * {@link startTurn} as a promise of its result: the handler gets the load result as an `Either`.
 * Never rejects.
 * @since 1.0.0
 * @category session
 */
export const runTurn =
  <A>(deps: TurnDeps<A>) =>
  (sid: SessionId, handler: (loaded: E.Either<SessionError, Session<A>>) => unknown): Promise<TurnResult> => {
    const destroyCount: DestroyCount = { destroys: 0 }
    return new Promise((resolve) =>
      startTurn(deps, sid, destroyCount, {
        run: (error, session) => handler(session !== undefined ? E.right(session) : E.left(error ?? sessionNotFound)),
        end: (loadError, failure) => resolve({ loadError, failure }),
      }),
    )
  }

/**
 * {@link startFailedTurn} as a promise of its result.
 * @since 1.0.0
 * @category session
 */
export const runFailedTurn = (error: SessionError, handler: (loaded: E.Either<SessionError, never>) => unknown): Promise<TurnResult> =>
  new Promise((resolve) =>
    startFailedTurn<never>(error, {
      run: () => handler(E.left(error)),
      end: (loadError, failure) => resolve({ loadError, failure }),
    }),
  )

/**
 * Loads a session fresh from the store and builds the live object a handler gets (the handshake's
 * load, once per connection).
 * @category session
 */
export const loadLiveSession =
  <A>(deps: SessionDeps<A>, destroyCount: DestroyCount = { destroys: 0 }) =>
  (sid: SessionId): TE.TaskEither<SessionError, LoadedSession<A>> =>
  () =>
    new Promise((resolve) =>
      loadLive(deps, sid, destroyCount, { live: (error, loaded) => resolve(loaded === undefined ? E.left(error ?? sessionNotFound) : E.right(loaded)) }),
    )
