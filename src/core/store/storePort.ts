/**
 * The cookie part of a stored session, as express-session writes it (`expires` is an ISO string
 * once it has been through JSON).
 * @since 1.0.0
 * @category model
 */
export interface StoredCookie {
  originalMaxAge?: number | null | undefined
  expires?: string | Date | null | undefined
  [option: string]: unknown
}

/**
 * A session as a store holds it: an object of JSON values, usually with a `cookie`.
 * @category model
 */
export interface StoredSession {
  cookie?: StoredCookie | undefined
  [key: string]: unknown
}

/**
 * What the store port writes: only the `cookie` is named, so that stores typed against
 * `@types/express-session`'s `SessionData` fit the port as they are.
 * @category model
 */
export interface SessionRecord {
  cookie?: { originalMaxAge?: number | null | undefined; expires?: string | Date | null | undefined } | undefined
}

/**
 * The port to any express-session compatible store: MemoryStore, `memorystore`, `connect-redis`...
 * Only `get`, `set` and `destroy` are required; `touch` is used for rolling expiry when present.
 *
 * @example
 * import session from 'express-session'
 * import type { SessionStore } from 'expression.socket.io'
 * const store: SessionStore = new session.MemoryStore()
 * @since 1.0.0
 * @category model
 */
export interface SessionStore {
  get(sid: string, callback: (err: unknown, session?: unknown) => void): unknown
  set(sid: string, session: SessionRecord, callback?: (err?: unknown) => void): unknown
  destroy(sid: string, callback?: (err?: unknown) => void): unknown
  touch?(sid: string, session: SessionRecord, callback?: (err?: unknown) => void): unknown
}

/** @category model */
export interface StoreOptions {
  /** A store call that has not called back after this many ms is a `StoreTimeout`. Default 5000. */
  readonly timeoutMs?: number | undefined
}

/** The default limit for one store call, in ms (`storeTimeoutMs`). @category model */
export const DEFAULT_STORE_TIMEOUT_MS = 5000
