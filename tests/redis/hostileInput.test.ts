// Hostile input on connect-redis and a real Redis, in both commit modes: values that are not JSON
// (sync and async handlers, autoSave and explicit saves), a stored __proto__ key through a merged
// compare-and-set commit, and "an ack means stored" with two servers racing on one session.
import { RedisStore } from 'connect-redis'
import type { Socket } from 'socket.io'
import { type AccessFailure, type CommitMode, sessionAccess } from '../../src'
import { type TestApp, ask, connected, sidOfCookie, startApp } from '../support/app'
import { REDIS_URL, RUN_PREFIX, type RedisClient, connectRedis, deleteKeys, describeWith, probeRedis } from '../support/redis'

const PREFIX = `${RUN_PREFIX}hostile:`
const SECRET = 'hostile secret'

function twoWayBarrier(): { arrive(): Promise<void> } {
  let arrived = 0
  let release: () => void = () => undefined
  const open = new Promise<void>((resolve) => (release = resolve))
  return {
    arrive() {
      arrived += 1
      if (arrived === 2) release()
      return open
    },
  }
}

const codeOf = (answer: unknown): unknown =>
  typeof answer === 'object' && answer !== null && 'error' in answer && typeof answer.error === 'object' && answer.error !== null && 'code' in answer.error
    ? answer.error.code
    : answer

describeWith(probeRedis())(`hostile input on connect-redis (${REDIS_URL})`, () => {
  let client: RedisClient
  const apps: TestApp[] = []

  beforeAll(async () => {
    ;({ client } = await connectRedis())
  })

  afterEach(async () => {
    await Promise.all(apps.splice(0).map((a) => a.close()))
  })

  afterAll(async () => {
    await deleteKeys(client, PREFIX)
    client?.destroy()
  })

  /** Releases its arrivals once two have come: two handlers that both loaded before either saves. */
  let barrier = twoWayBarrier()

  /** A server on connect-redis with this library's handlers; several share one prefix (nodes). */
  const server = async (commit: CommitMode, autoSave: boolean, prefix = `${PREFIX}${commit}-${autoSave}:`) => {
    const store = new RedisStore({ client, prefix })
    const app = await startApp({ store, secret: SECRET })
    apps.push(app)
    const failures: AccessFailure[] = []
    const access = sessionAccess<Record<string, unknown>>({ store, secret: SECRET, commit, autoSave, onError: (e) => void failures.push(e) })
    app.io.use(access.authorize)
    app.io.on('connection', (socket: Socket) => {
      socket.on(
        'circularSync',
        access.withSession((s, ack: (r: unknown) => void) => {
          const o: Record<string, unknown> = {}
          o['self'] = o
          s['cart'] = o
          if (!autoSave) s.save((err) => ack(err === null ? 'saved' : { error: { code: err.code } }))
          else ack('done')
        }),
      )
      socket.on(
        'circularAsync',
        access.withSession(async (s, ack: (r: unknown) => void) => {
          await Promise.resolve()
          s['big'] = BigInt(1)
          if (!autoSave) await s.save()
          ack('done')
        }),
      )
      socket.on(
        'inc',
        access.withSession(async (s, ack: (r: unknown) => void) => {
          s['count'] = (typeof s['count'] === 'number' ? s['count'] : 0) + 1
          if (!autoSave) await s.save()
          ack(s['count'])
        }),
      )
      socket.on(
        'incAfterBarrier',
        access.withSession(async (s, ack: (r: unknown) => void) => {
          await barrier.arrive()
          s['count'] = (typeof s['count'] === 'number' ? s['count'] : 0) + 1
          if (!autoSave) await s.save()
          ack(s['count'])
        }),
      )
      socket.on('read', access.withSession((s, ack: (r: unknown) => void) => ack({ count: s['count'], isAdmin: Reflect.get(s, 'isAdmin'), save: typeof s.save })))
    })
    return { app, access, failures, prefix }
  }

  describe.each<[CommitMode, boolean]>([
    ['overwrite', true],
    ['overwrite', false],
    ['compare-and-set', true],
    ['compare-and-set', false],
  ])('commit: %s, autoSave: %s', (commit, autoSave) => {
    it('a circular value from a sync handler and a BigInt from an async one: UnserializableSession in the ack and onError, nothing written, the session answers on', async () => {
      const { app, access, failures } = await server(commit, autoSave)
      const cookie = await app.login('ada')
      const socket = await connected(app.connect(cookie))
      expect(codeOf(await ask(socket, 'circularSync'))).toBe('UnserializableSession')
      expect(codeOf(await ask(socket, 'circularAsync'))).toBe('UnserializableSession')
      expect(failures.map((f) => f._tag)).toEqual(['UnserializableSession', 'UnserializableSession'])
      expect(await app.readSession(cookie)).toEqual({ user: { name: 'ada' } })
      expect(await ask(socket, 'inc')).toBe(1)
      socket.disconnect()
      await new Promise((r) => setTimeout(r, 30))
      expect(access.stats().queuedSessions).toBe(0)
    })
  })

  it('compare-and-set merges a session holding a stored __proto__ key as data, never as a prototype', async () => {
    const { app, prefix } = await server('compare-and-set', false)
    const cookie = await app.login('ada')
    const key = `${prefix}${sidOfCookie(cookie)}`
    const raw = await client.get(key)
    if (raw === null) throw new Error('no stored session')
    await client.set(key, `{"__proto__":{"isAdmin":true},${raw.slice(1)}`, { KEEPTTL: true })
    const socket = await connected(app.connect(cookie))
    expect(await ask(socket, 'read')).toEqual({ save: 'function' })
    expect(await ask(socket, 'inc')).toBe(1)
    expect(await client.get(key)).toContain('"__proto__":{"isAdmin":true}')
    expect(await client.get(key)).toContain('"count":1')
  })

  it('compare-and-set with autoSave, two servers that both loaded before either saved: one success ack, one SessionConflict, never two successes', async () => {
    const prefix = `${PREFIX}barrier:`
    const [a, b] = await Promise.all([server('compare-and-set', true, prefix), server('compare-and-set', true, prefix)])
    barrier = twoWayBarrier()
    const cookie = await a.app.login('racer')
    const sockets = await Promise.all([connected(a.app.connect(cookie)), connected(b.app.connect(cookie))])
    const answers = (await Promise.all(sockets.map((s) => ask(s, 'incAfterBarrier')))).map(codeOf)
    expect(answers.sort()).toEqual([1, 'SessionConflict'])
    expect(await a.app.readSession(cookie)).toMatchObject({ count: 1 })
    expect([...a.failures, ...b.failures].map((f) => f._tag)).toEqual(['SessionConflict'])
  })

  it("compare-and-set with autoSave, two servers racing count++ on one session: every success ack is stored, every conflict is answered as one", async () => {
    const prefix = `${PREFIX}race:`
    const [a, b] = await Promise.all([server('compare-and-set', true, prefix), server('compare-and-set', true, prefix)])
    const cookie = await a.app.login('racer')
    const sockets = await Promise.all([connected(a.app.connect(cookie)), connected(b.app.connect(cookie))])
    const answers = (await Promise.all(sockets.flatMap((s) => Array.from({ length: 20 }, () => ask(s, 'inc'))))).map(codeOf)
    const acked = answers.filter((x) => typeof x === 'number')
    const refused = answers.filter((x) => x === 'SessionConflict')
    expect(acked.length + refused.length).toBe(40)
    const stored = await a.app.readSession(cookie)
    expect(stored?.['count']).toBe(acked.length)
  })
})
