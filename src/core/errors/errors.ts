/**
 * The tagged union of everything that can stand between a socket event and its session.
 *
 * Plain `readonly _tag` objects (no classes, no stacks) so a tag can travel in a
 * `connect_error`'s `data` or an ack payload. Only {@link toClientError} decides what reaches
 * a client, and it never includes a `cause`, a session id or a secret.
 *
 * @since 1.0.0
 */

/** @category model */
export interface NoCookieHeader {
  readonly _tag: 'NoCookieHeader'
}
/** @category model */
export interface SessionCookieMissing {
  readonly _tag: 'SessionCookieMissing'
  readonly key: string
}
/** @category model */
export interface UnsignedCookie {
  readonly _tag: 'UnsignedCookie'
}
/** @category model */
export interface InvalidSignature {
  readonly _tag: 'InvalidSignature'
}
/** @category model */
export interface SessionNotFound {
  readonly _tag: 'SessionNotFound'
}
/** @category model */
export interface StoreFailure {
  readonly _tag: 'StoreFailure'
  readonly cause: unknown
}
/** @category model */
export interface StoreTimeout {
  readonly _tag: 'StoreTimeout'
  readonly ms: number
}
/** @category model */
export interface InvalidSession {
  readonly _tag: 'InvalidSession'
  readonly errors: ReadonlyArray<string>
  /** What the codec threw, when it threw instead of answering (for your logs only). */
  readonly cause?: unknown
}
/**
 * A compare-and-set commit found the session changed elsewhere (another node, or an HTTP save)
 * on a key this turn changed too: nothing was written. `keys` are the top-level keys both sides
 * changed (empty when the commit gave up after too many concurrent changes).
 * @category model
 */
export interface SessionConflict {
  readonly _tag: 'SessionConflict'
  readonly keys: ReadonlyArray<string>
}
/**
 * A save (explicit or `autoSave`) found a value in the session that cannot be stored: a circular
 * structure, a `BigInt`, a `toJSON` that throws, or nesting too deep. Nothing was written.
 * `path` names the value (`session.cart.self`); `reason` says what is wrong with it.
 * @category model
 */
export interface UnserializableSession {
  readonly _tag: 'UnserializableSession'
  readonly path: string
  readonly reason: 'circular' | 'bigint' | 'toJSON threw' | 'too deep' | 'unserializable'
  /** What the serializer threw (for your logs only). */
  readonly cause?: unknown
}
/**
 * The session already has `limit` events waiting in this process (`maxQueuedEvents`): this one
 * was refused at once, without touching the store.
 * @category model
 */
export interface SessionQueueFull {
  readonly _tag: 'SessionQueueFull'
  readonly limit: number
}
/**
 * The handler had not settled `ms` after it started (`handlerTimeoutMs`): its turn ended, its
 * session's next event may run, and session operations it calls from now on write nothing.
 * @category model
 */
export interface HandlerTimeout {
  readonly _tag: 'HandlerTimeout'
  readonly ms: number
}
/** @category model */
export interface ForbiddenOrigin {
  readonly _tag: 'ForbiddenOrigin'
  readonly origin: string | undefined
}

/**
 * Why a session could not be had (or kept) for a socket.
 *
 * @example
 * import { SessionError, matchSessionError } from 'expression.socket.io'
 * const isRetryable = matchSessionError<boolean>({
 *   NoCookieHeader: () => false, SessionCookieMissing: () => false, UnsignedCookie: () => false,
 *   InvalidSignature: () => false, SessionNotFound: () => false, StoreFailure: () => true,
 *   StoreTimeout: () => true, InvalidSession: () => false, SessionConflict: () => true,
 *   UnserializableSession: () => false, SessionQueueFull: () => true, HandlerTimeout: () => false,
 *   ForbiddenOrigin: () => false,
 * })
 * @category model
 */
export type SessionError =
  | NoCookieHeader
  | SessionCookieMissing
  | UnsignedCookie
  | InvalidSignature
  | SessionNotFound
  | StoreFailure
  | StoreTimeout
  | InvalidSession
  | SessionConflict
  | UnserializableSession
  | SessionQueueFull
  | HandlerTimeout
  | ForbiddenOrigin

/** Every tag of {@link SessionError}. @category model */
export type SessionErrorTag = SessionError['_tag']

/** @category constructors */
export const noCookieHeader: SessionError = { _tag: 'NoCookieHeader' }
/** @category constructors */
export const sessionCookieMissing = (key: string): SessionError => ({ _tag: 'SessionCookieMissing', key })
/** @category constructors */
export const unsignedCookie: SessionError = { _tag: 'UnsignedCookie' }
/** @category constructors */
export const invalidSignature: SessionError = { _tag: 'InvalidSignature' }
/** @category constructors */
export const sessionNotFound: SessionError = { _tag: 'SessionNotFound' }
/** @category constructors */
export const storeFailure = (cause: unknown): SessionError => ({ _tag: 'StoreFailure', cause })
/** @category constructors */
export const storeTimeout = (ms: number): SessionError => ({ _tag: 'StoreTimeout', ms })
/** @category constructors */
export const invalidSession = (errors: ReadonlyArray<string>, cause?: unknown): SessionError =>
  cause === undefined ? { _tag: 'InvalidSession', errors } : { _tag: 'InvalidSession', errors, cause }
