// The same integration assertions over every real store a user is likely to run: express-session's
// MemoryStore, `memorystore`, session-file-store (files on disk; a missing session is an `ENOENT`
// error, which express-session reads as "no session") and connect-redis 9 on the real Redis at
// REDIS_URL.
import { sign } from 'cookie-signature'
import { RedisStore } from 'connect-redis'
import session from 'express-session'
import createMemoryStore from 'memorystore'
import { sessionAccess } from '../../src'
import { type TestApp, ask, connected, startApp, sidOfCookie } from '../support/app'
import { REDIS_URL, RUN_PREFIX, type RedisClient, connectRedis, deleteKeys, describeWith, keysWith, probeRedis } from '../support/redis'
import { incrementHandler, noteHandler, whoamiHandler } from '../support/handlers'
import { openFileStore } from '../support/fileStore'

const describeRedis = describeWith(probeRedis())
const SECRET = 'store matrix secret'

interface StoreUnderTest {
  readonly store: session.Store
  /** Redis keys of a session id, for stores that keep sessions in Redis. */
  readonly redisKey?: (sid: string) => string
  readonly close: () => Promise<void>
}



const storeSuite = (makeStore: () => Promise<StoreUnderTest>) => (): void => {
  let app: TestApp
  let subject: StoreUnderTest
  let reported: string[]

  beforeAll(async () => {
    subject = await makeStore()
    reported = []
    app = await startApp({ store: subject.store, secret: SECRET, onLogout: (sid) => access.disconnectSession(sid) })
    const access = sessionAccess({
      store: subject.store,
      secret: SECRET,
      storeTimeoutMs: 2000,
      io: app.io,
      onError: (error) => reported.push(error._tag),
    })
    const { withSession, withSessionE, authorize } = access
    app.io.use(authorize)
    app.io.on('connection', (socket) => {
      socket.on('whoami', whoamiHandler(access))
      socket.on('note', noteHandler(access))
      socket.on('inc', incrementHandler(access))
      socket.on('inspect', withSessionE((err, s, ack: (r: unknown) => void) => ack(err === null ? { user: s?.user?.name } : { err: err._tag })))
      socket.on('throws', withSession(() => {
        throw new Error('handler bug')
      }))
    })
    app.io.of('/open').on('connection', (socket) => {
      socket.on('whoami', whoamiHandler(access))
    })
  })

  afterAll(async () => {
    await app.close()
    await subject.close()
  })

  it('a socket event sees what an HTTP request wrote just before', async () => {
    const cookie = await app.login('ada')
    const client = await connected(app.connect(cookie))
    expect(await ask(client, 'whoami')).toBe('ada')
    await app.writeSession(cookie, { user: { name: 'grace' } })
    expect(await ask(client, 'whoami')).toBe('grace')
  })

  it('what a socket handler saves is read by the next HTTP request', async () => {
    const cookie = await app.login('ada')
    const client = await connected(app.connect(cookie))
    expect(await ask(client, 'note', 'from the socket')).toBe('from the socket')
    expect(await app.readSession(cookie)).toMatchObject({ note: 'from the socket', user: { name: 'ada' } })
  })

  it('concurrent events of one session from two sockets lose no update (per-process serialization)', async () => {
    const cookie = await app.login('counter')
    const [a, b] = await Promise.all([connected(app.connect(cookie)), connected(app.connect(cookie))])
    const acks = await Promise.all(Array.from({ length: 20 }, (_, i) => ask(i % 2 === 0 ? a : b, 'inc')))
    expect([...acks].sort((x, y) => Number(x) - Number(y))).toEqual(Array.from({ length: 20 }, (_, i) => i + 1))
    expect(await app.readSession(cookie)).toMatchObject({ count: 20 })
  })

  it('after an HTTP logout the socket gets session_lost and is disconnected; a kept socket gets SessionNotFound', async () => {
    const cookie = await app.login('leaving')
    const client = await connected(app.connect(cookie))
    const outcome = new Promise<unknown[]>((resolve) => {
      let lost: unknown
      client.on('session_lost', (payload: unknown) => (lost = payload))
      client.on('disconnect', (reason) => resolve([lost, reason]))
    })
    await app.logout(cookie)
    expect(await outcome).toEqual([{ code: 'SessionNotFound', message: expect.any(String) }, 'io server disconnect'])
    if (subject.redisKey !== undefined) {
      const { client: redis } = await connectRedis()
      try {
        expect(await redis.exists(subject.redisKey(sidOfCookie(cookie)))).toBe(0)
      } finally {
        redis.destroy()
      }
    }
    // A session removed from the store behind a connected socket's back (another node, expiry).
    const other = await app.login('expired')
    const kept = await connected(app.connect(other))
    await new Promise<void>((resolve, reject) => subject.store.destroy(sidOfCookie(other), (err?: unknown) => (err ? reject(err) : resolve())))
    expect(await ask(kept, 'inspect')).toEqual({ err: 'SessionNotFound' })
    expect(await ask(kept, 'whoami')).toEqual({ error: { code: 'SessionNotFound', message: expect.any(String) } })
  })

  it('an event that fails is acked with { error } and the socket keeps working', async () => {
    const cookie = await app.login('careful')
    const client = await connected(app.connect(cookie))
    reported.length = 0
    expect(await ask(client, 'throws')).toEqual({ error: { code: 'HandlerFailure', message: expect.any(String) } })
    expect(reported).toEqual(['HandlerFailure'])
    expect(await ask(client, 'whoami')).toBe('careful')
    // `/open` has no authorize: a forged cookie gets as far as an event, and is answered there.
    const forged = `connect.sid=${encodeURIComponent('s:' + sign(sidOfCookie(cookie), 'not the secret'))}`
    const intruder = await connected(app.connect(forged, { namespace: '/open' }))
    expect(await ask(intruder, 'whoami')).toEqual({ error: { code: 'InvalidSignature', message: expect.any(String) } })
  })
}

describe('MemoryStore (express-session)', storeSuite(async () => ({ store: new session.MemoryStore(), close: async () => undefined })))

describe(
  'memorystore',
  storeSuite(async () => {
    const MemoryStore = createMemoryStore(session)
    const store = new MemoryStore({ checkPeriod: 60_000 })
    return { store, close: async () => store.stopInterval() }
  }),
)

describe('session-file-store', storeSuite(openFileStore))

describeRedis(`connect-redis 9 on ${REDIS_URL}`, () => {
  const prefix = `${RUN_PREFIX}stores:sess:`
  let redis: { client: RedisClient; errors: unknown[] }

  storeSuite(async () => {
    redis = await connectRedis()
    return {
      store: new RedisStore({ client: redis.client, prefix }),
      redisKey: (sid) => prefix + sid,
      close: async () => undefined,
    }
  })()

  it('keeps sessions under the run prefix with a TTL; cleanup deletes exactly the keys it matches', async () => {
    const keys = await keysWith(redis.client, prefix)
    expect(keys.length).toBeGreaterThan(0)
    for (const key of keys) expect(await redis.client.ttl(key)).toBeGreaterThan(0)
    const neighbour = `${RUN_PREFIX}stores:neighbour`
    await redis.client.set(neighbour, 'kept', { expiration: { type: 'EX', value: 60 } })
    expect(await deleteKeys(redis.client, prefix)).toBe(keys.length)
    expect(await keysWith(redis.client, prefix)).toEqual([])
    expect(await redis.client.get(neighbour)).toBe('kept')
    expect(redis.errors).toEqual([])
  })

  afterAll(async () => {
    await deleteKeys(redis.client, RUN_PREFIX)
    redis.client.destroy()
  })
})
