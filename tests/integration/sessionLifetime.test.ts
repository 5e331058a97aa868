import { randomBytes } from 'node:crypto'
import { sign } from 'cookie-signature'
import type { Socket as ClientSocket } from 'socket.io-client'
import { ExpressionSocket, type SessionStore, sessionAccess } from '../../src'
import { appPerTest, ask, backToIdle, connected, refused, sidOfCookie, sleep } from '../support/app'
import { lostAndDisconnected, whoamiHandler } from '../support/handlers'

const start = appPerTest()

/** Resolves once `check` holds, polling every 10 ms (fails the test after `ms`). */
const until = async (check: () => boolean, ms = 8000): Promise<void> => {
  const deadline = Date.now() + ms
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await sleep(10)
  }
}

describe('expired is expired', () => {
  it('a session past cookie.expires is SessionNotFound, at the handshake and per event, whatever the store returns', async () => {
    const a = await start({ maxAge: 60_000 })
    let clock = Date.now()
    const access = sessionAccess({ store: a.store, secret: a.secret, now: () => clock })
    a.io.use(access.authorize)
    a.io.on('connection', (socket) => socket.on('whoami', whoamiHandler(access)))
    const cookie = await a.login('mortal')
    const client = await connected(a.connect(cookie))
    expect(await ask(client, 'whoami')).toBe('mortal')
    // Two minutes later by the library's clock; MemoryStore (on the real clock) still holds it.
    clock += 120_000
    expect(await a.readSession(cookie)).toMatchObject({ user: { name: 'mortal' } })
    expect(await ask(client, 'whoami')).toEqual({ error: { code: 'SessionNotFound', message: expect.any(String) } })
    expect((await refused(a.connect(cookie))).message).toBe('SessionNotFound')
  })
})

