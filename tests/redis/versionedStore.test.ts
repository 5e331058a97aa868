// The compare-and-set port (versionedRedisStore) and the merging commit (commitMerging) on the
// real Redis, next to connect-redis 9 writing the same keys: two writers racing, logouts
// meanwhile, lost replies, and a private redis-server that forgets its scripts or freezes.
import { RedisStore } from 'connect-redis'
import * as E from 'fp-ts/Either'
import session from 'express-session'
import { type SessionError, asSessionId, sessionAccess } from '../../src'
import { versionedRedisStore } from '../../src/adapters/redis/redisVersionedStore'
import { commitMerging } from '../../src/core/commit/mergeCommit'
import type { StoredSession } from '../../src/core/store/storePort'
import { type Snapshot, type VersionedStore, loadSnapshot } from '../../src/core/commit/versionedStore'
import {
  type PrivateRedis,
  REDIS_URL,
  RUN_PREFIX,
  type RedisClient,
  connectRedis,
  deleteKeys,
  describeWith,
  newRedisClient,
  probeRedis,
  probeRedisServerBinary,
  startPrivateRedis,
} from '../support/redis'

const PREFIX = `${RUN_PREFIX}versioned:`
let counter = 0
const newSid = () => asSessionId(`sid-${process.pid}-${++counter}`)

const loadOf = (vs: VersionedStore, sid: string, timeoutMs = 2000): Promise<E.Either<SessionError, Snapshot>> =>
  new Promise((resolve) => loadSnapshot(vs, timeoutMs)(asSessionId(sid), resolve))

const loaded = async (vs: VersionedStore, sid: string): Promise<Snapshot> => {
  const result = await loadOf(vs, sid)
  if (E.isLeft(result)) throw new Error(`load failed: ${result.left._tag}`)
  return result.right
}

const save = (vs: VersionedStore, sid: string, snapshot: Snapshot, data: StoredSession, timeoutMs = 2000) =>
  new Promise<E.Either<SessionError, Snapshot>>((resolve) => commitMerging(vs, timeoutMs)(asSessionId(sid), snapshot, data, resolve))

const tagOf = (r: E.Either<SessionError, unknown>): string => (E.isLeft(r) ? r.left._tag : 'Right')

const setWith = (store: RedisStore, sid: string, data: Record<string, unknown>): Promise<void> =>
  new Promise((resolve, reject) => void store.set(sid, { cookie: { originalMaxAge: null }, ...data }, (err) => (err ? reject(err) : resolve())))

