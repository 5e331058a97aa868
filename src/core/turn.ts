import * as E from 'fp-ts/Either'
import type * as TE from 'fp-ts/TaskEither'
import { type SessionError, sessionNotFound } from './errors'
import { type AccessFailure, failureFromThrown } from './failure'
import { type LoadedSession, type Session, createSession } from './liveSession'
import { type DestroyCount, type SessionDeps, type SessionOperations, dataFingerprint, extendExpiry } from './sessionOperations'
import type { SessionId } from './sessionId'
import { loadCurrentWith } from './loadCurrent'
import { isThenable } from './thenable'
import { logOutcome } from './logPort'
import type { StoredSession } from './storePort'

/** How a turn ends the session's part of an event, captured once per `sessionAccess`. @category model */
export interface TurnDeps<A> extends SessionDeps<A> {
  /** Save after the handler when the data changed. */
  readonly autoSave: boolean
  /** Is a rolling-expiry touch due for this session? (Always false when rolling is off.) */
  readonly touchDue: (sid: SessionId) => boolean
  readonly touched: (sid: SessionId) => void
}

/**
 * Who an event's turn works for: `run` calls the user's handler with the load's outcome (exactly
 * one of `error` and `session` is set) and returns what it returns; `end` is told how the turn
 * ended, once, after the handler and every operation it started have completed.
 * @category model
 */
export interface TurnOwner<A> {
  run(error: SessionError | undefined, session: Session<A> | undefined): unknown
  /**
   * `loadError`: the session could not be loaded (the handler got none). `failure`: the first
   * failure after loading, the handler's or a session operation's.
   */
  end(loadError: SessionError | undefined, failure: AccessFailure | undefined): void
}

/** What one event's turn came to. @category model */
export interface TurnResult {
  readonly loadError: SessionError | undefined
  readonly failure: AccessFailure | undefined
}

/**
 * The load every live session goes through, by callback: fresh from the store (expired is not
 * found), decoded, and built into the object a handler gets. `inLoadRun` is false when an async
 * validator answered: I/O may have run since the load, so its saves check that the session still
 * exists (see `SessionOperations`).
 */
const loadLive = <A>(
  deps: SessionDeps<A>,
  sid: SessionId,
  destroyCount: DestroyCount,
  done: (error: SessionError | undefined, loaded: LoadedSession<A> | undefined, inLoadRun: boolean) => void,
): void => {
  const mark = destroyCount.destroys
  loadCurrentWith(deps, sid, (error, stored, version) => {
    if (deps.log?.load.enabled === true) logOutcome(deps.log.load, 'load', deps.log.tag(sid), error)
    if (error !== undefined || stored === undefined) return done(error ?? sessionNotFound, undefined, true)
    const live = (decoded: E.Either<SessionError, StoredSession & A>, inLoadRun: boolean): void =>
      E.isLeft(decoded)
        ? done(decoded.left, undefined, inLoadRun)
        : done(undefined, createSession(deps, sid, decoded.right, destroyCount, mark, version), inLoadRun)
    const decoding = deps.decode(stored)
    if (isThenable(decoding)) void decoding.then((decoded) => live(decoded, false))
    else live(decoding, true)
  })
}

/**
 * One event's use of its session, by callbacks: load it fresh, run the handler, wait until it has
 * returned, its promise has settled and every operation it started has completed, then apply
 * `autoSave` and rolling expiry, and tell the owner. Makes no promise of its own: a promise is
 * only waited on when the handler returns one.
 */
class EventTurn<A> {
  #failure: AccessFailure | undefined = undefined

  constructor(
    readonly deps: TurnDeps<A>,
    readonly sid: SessionId,
    readonly owner: TurnOwner<A>,
  ) {}

  withSession(loaded: LoadedSession<A>, inLoadRun: boolean): void {
    const { session, tracker } = loaded
    // Saves made in the handler's synchronous part (and autoSave after a synchronous handler)
    // run in the load's synchronous run: see SessionOperations.
    tracker.inLoadRun = inLoadRun
    let returned: unknown
    try {
      returned = this.owner.run(undefined, session)
    } catch (err) {
      this.#failure = failureFromThrown(err)
    }
    if (!isThenable(returned)) this.#handled(session, tracker)
    tracker.inLoadRun = false
    if (isThenable(returned))
      returned.then(
        () => this.#handled(session, tracker),
        (err: unknown) => {
          this.#failure = failureFromThrown(err)
          this.#handled(session, tracker)
        },
      )
  }

  #handled(session: Session<A>, tracker: SessionOperations<A>): void {
    tracker.whenIdle(() => this.#finish(session, tracker))
  }

  /** Rolling expiry and `autoSave`, once the handler and its operations are done. */
  #finish(session: Session<A>, tracker: SessionOperations<A>): void {
    const { deps } = this
    if (this.#failure !== undefined || tracker.isDestroyed()) return this.#end(tracker)
    const changed = deps.autoSave && dataFingerprint(session) !== tracker.baseline()
    const touchDue = deps.touchDue(this.sid)
    if (!changed && !touchDue) return this.#end(tracker)
    if (changed) {
      // The save carries the pushed expiry; a touch pushes it itself.
      if (touchDue) extendExpiry(session.cookie, deps.now())
      session.save(noop)
    } else session.touch(noop)
    tracker.whenIdle(() => {
      if (touchDue && tracker.failures.length === 0) deps.touched(this.sid)
      this.#end(tracker)
    })
  }

  #end(tracker: SessionOperations<A>): void {
    this.owner.end(undefined, this.#failure ?? tracker.failures[0])
  }
}

const noop = (): void => undefined

/**
 * Starts one event's turn (see {@link TurnOwner}). `destroyCount` is the session's count of
 * destroys started in this process, shared by all its turns (see `SessionOperations`).
 * @category session
 */
export const startTurn = <A>(deps: TurnDeps<A>, sid: SessionId, destroyCount: DestroyCount, owner: TurnOwner<A>): void =>
  loadLive(deps, sid, destroyCount, (error, loaded, inLoadRun) => {
    if (loaded === undefined) startFailedTurn(error ?? sessionNotFound, owner)
    else new EventTurn(deps, sid, owner).withSession(loaded, inLoadRun)
  })

/**
 * The turn of an event whose session could not even be looked up (bad cookie, forbidden
 * origin, a store outage met by an earlier event): an error-first handler is told why; no store
 * access happens.
 * @category session
 */
export const startFailedTurn = <A>(error: SessionError, owner: TurnOwner<A>): void => {
  let returned: unknown
  try {
    returned = owner.run(error, undefined)
  } catch (err) {
    return owner.end(error, failureFromThrown(err))
  }
  if (!isThenable(returned)) return owner.end(error, undefined)
  returned.then(
    () => owner.end(error, undefined),
    (err: unknown) => owner.end(error, failureFromThrown(err)),
  )
}

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
      loadLive(deps, sid, destroyCount, (error, loaded) => resolve(loaded === undefined ? E.left(error ?? sessionNotFound) : E.right(loaded))),
    )
