// Store faults on a real Redis: the test starts its own redis-server on a private port, then
// stops it (SIGSTOP / SIGCONT) and kills it (SIGKILL, restart) while clients keep sending events.
import { RedisStore } from 'connect-redis'
import type { Socket as ClientSocket } from 'socket.io-client'
import { type SessionAccess, type DefaultSessionData, sessionAccess } from '../../src'
import { type TestApp, connected, sleep, startApp } from '../support/app'
import { incrementHandler } from '../support/handlers'
import {
  type PrivateRedis,
  RUN_PREFIX,
  type RedisClient,
  describeWith,
  newRedisClient,
  probeRedisServerBinary,
  startPrivateRedis,
} from '../support/redis'

const describeRedisServer = describeWith(probeRedisServerBinary())
const STORE_TIMEOUT_MS = 500
const BOUND_MS = STORE_TIMEOUT_MS + 1000
const SECRET = 'faults secret'
const CLIENTS = 4

/** One event as the client saw it. */
interface Exchange {
  readonly sentAt: number
  readonly answeredAt: number
  /** The ack's payload, or `lost` when no ack came within 5 s. */
  readonly ack: unknown
}

const isCount = (u: unknown): u is number => typeof u === 'number'
const errorCode = (u: unknown): unknown =>
  typeof u === 'object' && u !== null && 'error' in u && typeof u.error === 'object' && u.error !== null && 'code' in u.error
    ? u.error.code
    : undefined

/** A client that sends `inc` over and over, one at a time, until stopped. */
const sender = (socket: ClientSocket) => {
  const log: Exchange[] = []
  let sent = 0
  let running = true
  const loop = (async () => {
    while (running) {
      const sentAt = Date.now()
      sent += 1
      const ack = await socket
        .timeout(5000)
        .emitWithAck('inc')
        .catch(() => 'lost')
      log.push({ sentAt, answeredAt: Date.now(), ack })
      await sleep(15)
    }
  })()
  return {
    log,
    sent: () => sent,
    successesAfter: (t: number) => log.filter((e) => e.sentAt >= t && isCount(e.ack)).length,
    stop: async () => {
      running = false
      await loop
    },
  }
}

const until = async (condition: () => boolean, what: string, ms: number): Promise<void> => {
  const deadline = Date.now() + ms
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(20)
  }
}

