import type { SessionError } from '../../core/errors/errors'
import type { DestroyCount } from '../../core/session/sessionOperations'
import type { SessionId } from '../../core/cookie/sessionId'

/**
 * What this process keeps for one session while a socket of it is connected (or one of its
 * events is still running): everything per session in one object, found through the socket's
 * connection, so an event touches no `Map` or `Set`. `E` is what waits in its queue (the
 * runtime's `SocketEvent`; a parameter, so that this module does not depend on that one).
 */
export class SessionRecord<E = unknown> implements DestroyCount {
  /** Connected sockets of this session that have sent an event. */
  sockets = 0
  /** Destroys started by this library (see `SessionOperations`). */
  destroys = 0
  /** An event of this session is running (with `serialize`). */
  busy = false
  /** The queue is starting an event of this session (see `SessionQueue`). */
  starting = false
  /** That event ended before its start returned. */
  endedWhileStarting = false
  /** Events waiting for the running one, oldest first; made when first needed. */
  waiting: E[] | undefined = undefined
  /** When rolling expiry last touched the store (ms, the config's clock). */
  lastTouched = -Infinity
  /** A store outage met by the last event: events that arrived before it fail fast. */
  trouble: { readonly error: SessionError; readonly order: number } | undefined = undefined

  constructor(readonly sid: SessionId) {}
}

/** The records of sessions with connected sockets, by session id. */
export interface SessionRecords<E> {
  /** A socket of `sid` starts counting: its record, made if needed. */
  attach(sid: SessionId): SessionRecord<E>
  /** A counted socket left. */
  detach(record: SessionRecord<E>): void
  /** The record's events are all done: it goes once no socket holds it. */
  idle(record: SessionRecord<E>): void
  /** The record of `sid`, if one is kept. */
  find(sid: SessionId): SessionRecord<E> | undefined
  values(): IterableIterator<SessionRecord<E>>
}

export const createSessionRecords = <E>(): SessionRecords<E> => {
  const records = new Map<SessionId, SessionRecord<E>>()
  const dropIfUnused = (record: SessionRecord<E>): void => {
    if (record.sockets === 0 && !record.busy && records.get(record.sid) === record) records.delete(record.sid)
  }
  return {
    attach(sid) {
      let record = records.get(sid)
      if (record === undefined) {
        record = new SessionRecord<E>(sid)
        records.set(sid, record)
      }
      record.sockets += 1
      return record
    },
    detach(record) {
      record.sockets -= 1
      if (record.sockets > 0) return
      // Nothing per session outlives its last socket: the next socket starts afresh.
      record.lastTouched = -Infinity
      record.trouble = undefined
      dropIfUnused(record)
    },
    idle: dropIfUnused,
    find: (sid) => records.get(sid),
    values: () => records.values(),
  }
}
