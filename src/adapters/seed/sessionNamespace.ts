import { EventEmitter } from 'node:events'
import * as E from 'fp-ts/Either'
import type { Namespace, Socket } from 'socket.io'
import { type SessionError, isSessionError } from '../../core/errors/errors'
import { handlerFailure, toClientError } from '../../core/errors/failure'
import { handshakeRefusal } from '../runtime/refusal'
import { sessionListener } from '../runtime/sessionListener'
import type { Accept, AuthorizationCallback, ConnectionCallback, ModeHandler, SessionSocket } from './seedTypes'
import type { HandshakeSession, SocketSessions } from '../runtime/socketSessions'
import { isThenable } from '../../core/util/thenable'
import { holdEvents } from './eventGate'

/**
 * The seed's `expressionIO.sockets` / `expressionIO.of(name)`: a thin wrapper of one
 * namespace whose callbacks get the session.
 * @since 1.0.0
 * @category model
 */
export interface SessionNamespace<A, Auto extends boolean, Always extends boolean> {
  /** The Socket.IO namespace itself, for everything this wrapper does not cover. */
  readonly namespace: Namespace
  /** Adds a handshake check (a namespace middleware) that gets the session. */
  authorization(callback: AuthorizationCallback<A, Auto>): this
  /** `'connection'`: runs in the same tick as Socket.IO's own, with the handshake's session. */
  on(event: 'connection' | 'connect', callback: ConnectionCallback<A, Auto, Always>): this
  /** Broadcasts to every socket of the namespace. */
  emit(event: string, ...args: unknown[]): boolean
}

/** The seed's flags, resolved. */
export interface SeedModes {
  readonly autoErrManager: boolean
  readonly alwaysSession: boolean
}

/** Events Socket.IO (`disconnect`, `disconnecting`, `error`) and EventEmitter emit on a socket. */
const RESERVED_EVENTS: ReadonlySet<string> = new Set(['disconnect', 'disconnecting', 'error', 'newListener', 'removeListener'])

type Loaded<A> = E.Either<SessionError, HandshakeSession<A>>

const UNAUTHORIZED = Object.assign(new Error('Unauthorized'), {
  data: { code: 'Unauthorized', message: 'The connection was not authorized' },
})

/** What `accept(err, false)` sends the client: a session error keeps its tag. */
const refusalFor = (err: unknown): Error => {
  if (err === null || err === undefined || err === false) return UNAUTHORIZED
  if (isSessionError(err)) return handshakeRefusal(err)
  return err instanceof Error ? err : new Error(String(err))
}

