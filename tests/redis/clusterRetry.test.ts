// Two node processes on a private redis-server, with commit: 'compare-and-set',
// onConflict: 'retry' (on `/`; `/strict` never retries) and express-session's store wrapped by
// compareAndSetStore: one session's events from both nodes neither lost nor refused, each acked
// and emitted once; a retried run that throws; HTTP saves against socket saves across the nodes;
// Redis killed and restarted while events run.
import type { Socket as ClientSocket } from 'socket.io-client'
import { connected, sidOfCookie, sleep } from '../support/app'
import { CHILD_SETUP_TIMEOUT_MS } from '../support/childServer'
import type { ClusterNode } from '../support/cluster/nodes'
import { type PrivateCluster, startPrivateCluster, stopPrivateCluster } from '../support/cluster/privateCluster'
import { type PrivateRedis, RUN_PREFIX, type RedisClient, describeWith, probeRedisServerBinary } from '../support/redis'

const PREFIX = `${RUN_PREFIX}retry-cluster:`
const STORE_TIMEOUT_MS = 500

const isCount = (u: unknown): u is number => typeof u === 'number'
const codeOf = (u: unknown): unknown =>
  typeof u === 'object' && u !== null && 'error' in u && typeof u.error === 'object' && u.error !== null && 'code' in u.error ? u.error.code : u

let ids = 0
const nextId = (): string => `e${++ids}`

/** Sends `count` `incEmit` events, `inFlight` at a time; every answer (`lost` when none came). */
const pump = async (socket: ClientSocket, count: number, inFlight: number, options: Record<string, unknown> = {}): Promise<unknown[]> => {
  const answers: unknown[] = []
  let sent = 0
  const worker = async (): Promise<void> => {
    while (sent < count && socket.connected) {
      sent += 1
      answers.push(await socket.timeout(8000).emitWithAck('incEmit', { id: nextId(), ...options }).catch(() => 'lost'))
    }
  }
  await Promise.all(Array.from({ length: inFlight }, worker))
  return answers
}

/** The `counted` emits a socket receives. */
const emitsOf = (socket: ClientSocket): number[] => {
  const seen: number[] = []
  socket.on('counted', (n: number) => void seen.push(n))
  return seen
}