/** @category constructors */
export const sessionConflict = (keys: ReadonlyArray<string>): SessionError => ({ _tag: 'SessionConflict', keys })
/** @category constructors */
export const unserializableSession = (path: string, reason: UnserializableSession['reason'], cause?: unknown): SessionError =>
  cause === undefined ? { _tag: 'UnserializableSession', path, reason } : { _tag: 'UnserializableSession', path, reason, cause }
/** @category constructors */
export const sessionQueueFull = (limit: number): SessionError => ({ _tag: 'SessionQueueFull', limit })
/** @category constructors */
export const handlerTimeout = (ms: number): SessionError => ({ _tag: 'HandlerTimeout', ms })
/** @category constructors */
export const forbiddenOrigin = (origin: string | undefined): SessionError => ({ _tag: 'ForbiddenOrigin', origin })

type Handlers<R> = { readonly [K in SessionErrorTag]: (e: Extract<SessionError, { _tag: K }>) => R }

/**
 * Exhaustive fold over {@link SessionError}: one handler per tag, checked by the compiler.
 *
 * @example
 * import { matchSessionError, storeTimeout } from 'expression.socket.io'
 * const status = matchSessionError<number>({
 *   NoCookieHeader: () => 401, SessionCookieMissing: () => 401, UnsignedCookie: () => 401,
 *   InvalidSignature: () => 401, SessionNotFound: () => 401, StoreFailure: () => 503,
 *   StoreTimeout: () => 503, InvalidSession: () => 500, SessionConflict: () => 409,
 *   UnserializableSession: () => 500, SessionQueueFull: () => 429, HandlerTimeout: () => 504,
 *   ForbiddenOrigin: () => 403,
 * })
 * status(storeTimeout(5000)) // 503
 * @category destructors
 */
export const matchSessionError =
  <R>(handlers: Handlers<R>) =>
  (e: SessionError): R => {
    switch (e._tag) {
      case 'NoCookieHeader':
        return handlers.NoCookieHeader(e)
      case 'SessionCookieMissing':
        return handlers.SessionCookieMissing(e)
      case 'UnsignedCookie':
        return handlers.UnsignedCookie(e)
      case 'InvalidSignature':
        return handlers.InvalidSignature(e)
      case 'SessionNotFound':
        return handlers.SessionNotFound(e)
      case 'StoreFailure':
        return handlers.StoreFailure(e)
      case 'StoreTimeout':
        return handlers.StoreTimeout(e)
      case 'InvalidSession':
        return handlers.InvalidSession(e)
      case 'SessionConflict':
        return handlers.SessionConflict(e)
      case 'UnserializableSession':
        return handlers.UnserializableSession(e)
      case 'SessionQueueFull':
        return handlers.SessionQueueFull(e)
      case 'HandlerTimeout':
        return handlers.HandlerTimeout(e)
      case 'ForbiddenOrigin':
        return handlers.ForbiddenOrigin(e)
    }
  }

/**
 * A human-readable sentence for an error. Never contains the session id, the cookie value,
 * the secret or a store error's details (those stay in `cause`, for your logs only).
 *
 * @example
 * import { sessionErrorMessage, sessionCookieMissing } from 'expression.socket.io'
 * sessionErrorMessage(sessionCookieMissing('connect.sid')) // 'No "connect.sid" cookie in the request'
 * @category destructors
 */
export const sessionErrorMessage: (e: SessionError) => string = matchSessionError({
  NoCookieHeader: () => 'The request carries no Cookie header',
  SessionCookieMissing: (e) => `No "${e.key}" cookie in the request`,
  UnsignedCookie: () => 'The session cookie is not signed (no "s:" prefix)',
  InvalidSignature: () => 'The session cookie signature does not match any secret',
  SessionNotFound: () => 'No session: it is unknown, expired or destroyed',
  StoreFailure: () => 'The session store failed',
  StoreTimeout: (e) => `The session store did not answer within ${e.ms} ms`,
  InvalidSession: (e) => `The stored session is invalid: ${e.errors.join('; ')}`,
  SessionConflict: () => 'The session was changed elsewhere at the same time: nothing was saved',
  UnserializableSession: (e) => `The session holds a value that cannot be stored (${e.reason} at ${e.path}): nothing was saved`,
  SessionQueueFull: (e) => `Too many events of this session are waiting (limit ${e.limit}): this one was refused`,
  HandlerTimeout: (e) => `The event handler did not finish within ${e.ms} ms`,
  ForbiddenOrigin: () => 'This origin is not allowed to open a socket',
})

/**
 * Is this value a {@link SessionError}? Useful on values that crossed a Promise boundary.
 * @category refinements
 */
export const isSessionError = (u: unknown): u is SessionError =>
  typeof u === 'object' && u !== null && '_tag' in u && typeof u._tag === 'string' && TAGS.has(u._tag)

/**
 * Every tag of {@link SessionError}, in declaration order.
 * @category model
 */
export const sessionErrorTags: ReadonlyArray<SessionErrorTag> = [
  'NoCookieHeader',
  'SessionCookieMissing',
  'UnsignedCookie',
  'InvalidSignature',
  'SessionNotFound',
  'StoreFailure',
  'StoreTimeout',
  'InvalidSession',
  'SessionConflict',
  'UnserializableSession',
  'SessionQueueFull',
  'HandlerTimeout',
  'ForbiddenOrigin',
]

const TAGS: ReadonlySet<string> = new Set(sessionErrorTags)
