import type { Socket } from 'socket.io'
import type { SessionError } from '../../core/errors/errors'
import type { AccessFailure } from '../../core/errors/failure'
import type { Session } from '../../core/session/liveSession'
import type { TurnOwner, TurnReplies } from '../../core/session/turn'
import { OnceAck } from './ack'
import type { SessionRecord } from './sessionRecords'

/**
 * How a listener wants its session: `auto` handlers run only with a session and get
 * `(session, ...args)`; `errorFirst` handlers are always called, with `(err, session, ...args)`.
 */
export type HandlerMode = 'auto' | 'errorFirst'

/** A user's handler, called with the socket as `this`. */
export type UserHandler = (this: Socket, ...args: never) => unknown

/** A session's record, with the events waiting in its queue. */
export type EventRecord = SessionRecord<SocketEvent<unknown>>

/** What an event reports when its turn ends; implemented by the socket sessions. */
export interface EventSink {
  eventEnded(event: SocketEvent<unknown>, loadError: SessionError | undefined, failure: AccessFailure | undefined, effectFailure: AccessFailure | undefined): void
}

/**
 * One event a session listener received: the socket, the handler and its arguments, the ack.
 * One object per event, made when the packet arrives and carried through the queue and the
 * turn (it is the turn's owner), so no closures are made for either.
 */
export class SocketEvent<A> implements TurnOwner<A> {
  readonly ack: OnceAck | undefined
  /** The handler's arguments, behind a slot for the session (and one for the error, error-first). */
  readonly #callArgs: unknown[]
  /** Where the ack sits in `#callArgs` (-1: none). */
  readonly #ackSlot: number
  /** Arrival order, for the outage fail-fast rule. */
  order = 0
  /** Answered from a store outage an earlier event met, without a store call. */
  failedFast = false
  /** When it was queued (`performance.now()`), when the queue's debug log is on; else -1. */
  queuedAt = -1
  /** The session record whose queue this event runs in (with `serialize`). */
  queuedOn: EventRecord | undefined = undefined
  /** The turn has ended: a second end (a handler's thenable calling back twice) is ignored. */
  #ended = false

  constructor(
    readonly sink: EventSink,
    readonly socket: Socket,
    /** The listener Socket.IO called: names the event when a failure must be reported. */
    readonly listener: unknown,
    /** The event's name when the listener knows it (`sessOn`). */
    readonly knownEvent: string | undefined,
    readonly mode: HandlerMode,
    readonly handler: UserHandler,
    /** The listener's own arguments (the client's, the ack last when it asked for one). */
    args: ReadonlyArray<unknown>,
  ) {
    const count = args.length
    const last = args[count - 1]
    this.ack = typeof last === 'function' ? new OnceAck(last) : undefined
    // The slots in front, filled in by `run`: the session (and the error, error-first). A new
    // array pushed in order, not `unshift` on the listener's (a call into the runtime per event).
    const callArgs: unknown[] = mode === 'auto' ? [undefined] : [undefined, undefined]
    for (let i = 0; i < count; i++) callArgs.push(args[i])
    if (this.ack !== undefined) callArgs[callArgs.length - 1] = this.ack.forHandler
    this.#ackSlot = this.ack === undefined ? -1 : callArgs.length - 1
    this.#callArgs = callArgs
  }

  run(error: SessionError | undefined, session: Session<A> | undefined, replies: TurnReplies | undefined): unknown {
    if (this.ack !== undefined) this.ack.replies = replies
    const args = this.#callArgs
    if (this.mode === 'auto') {
      if (session === undefined) return undefined
      args[0] = session
    } else {
      args[0] = error ?? null
      args[1] = session
    }
    return Reflect.apply(this.handler, this.socket, args)
  }

  end(loadError: SessionError | undefined, failure: AccessFailure | undefined, effectFailure?: AccessFailure): void {
    if (this.#ended) return
    this.#ended = true
    this.sink.eventEnded(this, loadError, failure, effectFailure)
  }

  /** The run lost a conflict and the handler runs again: a fresh ack for it, nothing held. */
  rerun(): void {
    if (this.ack === undefined) return
    this.ack.nextRun()
    this.#callArgs[this.#ackSlot] = this.ack.forHandler
  }
}
