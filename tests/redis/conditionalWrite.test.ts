// How a compare-and-set commit writes: the port probes the server once for Redis 8.4's native
// `SET key value IFEQ old GET [EX ttl]` and uses it where it exists, else the Lua script.
//
// The Redis these tests run on (7.0 here) has no IFEQ: the probe must settle on the script, and
// leave no key behind. The native path is then run against the same real Redis through a client
// whose `set` carries out IFEQ as Redis 8.4 documents it (write only if the current value equals
// the match value, never create a missing key; with GET, reply with the old value or nil) by a
// small script of its own: what is tested is the library's side of the protocol (the arguments it
// sends, how it reads the three replies, the expiry it sets), one round trip per commit.
import { RedisStore } from 'connect-redis'
import * as E from 'fp-ts/Either'
import { type SessionError, asSessionId } from '../../src'
import { type ConditionalSetOptions, type RedisScriptClient, versionedRedisStore } from '../../src/adapters/redis/redisVersionedStore'
import { commitMerging } from '../../src/core/commit/mergeCommit'
import type { StoredSession } from '../../src/core/store/storePort'
import { type Snapshot, loadSnapshot } from '../../src/core/commit/versionedStore'
import { eventually } from '../support/app'
import { REDIS_URL, RUN_PREFIX, type RedisClient, connectRedis, deleteKeys, describeWith, keysWith, probeRedis } from '../support/redis'

const PREFIX = `${RUN_PREFIX}ifeq:`
let counter = 0
const newSid = () => asSessionId(`sid-ifeq-${++counter}`)

// SET IFEQ with GET, as Redis 8.4 documents it, carried out by a script on an older server.
const IFEQ_EMULATION = `local old = redis.call('GET', KEYS[1])
if old and old == ARGV[2] then
  if ARGV[3] == 'EX' then redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[4]) else redis.call('SET', KEYS[1], ARGV[1]) end
end
return old`

/** A client that behaves as a Redis 8.4 server's would: `set` knows IFEQ; calls are counted. */
const redis84 = (real: RedisClient) => {
  const calls = { set: 0, evalSha: 0, eval: 0 }
  const client: RedisScriptClient = {
    get: (key) => real.get(key),
    evalSha: (sha, options) => {
      calls.evalSha += 1
      return real.evalSha(sha, options)
    },
    eval: (script, options) => {
      calls.eval += 1
      return real.eval(script, options)
    },
    set: (key: string, value: string, options: ConditionalSetOptions) => {
      calls.set += 1
      const ttl = options.expiration
      return real.eval(IFEQ_EMULATION, { keys: [key], arguments: [value, options.matchValue, ttl === undefined ? 'SET' : 'EX', String(ttl?.value ?? 0)] })
    },
  }
  return { client, calls }
}

const commitOf = (vs: ReturnType<typeof versionedRedisStore>, sid: string, loaded: Snapshot, data: StoredSession) =>
  new Promise<E.Either<SessionError, Snapshot>>((resolve) => commitMerging(vs, 2000)(asSessionId(sid), loaded, data, resolve))

const loadOf = (vs: ReturnType<typeof versionedRedisStore>, sid: string) =>
  new Promise<Snapshot>((resolve, reject) =>
    loadSnapshot(vs, 2000)(asSessionId(sid), (r) => (E.isRight(r) ? resolve(r.right) : reject(new Error(r.left._tag)))),
  )

