import * as E from 'fp-ts/Either'
import type { Server, Socket } from 'socket.io'
import { type SessionCodec, type SessionDecode, sessionDecoderFor } from '../core/decode'
import type { SessionError } from '../core/errors'
import type { AccessFailure } from '../core/failure'
import { type Secrets, toSecretList } from '../core/secrets'
import { isStandardSchema } from '../core/standardSchema'
import { DEFAULT_STORE_TIMEOUT_MS, type SessionStore, type StoredSession } from '../core/storePort'
import { reportToConsole } from './defaultOnError'
import type { IncomingHeaders } from '../core/headers'
import type { SessionId } from '../core/sessionId'
import { refuseUnknownOptions, sessionAccessOptionNames } from './knownOptions'
import { resolveRevalidateInterval } from './revalidation'
import type { VersionedStore } from '../core/versionedStore'
import { type CommitMode, resolveCommitMode } from './commitMode'
import type { RedisScriptClient } from './redisVersionedStore'

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

/** `maxQueuedEvents` when not given: far above what a real client sends, low enough to bound a flood. */
export const DEFAULT_MAX_QUEUED_EVENTS = 1000

/** `conflictRetries` when not given. */
export const DEFAULT_CONFLICT_RETRIES = 64

const fail = (option: string, expected: string): never => {
  throw new TypeError(`expression.socket.io: option "${option}" must be ${expected}`)
}

const isStore = (u: unknown): u is SessionStore =>
  typeof u === 'object' &&
  u !== null &&
  'get' in u &&
  typeof u.get === 'function' &&
  'set' in u &&
  typeof u.set === 'function' &&
  'destroy' in u &&
  typeof u.destroy === 'function'

const isCodec = (u: unknown): boolean =>
  isStandardSchema(u) || ((typeof u === 'object' || typeof u === 'function') && u !== null && 'decode' in u && typeof u.decode === 'function')

const positive = (option: string, value: number | undefined, fallback: number): number => {
  if (value === undefined) return fallback
  return Number.isFinite(value) && value > 0 ? value : fail(option, 'a positive number of milliseconds')
}

const limit = (option: string, value: number | undefined, fallback: number): number => {
  if (value === undefined) return fallback
  return value === Infinity || (Number.isInteger(value) && value > 0) ? value : fail(option, 'a positive integer, or Infinity')
}

const flag = (option: string, value: boolean | undefined, fallback: boolean): boolean => {
  if (value === undefined) return fallback
  return typeof value === 'boolean' ? value : fail(option, 'a boolean')
}

const toOriginCheck = (allowed: AllowedOrigins | undefined): ((origin: string | undefined) => boolean) => {
  if (allowed === undefined) return () => true
  if (typeof allowed === 'function') return allowed
  if (!Array.isArray(allowed) || !allowed.every((o) => typeof o === 'string'))
    return fail('allowedOrigins', 'an array of origin strings or a function')
  const set = new Set(allowed)
  return (origin) => origin !== undefined && set.has(origin)
}

// Without a codec the stored data is taken to be the declared session type (express-session's
// `SessionData` by default), exactly as express-session itself does for `req.session`: this is
// the one place that trust is written down. Pass a `codec` to check it instead.
const trustStored = <A>(stored: StoredSession): E.Either<SessionError, StoredSession & A> =>
  E.right(stored as StoredSession & A)

/**
 * Checks a configuration once, when the factory is called, and fills in the defaults. A bad
 * option is a `TypeError` that names it.
 * @category constructors
 */
export const resolveConfig = <A>(config: SessionAccessConfig<A>): ResolvedConfig<A> => {
  if (typeof config !== 'object' || config === null) return fail('config', 'an object')
  refuseUnknownOptions(config, sessionAccessOptionNames)
  if (!isStore(config.store)) return fail('store', 'an express-session store (with get, set and destroy)')
  toSecretList(config.secret, 'expression.socket.io: option "secret"')
  const key = config.key ?? 'connect.sid'
  if (typeof key !== 'string' || key === '') fail('key', 'a non-empty cookie name')
  if (config.onError !== undefined && typeof config.onError !== 'function') fail('onError', 'a function')
  if (config.codec !== undefined && !isCodec(config.codec)) fail('codec', 'an io-ts codec or a Standard Schema validator') // hook: Standard Schema
  const onSessionLost = config.onSessionLost ?? 'keep'
  if (onSessionLost !== 'keep' && onSessionLost !== 'disconnect') fail('onSessionLost', '"keep" or "disconnect"')
  if (config.now !== undefined && typeof config.now !== 'function') fail('now', 'a function returning ms')
  const codec = config.codec
  const versioned = resolveCommitMode(config.store, config.commit, config.redisClient)
  return {
    store: config.store,
    secret: config.secret,
    key,
    storeTimeoutMs: positive('storeTimeoutMs', config.storeTimeoutMs, DEFAULT_STORE_TIMEOUT_MS),
    onError: config.onError ?? reportToConsole, // hook: default onError
    decode: codec === undefined ? trustStored : sessionDecoderFor(codec), // hook: Standard Schema
    serialize: flag('serialize', config.serialize, true),
    maxQueuedEvents: limit('maxQueuedEvents', config.maxQueuedEvents, DEFAULT_MAX_QUEUED_EVENTS),
    handlerTimeoutMs: config.handlerTimeoutMs === undefined ? undefined : positive('handlerTimeoutMs', config.handlerTimeoutMs, 1),
    autoSave: flag('autoSave', config.autoSave, false),
    rolling: flag('rolling', config.rolling, false),
    touchIntervalMs: positive('touchIntervalMs', config.touchIntervalMs, 60_000),
    originAllowed: toOriginCheck(config.allowedOrigins),
    onSessionLost,
    io: config.io,
    now: config.now ?? Date.now,
    revalidateIntervalMs: resolveRevalidateInterval(config.revalidateIntervalMs),
    versioned,
    conflictRetries: resolveConflictRetries(config, versioned),
  }
}

/** `onConflict` and `conflictRetries`, checked: retrying needs compare-and-set (nothing else detects a conflict). */
const resolveConflictRetries = <A>(config: SessionAccessConfig<A>, versioned: VersionedStore | undefined): number => {
  const { onConflict } = config
  if (onConflict !== undefined && onConflict !== 'fail' && onConflict !== 'retry') return fail('onConflict', '"fail" or "retry"')
  if (onConflict !== 'retry') {
    if (config.conflictRetries !== undefined) fail('conflictRetries', "used with onConflict: 'retry'")
    return 0
  }
  if (versioned === undefined) return fail('onConflict', "\"retry\" only with commit: 'compare-and-set' (nothing else detects a conflict)")
  const retries = config.conflictRetries ?? DEFAULT_CONFLICT_RETRIES
  return Number.isInteger(retries) && retries > 0 ? retries : fail('conflictRetries', 'a positive integer')
}
