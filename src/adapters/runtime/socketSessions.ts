import * as E from 'fp-ts/Either'
import type { Socket } from 'socket.io'
import { createDeadlines } from '../../core/store/deadlines'
import { type SessionError, storeFailure } from '../../core/errors/errors'
import { type AccessFailure, handlerFailure, toClientError } from '../../core/errors/failure'
import type { Session } from '../../core/session/liveSession'
import type { SessionTracker } from '../../core/session/sessionOperations'
import type { SessionId } from '../../core/cookie/sessionId'
import { type TurnDeps, loadLiveSession, startFailedTurn, startTurn } from '../../core/session/turn'
import type { ResolvedConfig } from '../config/options'
import { createConnections } from './connections'
import { disconnectSessionIn } from './disconnectSession'
import { eventNameOf } from './eventNames'
import { debugLog, logFailure, logHandshake, sessionLog } from './log'
import { createRevalidation } from './revalidation'
import { withLibraryClient } from '../redis/commandTimeout'
import { createSessionQueue } from './sessionQueue'
import { createSessionRecords } from './sessionRecords'
import { type EventSink, type HandlerMode, SocketEvent, type UserHandler } from './socketEvent'

export type { HandlerMode, UserHandler } from './socketEvent'

/**
 * Memory the library holds, for monitoring and tests: all zero when no socket is connected
 * and no event is running.
 * @since 1.0.0
 * @category model
 */
export interface SessionStats {
  /** Sessions with events queued or running. */
  readonly queuedSessions: number
  /** Sessions with at least one connected socket that has sent an event. */
  readonly activeSessions: number
  /** Sessions with a remembered rolling-expiry touch time. */
  readonly rollingEntries: number
  /** Sessions whose last event met a store outage (their queued events fail fast). */
  readonly outageEntries: number
  /** Sessions followed by `revalidateIntervalMs` (always 0 when it is off). */
  readonly revalidatedSessions: number
}

/** A session loaded at the handshake, with the tracker of its operations. */
export interface HandshakeSession<A> {
  readonly session: Session<A>
  readonly tracker: SessionTracker & { takeEffects(): ReadonlyArray<() => void> }
}

/**
 * The machinery shared by `sessionAccess` and `ExpressionSocket`: per-connection session ids,
 * per-session records and queues, event turns, error reporting and `disconnectSession`.
 */
export interface SocketSessions<A> {
  readonly config: ResolvedConfig<A>
  /** Origin check and session id for a socket, computed once per connection. */
  connectionOf(socket: Socket): E.Either<SessionError, SessionId>
  /** Loads the session for a socket in its handshake (middleware). Never rejects. */
  loadAtHandshake(socket: Socket): Promise<E.Either<SessionError, HandshakeSession<A>>>
  /**
   * Runs one event for a listener (`listener` is the function Socket.IO called, `event` its
   * name when known, `args` its own arguments array, taken over). Never throws; every failure
   * ends in `onError` and the ack.
   */
  runEvent(socket: Socket, listener: unknown, event: string | undefined, args: unknown[], mode: HandlerMode, handler: UserHandler): void
  report(failure: AccessFailure, socket: Socket, event: string | undefined): void
  disconnectSession(sessionId: string): void
  stats(): SessionStats
}