describeWith(probeRedis())(`the conditional write (${REDIS_URL})`, () => {
  let real: RedisClient
  let store: RedisStore

  beforeAll(async () => {
    ;({ client: real } = await connectRedis())
    store = new RedisStore({ client: real, prefix: PREFIX })
  })
  afterAll(async () => {
    await deleteKeys(real, PREFIX)
    real?.destroy()
  })

  it('on a server without IFEQ, the probe settles on the script and creates no key', async () => {
    const vs = versionedRedisStore(store)
    await eventually('the probe answered', () => vs.conditionalWrite() !== 'unknown')
    const info = String(await real.info('server'))
    const major = Number(/redis_version:(\d+)/.exec(info)?.[1])
    expect(vs.conditionalWrite()).toBe(major >= 9 || /redis_version:8\.([4-9]|\d\d)/.test(info) ? 'ifeq' : 'script')
    expect(await keysWith(real, `${PREFIX}expression.socket.io:ifeq-probe`)).toEqual([])
  })

  describe('on a server with IFEQ', () => {
    it('the probe picks it; a commit is one SET (no script), committed over the loaded version with connect-redis’s expiry', async () => {
      const { client, calls } = redis84(real)
      const vs = versionedRedisStore(store, client)
      await eventually('the probe answered', () => vs.conditionalWrite() !== 'unknown')
      expect(vs.conditionalWrite()).toBe('ifeq')
      const sid = newSid()
      const expires = new Date(Date.now() + 120_000).toISOString()
      await real.set(PREFIX + sid, JSON.stringify({ cookie: { expires }, n: 1 }))
      const loaded = await loadOf(vs, sid)
      const before = { ...calls }
      const result = await commitOf(vs, sid, loaded, { ...loaded.data, n: 2 })
      expect(E.isRight(result)).toBe(true)
      expect({ set: calls.set - before.set, evalSha: calls.evalSha - before.evalSha, eval: calls.eval - before.eval }).toEqual({ set: 1, evalSha: 0, eval: 0 })
      expect(JSON.parse((await real.get(PREFIX + sid)) ?? '{}')).toMatchObject({ n: 2 })
      const ttl = await real.ttl(PREFIX + sid)
      expect(ttl).toBeGreaterThan(100)
      expect(ttl).toBeLessThanOrEqual(120)
    })

    it('a version that changed meanwhile: the reply is the current value, merged and written again', async () => {
      const { client } = redis84(real)
      const vs = versionedRedisStore(store, client)
      await eventually('the probe answered', () => vs.conditionalWrite() !== 'unknown')
      const sid = newSid()
      await real.set(PREFIX + sid, JSON.stringify({ cookie: {}, a: 1, b: 1 }))
      const loaded = await loadOf(vs, sid)
      await real.set(PREFIX + sid, JSON.stringify({ cookie: {}, a: 1, b: 5 }))
      const result = await commitOf(vs, sid, loaded, { ...loaded.data, a: 2 })
      expect(E.isRight(result) && result.right.data).toEqual({ cookie: {}, a: 2, b: 5 })
      expect(JSON.parse((await real.get(PREFIX + sid)) ?? '{}')).toEqual({ cookie: {}, a: 2, b: 5 })
    })

    it('a session gone meanwhile: SessionNotFound, nothing created', async () => {
      const { client } = redis84(real)
      const vs = versionedRedisStore(store, client)
      await eventually('the probe answered', () => vs.conditionalWrite() !== 'unknown')
      const sid = newSid()
      await real.set(PREFIX + sid, JSON.stringify({ cookie: {}, a: 1 }))
      const loaded = await loadOf(vs, sid)
      await real.del(PREFIX + sid)
      const result = await commitOf(vs, sid, loaded, { ...loaded.data, a: 2 })
      expect(E.isLeft(result) && result.left._tag).toBe('SessionNotFound')
      expect(await real.get(PREFIX + sid)).toBeNull()
    })

    it('a session past its expiry is removed by the script (IFEQ cannot delete)', async () => {
      const { client, calls } = redis84(real)
      const vs = versionedRedisStore(store, client)
      await eventually('the probe answered', () => vs.conditionalWrite() !== 'unknown')
      const sid = newSid()
      await real.set(PREFIX + sid, JSON.stringify({ cookie: { expires: new Date(Date.now() + 60_000).toISOString() }, a: 1 }))
      const loaded = await loadOf(vs, sid)
      const before = calls.evalSha + calls.eval
      const result = await commitOf(vs, sid, loaded, { ...loaded.data, cookie: { expires: new Date(Date.now() - 1000).toISOString() } })
      expect(E.isRight(result)).toBe(true)
      expect(calls.evalSha + calls.eval - before).toBe(1)
      expect(await real.get(PREFIX + sid)).toBeNull()
    })
  })
})
