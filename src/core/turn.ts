import * as E from 'fp-ts/Either'
import * as TE from 'fp-ts/TaskEither'
import type { SessionError } from './errors'
import { type AccessFailure, failureFromThrown } from './failure'
import { type Session, type SessionDeps, type SessionTracker, createSession, dataFingerprint, extendExpiry } from './liveSession'
import type { SessionId } from './sessionId'
import { loadSession } from './storeOps'
import { loadWithVersion } from './sessionVersions'
import { isThenable } from './thenable'

/** How a turn ends the session's part of an event, captured once per `sessionAccess`. @category model */
export interface TurnDeps<A> extends SessionDeps<A> {
  /** Save after the handler when the data changed. */
  readonly autoSave: boolean
  /** Is a rolling-expiry touch due for this session? (Always false when rolling is off.) */
  readonly touchDue: (sid: SessionId) => boolean
  readonly touched: (sid: SessionId) => void
}

/** What one event's turn came to. @category model */
export interface TurnResult {
  /** Set when the session could not be loaded (the handler then got no session). */
  readonly loadError: SessionError | undefined
  /** The first failure after loading: the handler's, or a session operation's. */
  readonly failure: AccessFailure | undefined
}

/**
 * Loads a session fresh from the store and builds the live object a handler gets.
 * @category session
 */
export const loadLiveSession =
  <A>(deps: SessionDeps<A>) =>
  (sid: SessionId): TE.TaskEither<SessionError, { readonly session: Session<A>; readonly tracker: SessionTracker }> =>
  async () => {
    if (deps.versioned !== undefined) {
      // compare-and-set (issue 12): the load keeps the stored string as the session's version
      const found = await loadWithVersion(deps.versioned, deps, sid)
      return E.isLeft(found) ? found : E.right(createSession(deps, sid, found.right.data, found.right.version))
    }
    const stored = await loadSession(deps.store, { timeoutMs: deps.timeoutMs })(sid)()
    if (E.isLeft(stored)) return stored
    const decoded = deps.decode(stored.right)
    return E.isLeft(decoded) ? decoded : E.right(createSession(deps, sid, decoded.right))
  }

/** Rolling expiry and `autoSave`, once the handler and its operations are done. */
const finishTurn = async <A>(deps: TurnDeps<A>, session: Session<A>, tracker: SessionTracker): Promise<void> => {
  if (tracker.isDestroyed()) return
  const changed = deps.autoSave && dataFingerprint(session) !== tracker.baseline()
  const touchDue = deps.touchDue(tracker.sid)
  if (touchDue) extendExpiry(session.cookie, deps.now())
  if (changed) void session.save(noopCallback)
  else if (touchDue) void session.touch(noopCallback)
  await tracker.settle()
  if (touchDue && tracker.failures.length === 0) deps.touched(tracker.sid)
}

const noopCallback = (): void => undefined

/**
 * One event's whole use of its session: load it fresh, run the handler, wait until the handler
 * has returned, its promise has settled and every save/destroy it started has completed, then
 * apply `autoSave` and rolling expiry. Never rejects: every failure comes back as a value.
 *
 * The handler gets the load result so error-first callers can see the error; an auto-mode caller
 * simply does nothing on `Left`.
 * @since 1.0.0
 * @category session
 */
export const runTurn =
  <A>(deps: TurnDeps<A>) =>
  async (sid: SessionId, handler: (loaded: E.Either<SessionError, Session<A>>) => unknown): Promise<TurnResult> => {
    const loaded = await loadLiveSession(deps)(sid)()
    const handlerFailure = await callHandler(() =>
      handler(E.isLeft(loaded) ? loaded : E.right(loaded.right.session)),
    )
    if (E.isLeft(loaded)) return { loadError: loaded.left, failure: handlerFailure }
    const { session, tracker } = loaded.right
    await tracker.settle()
    if (handlerFailure === undefined && (deps.autoSave || deps.touchDue(tracker.sid))) await finishTurn(deps, session, tracker)
    return { loadError: undefined, failure: handlerFailure ?? tracker.failures[0] }
  }

/**
 * The turn of an event whose session could not even be looked up (bad cookie, forbidden
 * origin): an error-first handler is told why; no store access happens.
 * @since 1.0.0
 * @category session
 */
export const runFailedTurn = async (
  error: SessionError,
  handler: (loaded: E.Either<SessionError, never>) => unknown,
): Promise<TurnResult> => ({ loadError: error, failure: await callHandler(() => handler(E.left(error))) })

const callHandler = async (call: () => unknown): Promise<AccessFailure | undefined> => {
  try {
    const returned = call()
    if (isThenable(returned)) await returned
    return undefined
  } catch (err) {
    return failureFromThrown(err)
  }
}
