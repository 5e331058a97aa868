// Two node processes with `commit: 'compare-and-set'` on a private redis-server (connect-redis +
// @socket.io/redis-adapter), one session's sockets spread over both: no acked update is lost,
// overlapping updates are refused with SessionConflict, a logout is never undone, and a frozen
// Redis (SIGSTOP) costs bounded time and no acked update.
import type { Socket as ClientSocket } from 'socket.io-client'
import { ask, connected, sidOfCookie, sleep } from '../support/app'
import { CHILD_SETUP_TIMEOUT_MS } from '../support/childServer'
import type { ClusterNode } from '../support/cluster/nodes'
import { type PrivateCluster, startPrivateCluster, stopPrivateCluster } from '../support/cluster/privateCluster'
import { type PrivateRedis, RUN_PREFIX, type RedisClient, describeWith, probeRedisServerBinary } from '../support/redis'

const PREFIX = `${RUN_PREFIX}cas-cluster:`
const STORE_TIMEOUT_MS = 500

const isCount = (u: unknown): u is number => typeof u === 'number'
const codeOf = (u: unknown): unknown =>
  typeof u === 'object' && u !== null && 'error' in u && typeof u.error === 'object' && u.error !== null && 'code' in u.error
    ? u.error.code
    : u

/** Sends `count` events from `socket`, `inFlight` at a time; each answer, or `lost` when none came. */
const pump = async (socket: ClientSocket, count: number, inFlight: number, event: string, ...args: unknown[]): Promise<unknown[]> => {
  const answers: unknown[] = []
  let sent = 0
  const worker = async (): Promise<void> => {
    // A disconnected client would buffer its emits until they time out.
    while (sent < count && socket.connected) {
      sent += 1
      answers.push(await ask(socket, event, ...args).catch(() => 'lost'))
    }
  }
  await Promise.all(Array.from({ length: inFlight }, worker))
  return answers
}

const distinct = (values: ReadonlyArray<number>): boolean => new Set(values).size === values.length

