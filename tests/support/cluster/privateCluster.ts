// Two cluster nodes on a redis-server of the test's own (so it can be paused, killed and
// restarted), with a client of the test's own on it: started together, stopped together.
import { type PrivateRedis, type RedisClient, connectRedis, startPrivateRedis } from '../redis'
import { type ClusterNode, startTwoNodes } from './nodes'

export interface PrivateCluster {
  readonly redis: PrivateRedis
  readonly client: RedisClient
  readonly node1: ClusterNode
  readonly node2: ClusterNode
}

/**
 * Starts a private redis-server, a client on it and two nodes with `env(redisUrl)`. A failed start
 * stops what had started: a failed `beforeAll` leaves no process behind.
 */
export const startPrivateCluster = async (
  env: (redisUrl: string) => Record<string, string>,
  redisOptions: Parameters<typeof startPrivateRedis>[0] = {},
): Promise<PrivateCluster> => {
  const redis = await startPrivateRedis(redisOptions)
  let client: RedisClient | undefined
  try {
    ;({ client } = await connectRedis(redis.url))
    const [node1, node2] = await startTwoNodes(env(redis.url))
    return { redis, client, node1, node2 }
  } catch (err) {
    client?.destroy()
    await redis.close()
    throw err
  }
}

/** Stops what `startPrivateCluster` started; `undefined` (its start failed): nothing to stop. */
export const stopPrivateCluster = async (cluster: PrivateCluster | undefined): Promise<void> => {
  if (cluster === undefined) return
  await Promise.all([cluster.node1.stop(), cluster.node2.stop()])
  cluster.client.destroy()
  await cluster.redis.close()
}
