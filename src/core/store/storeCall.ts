import * as E from 'fp-ts/Either'
import type * as TE from 'fp-ts/TaskEither'
import { type DeadlineHolder, type DeadlineNode, type Deadlines, cancelDeadline, createDeadlines } from './deadlines'
import { type SessionError, storeFailure, storeTimeout } from '../errors/errors'
import { isThenable } from '../util/thenable'

/** The callback a store method takes: `(err, value)`, as express-session stores call it. */
export type NodeCallback<A> = (err?: unknown, value?: A) => void

/** How a store call ended: an error, or the value the store gave (maybe nothing). */
export type StoreDone<A> = (error: SessionError | undefined, value: A | undefined) => void

/**
 * Does an error of `store.get` mean "there is no such session"? express-session reads an error
 * whose `code` is `'ENOENT'` so (a store kept in files, such as session-file-store, answers a
 * missing session file with the file system's error), and so does the library: such a load is
 * `SessionNotFound`, not a `StoreFailure` (not an outage). Never throws, whatever `err` is.
 * @category store
 */
export const meansNoSession = (err: unknown): boolean => {
  try {
    return typeof err === 'object' && err !== null && 'code' in err && err.code === 'ENOENT'
  } catch {
    // A getter that throws: not the file system's error.
    return false
  }
}

/** Who a store call reports to, exactly once (see {@link StoreCall}). */
export interface StoreCallTarget<A> {
  storeAnswered(error: SessionError | undefined, value: A | undefined): void
}

/**
 * One store call in flight, and its own deadline (one object for both): settles once, by the
 * store's callback, a rejection, a throw or the deadline, and then tells its target. The per-event
 * path's targets are objects it already has (the event's turn for the load, the save's request for
 * the write), so that a call costs this object and its callback, and no closures. A flat class,
 * not a base to extend: constructing a derived class costs several times more.
 */
export class StoreCall<A> implements DeadlineNode {
  prev: DeadlineNode | undefined = undefined
  next: DeadlineNode | undefined = undefined
  due = 0
  list: DeadlineHolder | undefined = undefined
  settled = false
  /** The callback handed to the store. */
  readonly callback: NodeCallback<A> = (err, value) => (err ? this.failed(err) : this.settle(undefined, value))
  constructor(
    readonly deadlines: Deadlines,
    readonly target: StoreCallTarget<A>,
    /** A `store.get`: an error that means no such session ({@link meansNoSession}) answers nothing. */
    readonly reads = false,
  ) {
    deadlines.track(this)
  }
  /** The store answered with an error, by callback or rejection. */
  failed(err: unknown): void {
    this.settle(this.reads && meansNoSession(err) ? undefined : storeFailure(err), undefined)
  }
  cancel(): void {
    cancelDeadline(this)
  }
  expire(): void {
    this.settle(storeTimeout(this.deadlines.timeoutMs), undefined)
  }
  settle(error: SessionError | undefined, value: A | undefined): void {
    if (this.settled) return
    this.settled = true
    this.cancel()
    try {
      this.target.storeAnswered(error, value)
    } catch {
      // The continuations the library passes catch what they could throw themselves; this is
      // the last guard, so that nothing reaches the store's callback, a timer or the process.
    }
  }
  /** What the store method returned: a promise (connect-redis) may reject instead of calling back. */
  returned(value: unknown): void {
    if (isThenable(value)) value.then(undefined, (err: unknown) => this.failed(err))
  }
  /** The store method threw synchronously. */
  threw(err: unknown): void {
    this.settle(storeFailure(err), undefined)
  }
}

/**
 * Runs one callback-style store call and reports how it ended, exactly once: an error argument,
 * a synchronous throw or a rejected returned promise is a `StoreFailure` (but for a `store.get`, an
 * error that means no such session answers nothing: see {@link meansNoSession}), no answer within
 * the deadline is a `StoreTimeout`, and a second or late answer is ignored.
 *
 * The library's per-event path calls this directly (no promise); {@link callStore} is the lazy
 * `TaskEither` form of the same function.
 * @category store
 */
export const callStoreWith = <A>(
  deadlines: Deadlines,
  call: (cb: NodeCallback<A>) => unknown,
  done: StoreDone<A>,
  /** The call is a `store.get` (see {@link meansNoSession}). */
  reads = false,
): void => {
  const pending = new StoreCall<A>(deadlines, { storeAnswered: done }, reads)
  try {
    pending.returned(call(pending.callback))
  } catch (err) {
    pending.threw(err)
  }
}

/**
 * Runs one callback-style store call as a lazy `TaskEither` that always settles (see
 * {@link callStoreWith}).
 * @category store
 */
export const callStore = <A>(timeoutMs: number, call: (cb: NodeCallback<A>) => unknown): TE.TaskEither<SessionError, A | undefined> => {
  const deadlines = createDeadlines(timeoutMs)
  return () =>
    new Promise((resolve) =>
      callStoreWith<A>(deadlines, call, (error, value) => resolve(error === undefined ? E.right(value) : E.left(error))),
    )
}