describeWith(probeRedisServerBinary())("two nodes with commit: 'compare-and-set' on a private redis-server", () => {
  let cluster: PrivateCluster | undefined
  let redis: PrivateRedis
  let client: RedisClient
  let node1: ClusterNode
  let node2: ClusterNode

  beforeAll(async () => {
    cluster = await startPrivateCluster((url) => ({
      REDIS_URL: url,
      ESIO_PREFIX: PREFIX,
      ESIO_SECRET: 'cas cluster secret',
      ESIO_COMMIT: 'compare-and-set',
      ESIO_STORE_TIMEOUT_MS: String(STORE_TIMEOUT_MS),
    }))
    ;({ redis, client, node1, node2 } = cluster)
  }, CHILD_SETUP_TIMEOUT_MS)

  afterAll(() => stopPrivateCluster(cluster))

  /** The login's cookie, and two sockets of that session on each node. */
  const spread = async (user: string): Promise<{ cookie: string; on1: ClientSocket[]; on2: ClientSocket[] }> => {
    const cookie = await node1.login(user)
    const on1 = await Promise.all([connected(node1.connect(cookie)), connected(node1.connect(cookie))])
    const on2 = await Promise.all([connected(node2.connect(cookie)), connected(node2.connect(cookie))])
    return { cookie, on1, on2 }
  }

  it('non-overlapping keys (node 1 counts a, node 2 counts b), 8 in flight per node: every acked update is stored, none lost', async () => {
    const { cookie, on1, on2 } = await spread('disjoint')
    const answers = await Promise.all([
      ...on1.map((s) => pump(s, 20, 4, 'incKey', 'a')),
      ...on2.map((s) => pump(s, 20, 4, 'incKey', 'b')),
    ])
    const [a, b] = [answers.slice(0, 2).flat(), answers.slice(2).flat()]
    expect([...a, ...b].filter((x) => !isCount(x)).map(codeOf)).toEqual([])
    expect(distinct(a.filter(isCount)) && distinct(b.filter(isCount))).toBe(true)
    expect(await node2.readSession(cookie)).toMatchObject({ user: { name: 'disjoint' }, a: 40, b: 40 })
  }, 20_000)

  it('one key (count++) from both nodes, 8 in flight per node: each event is acked and present, or answered SessionConflict', async () => {
    const { cookie, on1, on2 } = await spread('overlap')
    const before = await Promise.all([node1.errors(), node2.errors()])
    const answers = (await Promise.all([...on1, ...on2].map((s) => pump(s, 20, 4, 'inc')))).flat()
    const counts = answers.filter(isCount)
    const refused = answers.filter((x) => !isCount(x)).map(codeOf)
    expect(new Set(refused)).toEqual(new Set(refused.length === 0 ? [] : ['SessionConflict']))
    expect(counts.length + refused.length).toBe(80)
    // No two acks with the same count, and the stored count is exactly the number acked.
    expect(distinct(counts)).toBe(true)
    expect(await node1.readSession(cookie)).toMatchObject({ count: counts.length })
    // Every refusal was also told to onError, on the node that refused it.
    const after = await Promise.all([node1.errors(), node2.errors()])
    const told = after.reduce((n, e, i) => n + (e['SessionConflict'] ?? 0) - (before[i]?.['SessionConflict'] ?? 0), 0)
    expect(told).toBe(refused.length)
  }, 20_000)

  it('a logout on node 1 while node 2 keeps saving: the session is not brought back', async () => {
    const cookie = await node1.login('leaving')
    const key = `${PREFIX}sess:${sidOfCookie(cookie)}`
    const sockets = await Promise.all([connected(node2.connect(cookie)), connected(node2.connect(cookie))])
    const saving = sockets.map((s) => pump(s, 30, 4, 'incKey', 'x'))
    await sleep(60)
    expect(await client.exists(key)).toBe(1)
    await node1.logout(cookie)
    const answers = (await Promise.all(saving)).flat()
    await sleep(200)
    expect(await client.exists(key)).toBe(0)
    expect(await node2.readSession(cookie)).toBeNull()
    // Saves answered after the logout were refused, not written.
    for (const a of answers) expect(isCount(a) || ['SessionNotFound', 'lost'].includes(String(codeOf(a)))).toBe(true)
  }, 20_000)

  it('Redis frozen (SIGSTOP) mid-commit: every event answered within the store timeouts, nothing acked lost', async () => {
    const cookie = await node1.login('frozen')
    const [s1, s2] = await Promise.all([connected(node1.connect(cookie)), connected(node2.connect(cookie))])
    const logs: Array<Array<{ sentAt: number; answeredAt: number; answer: unknown }>> = [[], []]
    let running = true
    const loop = async (socket: ClientSocket, key: string, log: (typeof logs)[number]): Promise<void> => {
      while (running) {
        const sentAt = Date.now()
        const answer = await socket.timeout(5000).emitWithAck('incKey', key).catch(() => 'lost')
        log.push({ sentAt, answeredAt: Date.now(), answer })
        await sleep(10)
      }
    }
    const loops = [loop(s1, 'a', logs[0] ?? []), loop(s2, 'b', logs[1] ?? [])]
    const acked = (after: number): boolean => logs.every((l) => l.filter((e) => e.sentAt >= after && isCount(e.answer)).length >= 3)
    while (!acked(0)) await sleep(20)
    const stoppedAt = Date.now()
    redis.pause()
    await sleep(1200)
    const resumedAt = Date.now()
    redis.resume()
    while (!acked(resumedAt)) await sleep(20)
    running = false
    await Promise.all(loops)

    const all = logs.flat()
    expect(all.filter((e) => e.answer === 'lost')).toEqual([])
    const refused = all.filter((e) => !isCount(e.answer)).map((e) => codeOf(e.answer))
    expect(refused).toContain('StoreTimeout')
    for (const code of refused) expect(['StoreTimeout', 'StoreFailure']).toContain(code)
    // One load and one commit, each bounded by storeTimeoutMs, plus scheduling slack.
    const frozen = all.filter((e) => e.answeredAt >= stoppedAt && e.sentAt < resumedAt)
    expect(Math.max(...frozen.map((e) => e.answeredAt - e.sentAt))).toBeLessThanOrEqual(2 * STORE_TIMEOUT_MS + 1000)
    const stored = await node2.readSession(cookie)
    for (const [i, key] of ['a', 'b'].entries()) {
      const counts = (logs[i] ?? []).map((e) => e.answer).filter(isCount)
      expect(counts).toEqual([...counts].sort((x, y) => x - y))
      expect(distinct(counts)).toBe(true)
      expect(Number(stored?.[key])).toBeGreaterThanOrEqual(counts[counts.length - 1] ?? Infinity)
    }
  }, 20_000)
})
