import type { AccessFailure } from '../errors/failure'
import type { SessionId } from '../cookie/sessionId'

/**
 * One debug channel, shaped like a logger of the `debug` package: callable with a format string,
 * with an `enabled` flag read before doing any work, so a disabled channel costs one property read.
 * @since 1.1.0
 * @category model
 */
export interface LogChannel {
  readonly enabled: boolean
  (format: string, ...args: unknown[]): void
}

/**
 * Where the core writes the steps worth knowing when debugging. The adapters pass one in
 * (`debug` loggers under `expression.socket.io:*`); the core never reaches for a global logger.
 * @since 1.1.0
 * @category model
 */
export interface SessionLog {
  /** Loads and reloads from the store. */
  readonly load: LogChannel
  /** Writes: save, touch, destroy. */
  readonly save: LogChannel
  /** Checks that a session still exists before writing it. */
  readonly revalidate: LogChannel
  /** A short non-reversible tag standing for a session id: logs never carry the id itself. */
  readonly tag: (sid: SessionId) => string
}

/**
 * Writes one step's outcome, as `load 1f2e3d4c ok` or `save 1f2e3d4c failed: StoreTimeout`.
 * Call it only when `channel.enabled`.
 *
 * In the core, with the `SessionLog` it was given: `if (log.load.enabled) logOutcome(log.load,
 * 'load', log.tag(sid), failure)`, `failure` being `undefined` when the step went well.
 * @since 1.1.0
 * @category destructors
 */
export const logOutcome = (channel: LogChannel, step: string, tag: string, failure: AccessFailure | undefined): void => {
  try {
    if (failure === undefined) channel('%s %s ok', step, tag)
    else channel('%s %s failed: %s', step, tag, failure._tag)
  } catch {
    // A logger that throws (a custom `debug.log`, say) never changes what an event does.
  }
}

/** A session operation's outcome, on its channel: `reload` with loads, the others with writes. */
export const logOperation = (log: SessionLog, op: string, sid: SessionId, failure: AccessFailure | undefined): void => {
  const channel = op === 'reload' ? log.load : log.save
  if (!channel.enabled) return
  let tag: string
  try {
    tag = log.tag(sid)
  } catch {
    return
  }
  logOutcome(channel, op, tag, failure)
}
