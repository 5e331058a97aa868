/**
 * Deadlines that all share one timeout, kept by one timer.
 *
 * Every pending store call needs a deadline, but a `setTimeout`/`clearTimeout` pair per call is
 * an allocation and two timer-list operations per event. All calls of one configuration have the
 * same timeout, so deadlines expire in the order they were started: a FIFO list, kept as a doubly
 * linked list so that cancelling one is O(1). One timer is armed for the oldest deadline; when it
 * fires it expires every deadline that is due and re-arms itself for the next one, if any. A
 * cancelled deadline costs nothing more, so the number of timers created does not grow with the
 * number of calls: at most one per `timeoutMs` while calls keep coming.
 */
export interface Deadlines {
  /** The timeout every deadline gets, in ms. */
  readonly timeoutMs: number
  /** Starts a deadline: `onExpire` runs once `timeoutMs` have passed, unless it is cancelled first. */
  start(onExpire: () => void): Deadline
  /** Starts the deadline of `node` (an object that is its own deadline: no allocation). */
  track(node: DeadlineNode): void
  /** How many deadlines are pending (started, not cancelled, not expired). */
  pending(): number
}

/** One pending deadline. @category model */
export interface Deadline {
  /** Stops the deadline; `onExpire` will not run. Calling it again, or after expiry, does nothing. */
  cancel(): void
}

/** Where deadlines take the time from: a monotonic clock in ms. @category model */
export type MonotonicClock = () => number

/** Where a pending node is linked: its list, which can take it out again. */
export interface DeadlineHolder {
  unlink(node: DeadlineNode): void
}

/**
 * A deadline as a list node: an object that is its own deadline (`deadlines.track`), `expire`
 * running when it is due unless it was cancelled first. An interface, not a base class: the hot
 * objects that are their own deadline (a store call, an event's turn) declare these four fields
 * themselves, because constructing a derived class costs several times what a flat one does.
 */
export interface DeadlineNode extends Deadline {
  prev: DeadlineNode | undefined
  next: DeadlineNode | undefined
  due: number
  list: DeadlineHolder | undefined
  expire(): void
}

/** `cancel` of a {@link DeadlineNode}: takes it out of its list, if it is still in one. */
export const cancelDeadline = (node: DeadlineNode): void => node.list?.unlink(node)

class CallbackNode implements DeadlineNode {
  prev: DeadlineNode | undefined = undefined
  next: DeadlineNode | undefined = undefined
  due = 0
  list: DeadlineHolder | undefined = undefined
  constructor(readonly onExpire: () => void) {}
  expire(): void {
    this.onExpire()
  }
  cancel(): void {
    cancelDeadline(this)
  }
}

class DeadlineList implements Deadlines, DeadlineHolder {
  #head: DeadlineNode | undefined = undefined
  #tail: DeadlineNode | undefined = undefined
  #size = 0
  #timerArmed = false
  readonly #fire = (): void => this.#expire()

  constructor(
    readonly timeoutMs: number,
    readonly clock: MonotonicClock,
  ) {}

  start(onExpire: () => void): Deadline {
    const node = new CallbackNode(onExpire)
    this.track(node)
    return node
  }

  track(node: DeadlineNode): void {
    node.list = this
    node.due = this.clock() + this.timeoutMs
    const tail = this.#tail
    if (tail === undefined) this.#head = node
    else {
      tail.next = node
      node.prev = tail
    }
    this.#tail = node
    this.#size += 1
    // Every later deadline is due after the one the timer is armed for: nothing to re-arm.
    if (!this.#timerArmed) this.#arm(this.timeoutMs)
  }

  pending(): number {
    return this.#size
  }

  unlink(node: DeadlineNode): void {
    if (node.list !== this) return
    node.list = undefined
    const { prev, next } = node
    if (prev === undefined) this.#head = next
    else prev.next = next
    if (next === undefined) this.#tail = prev
    else next.prev = prev
    node.prev = node.next = undefined
    this.#size -= 1
  }

  #arm(ms: number): void {
    this.#timerArmed = true
    setTimeout(this.#fire, Math.max(1, Math.ceil(ms))).unref()
  }

  #expire(): void {
    this.#timerArmed = false
    const now = this.clock()
    for (let head = this.#head; head !== undefined && head.due <= now; head = this.#head) {
      this.unlink(head)
      head.expire()
    }
    const next = this.#head
    if (next !== undefined && !this.#timerArmed) this.#arm(next.due - now)
  }
}

/** Deadlines of `timeoutMs` each, on `clock` (default `performance.now`). */
export const createDeadlines = (timeoutMs: number, clock: MonotonicClock = performance.now.bind(performance)): Deadlines =>
  new DeadlineList(timeoutMs, clock)