describe('revalidateIntervalMs: no socket outlives its session unnoticed', () => {
  const pushOnly = async (options: { readonly now?: () => number; readonly storeTimeoutMs?: number; readonly maxAge?: number } = {}) => {
    const a = await start(options.maxAge === undefined ? {} : { maxAge: options.maxAge })
    const reported: string[] = []
    const access = sessionAccess({
      store: a.store,
      secret: a.secret,
      revalidateIntervalMs: 100,
      onError: (e) => reported.push(e._tag),
      ...(options.now === undefined ? {} : { now: options.now }),
      ...(options.storeTimeoutMs === undefined ? {} : { storeTimeoutMs: options.storeTimeoutMs }),
    })
    a.io.use(access.authorize)
    return { a, access, reported }
  }

  it('a push-only socket whose session is destroyed in the store (no disconnectSession) gets session_lost and is disconnected', async () => {
    const { a, access, reported } = await pushOnly()
    const cookie = await a.login()
    const client = await connected(a.connect(cookie))
    const outcome = lostAndDisconnected(client)
    await sleep(250)
    expect(client.connected).toBe(true)
    a.store.destroy(sidOfCookie(cookie))
    expect(await outcome).toEqual([{ code: 'SessionNotFound', message: expect.any(String) }, 'io server disconnect'])
    expect(reported).toEqual(['SessionNotFound'])
    await until(() => access.stats().revalidatedSessions === 0)
  })

  it('a session past its cookie.expires is cut even when the store still returns it', async () => {
    let clock = Date.now()
    const { a } = await pushOnly({ now: () => clock, maxAge: 60_000 })
    const client = await connected(a.connect(await a.login()))
    const outcome = lostAndDisconnected(client)
    await sleep(250)
    expect(client.connected).toBe(true)
    clock += 120_000
    expect(await outcome).toEqual([{ code: 'SessionNotFound', message: expect.any(String) }, 'io server disconnect'])
  })

  it('a store outage (failure or timeout) disconnects nobody; the session is checked again once the store is back', async () => {
    const { a, reported } = await pushOnly({ storeTimeoutMs: 50 })
    const cookie = await a.login()
    const client = await connected(a.connect(cookie))
    const get = a.store.get.bind(a.store)
    let mode: 'up' | 'failing' | 'hanging' = 'failing'
    let reads = 0
    a.store.get = (sid, cb) => {
      reads += 1
      if (mode === 'failing') return cb(new Error('store down'))
      if (mode === 'up') get(sid, cb)
    }
    await until(() => reads >= 3)
    mode = 'hanging'
    await until(() => reads >= 6)
    expect(client.connected).toBe(true)
    expect(reported).toEqual([])
    const outcome = lostAndDisconnected(client)
    mode = 'up'
    a.store.destroy(sidOfCookie(cookie))
    expect(await outcome).toEqual([{ code: 'SessionNotFound', message: expect.any(String) }, 'io server disconnect'])
  })

  it('without authorize, a socket is followed from its first session event', async () => {
    const a = await start()
    const access = sessionAccess({ store: a.store, secret: a.secret, revalidateIntervalMs: 100 })
    a.io.on('connection', (socket) => socket.on('whoami', whoamiHandler(access)))
    const cookie = await a.login('late')
    const client = await connected(a.connect(cookie))
    await sleep(150)
    expect(access.stats().revalidatedSessions).toBe(0)
    expect(await ask(client, 'whoami')).toBe('late')
    expect(access.stats().revalidatedSessions).toBe(1)
    const outcome = lostAndDisconnected(client)
    a.store.destroy(sidOfCookie(cookie))
    expect(await outcome).toEqual([{ code: 'SessionNotFound', message: expect.any(String) }, 'io server disconnect'])
  })

  it('works through the seed API, in every namespace, and io.close() ends it', async () => {
    const a = await start()
    const expressionIO = new ExpressionSocket(a.io, a.store, a.secret, { autoErrManager: true, revalidateIntervalMs: 100 })
    expressionIO.sockets.on('connection', () => undefined)
    expressionIO.of('/chat').on('connection', () => undefined)
    const doomed = await a.login('doomed')
    const kept = await a.login('kept')
    const sockets = await Promise.all([
      connected(a.connect(doomed)),
      connected(a.connect(doomed, { namespace: '/chat' })),
      connected(a.connect(kept)),
    ])
    expect(expressionIO.stats().revalidatedSessions).toBe(2)
    const outcomes = sockets.slice(0, 2).map(lostAndDisconnected)
    a.store.destroy(sidOfCookie(doomed))
    for (const outcome of await Promise.all(outcomes))
      expect(outcome).toEqual([{ code: 'SessionNotFound', message: expect.any(String) }, 'io server disconnect'])
    await sleep(250)
    expect(sockets[2]?.connected).toBe(true)
    expect(expressionIO.stats().revalidatedSessions).toBe(1)
    await a.io.close()
    expect(expressionIO.stats().revalidatedSessions).toBe(0)
  })

  it('is off by default: no store read for a connected socket', async () => {
    const a = await start()
    const access = sessionAccess({ store: a.store, secret: a.secret })
    a.io.use(access.authorize)
    const cookie = await a.login()
    await connected(a.connect(cookie))
    let reads = 0
    const get = a.store.get.bind(a.store)
    a.store.get = (sid, cb) => {
      reads += 1
      get(sid, cb)
    }
    a.store.destroy(sidOfCookie(cookie))
    await sleep(300)
    expect(reads).toBe(0)
    expect(access.stats().revalidatedSessions).toBe(0)
  })

  it('refuses a bad interval with a TypeError naming it', async () => {
    const a = await start()
    for (const revalidateIntervalMs of [0, -5, Number.NaN, Infinity])
      expect(() => sessionAccess({ store: a.store, secret: a.secret, revalidateIntervalMs })).toThrow(/"revalidateIntervalMs"/)
  })

  it('1,000 sessions × 2 sockets: exactly one store read per session per interval, the gone and expired cut, the rest untouched, nothing kept after', async () => {
    const SESSIONS = 1000
    const INTERVAL = 1000
    const a = await start()
    const access = sessionAccess({ store: a.store, secret: a.secret, io: a.io, revalidateIntervalMs: INTERVAL })
    a.io.use(access.authorize)
    a.io.of('/b').use(access.authorize)

    // Some sessions from real HTTP logins; the rest written straight into the store, with the
    // cookie express-session would set for them.
    const port: SessionStore = a.store
    const cookies: string[] = []
    for (let i = 0; i < 20; i++) cookies.push(await a.login(`http user ${i}`))
    const inAnHour = (): string => new Date(Date.now() + 3_600_000).toISOString()
    while (cookies.length < SESSIONS) {
      const sid = randomBytes(24).toString('base64url')
      const data = { cookie: { originalMaxAge: 3_600_000, expires: inAnHour(), httpOnly: true, path: '/' }, user: { name: sid } }
      port.set(sid, data)
      cookies.push(`connect.sid=${encodeURIComponent('s:' + sign(sid, 'test secret'))}`)
    }
    const sids = cookies.map(sidOfCookie)

    // Two sockets per session (two namespaces over one connection per client).
    const clients: Array<readonly [ClientSocket, ClientSocket]> = []
    // The first session alone, so that it is the first one followed.
    for (let from = 0, size = 1; from < SESSIONS; from += size, size = 100) {
      const batch = cookies.slice(from, from + size).map((cookie) => {
        const root = a.connect(cookie)
        const other = root.io.socket('/b')
        other.connect()
        return [root, other] as const
      })
      await Promise.all(batch.flat().map(connected))
      clients.push(...batch)
    }
    expect(access.stats().revalidatedSessions).toBe(SESSIONS)

    // Rounds start with the first session followed (a Map keeps insertion order), so a read of it
    // marks where one interval's round begins and the previous one ended.
    const firstSid = sids[0] ?? ''
    const gone = new Set(sids.slice(100, 200))
    const expired = new Set(sids.slice(200, 300))
    const rounds: Array<Map<string, number>> = []
    const get = a.store.get.bind(a.store)
    a.store.get = (sid, cb) => {
      if (sid === firstSid) {
        rounds.push(new Map())
        if (rounds.length === 1) {
          // Cut at the start of a round: destroyed, or past expires (written as a store keeps it).
          for (const s of gone) a.store.destroy(s)
          for (const s of expired) port.set(s, { cookie: { originalMaxAge: 1000, expires: new Date(Date.now() - 1000).toISOString() } })
        }
      }
      const round = rounds[rounds.length - 1]
      if (round !== undefined) round.set(sid, (round.get(sid) ?? 0) + 1)
      get(sid, cb)
    }
    await until(() => rounds.length >= 3, 6 * INTERVAL)
    const [first, second] = rounds
    // One read per session (not per socket) in each interval.
    expect([...(first?.values() ?? [])].every((n) => n === 1)).toBe(true)
    expect([...(first?.keys() ?? [])].sort()).toEqual([...sids].sort())
    const survivors = sids.filter((s) => !gone.has(s) && !expired.has(s))
    expect([...(second?.values() ?? [])].every((n) => n === 1)).toBe(true)
    expect([...(second?.keys() ?? [])].sort()).toEqual([...survivors].sort())

    const isCut = (i: number): boolean => gone.has(sids[i] ?? '') || expired.has(sids[i] ?? '')
    clients.forEach(([root, other], i) => {
      expect([root.connected, other.connected]).toEqual(isCut(i) ? [false, false] : [true, true])
    })
    expect(access.stats().revalidatedSessions).toBe(survivors.length)

    // Once the sockets are gone, nothing is kept and nothing is read.
    for (const [root] of clients) root.io.engine.close()
    await until(() => access.stats().revalidatedSessions === 0)
    const readsBefore = rounds.reduce((n, r) => n + [...r.values()].reduce((x, y) => x + y, 0), 0)
    await sleep(INTERVAL * 1.5)
    expect(rounds.reduce((n, r) => n + [...r.values()].reduce((x, y) => x + y, 0), 0)).toBe(readsBefore)
    await backToIdle(access)
  }, 60_000)
})