/** @category constructors */
export const createSocketSessions = <A>(config: ResolvedConfig<A>): SocketSessions<A> => {
  const records = createSessionRecords<SocketEvent<unknown>>()
  const revalidation = createRevalidation(config)

  // The library's own store calls skip node-redis's per-command timer (see commandTimeout).
  const store = withLibraryClient(config.store)
  const turnDeps: TurnDeps<A> = {
    store,
    deadlines: createDeadlines(config.storeTimeoutMs),
    now: config.now,
    decode: config.decode,
    autoSave: config.autoSave,
    trackChanges: config.autoSave,
    log: sessionLog,
    versioned: config.versioned,
    touchDue: (sid) => config.rolling && config.now() - (records.find(sid)?.lastTouched ?? -Infinity) >= config.touchIntervalMs,
    touched: (sid) => {
      const record = records.find(sid)
      if (record !== undefined && record.sockets > 0) record.lastTouched = config.now()
    },
    handlerDeadlines: config.handlerTimeoutMs === undefined ? undefined : createDeadlines(config.handlerTimeoutMs),
    conflictRetries: config.conflictRetries,
  }
  const queue = createSessionQueue(turnDeps, config.maxQueuedEvents, records.idle)
  const connections = createConnections(config, records, revalidation.watch, (socket, record) => queue.dropWaiting(record, socket))
  const load = loadLiveSession(turnDeps)

  const report = (failure: AccessFailure, socket: Socket, event: string | undefined): void => {
    if (debugLog.error.enabled) logFailure(failure, event, connections.of(socket).sid)
    try {
      config.onError(failure, { socket, event })
    } catch {
      // A throwing onError must not turn one failure into a crash.
    }
  }

  const loseSession = (socket: Socket, error: SessionError): void => {
    if (config.onSessionLost !== 'disconnect' || error._tag !== 'SessionNotFound' || !socket.connected) return
    socket.emit('session_lost', toClientError(error))
    socket.disconnect()
  }

  /**
   * How an event ended reaches the client (ack), `onError` and, with `serialize`, its queue. A
   * held answer of the handler is sent only now, and only if the turn succeeded.
   */
  const sink: EventSink = {
    eventEnded(event, loadError, ended, effectFailure) {
      const { socket } = event
      try {
        // An afterCommit effect that threw: reported, but the turn's write stands and so does its ack.
        if (effectFailure !== undefined) report(effectFailure, socket, event.knownEvent ?? eventNameOf(socket, event.listener))
        let failure = ended
        if (failure === undefined && loadError === undefined) {
          const unsent = event.ack?.release()
          if (unsent !== undefined) failure = handlerFailure(unsent.thrown)
        }
        const unseen = loadError !== undefined && event.mode === 'auto' ? loadError : undefined
        if (unseen !== undefined || failure !== undefined) {
          const name = event.knownEvent ?? eventNameOf(socket, event.listener)
          if (unseen !== undefined) report(unseen, socket, name)
          if (failure !== undefined) report(failure, socket, name)
        }
        const answer = failure ?? loadError
        if (answer !== undefined) event.ack?.answerError(toClientError(answer))
        const lost = loadError ?? (failure?._tag === 'SessionNotFound' ? failure : undefined)
        if (lost !== undefined) loseSession(socket, lost)
      } catch {
        // An ack or a disconnect that throws must not stop the session's queue.
      }
      if (event.queuedOn !== undefined) queue.ended(event.queuedOn, event, loadError)
    },
  }

  const runEvent: SocketSessions<A>['runEvent'] = (socket, listener, name, args, mode, handler) => {
    let event: SocketEvent<A> | undefined
    try {
      const connection = connections.of(socket)
      event = new SocketEvent<A>(sink, socket, listener, name, mode, handler, args)
      const sid = connection.sid
      if (E.isLeft(sid)) return startFailedTurn(sid.left, event, turnDeps.handlerDeadlines)
      const record = connections.recordOf(socket, connection)
      if (record === undefined) return startTurn(turnDeps, sid.right, { destroys: 0 }, event)
      if (!config.serialize) return startTurn(turnDeps, sid.right, record, event)
      if (debugLog.queue.enabled) event.queuedAt = performance.now()
      queue.enqueue(record, event)
    } catch (err) {
      // Only a bug of the library can get here: the event still ends, once, with a tag, and its
      // queue moves on; nothing reaches Socket.IO's emitter.
      if (event !== undefined) event.end(undefined, handlerFailure(err))
      else report(handlerFailure(err), socket, name)
    }
  }

  // Never rejects: the middlewares that await it answer the handshake whatever happens.
  const loadAtHandshake: SocketSessions<A>['loadAtHandshake'] = async (socket) => {
    try {
      const sid = connections.of(socket).sid
      const loaded = E.isLeft(sid) ? sid : await load(sid.right)()
      if (debugLog.handshake.enabled) logHandshake(socket, sid, loaded)
      return loaded
    } catch (err) {
      return E.left(storeFailure(err))
    }
  }

  const stats = (): SessionStats => {
    let queuedSessions = 0
    let activeSessions = 0
    let rollingEntries = 0
    let outageEntries = 0
    for (const record of records.values()) {
      if (record.busy) queuedSessions += 1
      if (record.sockets > 0) activeSessions += 1
      if (record.lastTouched !== -Infinity) rollingEntries += 1
      if (record.trouble !== undefined) outageEntries += 1
    }
    return { queuedSessions, activeSessions, rollingEntries, outageEntries, revalidatedSessions: revalidation.size() }
  }

  return {
    config,
    connectionOf: (socket) => connections.of(socket).sid,
    loadAtHandshake,
    runEvent,
    report,
    disconnectSession: disconnectSessionIn(config.io, connections.namespaces),
    stats,
  }
}