describeWith(probeRedis())(`versionedRedisStore and commitMerging on ${REDIS_URL}`, () => {
  let client: RedisClient
  let other: RedisClient
  let store: RedisStore
  let vs: VersionedStore
  let vs2: VersionedStore

  beforeAll(async () => {
    ;({ client } = await connectRedis())
    ;({ client: other } = await connectRedis())
    store = new RedisStore({ client, prefix: PREFIX })
    vs = versionedRedisStore(store)
    // A second node: its own connection, the same key scheme.
    vs2 = versionedRedisStore(new RedisStore({ client: other, prefix: PREFIX }))
  })

  afterAll(async () => {
    await deleteKeys(client, PREFIX)
    client.destroy()
    other.destroy()
  })

  it('loads what connect-redis wrote, with the stored string as its version; absent is SessionNotFound', async () => {
    const sid = newSid()
    expect(tagOf(await loadOf(vs, sid))).toBe('SessionNotFound')
    await setWith(store, sid, { user: 'ada' })
    const snapshot = await loaded(vs, sid)
    expect(snapshot.data).toEqual({ cookie: { originalMaxAge: null }, user: 'ada' })
    expect(snapshot.version).toBe(await client.get(PREFIX + sid))
  })

  it('commits over the loaded version with connect-redis’s key, value and expiry (EX from cookie.expires, else ttl)', async () => {
    const sid = newSid()
    await setWith(store, sid, { n: 1 })
    const committed = await save(vs, sid, await loaded(vs, sid), { cookie: { originalMaxAge: null }, n: 2 })
    expect(E.isRight(committed) && committed.right.version).toBe(await client.get(PREFIX + sid))
    expect(await new Promise((r) => void store.get(sid, (_e, s) => r(s)))).toEqual({ cookie: { originalMaxAge: null }, n: 2 })
    const ttl = await client.ttl(PREFIX + sid)
    expect(ttl).toBeGreaterThan(86_390)
    expect(ttl).toBeLessThanOrEqual(86_400)

    const expires = new Date(Date.now() + 120_000).toISOString()
    await save(vs, sid, await loaded(vs, sid), { cookie: { originalMaxAge: 120_000, expires }, n: 3 })
    const withCookie = await client.ttl(PREFIX + sid)
    expect(withCookie).toBeGreaterThan(110)
    expect(withCookie).toBeLessThanOrEqual(120)
  })

  it('removes a session whose cookie has expired, as connect-redis’s set does', async () => {
    const sid = newSid()
    await setWith(store, sid, { n: 1 })
    const past = new Date(Date.now() - 1000).toISOString()
    expect(tagOf(await save(vs, sid, await loaded(vs, sid), { cookie: { originalMaxAge: 1, expires: past }, n: 2 }))).toBe('Right')
    expect(await client.exists(PREFIX + sid)).toBe(0)
  })

  it('a raw commit over a stale version writes nothing and returns the current string; over a missing key it creates nothing', async () => {
    const sid = newSid()
    await setWith(store, sid, { n: 1 })
    const stale = await loaded(vs, sid)
    await setWith(store, sid, { n: 5 })
    const current = await client.get(PREFIX + sid)
    const outcome = await new Promise((r) => vs.commit(asSessionId(sid), { n: 9 }, vs.encode({ n: 9 }), stale.version, (_e, o) => r(o)))
    expect(outcome).toEqual({ _tag: 'Mismatch', current })
    expect(await client.get(PREFIX + sid)).toBe(current)

    const gone = newSid()
    const missing = await new Promise((r) => vs.commit(gone, { n: 1 }, vs.encode({ n: 1 }), stale.version, (_e, o) => r(o)))
    expect(missing).toEqual({ _tag: 'Missing' })
    expect(await client.exists(PREFIX + gone)).toBe(0)
  })

  it('two writers on different keys from the same load: both commit, both changes are stored', async () => {
    const sid = newSid()
    await setWith(store, sid, { a: 0, b: 0, shared: 'x' })
    const [s1, s2] = await Promise.all([loaded(vs, sid), loaded(vs2, sid)])
    const results = await Promise.all([save(vs, sid, s1, { ...s1.data, a: 1 }), save(vs2, sid, s2, { ...s2.data, b: 1 })])
    expect(results.map(tagOf)).toEqual(['Right', 'Right'])
    expect((await loaded(vs, sid)).data).toMatchObject({ a: 1, b: 1, shared: 'x' })
  })

  it('two writers of the same key: one commits, the other gets SessionConflict naming the key and writes nothing', async () => {
    const sid = newSid()
    await setWith(store, sid, { count: 1, other: 'x' })
    const [s1, s2] = await Promise.all([loaded(vs, sid), loaded(vs2, sid)])
    const results = await Promise.all([save(vs, sid, s1, { ...s1.data, count: 2 }), save(vs2, sid, s2, { ...s2.data, count: 2, other: 'y' })])
    expect(results.map(tagOf).sort()).toEqual(['Right', 'SessionConflict'])
    const conflict = results.find(E.isLeft)
    expect(conflict?.left).toEqual({ _tag: 'SessionConflict', keys: ['count'] })
    const stored = (await loaded(vs, sid)).data
    // The loser's whole write is refused: its `other` change is not half-applied.
    expect(stored).toMatchObject(results[0] !== undefined && E.isRight(results[0]) ? { count: 2, other: 'x' } : { count: 2, other: 'y' })
  })

  it('the same value written on both sides is still a conflict: two count++ from 1 must not both be acked with 2', async () => {
    const sid = newSid()
    await setWith(store, sid, { count: 1 })
    const [s1, s2] = await Promise.all([loaded(vs, sid), loaded(vs2, sid)])
    const results = await Promise.all([save(vs, sid, s1, { ...s1.data, count: 2 }), save(vs2, sid, s2, { ...s2.data, count: 2 })])
    expect(results.map(tagOf).sort()).toEqual(['Right', 'SessionConflict'])
  })

  it('six writers, each on its own key, all from one load: every change is stored', async () => {
    const sid = newSid()
    await setWith(store, sid, { base: true })
    const snapshots = await Promise.all(Array.from({ length: 6 }, (_, i) => loaded(i % 2 === 0 ? vs : vs2, sid)))
    const results = await Promise.all(snapshots.map((s, i) => save(i % 2 === 0 ? vs : vs2, sid, s, { ...s.data, [`k${i}`]: i })))
    expect(results.map(tagOf)).toEqual(Array(6).fill('Right'))
    expect((await loaded(vs, sid)).data).toMatchObject({ base: true, k0: 0, k1: 1, k2: 2, k3: 3, k4: 4, k5: 5 })
  })

  it('a session destroyed between load and save is SessionNotFound and is not brought back', async () => {
    const sid = newSid()
    await setWith(store, sid, { user: 'leaving' })
    const snapshot = await loaded(vs, sid)
    await new Promise((r) => void store.destroy(sid, r))
    expect(await save(vs, sid, snapshot, { ...snapshot.data, note: 'late' })).toEqual(E.left({ _tag: 'SessionNotFound' }))
    expect(await client.exists(PREFIX + sid)).toBe(0)
  })

  it('an HTTP-style plain SET meanwhile on another key is merged under, not overwritten', async () => {
    const sid = newSid()
    await setWith(store, sid, { user: 'ada', note: 'old' })
    const snapshot = await loaded(vs, sid)
    await setWith(store, sid, { user: 'ada lovelace', note: 'old' })
    expect(tagOf(await save(vs, sid, snapshot, { ...snapshot.data, note: 'new' }))).toBe('Right')
    expect((await loaded(vs, sid)).data).toMatchObject({ user: 'ada lovelace', note: 'new' })
  })

  it('a lost reply (the write happened, the answer did not arrive) is a StoreFailure: the outcome is unknown, even when the key holds these very bytes', async () => {
    const sid = newSid()
    await setWith(store, sid, { n: 1 })
    const replyLost: VersionedStore = {
      ...vs,
      commit: (id, data, encoded, version, cb) => vs.commit(id, data, encoded, version, () => cb(new Error('connection reset'))),
    }
    // Two count++ from the same base write the same bytes: the other writer's commit lands, this
    // one's is refused by Redis, its reply lost. Reading the key back would find "its" bytes.
    const base = await loaded(vs, sid)
    expect(tagOf(await save(vs2, sid, base, { ...base.data, n: 2 }))).toBe('Right')
    expect(tagOf(await save(replyLost, sid, base, { ...base.data, n: 2 }))).toBe('StoreFailure')
    expect((await loaded(vs, sid)).data).toMatchObject({ n: 2 })
  })
})

