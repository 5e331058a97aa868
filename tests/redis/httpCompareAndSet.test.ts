// compareAndSetStore: express-session's own saves on HTTP requests commit by compare-and-set, on
// connect-redis and the real Redis, racing this library's socket saves in one process: disjoint
// keys are both kept, the same key is one side's and the other side is told (409 on HTTP,
// SessionConflict on the socket), a logout is never undone, and created sessions save as usual.
import { RedisStore } from 'connect-redis'
import type express from 'express'
import type { Socket } from 'socket.io'
import { type AccessFailure, compareAndSetStore, sessionAccess } from '../../src'
import { type TestApp, ask, connected, latch, sidOfCookie, startApp } from '../support/app'
import { REDIS_URL, RUN_PREFIX, type RedisClient, connectRedis, deleteKeys, describeWith, probeRedis } from '../support/redis'

const PREFIX = `${RUN_PREFIX}httpcas:`
const SECRET = 'http cas secret'

type Gate = ReturnType<typeof latch<void>>

const codeOf = (answer: unknown): unknown =>
  typeof answer === 'object' && answer !== null && 'error' in answer && typeof answer.error === 'object' && answer.error !== null && 'code' in answer.error
    ? answer.error.code
    : answer

describeWith(probeRedis())(`compareAndSetStore: HTTP saves by compare-and-set (${REDIS_URL})`, () => {
  let client: RedisClient
  let app: TestApp
  let raw: RedisStore
  const failures: AccessFailure[] = []
  /** The HTTP request waits on `httpGate` after loading; `httpLoaded` opens once it has loaded. */
  let httpGate: Gate = latch()
  let httpLoaded: Gate = latch()
  let socketGate: Gate = latch()
  let socketLoaded: Gate = latch()

  /** `POST /gated?key=&value=`: loads, waits for the test, sets `key`, saves explicitly, answers the outcome. */
  const routes = (server: express.Express): void => {
    server.post('/gated', (req, res) => {
      httpLoaded.open()
      void httpGate.promise.then(() => {
        const key = String(req.query['key'])
        const value: unknown = JSON.parse(String(req.query['value']))
        Object.defineProperty(req.session, key, { value, writable: true, enumerable: true, configurable: true })
        req.session.save((err: unknown) => {
          if (err === undefined || err === null) return void res.json({ ok: true, note: req.session.note, count: req.session.count })
          const code = typeof err === 'object' && 'code' in err ? err.code : 'unknown'
          const status = typeof err === 'object' && 'status' in err && typeof err.status === 'number' ? err.status : 500
          res.status(status).json({ error: code })
        })
      })
    })
    server.post('/regenerate', (req, res) => {
      const user = req.session.user
      req.session.regenerate(() => {
        if (user !== undefined) req.session.user = user
        req.session.save((err) => res.status(err ? 500 : 200).json({ ok: !err }))
      })
    })
  }

  beforeAll(async () => {
    ;({ client } = await connectRedis())
    raw = new RedisStore({ client, prefix: PREFIX })
    const store = compareAndSetStore(raw)
    app = await startApp({ store, secret: SECRET, routes })
    const access = sessionAccess({ store, secret: SECRET, commit: 'compare-and-set', onError: (e) => void failures.push(e) })
    app.io.use(access.authorize)
    app.io.on('connection', (socket: Socket) => {
      socket.on(
        'set',
        access.withSession(async (s, key: string, value: unknown, ack: (r: unknown) => void) => {
          socketLoaded.open()
          await socketGate.promise
          Object.defineProperty(s, key, { value, writable: true, enumerable: true, configurable: true })
          await s.save()
          ack('saved')
        }),
      )
    })
  })

  beforeEach(() => {
    failures.length = 0
    httpGate = latch()
    httpLoaded = latch()
    socketGate = latch()
    socketLoaded = latch()
  })

  afterAll(async () => {
    await app?.close()
    await deleteKeys(client, PREFIX)
    client?.destroy()
  })

  const gatedPost = (cookie: string, key: string, value: unknown): Promise<{ status: number; body: unknown }> =>
    fetch(`${app.url}/gated?key=${encodeURIComponent(key)}&value=${encodeURIComponent(JSON.stringify(value))}`, { method: 'POST', headers: { cookie } }).then(
      async (res) => ({ status: res.status, body: await res.json() }),
    )

  const stored = async (cookie: string): Promise<Record<string, unknown>> => JSON.parse((await client.get(PREFIX + sidOfCookie(cookie))) ?? 'null')

  it('an HTTP save that loaded before a socket save of another key: both kept (merged), and the request sees the merged data', async () => {
    const cookie = await app.login('ada')
    const socket = await connected(app.connect(cookie))
    const http = gatedPost(cookie, 'count', 7)
    await httpLoaded.promise
    socketGate.open()
    expect(await ask(socket, 'set', 'note', 'from the socket')).toBe('saved')
    httpGate.open()
    expect(await http).toEqual({ status: 200, body: { ok: true, note: 'from the socket', count: 7 } })
    expect(await stored(cookie)).toMatchObject({ user: { name: 'ada' }, note: 'from the socket', count: 7 })
  })

  it('the same key: the socket saved first, so the HTTP save is refused with 409 SessionConflict and the socket’s value stays', async () => {
    const cookie = await app.login('ada')
    const socket = await connected(app.connect(cookie))
    const http = gatedPost(cookie, 'note', 'from http')
    await httpLoaded.promise
    socketGate.open()
    expect(await ask(socket, 'set', 'note', 'from the socket')).toBe('saved')
    httpGate.open()
    expect(await http).toEqual({ status: 409, body: { error: 'SessionConflict' } })
    expect(await stored(cookie)).toMatchObject({ note: 'from the socket' })
  })

  it('the reverse: the HTTP save came first, so the socket’s save is refused with SessionConflict and the HTTP value stays', async () => {
    const cookie = await app.login('ada')
    const socket = await connected(app.connect(cookie))
    httpGate.open()
    const answer = ask(socket, 'set', 'note', 'from the socket')
    await socketLoaded.promise
    expect(await gatedPost(cookie, 'note', 'from http')).toMatchObject({ status: 200 })
    socketGate.open()
    expect(codeOf(await answer)).toBe('SessionConflict')
    expect(failures).toEqual([{ _tag: 'SessionConflict', keys: ['note'] }])
    expect(await stored(cookie)).toMatchObject({ note: 'from http' })
  })

  it('a request whose session was logged out meanwhile does not bring it back (401 SessionNotFound)', async () => {
    const cookie = await app.login('ada')
    const http = gatedPost(cookie, 'note', 'stale')
    await httpLoaded.promise
    await client.del(PREFIX + sidOfCookie(cookie))
    httpGate.open()
    expect(await http).toEqual({ status: 401, body: { error: 'SessionNotFound' } })
    expect(await client.get(PREFIX + sidOfCookie(cookie))).toBeNull()
  })

  it('sessions a request creates (login, regenerate) are written as connect-redis writes them', async () => {
    const cookie = await app.login('grace')
    expect(await stored(cookie)).toMatchObject({ user: { name: 'grace' } })
    const res = await fetch(`${app.url}/regenerate`, { method: 'POST', headers: { cookie } })
    expect(res.status).toBe(200)
    const renewed = res.headers.get('set-cookie')?.split(';')[0] ?? ''
    expect(sidOfCookie(renewed)).not.toBe(sidOfCookie(cookie))
    expect(await stored(renewed)).toMatchObject({ user: { name: 'grace' } })
    expect(await client.get(PREFIX + sidOfCookie(cookie))).toBeNull()
  })

  it('keeps the connect-redis store’s own methods, events and fields', async () => {
    const store = compareAndSetStore(raw)
    expect(Reflect.get(store, 'prefix')).toBe(PREFIX)
    expect(typeof store.touch).toBe('function')
    expect(typeof store.on).toBe('function')
    expect(() => compareAndSetStore({})).toThrow(TypeError)
  })
})
