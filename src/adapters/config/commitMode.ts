import type { SessionStore } from '../../core/store/storePort'
import type { VersionedStore } from '../../core/commit/versionedStore'
import { type RedisScriptClient, canCommitOnRedis, isRedisScriptClient, versionedRedisStore } from '../redis/redisVersionedStore'

export type { CommitMode } from './options'

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