describeWith(probeRedisServerBinary())("two nodes with onConflict: 'retry' and compareAndSetStore on a private redis-server", () => {
  let cluster: PrivateCluster | undefined
  let redis: PrivateRedis
  let client: RedisClient
  let node1: ClusterNode
  let node2: ClusterNode

  beforeAll(async () => {
    cluster = await startPrivateCluster(
      (url) => ({
        REDIS_URL: url,
        ESIO_PREFIX: PREFIX,
        ESIO_SECRET: 'retry cluster secret',
        ESIO_COMMIT: 'compare-and-set',
        ESIO_ON_CONFLICT: 'retry',
        ESIO_HTTP_CAS: '1',
        ESIO_STORE_TIMEOUT_MS: String(STORE_TIMEOUT_MS),
      }),
      { appendFsyncAlways: true },
    )
    ;({ redis, client, node1, node2 } = cluster)
  }, CHILD_SETUP_TIMEOUT_MS)

  afterAll(() => stopPrivateCluster(cluster))

  it('count++ from both nodes, 8 in flight per node: none lost or refused; each ack and each emit once, from the run that committed', async () => {
    const cookie = await node1.login('both')
    const sockets = await Promise.all([connected(node1.connect(cookie)), connected(node1.connect(cookie)), connected(node2.connect(cookie)), connected(node2.connect(cookie))])
    const emits = sockets.map(emitsOf)
    const perSocket = await Promise.all(sockets.map((s) => pump(s, 40, 4)))
    const answers = perSocket.flat()
    expect(answers.filter((a) => !isCount(a)).map(codeOf)).toEqual([])
    const counts = answers.filter(isCount).sort((a, b) => a - b)
    // Every count from 1 to 160 acked exactly once, and 160 stored.
    expect(counts).toEqual(Array.from({ length: 160 }, (_, i) => i + 1))
    expect(await node2.readSession(cookie)).toMatchObject({ count: 160 })
    // Each socket got one emit per event it sent, with the counts it was acked with: afterCommit
    // effects run before the held ack is sent, on the same connection, so they are all here.
    for (const [i, seen] of emits.entries()) expect([...seen].sort((a, b) => a - b)).toEqual((perSocket[i] ?? []).filter(isCount).sort((a, b) => a - b))
  }, 30_000)

  it('a handler that throws on its retried run: HandlerFailure for that event; nothing of it written', async () => {
    const cookie = await node1.login('thrower')
    const [on1, on2] = await Promise.all([connected(node1.connect(cookie)), connected(node2.connect(cookie))])
    const emits1 = emitsOf(on1)
    // The first run on node 1 loads, then waits while node 2 commits: its save conflicts.
    const held = on1.timeout(8000).emitWithAck('incEmit', { id: nextId(), gate: 'thrower', throwOnRetry: true })
    await node1.waitingAt('thrower')
    expect(await on2.timeout(8000).emitWithAck('incEmit', { id: nextId() })).toBe(1)
    await node1.openGate('thrower')
    expect(codeOf(await held)).toBe('HandlerFailure')
    expect(await node1.readSession(cookie)).toMatchObject({ count: 1 })
    expect(emits1).toEqual([])
  }, 20_000)

  describe('HTTP saves (compareAndSetStore) against socket saves, across the nodes', () => {
    const setOn = (socket: ClientSocket, key: string, value: unknown, gate: string): Promise<unknown> =>
      socket.timeout(8000).emitWithAck('gatedSet', key, value, gate).then(codeOf, () => 'lost')

    it('disjoint keys: an HTTP save on node 1 that loaded before a socket save on node 2 keeps both', async () => {
      const cookie = await node1.login('disjoint')
      const socket = await connected(node2.connect(cookie))
      const http = node1.gatedWrite(cookie, 'cart', ['apple'], 'http-disjoint')
      await node1.waitingAt('http-disjoint')
      await node2.openGate('socket-disjoint')
      expect(await setOn(socket, 'note', 'from the socket', 'socket-disjoint')).toBe('saved')
      await node1.openGate('http-disjoint')
      expect(await http).toEqual({ status: 200, body: { ok: true } })
      expect(await node2.readSession(cookie)).toMatchObject({ user: { name: 'disjoint' }, cart: ['apple'], note: 'from the socket' })
    }, 20_000)

    it('the same key, the socket first: the HTTP save is refused (409 SessionConflict), the socket’s value stays', async () => {
      const cookie = await node1.login('socket-first')
      const socket = await connected(node2.connect(cookie))
      const http = node1.gatedWrite(cookie, 'note', 'from http', 'http-late')
      await node1.waitingAt('http-late')
      await node2.openGate('socket-early')
      expect(await setOn(socket, 'note', 'from the socket', 'socket-early')).toBe('saved')
      await node1.openGate('http-late')
      expect(await http).toEqual({ status: 409, body: { error: 'SessionConflict' } })
      expect(await node1.readSession(cookie)).toMatchObject({ note: 'from the socket' })
    }, 20_000)

    it('the same key, the HTTP save first, a socket that does not retry: the socket is told SessionConflict, the HTTP value stays', async () => {
      const cookie = await node1.login('http-first')
      const socket = await connected(node2.connect(cookie, '/strict'))
      const answer = setOn(socket, 'note', 'from the socket', 'strict-late')
      await node2.waitingAt('strict-late')
      await node1.openGate('http-early')
      expect(await node1.gatedWrite(cookie, 'note', 'from http', 'http-early')).toEqual({ status: 200, body: { ok: true } })
      await node2.openGate('strict-late')
      expect(await answer).toBe('SessionConflict')
      expect(await node1.readSession(cookie)).toMatchObject({ note: 'from http' })
    }, 20_000)

    it('the same key, the HTTP save first, a socket that retries: its handler runs again on the HTTP copy and commits after it', async () => {
      const cookie = await node1.login('http-then-retry')
      const socket = await connected(node2.connect(cookie))
      const answer = socket.timeout(8000).emitWithAck('incEmit', { id: nextId(), gate: 'retry-late' })
      await node2.waitingAt('retry-late')
      await node1.openGate('http-count')
      expect(await node1.gatedWrite(cookie, 'count', 10, 'http-count')).toEqual({ status: 200, body: { ok: true } })
      await node2.openGate('retry-late')
      expect(await answer).toBe(11)
      expect(await node1.readSession(cookie)).toMatchObject({ count: 11 })
    }, 20_000)
  })

  it('Redis killed and restarted while both nodes retry: every event answered once; no acked update lost, none applied twice', async () => {
    const cookie = await node1.login('restart')
    const sockets = await Promise.all([connected(node1.connect(cookie)), connected(node1.connect(cookie)), connected(node2.connect(cookie)), connected(node2.connect(cookie))])
    const answers: unknown[] = []
    let running = true
    const loop = async (socket: ClientSocket): Promise<void> => {
      while (running) {
        answers.push(await socket.timeout(5000).emitWithAck('incEmit', { id: nextId() }).then(codeOf, () => 'lost'))
        await sleep(2)
      }
    }
    const loops = sockets.map(loop)
    const countsSoFar = (): number => answers.filter(isCount).length
    while (countsSoFar() < 40) await sleep(10)
    await redis.kill()
    await sleep(300)
    await redis.restart()
    const afterRestart = countsSoFar()
    while (countsSoFar() < afterRestart + 40) await sleep(10)
    running = false
    await Promise.all(loops)

    expect(answers.filter((a) => a === 'lost')).toEqual([])
    const unknown = answers.filter((a) => !isCount(a))
    for (const code of unknown) expect(['StoreFailure', 'StoreTimeout']).toContain(code)
    const counts = answers.filter(isCount)
    expect(new Set(counts).size).toBe(counts.length)
    const stored = Number((await node1.readSession(cookie))?.['count'])
    // Every acked increment is stored; beyond them, only events whose outcome was unknown.
    expect(stored).toBeGreaterThanOrEqual(Math.max(...counts))
    expect(stored).toBeGreaterThanOrEqual(counts.length)
    expect(stored).toBeLessThanOrEqual(counts.length + unknown.length)
    expect(await client.exists(`${PREFIX}sess:${sidOfCookie(cookie)}`)).toBe(1)
  }, 40_000)
})
