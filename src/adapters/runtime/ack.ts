import type { ClientError } from '../../core/errors/failure'
import type { TurnReplies } from '../../core/session/turn'

/** An event's acknowledgement callback, as Socket.IO passes it last. @category model */
export type Ack = (...response: unknown[]) => void

/** The ack payload for a failed event. @category model */
export interface AckErrorPayload {
  readonly error: ClientError
}

/** What a call of Socket.IO's ack threw: its arguments could not be encoded, nothing was sent. */
interface Thrown {
  readonly thrown: unknown
}

/**
 * The ack of one event, answered exactly once: by the handler (through `forHandler`), or by the
 * library with an error so that no client waits forever.
 *
 * **An ack means stored.** While the turn says so (`autoSave` will write after the handler, or a
 * save the handler started is still in flight: see `TurnReplies`), the handler's answer is held,
 * not sent; when the turn ends it is sent if the turn succeeded (`release`), or replaced by the
 * turn's error (`answerError`). So a client never reads success for a write that then failed.
 */
export class OnceAck {
  #answered = false
  #held: unknown[] | undefined = undefined
  /** Set when the handler runs: whether its answer must wait for the end of the turn. */
  replies: TurnReplies | undefined = undefined
  /**
   * What the handler gets in place of the ack: the real ack behind a once-guard. A new one for
   * each run of the handler (`nextRun`), so that a run dropped after a conflict cannot answer.
   */
  forHandler: Ack

  // `Function`: whatever Socket.IO passed last, called with the handler's answer.
  constructor(readonly ack: Function) {
    this.forHandler = this.#wrapper()
  }

  #wrapper(): Ack {
    const wrapper: Ack = (...response) => {
      if (this.forHandler !== wrapper || this.#answered || this.#held !== undefined) return
      if (this.replies?.holdsReplies() === true) {
        this.#held = response
        return
      }
      const failed = this.#send(response)
      // The handler gave an answer Socket.IO cannot encode: its own error, thrown where it acked.
      if (failed !== undefined) throw failed.thrown
    }
    return wrapper
  }

  /**
   * The handler's run was dropped (it lost a conflict and runs again): its held answer goes, and
   * the ack function it was given stops answering; the next run gets a fresh one.
   */
  nextRun(): void {
    this.#held = undefined
    this.forHandler = this.#wrapper()
  }

  answered(): boolean {
    return this.#answered
  }

  #send(response: unknown[]): Thrown | undefined {
    try {
      Reflect.apply(this.ack, undefined, response)
    } catch (thrown) {
      return { thrown }
    }
    this.#answered = true
    return undefined
  }

  /**
   * The turn succeeded: sends the answer the handler gave while it was held. Returns what the
   * ack threw when the answer could not be sent (then the ack is still unanswered).
   */
  release(): Thrown | undefined {
    const held = this.#held
    if (held === undefined || this.#answered) return undefined
    this.#held = undefined
    return this.#send(held)
  }

  /** Answers `{ error }` unless the ack was already answered; a held answer is dropped. */
  answerError(error: ClientError): void {
    if (this.#answered) return
    this.#held = undefined
    this.#send([{ error } satisfies AckErrorPayload])
  }
}
