import type { ClientError } from '../core/failure'

/** An event's acknowledgement callback, as Socket.IO passes it last. @category model */
export type Ack = (...response: unknown[]) => void

/** The ack payload for a failed event. @category model */
export interface AckErrorPayload {
  readonly error: ClientError
}

/**
 * The ack of one event, answered at most once: by the handler (through `forHandler`), or by the
 * library with an error so that no client waits forever.
 */
export class OnceAck {
  #answered = false
  /** What the handler gets in place of the ack: the real ack behind a once-guard. */
  readonly forHandler: Ack

  // `Function`: whatever Socket.IO passed last, called with the handler's answer.
  constructor(ack: Function) {
    this.forHandler = (...response) => {
      if (this.#answered) return
      this.#answered = true
      Reflect.apply(ack, undefined, response)
    }
  }

  answered(): boolean {
    return this.#answered
  }

  /** Answers `{ error }` unless the handler already answered. */
  answerError(error: ClientError): void {
    this.forHandler({ error } satisfies AckErrorPayload)
  }
}
