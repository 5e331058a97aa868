import type { ClientError } from '../core/failure'

/** An event's acknowledgement callback, as Socket.IO passes it last. @category model */
export type Ack = (...response: unknown[]) => void

/**
 * The ack of one event, answered at most once: by the handler, or by the library with an
 * error so that no client waits forever.
 */
export interface OnceAck {
  /** What the handler gets in place of the ack: the real ack behind a once-guard. */
  readonly forHandler: Ack
  readonly answered: () => boolean
  /** Answers `{ error }` unless the handler already answered. */
  readonly answerError: (error: ClientError) => void
}

/** The ack payload for a failed event. @category model */
export interface AckErrorPayload {
  readonly error: ClientError
}

/**
 * Splits an event's arguments: the last one is the ack when it is a function (Socket.IO puts
 * the client's ack callback there).
 */
export const splitAck = (args: ReadonlyArray<unknown>): { readonly args: ReadonlyArray<unknown>; readonly ack: OnceAck | undefined } => {
  const last = args[args.length - 1]
  if (typeof last !== 'function') return { args, ack: undefined }
  return { args: args.slice(0, -1), ack: onceAck((...response: unknown[]) => Reflect.apply(last, undefined, response)) }
}

const onceAck = (ack: Ack): OnceAck => {
  let done = false
  const answer: Ack = (...response) => {
    if (done) return
    done = true
    ack(...response)
  }
  return {
    forHandler: answer,
    answered: () => done,
    answerError: (error) => answer({ error } satisfies AckErrorPayload),
  }
}
