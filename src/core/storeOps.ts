import { pipe } from 'fp-ts/function'
import * as E from 'fp-ts/Either'
import * as TE from 'fp-ts/TaskEither'
import { type SessionError, invalidSession, sessionNotFound } from './errors'
import type { SessionId } from './sessionId'
import { callStore } from './storeCall'
import { DEFAULT_STORE_TIMEOUT_MS, type SessionRecord, type SessionStore, type StoreOptions, type StoredSession } from './storePort'

const timeoutOf = (options: StoreOptions | undefined): number => options?.timeoutMs ?? DEFAULT_STORE_TIMEOUT_MS

const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === 'object' && u !== null && !Array.isArray(u)

/**
 * What came back from `store.get`: nothing is `SessionNotFound`; anything but an object
 * (with, when present, an object `cookie`) is `InvalidSession`.
 * @category store
 */
export const toStoredSession = (raw: unknown): E.Either<SessionError, StoredSession> => {
  if (raw === undefined || raw === null) return E.left(sessionNotFound)
  if (!isRecord(raw)) return E.left(invalidSession([`session: expected an object, got ${describe(raw)}`]))
  const cookie = raw['cookie']
  if (cookie !== undefined && !isRecord(cookie))
    return E.left(invalidSession([`session.cookie: expected an object, got ${describe(cookie)}`]))
  return E.right(cookie === undefined ? raw : { ...raw, cookie })
}

const describe = (u: unknown): string => (Array.isArray(u) ? 'an array' : u === null ? 'null' : typeof u)

/**
 * Reads a session from the store. Lazy: nothing happens until the task runs.
 *
 * @example
 * import { loadSession } from 'expression.socket.io'
 * const result = await loadSession(store, { timeoutMs: 2000 })(sid)()
 * // Right(session data) | Left(SessionNotFound | StoreFailure | StoreTimeout | InvalidSession)
 * @since 1.0.0
 * @category store
 */
export const loadSession =
  (store: SessionStore, options?: StoreOptions) =>
  (sid: SessionId): TE.TaskEither<SessionError, StoredSession> =>
  async () => {
    const raw = await callStore<unknown>(timeoutOf(options), (cb) => store.get(sid, cb))()
    return E.isLeft(raw) ? raw : toStoredSession(raw.right)
  }

const toVoid = (): void => undefined

/**
 * Writes a session to the store (`store.set`).
 *
 * @example
 * import { saveSession } from 'expression.socket.io'
 * await saveSession(store)(sid, { ...data, count: 1 })()
 * @since 1.0.0
 * @category store
 */
export const saveSession =
  (store: SessionStore, options?: StoreOptions) =>
  (sid: SessionId, data: StoredSession): TE.TaskEither<SessionError, void> =>
  async () => {
    const written = await callStore<unknown>(timeoutOf(options), (cb) => store.set(sid, data satisfies SessionRecord, cb))()
    return E.isLeft(written) ? written : E.right(undefined)
  }

/**
 * Removes a session from the store (`store.destroy`).
 *
 * @example
 * import { destroySession } from 'expression.socket.io'
 * await destroySession(store)(sid)()
 * @since 1.0.0
 * @category store
 */
export const destroySession =
  (store: SessionStore, options?: StoreOptions) =>
  (sid: SessionId): TE.TaskEither<SessionError, void> =>
    pipe(
      callStore<unknown>(timeoutOf(options), (cb) => store.destroy(sid, cb)),
      TE.map(toVoid),
    )

/**
 * Succeeds when the store still holds the session, `SessionNotFound` when it does not: the check
 * a write makes so that it never recreates a session that was logged out meanwhile.
 *
 * @example
 * import { checkSessionExists } from 'expression.socket.io'
 * await checkSessionExists(store)(sid)() // Right(undefined) | Left(SessionNotFound | StoreFailure | StoreTimeout)
 * @since 1.0.0
 * @category store
 */
export const checkSessionExists =
  (store: SessionStore, options?: StoreOptions) =>
  (sid: SessionId): TE.TaskEither<SessionError, void> =>
  async () => {
    const found = await callStore<unknown>(timeoutOf(options), (cb) => store.get(sid, cb))()
    if (E.isLeft(found)) return found
    return found.right === undefined || found.right === null ? E.left(sessionNotFound) : E.right(undefined)
  }

/**
 * Extends a session's life in the store: `store.touch` where the store has it, else `store.set`
 * — after checking that the session still exists, so a touch never recreates a session that was
 * logged out meanwhile (`SessionNotFound`).
 *
 * @example
 * import { touchSession } from 'expression.socket.io'
 * await touchSession(store)(sid, data)()
 * @since 1.0.0
 * @category store
 */
export const touchSession =
  (store: SessionStore, options?: StoreOptions) =>
  (sid: SessionId, data: StoredSession): TE.TaskEither<SessionError, void> => {
    const timeoutMs = timeoutOf(options)
    if (typeof store.touch === 'function') {
      const touch = store.touch.bind(store)
      return pipe(
        callStore<unknown>(timeoutMs, (cb) => touch(sid, data, cb)),
        TE.map(toVoid),
      )
    }
    return pipe(
      checkSessionExists(store, options)(sid),
      TE.flatMap(() => saveSession(store, options)(sid, data)),
    )
  }