describe("the commit option", () => {
  it("refuses 'compare-and-set' without a connect-redis store or a redisClient, and bad values, with a TypeError naming the option", () => {
    const memory = new session.MemoryStore()
    expect(() => sessionAccess({ store: memory, secret: 's', commit: 'compare-and-set' })).toThrow(/option "commit"/)
    expect(() => Reflect.apply(sessionAccess, undefined, [{ store: memory, secret: 's', commit: 'lock' }])).toThrow(/option "commit"/)
    expect(() => Reflect.apply(sessionAccess, undefined, [{ store: memory, secret: 's', commit: 'compare-and-set', redisClient: {} }])).toThrow(
      /option "redisClient"/,
    )
    expect(() => sessionAccess({ store: memory, secret: 's' })).not.toThrow()
  })

  it('accepts a connect-redis store, or any store with an explicit node-redis client', () => {
    const client = newRedisClient()
    expect(() => sessionAccess({ store: new RedisStore({ client }), secret: 's', commit: 'compare-and-set' })).not.toThrow()
    expect(() => sessionAccess({ store: new session.MemoryStore(), secret: 's', commit: 'compare-and-set', redisClient: client })).not.toThrow()
  })
})

describeWith(probeRedisServerBinary())('versionedRedisStore on a private redis-server', () => {
  let redis: PrivateRedis
  let client: RedisClient
  let vs: VersionedStore

  beforeAll(async () => {
    redis = await startPrivateRedis()
    ;({ client } = await connectRedis(redis.url))
    vs = versionedRedisStore(new RedisStore({ client, prefix: PREFIX }))
  })

  afterAll(async () => {
    client?.destroy()
    await redis?.close()
  })

  it('falls back to EVAL when the server has forgotten the script (NOSCRIPT), then uses EVALSHA again', async () => {
    const sid = newSid()
    await client.set(PREFIX + sid, JSON.stringify({ n: 1 }))
    await client.scriptFlush()
    const before = await loaded(vs, sid)
    expect(tagOf(await save(vs, sid, before, { n: 2 }))).toBe('Right')
    expect(tagOf(await save(vs, sid, await loaded(vs, sid), { n: 3 }))).toBe('Right')
    const stats = await client.info('commandstats')
    expect(stats).toMatch(/cmdstat_eval:calls=1,/)
    expect(stats).toMatch(/cmdstat_evalsha:calls=2,.*failed_calls=1/)
    expect(await client.get(PREFIX + sid)).toBe(JSON.stringify({ n: 3 }))
  })

  it('a server frozen mid-commit (SIGSTOP) is a StoreTimeout after the time budget, and the save is not reported done', async () => {
    const sid = newSid()
    await client.set(PREFIX + sid, JSON.stringify({ n: 1 }))
    const snapshot = await loaded(vs, sid)
    redis.pause()
    const started = Date.now()
    try {
      expect(tagOf(await save(vs, sid, snapshot, { n: 2 }, 300))).toBe('StoreTimeout')
      const took = Date.now() - started
      expect(took).toBeGreaterThanOrEqual(290)
      expect(took).toBeLessThan(1300)
    } finally {
      redis.resume()
    }
  })
})