/** @category constructors */
export const createSessionNamespace = <A, Auto extends boolean, Always extends boolean>(
  sessions: SocketSessions<A>,
  namespace: Namespace,
  modes: SeedModes,
): SessionNamespace<A, Auto, Always> => {
  const handshakes = new WeakMap<Socket, Loaded<A>>()
  const forgetHandshake = (socket: Socket): boolean => handshakes.delete(socket)
  const mode = modes.autoErrManager ? 'auto' : 'errorFirst'

  // Loads the session once per handshake: `authorization` and `connection` callbacks share it.
  namespace.use((socket, next) => {
    void sessions.loadAtHandshake(socket).then((loaded) => {
      handshakes.set(socket, loaded)
      // An explicit security option is never advisory: a foreign origin is refused in every mode.
      if (E.isRight(loaded) || (!modes.autoErrManager && loaded.left._tag !== 'ForbiddenOrigin')) return next()
      sessions.report(loaded.left, socket, undefined)
      next(handshakeRefusal(loaded.left))
    })
  })

  const callSafely = (socket: Socket, call: () => unknown, onThrow: () => void): void => {
    const fail = (err: unknown): void => {
      sessions.report(handlerFailure(err), socket, undefined)
      onThrow()
    }
    try {
      const returned = call()
      if (isThenable(returned)) returned.then(undefined, fail)
    } catch (err) {
      fail(err)
    }
  }

  // Non-generic, so that `sessOn` and `alwaysSession`'s `on` share it.
  const listenWithSession = (socket: Socket, event: string, handler: (this: Socket, ...args: never) => unknown): Socket => {
    EventEmitter.prototype.on.call(socket, event, sessionListener(sessions, mode, event, handler))
    return socket
  }

  const sessOnFor =
    (socket: Socket) =>
    <Args extends unknown[]>(event: string, handler: ModeHandler<A, Auto, Args>): Socket =>
      listenWithSession(socket, event, handler)

  // With `alwaysSession`, `socket.on` gives the session, except for the events Socket.IO and
  // EventEmitter emit themselves: those keep their own signature and never touch the store.
  const alwaysOnFor = (socket: Socket) =>
    function on(event: string, handler: (this: Socket, ...args: never) => unknown): Socket {
      if (!RESERVED_EVENTS.has(event)) return listenWithSession(socket, event, handler)
      Reflect.apply(EventEmitter.prototype.on, socket, [event, handler])
      return socket
    }

  const decorate = (socket: Socket): SessionSocket<A, Auto, Always> => {
    if (!Object.hasOwn(socket, 'sessOn')) {
      const sessOn = sessOnFor(socket)
      Object.defineProperty(socket, 'sessOn', { value: sessOn, configurable: true })
      if (modes.alwaysSession) Object.defineProperty(socket, 'on', { value: alwaysOnFor(socket), configurable: true })
    }
    // The properties were just defined to match `modes`, which fixed `Always` at construction.
    return socket as unknown as SessionSocket<A, Auto, Always>
  }

  // The connection callback's own session operations: failures reported once they are done;
  // its `afterCommit` effects run then if none failed.
  const reportOperationFailures = (socket: Socket, loaded: HandshakeSession<A>): void => {
    void loaded.tracker.settle().then(() => {
      for (const failure of loaded.tracker.failures) sessions.report(failure, socket, 'connection')
      const effects = loaded.tracker.takeEffects()
      if (loaded.tracker.failures.length > 0) return
      for (const effect of effects) {
        try {
          effect()
        } catch (err) {
          sessions.report(handlerFailure(err), socket, 'connection')
        }
      }
    })
  }

  const deliver = (socket: Socket, loaded: Loaded<A>, callback: ConnectionCallback<A, Auto, Always>): void => {
    const sessionSocket = decorate(socket)
    if (E.isLeft(loaded) && (modes.autoErrManager || loaded.left._tag === 'ForbiddenOrigin')) {
      // Only a recovered connection (middlewares skipped) can get here without a session.
      sessions.report(loaded.left, socket, 'connection')
      socket.emit('session_lost', toClientError(loaded.left))
      socket.disconnect()
      return
    }
    const args = E.isRight(loaded)
      ? modes.autoErrManager
        ? [loaded.right.session, sessionSocket]
        : [null, loaded.right.session, sessionSocket]
      : [loaded.left, undefined, sessionSocket]
    callSafely(socket, () => Reflect.apply(callback, undefined, args), () => undefined)
    if (E.isRight(loaded)) reportOperationFailures(socket, loaded.right)
  }

  const self: SessionNamespace<A, Auto, Always> = {
    namespace,
    authorization(callback) {
      namespace.use((socket, next) => {
        const loaded = handshakes.get(socket)
        if (loaded === undefined) return next()
        let answered = false
        const accept: Accept = (err, authorized = true) => {
          if (answered) return
          answered = true
          if (err !== null && err !== undefined) next(refusalFor(err))
          else next(authorized ? undefined : UNAUTHORIZED)
        }
        const args = E.isRight(loaded)
          ? modes.autoErrManager
            ? [loaded.right.session, socket.handshake, accept]
            : [null, loaded.right.session, socket.handshake, accept]
          : [loaded.left, undefined, socket.handshake, accept]
        callSafely(socket, () => Reflect.apply(callback, undefined, args), () =>
          accept(handshakeRefusal(handlerFailure(undefined)), false),
        )
      })
      return self
    },
    on(_event, callback) {
      namespace.on('connection', (socket: Socket) => {
        const loaded = handshakes.get(socket)
        if (loaded !== undefined) {
          deliver(socket, loaded, callback)
          // Every `connection` listener runs in this tick: then the handshake's session is not
          // kept for the socket's whole life (memory per socket).
          process.nextTick(forgetHandshake, socket)
          return
        }
        // A recovered connection skipped the middlewares: load its session now, and hold the
        // events its client buffered offline until the callback has registered its listeners.
        const open = holdEvents(socket)
        void sessions.loadAtHandshake(socket).then((late) => {
          handshakes.set(socket, late)
          if (socket.connected) deliver(socket, late, callback)
          open()
        })
      })
      return self
    },
    emit: (event, ...args) => namespace.emit(event, ...args),
  }
  return self
}
