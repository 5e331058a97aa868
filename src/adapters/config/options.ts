import type * as E from 'fp-ts/Either'
import type { Server, Socket } from 'socket.io'
import type { SessionCodec, SessionDecode } from '../../core/data/decode'
import type { SessionError } from '../../core/errors/errors'
import type { AccessFailure } from '../../core/errors/failure'
import type { Secrets } from '../../core/cookie/secrets'
import type { SessionStore } from '../../core/store/storePort'
import type { IncomingHeaders } from '../../core/cookie/headers'
import type { SessionId } from '../../core/cookie/sessionId'
import type { VersionedStore } from '../../core/commit/versionedStore'
import type { RedisScriptClient } from '../redis/redisVersionedStore'

/**
 * How a session is written: `'overwrite'` (the store's `set`, after an existence check) or
 * `'compare-and-set'` (a conditional write on Redis that never loses an update made elsewhere).
 * @since 1.1.0
 * @category model
 */
export type CommitMode = 'overwrite' | 'compare-and-set'

/**
 * Where a failure happened: the socket, and the event being handled (`undefined` during the
 * handshake; for a `withSession` listener, found among the socket's listeners when the failure
 * is reported).
 * @since 1.0.0
 * @category model
 */
export interface ErrorContext {
  readonly socket: Socket
  readonly event: string | undefined
}

/**
 * Which origins may open a socket: a list of exact `Origin` values, or a predicate.
 * @category model
 */
export type AllowedOrigins = ReadonlyArray<string> | ((origin: string | undefined) => boolean)

/**
 * The options every API of this library takes (`sessionAccess(config)` and, except `store`
 * and `secret`, `new ExpressionSocket(io, store, secret, options)`).
 * @since 1.0.0
 * @category model
 */
export interface SessionOptions<A> {
  /** Cookie name: express-session's `name` option. Default `'connect.sid'`. */
  readonly key?: string | undefined
  /** A store call not answered within this many ms is a `StoreTimeout`. Default 5000. */
  readonly storeTimeoutMs?: number | undefined
  /**
   * Told of every failure: session errors and handlers that throw. Default: `HandlerFailure`,
   * `StoreFailure`, `StoreTimeout` and `InvalidSession` are written to `console.error`.
   */
  readonly onError?: ((error: AccessFailure, context: ErrorContext) => void) | undefined
  /**
   * io-ts codec, or Standard Schema validator (zod, valibot, arktype), the session data must
   * pass before a handler runs (else `InvalidSession`). Types the session by its output.
   */
  readonly codec?: SessionCodec<A> | undefined
  /** Run events of one session one after another (in this process). Default true. */
  readonly serialize?: boolean | undefined
  /**
   * With `serialize`, at most this many events of one session wait in this process; a further one
   * is refused at once with `SessionQueueFull` (ack and `onError`), without touching the store.
   * `Infinity` for no limit. Default 1000.
   */
  readonly maxQueuedEvents?: number | undefined
  /**
   * A handler that has not settled this many ms after it started ends its turn with
   * `HandlerTimeout` (ack and `onError`): its session's next event may run, and a `save()` it
   * makes later writes nothing. Default: no limit.
   */
  readonly handlerTimeoutMs?: number | undefined
  /** Save after a handler's turn when the session data changed. Default false. */
  readonly autoSave?: boolean | undefined
  /** Extend the session's expiry on socket activity, as express-session's `rolling`. Default false. */
  readonly rolling?: boolean | undefined
  /** With `rolling`, touch the store at most once per this many ms per session. Default 60000. */
  readonly touchIntervalMs?: number | undefined
  /** Refuse handshakes from other origins with `ForbiddenOrigin`. Default: every origin is let in. */
  readonly allowedOrigins?: AllowedOrigins | undefined
  /** `'disconnect'`: a socket whose session is gone gets `session_lost` and is disconnected. Default `'keep'`. */
  readonly onSessionLost?: 'keep' | 'disconnect' | undefined
  /** Lets `disconnectSession` reach every namespace of this server, on every node. */
  readonly io?: Server | undefined
  /** Clock for cookie expiry, in ms since the epoch. Default `Date.now`. */
  readonly now?: (() => number) | undefined
  /** Check every session with sockets on this process once per this many ms; cut the gone or expired. Default off. */
  readonly revalidateIntervalMs?: number | undefined
  /**
   * `'compare-and-set'` (connect-redis): a save writes only if the session is still the one
   * loaded, merging changes made elsewhere meanwhile, else `SessionConflict`. Default `'overwrite'`.
   */
  readonly commit?: CommitMode | undefined
  /** With `commit: 'compare-and-set'`, the node-redis client to use instead of the store's `client`. */
  readonly redisClient?: RedisScriptClient | undefined
  /**
   * With `commit: 'compare-and-set'`: `'retry'` runs the handler again on the store's current copy
   * when its save meets a change made elsewhere to a key it changed too, holding its ack and
   * `afterCommit` effects until a run commits; `'fail'` answers `SessionConflict`. Default `'fail'`.
   */
  readonly onConflict?: 'fail' | 'retry' | undefined
  /**
   * With `onConflict: 'retry'`, how many more runs conflicts may cost one event before
   * `SessionConflict` (retries also stop `storeTimeoutMs` after the first conflict). Default 64.
   */
  readonly conflictRetries?: number | undefined
}

/**
 * `sessionAccess`'s configuration: the store and secret given to express-session, plus
 * {@link SessionOptions}.
 * @since 1.0.0
 * @category model
 */
export interface SessionAccessConfig<A> extends SessionOptions<A> {
  /** The same store instance express-session uses. */
  readonly store: SessionStore
  /** The same secret (or list, newest first) given to express-session. */
  readonly secret: Secrets
}

/** Validated configuration with every default applied. @category model */
export interface ResolvedConfig<A> {
  readonly store: SessionStore
  readonly secret: Secrets
  readonly key: string
  readonly storeTimeoutMs: number
  readonly onError: (error: AccessFailure, context: ErrorContext) => void
  readonly decode: SessionDecode<A>
  readonly serialize: boolean
  readonly maxQueuedEvents: number
  readonly handlerTimeoutMs: number | undefined
  readonly autoSave: boolean
  readonly rolling: boolean
  readonly touchIntervalMs: number
  readonly originAllowed: (origin: string | undefined) => boolean
  readonly onSessionLost: 'keep' | 'disconnect'
  readonly io: Server | undefined
  readonly now: () => number
  readonly revalidateIntervalMs: number | undefined
  /** Verifies the handshake cookie instead of `secret` (the seed's cookie-parser argument). */
  readonly sessionIdOf?: (headers: IncomingHeaders) => E.Either<SessionError, SessionId>
  /** The compare-and-set port, in `commit: 'compare-and-set'` mode. */
  readonly versioned: VersionedStore | undefined
  /** Runs a conflict may add (`onConflict: 'retry'`); 0 when conflicts are answered. */
  readonly conflictRetries: number
}

/**
 * The seed's options, plus every {@link SessionOptions} option.
 * @since 1.0.0
 * @category model
 */
export interface ExpressionSocketOptions<A, Auto extends boolean, Always extends boolean> extends Omit<SessionOptions<A>, 'io'> {
  /** Give every `socket.on` listener the session (else use `socket.sessOn`). Default false. */
  readonly alwaysSession?: Always | undefined
  /**
   * Handle session errors for you: callbacks run only with a session and get it first; a
   * handshake without a session is refused. Default false: callbacks get `(err, session, ...)`.
   */
  readonly autoErrManager?: Auto | undefined
}
