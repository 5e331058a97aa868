import { createHash, randomUUID } from 'node:crypto'
import { withoutCommandTimeout } from './commandTimeout'
import type { StoredSession } from '../../core/store/storePort'
import { isThenable } from '../../core/util/thenable'
import type { CommitOutcome, Found, VersionedStore } from '../../core/commit/versionedStore'

/**
 * `SET`'s options as node-redis (v6) takes them, for the native conditional write of Redis 8.4
 * (`SET key value IFEQ old GET [EX seconds]`).
 * @category model
 */
export interface ConditionalSetOptions {
  readonly condition: 'IFEQ'
  readonly matchValue: string
  readonly GET: true
  readonly expiration?: { readonly type: 'EX'; readonly value: number }
}

/**
 * What a compare-and-set commit needs of a node-redis client (v5+; `RedisClientType`, or a
 * `RedisClusterType`, which routes by the key): `get`, `evalSha` and `eval`; and `set`, with
 * which a server that has `SET ... IFEQ` (Redis 8.4 and later) commits without a script.
 * @since 1.1.0
 * @category model
 */
export interface RedisScriptClient {
  get(key: string): Promise<unknown>
  evalSha(sha1: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>
  set?(key: string, value: string, options: ConditionalSetOptions): Promise<unknown>
}

/**
 * How this server takes a conditional write: `'ifeq'` (`SET ... IFEQ ... GET`, Redis 8.4+),
 * `'script'` (the Lua script, any Redis), or `'unknown'` until the probe has answered.
 * @category model
 */
export type ConditionalWrite = 'ifeq' | 'script' | 'unknown'

// One key, one round trip: GET, compare, then SET with connect-redis's expiry rule (EX, a plain
// SET with `disableTTL`, or DEL for a session already past its expiry). Replies: 1 written,
// 0 no such key (nothing created), or the string stored now when it is another version.
const COMMIT_SCRIPT = `local current = redis.call('GET', KEYS[1])
if not current then return 0 end
if current ~= ARGV[1] then return current end
if ARGV[3] == 'EX' then redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[4])
elseif ARGV[3] == 'SET' then redis.call('SET', KEYS[1], ARGV[2])
else redis.call('DEL', KEYS[1]) end
return 1`
const COMMIT_SHA = createHash('sha1').update(COMMIT_SCRIPT).digest('hex')

const isObject = (u: unknown): u is object => typeof u === 'object' && u !== null

const hasFunction = <K extends string>(u: unknown, key: K): u is Record<K, (...args: never[]) => unknown> =>
  isObject(u) && key in u && typeof Reflect.get(u, key) === 'function'

/**
 * Is this a node-redis client with `get`, `evalSha` and `eval`?
 * @category refinements
 */
export const isRedisScriptClient = (u: unknown): u is RedisScriptClient =>
  hasFunction(u, 'get') && hasFunction(u, 'evalSha') && hasFunction(u, 'eval')

interface Serializer {
  parse(raw: string): unknown
  stringify(data: StoredSession): unknown
}

const isSerializer = (u: unknown): u is Serializer => hasFunction(u, 'parse') && hasFunction(u, 'stringify')

type TtlFunction = (this: unknown, data: StoredSession) => unknown

const isTtlFunction = (u: unknown): u is TtlFunction => typeof u === 'function'

/** A connect-redis 9 `RedisStore`'s public fields, as read (each checked) from the store. */
interface RedisStoreFields {
  readonly client: unknown
  readonly prefix: string
  readonly serializer: Serializer
  readonly ttl: number | TtlFunction
  readonly disableTTL: boolean
}

// connect-redis's constructor defaults, for a store that does not carry a field.
const fieldsOf = (store: object): RedisStoreFields => {
  const prefix: unknown = Reflect.get(store, 'prefix')
  const serializer: unknown = Reflect.get(store, 'serializer')
  const ttl: unknown = Reflect.get(store, 'ttl')
  return {
    client: Reflect.get(store, 'client'),
    prefix: typeof prefix === 'string' ? prefix : 'sess:',
    serializer: isSerializer(serializer) ? serializer : JSON,
    ttl: typeof ttl === 'number' || isTtlFunction(ttl) ? ttl : 86400,
    disableTTL: Reflect.get(store, 'disableTTL') === true,
  }
}

/** connect-redis 9's `getTTL`: the ttl function, else seconds to `cookie.expires`, else `ttl`. */
const ttlSecondsOf = (store: object, fields: RedisStoreFields, data: StoredSession, now: number): number => {
  if (typeof fields.ttl === 'function') return Number(fields.ttl.call(store, data))
  const expires = data.cookie?.expires
  if (expires !== undefined && expires !== null && expires !== '') return Math.ceil((Number(new Date(expires)) - now) / 1000)
  return fields.ttl
}

const isNoScript = (err: unknown): boolean => err instanceof Error && err.message.startsWith('NOSCRIPT')

/**
 * A server that does not know `IFEQ` refuses the probe with a syntax error (Redis before 8.4), or
 * an error naming the option; any other failure (a connection lost) says nothing yet.
 */
const refusesIfeq = (err: unknown): boolean => err instanceof Error && /syntax|IFEQ|unknown option|not allowed/i.test(err.message)

/** `SET ... IFEQ version GET`'s reply: the old value, which equals `version` exactly when it wrote. */
const toIfeqOutcome = (reply: unknown, version: string, encoded: string): CommitOutcome | Error => {
  if (reply === null || reply === undefined) return { _tag: 'Missing' }
  if (reply === version) return { _tag: 'Committed', version: encoded }
  if (typeof reply === 'string') return { _tag: 'Mismatch', current: reply }
  return new Error(`unexpected reply to SET IFEQ: ${typeof reply}`)
}

const toOutcome = (reply: unknown, encoded: string): CommitOutcome | Error => {
  if (reply === 1) return { _tag: 'Committed', version: encoded }
  if (reply === 0) return { _tag: 'Missing' }
  if (typeof reply === 'string') return { _tag: 'Mismatch', current: reply }
  return new Error(`unexpected reply to the commit script: ${typeof reply}`)
}

const parseWith = (serializer: Serializer, raw: string, cb: (err: unknown, data?: unknown) => void): void => {
  let parsed: unknown
  try {
    parsed = serializer.parse(raw)
  } catch (err) {
    return cb(err)
  }
  if (isThenable(parsed)) parsed.then((data) => cb(null, data), (err: unknown) => cb(err ?? new Error('parse failed')))
  else cb(null, parsed)
}

/**
 * Can a {@link VersionedStore} be built for this store (and optional client)? The store must be
 * a connect-redis `RedisStore` (its public `client`, `prefix`, `serializer`, `ttl`), or a
 * `client` must be given.
 * @category refinements
 */
export const canCommitOnRedis = (store: unknown, client?: unknown): boolean =>
  isObject(store) && isRedisScriptClient(client ?? Reflect.get(store, 'client'))

/**
 * The compare-and-set port on a connect-redis 9 store: the same keys (`prefix + sid`), the same
 * serializer and the same expiry rules (`EX` from `cookie.expires`, else `ttl`; a plain `SET`
 * with `disableTTL`; removal once expired). The conditional write is one round trip: Redis 8.4's
 * native `SET key value IFEQ version GET [EX ttl]` where the server has it (probed once, at
 * start-up, with a key that is never created), else a one-key Lua script (`EVALSHA`, falling back
 * to `EVAL` once after a `NOSCRIPT`); the removal of a session past its expiry always takes the
 * script. `client` replaces the store's own client (for a store whose client is not a node-redis
 * v5+ client). `conditionalWrite()` tells which way it commits.
 *
 * @example
 * import { RedisStore } from 'connect-redis'
 * import { createClient } from 'redis'
 * import { versionedRedisStore } from 'expression.socket.io'
 * const client = createClient()
 * await client.connect()
 * const store = new RedisStore({ client, prefix: 'myapp:' })
 * const versioned = versionedRedisStore(store)
 * versioned.load(sid, (err, found) => void found?.version) // the stored string a commit compares with
 * @since 1.1.0
 * @category constructors
 */
export const versionedRedisStore = (store: object, client?: RedisScriptClient): VersionedStore & { conditionalWrite(): ConditionalWrite } => {
  const fields = fieldsOf(store)
  const given = client ?? fields.client
  if (!isRedisScriptClient(given)) throw new TypeError('expression.socket.io: the store has no node-redis client (get, evalSha, eval)')
  const redis = withoutCommandTimeout(given, isRedisScriptClient)
  const { prefix, serializer } = fields

  // Start-up probe: `SET probe x IFEQ y GET` on a key that does not exist writes nothing on a
  // server that knows IFEQ (its reply: nil), and is a syntax error on one that does not.
  let write: ConditionalWrite = typeof redis.set === 'function' ? 'unknown' : 'script'
  let probing = false
  const probe = (): void => {
    const set = redis.set
    if (write !== 'unknown' || probing || set === undefined) return
    probing = true
    const key = `${prefix}expression.socket.io:ifeq-probe:${randomUUID()}`
    set.call(redis, key, 'x', { condition: 'IFEQ', matchValue: 'never stored', GET: true }).then(
      (reply) => {
        probing = false
        write = reply === null ? 'ifeq' : 'script'
      },
      (err: unknown) => {
        probing = false
        if (refusesIfeq(err)) write = 'script'
      },
    )
  }
  probe()

  const encode = (data: StoredSession): string => {
    const encoded = serializer.stringify(data)
    if (typeof encoded !== 'string') throw new TypeError('expression.socket.io: the serializer did not return a string')
    return encoded
  }

  const load: VersionedStore['load'] = (sid, cb) => {
    redis.get(prefix + sid).then(
      (raw) => {
        if (raw === null || raw === undefined || raw === '') return cb(null, undefined)
        if (typeof raw !== 'string') return cb(new Error(`unexpected reply to GET: ${typeof raw}`))
        parseWith(serializer, raw, (err, data) => (err ? cb(err) : cb(null, { data, version: raw } satisfies Found)))
      },
      (err: unknown) => cb(err ?? new Error('GET failed')),
    )
  }

  const commit: VersionedStore['commit'] = (sid, data, encoded, version, cb) => {
    const ttl = ttlSecondsOf(store, fields, data, Date.now())
    const mode = ttl > 0 ? (fields.disableTTL ? 'SET' : 'EX') : 'DEL'
    const failed = (err: unknown): void => cb(err ?? new Error('commit failed'))
    const set = redis.set
    if (write === 'ifeq' && set !== undefined && mode !== 'DEL') {
      const options: ConditionalSetOptions =
        mode === 'EX' ? { condition: 'IFEQ', matchValue: version, GET: true, expiration: { type: 'EX', value: ttl } } : { condition: 'IFEQ', matchValue: version, GET: true }
      set.call(redis, prefix + sid, encoded, options).then((reply) => {
        const outcome = toIfeqOutcome(reply, version, encoded)
        if (outcome instanceof Error) cb(outcome)
        else cb(null, outcome)
      }, failed)
      return
    }
    if (write === 'unknown') probe()
    const options = { keys: [prefix + sid], arguments: [version, encoded, mode, String(ttl)] }
    const answer = (reply: unknown): void => {
      const outcome = toOutcome(reply, encoded)
      if (outcome instanceof Error) cb(outcome)
      else cb(null, outcome)
    }
    redis.evalSha(COMMIT_SHA, options).then(answer, (err: unknown) => {
      if (isNoScript(err)) redis.eval(COMMIT_SCRIPT, options).then(answer, failed)
      else failed(err)
    })
  }

  return { load, encode, decode: (raw, cb) => parseWith(serializer, raw, cb), commit, conditionalWrite: () => write }
}