describeRedisServer('store faults on a private redis-server (connect-redis, storeTimeoutMs 500)', () => {
  let redis: PrivateRedis
  let client: RedisClient
  let app: TestApp
  let access: SessionAccess<DefaultSessionData>
  const redisErrors: unknown[] = []
  const reported: string[] = []

  beforeAll(async () => {
    // Append-only with fsync on every write: what Redis acknowledged survives a SIGKILL.
    redis = await startPrivateRedis({ appendFsyncAlways: true })
    client = newRedisClient(redis.url)
    client.on('error', (err: unknown) => redisErrors.push(err))
    await client.connect()
    const store = new RedisStore({ client, prefix: `${RUN_PREFIX}faults:sess:` })
    app = await startApp({ store, secret: SECRET })
    access = sessionAccess({
      store,
      secret: SECRET,
      storeTimeoutMs: STORE_TIMEOUT_MS,
      io: app.io,
      onError: (error) => reported.push(error._tag),
    })
    app.io.use(access.authorize)
    app.io.on('connection', (socket) => {
      socket.on('inc', incrementHandler(access))
    })
  })

  afterAll(async () => {
    await app?.close()
    client?.destroy()
    await redis?.close()
  })

  it('every event in an outage gets a StoreFailure/StoreTimeout ack within storeTimeoutMs + 1 s; afterwards events succeed on the same sockets and no saved data is lost', async () => {
    const cookies = await Promise.all(Array.from({ length: CLIENTS }, (_, i) => app.login(`user ${i}`)))
    const sockets = await Promise.all(cookies.map((c) => connected(app.connect(c))))
    const ids = sockets.map((s) => s.id)
    const disconnects: string[] = []
    for (const s of sockets) s.on('disconnect', (reason) => disconnects.push(reason))
    const senders = sockets.map(sender)
    const allHave = (n: number, after: number): boolean => senders.every((s) => s.successesAfter(after) >= n)

    await until(() => allHave(3, 0), 'events before the outage', 3000)

    // Phase 1: the server freezes. Connections stay open; nothing is answered.
    const stoppedAt = Date.now()
    redis.pause()
    await sleep(1600) // as above: a save already sent when the server froze times out first
    const resumingAt = Date.now()
    redis.resume()
    await until(() => allHave(3, resumingAt), 'events after SIGCONT', 5000)

    // Phase 2: the server dies and comes back (node-redis reconnects by itself).
    const killingAt = Date.now()
    await redis.kill()
    const deadAt = Date.now()
    // Long enough for every client to send at least one event and be answered while Redis is
    // down (an event queued just before may take storeTimeoutMs to be answered first).
    await sleep(1400)
    const restartingAt = Date.now()
    await redis.restart()
    const restartedAt = Date.now()
    await until(() => allHave(3, restartedAt), 'events after the restart', 5000)

    await Promise.all(senders.map((s) => s.stop()))
    const logs = senders.map((s) => s.log)
    const all = logs.flat()
    // Events that were waiting on the store at some point of an outage...
    const overlapping = (from: number, to: number) => all.filter((e) => e.answeredAt >= from && e.sentAt < to)
    const frozen = overlapping(stoppedAt, resumingAt)
    const dead = overlapping(killingAt, restartedAt)
    // ...and those that lived entirely inside it (an event sent just before can still succeed).
    const within = (from: number, to: number) => all.filter((e) => e.sentAt >= from && e.answeredAt < to)
    const latencies = (es: Exchange[]) => es.map((e) => e.answeredAt - e.sentAt)

    // No ack lost: every event sent was answered, with a count or a store error.
    expect(all.length).toBe(senders.reduce((n, s) => n + s.sent(), 0))
    expect(all.filter((e) => e.ack === 'lost')).toEqual([])
    const codes = new Set(all.filter((e) => !isCount(e.ack)).map((e) => errorCode(e.ack)))
    for (const code of codes) expect(['StoreFailure', 'StoreTimeout']).toContain(code)

    // Every event in an outage was answered within storeTimeoutMs + 1 s, and every one that
    // was answered before the server came back was an error.
    for (const window of [frozen, dead]) expect(Math.max(...latencies(window))).toBeLessThanOrEqual(BOUND_MS)
    for (const outage of [within(stoppedAt, resumingAt), within(deadAt, restartingAt)]) {
      expect(outage.length).toBeGreaterThanOrEqual(CLIENTS)
      expect(outage.filter((e) => isCount(e.ack))).toEqual([])
    }
    expect(within(stoppedAt, resumingAt).map((e) => errorCode(e.ack))).toContain('StoreTimeout')
    expect(redisErrors.length).toBeGreaterThan(0)
    // Each error ack was also reported to onError, once.
    expect(reported.length).toBe(all.filter((e) => !isCount(e.ack)).length)

    // No saved data lost: per session the counts acknowledged as saved only ever go up, and the
    // store ends with at least the last one (over HTTP, after both outages).
    for (const [i, log] of logs.entries()) {
      const counts = log.map((e) => e.ack).filter(isCount)
      expect(counts).toEqual([...counts].sort((a, b) => a - b))
      expect(new Set(counts).size).toBe(counts.length)
      const stored = await app.readSession(cookies[i] ?? '')
      expect(stored).toMatchObject({ user: { name: `user ${i}` } })
      expect(Number(stored?.['count'])).toBeGreaterThanOrEqual(counts[counts.length - 1] ?? Infinity)
    }

    // The sockets never noticed: same connections throughout.
    expect(disconnects).toEqual([])
    expect(sockets.map((s) => s.id)).toEqual(ids)
    expect(access.stats().queuedSessions).toBe(0)
  }, 30_000)
})
