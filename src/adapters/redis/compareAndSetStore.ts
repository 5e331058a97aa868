import * as E from 'fp-ts/Either'
import { DEFAULT_STORE_TIMEOUT_MS } from '../../core/store/storePort'
import type { SessionError } from '../../core/errors/errors'
import { SessionOperationError } from '../../core/errors/failure'
import { type DataTarget, adoptWritten, commitMerging } from '../../core/commit/mergeCommit'
import { setOwnData } from '../../core/data/plainData'
import { asSessionId } from '../../core/cookie/sessionId'
import type { StoredSession } from '../../core/store/storePort'
import { type RedisScriptClient, canCommitOnRedis, versionedRedisStore } from './redisVersionedStore'

/** What `compareAndSetStore` takes besides the store. @category model */
export interface CompareAndSetStoreOptions {
  /** The node-redis (v5+) client to commit with, instead of the store's `client`. */
  readonly redisClient?: RedisScriptClient | undefined
  /** How long one save may take, all tries included (`StoreTimeout` after). Default 5000. */
  readonly timeoutMs?: number | undefined
}

type Callback = (err?: unknown, value?: unknown) => void

const isObject = (u: unknown): u is object => typeof u === 'object' && u !== null

const isFunction = (u: unknown): u is (...args: never[]) => unknown => typeof u === 'function'

/** The HTTP status an Express error handler should answer a failed save with. */
const statusOf = (error: SessionError): number => {
  switch (error._tag) {
    case 'SessionConflict':
      return 409
    case 'SessionNotFound':
      return 401
    case 'StoreFailure':
    case 'StoreTimeout':
      return 503
    default:
      return 500
  }
}

/** The error express-session's save callback gets: the tag as `code`, an HTTP `status`. */
const saveError = (error: SessionError): SessionOperationError & { readonly status: number } =>
  Object.assign(new SessionOperationError(error), { status: statusOf(error) })

/**
 * Adopts the keys a merged commit brought in onto express-session's `req.session`, as own data
 * (never a name its `Session` has from its prototype: `save`, `regenerate`... which express-session
 * itself never takes from the store), so that a second save in the same request does not take
 * their absence for a removal.
 */
const adoptOnto = (session: object): DataTarget => ({
  set: (key, value) => {
    if (key in session && !Object.hasOwn(session, key)) return
    setOwnData(session, key, value)
  },
  delete: (key) => {
    if (Object.hasOwn(session, key)) Reflect.deleteProperty(session, key)
  },
})

/**
 * express-session's store, committing by compare-and-set: give it to `session({ store })` in
 * place of the connect-redis store it wraps, so that express-session's own saves on HTTP requests
 * follow the same rule as this library's `commit: 'compare-and-set'`.
 *
 * - A request's save writes only over the version the request loaded. When the session changed
 *   meanwhile (a socket event on any node, another request), the keys the request changed are
 *   merged onto the current copy, unless the other side changed one of them too: then nothing is
 *   written and the save fails with a `SessionOperationError` whose `code` is `'SessionConflict'`
 *   and `status` 409. A session destroyed meanwhile is never recreated (`'SessionNotFound'`, 401).
 * - A session the request created (a login, `regenerate`) is written as connect-redis writes it.
 * - Everything else (`get`'s result, `touch`, `destroy`, events, the client, the prefix, the
 *   serializer, the expiry rules) is the wrapped store's: it is the prototype of the returned
 *   object, which is given to `sessionAccess` as `store` as well.
 *
 * The failure reaches the HTTP client through `req.session.save(callback)`'s error: save
 * explicitly before you answer (express-session's automatic save at the end of a response comes
 * after the response has started, where an error can no longer change it).
 *
 * @example
 * import { RedisStore } from 'connect-redis'
 * import session from 'express-session'
 * import { createClient } from 'redis'
 * import { compareAndSetStore, sessionAccess } from 'expression.socket.io'
 * const client = createClient()
 * await client.connect()
 * const casStore = compareAndSetStore(new RedisStore({ client, prefix: 'myapp:sess:' }))
 * app.use(session({ store: casStore, secret: 'keyboard cat', resave: false, saveUninitialized: false }))
 * const access = sessionAccess({ store: casStore, secret: 'keyboard cat', io, commit: 'compare-and-set', onConflict: 'retry' })
 * app.post('/count', (req, res, next) => {
 *   req.session.count = (req.session.count ?? 0) + 1
 *   req.session.save((err) => (err ? next(err) : res.json(req.session.count))) // a 409 when a socket changed count meanwhile
 * })
 * @since 1.1.0
 * @category constructors
 */
export function compareAndSetStore<S extends object>(store: S, options: CompareAndSetStoreOptions = {}): S {
  if (!canCommitOnRedis(store, options.redisClient))
    throw new TypeError('expression.socket.io: compareAndSetStore needs a connect-redis store (node-redis client) or the "redisClient" option')
  const originalSet: unknown = Reflect.get(store, 'set')
  const originalCreateSession: unknown = Reflect.get(store, 'createSession')
  if (!isFunction(originalSet) || !isFunction(originalCreateSession))
    throw new TypeError('expression.socket.io: compareAndSetStore needs an express-session Store (with set and createSession)')
  const versioned = versionedRedisStore(store, options.redisClient)
  const commit = commitMerging(versioned, options.timeoutMs ?? DEFAULT_STORE_TIMEOUT_MS)
  /** `get`'s parsed result → the stored string it came from. */
  const loadedFrom = new WeakMap<object, string>()
  /** express-session's `req.session` → the version its next save commits over. */
  const versionOf = new WeakMap<object, string>()

  // Every other property and method is the store's: the returned object's prototype is the store.
  const wrapped: S = Object.create(store)
  Object.defineProperties(wrapped, {
    get: {
      value: (sid: string, cb: Callback): void =>
        versioned.load(asSessionId(sid), (err, found) => {
          if (err) return cb(err)
          if (found === undefined) return cb(null, null)
          if (isObject(found.data)) loadedFrom.set(found.data, found.version)
          cb(null, found.data)
        }),
    },
    createSession: {
      value: function createSession(this: unknown, req: unknown, sess: unknown): unknown {
        const session = Reflect.apply(originalCreateSession, this, [req, sess])
        const version = isObject(sess) ? loadedFrom.get(sess) : undefined
        if (isObject(session) && version !== undefined) versionOf.set(session, version)
        return session
      },
    },
    set: {
      value: function set(this: unknown, sid: string, sess: StoredSession, cb?: Callback): unknown {
        const version = versionOf.get(sess)
        if (version === undefined) return Reflect.apply(originalSet, this, [sid, sess, cb])
        commit(asSessionId(sid), { data: sess, version }, sess, (result) => {
          if (E.isLeft(result)) return cb?.(saveError(result.left))
          versionOf.set(sess, result.right.version)
          try {
            adoptWritten(adoptOnto(sess), sess, result.right.data)
          } catch {
            // The request's session refused the merged keys: the write stands.
          }
          cb?.()
        })
        return undefined
      },
    },
  })
  return wrapped
}
