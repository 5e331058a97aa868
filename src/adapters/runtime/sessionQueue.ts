import type { Socket } from 'socket.io'
import { type SessionError, sessionQueueFull } from '../../core/errors/errors'
import { type TurnDeps, startFailedTurn, startTurn } from '../../core/session/turn'
import { debugLog, logQueueLimit, logQueueWait } from './log'
import type { EventRecord, SocketEvent } from './socketEvent'

/**
 * Runs the events of one session one after another in this process (`serialize`), in arrival
 * order. An idle session's event starts at once; only a busy session's events wait, in an array
 * on its record. A store outage met by one event answers the events queued behind it at once
 * (they fail fast with the same error) instead of letting each wait out its own timeout in turn.
 *
 * The work a client can leave behind is bounded: at most `maxQueuedEvents` events of a session
 * wait (a further one is refused at once with `SessionQueueFull`), and the waiting events of a
 * socket that disconnects are dropped (nobody is left to read their acks). The event already
 * running finishes (or meets `handlerTimeoutMs`).
 */
export interface SessionQueue<A> {
  /** Runs `event` now, or after the session's running and waiting events; refuses it when too many wait. */
  enqueue(record: EventRecord, event: SocketEvent<A>): void
  /** `socket` disconnected: its events still waiting in `record`'s queue are dropped. */
  dropWaiting(record: EventRecord, socket: Socket): void
  /** The running event of `record` ended: remember an outage it met, start the next one. */
  ended(record: EventRecord, event: SocketEvent<A>, loadError: SessionError | undefined): void
}

const isOutage = (e: SessionError | undefined): e is SessionError => e?._tag === 'StoreTimeout' || e?._tag === 'StoreFailure'

export const createSessionQueue = <A>(deps: TurnDeps<A>, maxWaiting: number, onIdle: (record: EventRecord) => void): SessionQueue<A> => {
  let order = 0

  const start = (record: EventRecord, event: SocketEvent<A>): void => {
    if (event.queuedAt >= 0) logQueueWait(record.sid, event.queuedAt)
    const trouble = record.trouble
    if (trouble !== undefined && event.order < trouble.order) {
      event.failedFast = true
      return startFailedTurn(trouble.error, event, deps.handlerDeadlines)
    }
    startTurn(deps, record.sid, record, event)
  }

  /**
   * Starts `event` and then, as long as each one ends before its start returns (a fail-fast
   * answer, a store that calls back synchronously), the next: a loop, so that a long queue
   * never turns into deep recursion.
   */
  const runFrom = (record: EventRecord, first: SocketEvent<A>): void => {
    let event: SocketEvent<A> | undefined = first
    while (event !== undefined) {
      record.starting = true
      record.endedWhileStarting = false
      start(record, event)
      record.starting = false
      if (!record.endedWhileStarting) return
      event = next(record)
    }
  }

  /** The next waiting event, or `undefined` once the session is idle (then its record may go). */
  const next = (record: EventRecord): SocketEvent<A> | undefined => {
    const waiting = record.waiting?.shift()
    if (waiting !== undefined) return waiting
    record.busy = false
    record.waiting = undefined
    onIdle(record)
    return undefined
  }

  return {
    enqueue(record, event) {
      if (record.busy && (record.waiting?.length ?? 0) >= maxWaiting) {
        if (debugLog.queue.enabled) logQueueLimit(record.sid, `refused (${maxWaiting} waiting)`, 1)
        // Not queued: its end releases nothing, and it neither waits nor touches the store.
        return startFailedTurn(sessionQueueFull(maxWaiting), event, deps.handlerDeadlines)
      }
      event.queuedOn = record
      event.order = ++order
      if (record.busy) return void (record.waiting ??= []).push(event)
      record.busy = true
      runFrom(record, event)
    },
    dropWaiting(record, socket) {
      const waiting = record.waiting
      if (waiting === undefined) return
      const kept = waiting.filter((event) => event.socket !== socket)
      if (kept.length === waiting.length) return
      record.waiting = kept
      if (debugLog.queue.enabled) logQueueLimit(record.sid, 'dropped, socket disconnected', waiting.length - kept.length)
    },
    ended(record, event, loadError) {
      // Only an event that went to the store tells whether the store is (still) out.
      if (!event.failedFast) record.trouble = isOutage(loadError) ? { error: loadError, order: ++order } : undefined
      if (record.starting) return void (record.endedWhileStarting = true)
      const following = next(record)
      if (following !== undefined) runFrom(record, following)
    },
  }
}
