import type { SessionStore } from '../core/storePort'
import type { VersionedStore } from '../core/versionedStore'
import { type RedisScriptClient, canCommitOnRedis, isRedisScriptClient, versionedRedisStore } from './redisVersionedStore'

/**
 * How a session is written: `'overwrite'` (the store's `set`, after an existence check) or
 * `'compare-and-set'` (a conditional write on Redis that never loses an update made elsewhere).
 * @since 1.1.0
 * @category model
 */
export type CommitMode = 'overwrite' | 'compare-and-set'

const fail = (option: string, expected: string): never => {
  throw new TypeError(`expression.socket.io: option "${option}" must be ${expected}`)
}

/**
 * Checks `commit` and `redisClient` once and builds the compare-and-set port (`undefined` in
 * `'overwrite'` mode). A TypeError names the option at fault.
 * @category constructors
 */
export const resolveCommitMode = (store: SessionStore, commit: unknown, redisClient: unknown): VersionedStore | undefined => {
  if (commit === undefined || commit === 'overwrite') return undefined
  if (commit !== 'compare-and-set') return fail('commit', '"overwrite" or "compare-and-set"')
  if (redisClient !== undefined && !isRedisScriptClient(redisClient)) return fail('redisClient', 'a node-redis (v5+) client')
  const client: RedisScriptClient | undefined = redisClient
  if (!canCommitOnRedis(store, client))
    return fail('commit', '"compare-and-set" only with a connect-redis store (node-redis client) or with the "redisClient" option')
  return versionedRedisStore(store, client)
}
