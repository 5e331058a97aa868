import { EventEmitter } from 'node:events'
import * as E from 'fp-ts/Either'
import type { Namespace, Socket } from 'socket.io'
import { type SessionError, forbiddenOrigin } from '../../core/errors/errors'
import { type IncomingHeaders, sessionIdFromHeaders } from '../../core/cookie/headers'
import type { SessionId } from '../../core/cookie/sessionId'
import type { ResolvedConfig } from '../config/options'
import { sessionRoom } from './rooms'
import type { SessionRecords } from './sessionRecords'
import type { EventRecord, SocketEvent } from './socketEvent'

/** What is known of a connection once, at its handshake or first event. */
export interface Connection {
  readonly sid: E.Either<SessionError, SessionId>
  /** The session's record, once the socket has sent an event while connected. */
  record: EventRecord | undefined
}

/** Per-socket state: the session id computed once per connection, and the session record. */
export interface Connections {
  /** The socket's connection, computed on first use (origin check, cookie, signature). */
  of(socket: Socket): Connection
  /** The record of the socket's session, attached on its first event while connected. */
  recordOf(socket: Socket, connection: Connection): EventRecord | undefined
  /** Every namespace a socket of ours was seen in (for `disconnectSession` without `io`). */
  readonly namespaces: ReadonlySet<Namespace>
}

const noop = (): void => undefined

const headerValue = (h: string | string[] | undefined): string | undefined => (Array.isArray(h) ? h[0] : h)

export const createConnections = <A>(
  config: ResolvedConfig<A>,
  records: SessionRecords<SocketEvent<unknown>>,
  /** Told of each socket with a session id, once, at its handshake (revalidation follows them). */
  onSessionSocket: (socket: Socket, sid: SessionId) => void,
  /** Told when a socket that sent events disconnects, before its record lets go of it. */
  onSocketGone: (socket: Socket, record: EventRecord) => void,
): Connections => {
  // The seed's cookie-parser argument verifies the cookie itself; else the secret does.
  const sidOf = config.sessionIdOf ?? sessionIdFromHeaders({ key: config.key, secret: config.secret })
  const connections = new WeakMap<Socket, Connection>()
  const namespaces = new Set<Namespace>()

  const originAllowed = (origin: string | undefined): boolean => {
    try {
      return config.originAllowed(origin)
    } catch {
      return false
    }
  }

  const sessionIdFor = (headers: IncomingHeaders): E.Either<SessionError, SessionId> => {
    const origin = headerValue(headers['origin'])
    return originAllowed(origin) ? sidOf(headers) : E.left(forbiddenOrigin(origin))
  }

  // One listener function for every socket (`this` is the socket): no closure per connection.
  function detach(this: Socket): void {
    const record = connections.get(this)?.record
    if (record === undefined) return
    onSocketGone(this, record)
    records.detach(record)
  }

  return {
    namespaces,
    of(socket) {
      const known = connections.get(socket)
      if (known !== undefined) return known
      const created: Connection = { sid: sessionIdFor(socket.handshake.headers), record: undefined }
      connections.set(socket, created)
      namespaces.add(socket.nsp)
      if (E.isRight(created.sid)) {
        onSessionSocket(socket, created.sid.right)
        // Joining during the handshake is safe: a refused or closed socket leaves all its rooms.
        void Promise.resolve(socket.join(sessionRoom(created.sid.right))).catch(noop)
      }
      return created
    },
    recordOf(socket, connection) {
      if (connection.record !== undefined || !socket.connected || E.isLeft(connection.sid)) return connection.record
      connection.record = records.attach(connection.sid.right)
      // The prototype's `on`: the socket's own may be replaced by `alwaysSession`.
      EventEmitter.prototype.on.call(socket, 'disconnect', detach)
      return connection.record
    },
  }
}
