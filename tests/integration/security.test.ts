import fc from 'fast-check'
import session from 'express-session'
import type { Socket } from 'socket.io'
import { type AccessFailure, type SessionAccessConfig, type DefaultSessionData, sessionAccess } from '../../src'
import { type TestApp, ask, connected, refused, sleep, startApp } from '../support/app'

let app: TestApp
let reported: AccessFailure[]

type Extra = Partial<Omit<SessionAccessConfig<DefaultSessionData>, 'store' | 'secret'>>

const setup = async (extra: Extra = {}, store?: session.Store, useAuthorize = true): Promise<void> => {
  app = await startApp(store === undefined ? {} : { store })
  reported = []
  const { withSession, authorize } = sessionAccess({
    store: app.store,
    secret: app.secret,
    storeTimeoutMs: 300,
    onError: (e) => reported.push(e),
    ...extra,
  })
  if (useAuthorize) app.io.use(authorize)
  app.io.on('connection', (socket: Socket) => {
    socket.on('whoami', withSession((s, ack: (r: unknown) => void) => ack(s.user?.name)))
    socket.on('anything', withSession((s, ...args: unknown[]) => void [s, args]))
  })
}

afterEach(async () => {
  await app.close()
})

describe('allowedOrigins', () => {
  it.each([
    ['a list', ['https://app.example']],
    ['a predicate', (origin: string | undefined) => origin === 'https://app.example'],
  ])('given as %s: another site\'s page is refused with ForbiddenOrigin, even with a valid cookie', async (_kind, allowedOrigins) => {
    await setup({ allowedOrigins })
    const cookie = await app.login('victim')
    const hijack = await refused(app.connect(cookie, { headers: { origin: 'https://evil.example' } }))
    expect(hijack.message).toBe('ForbiddenOrigin')
    expect(hijack.data).toEqual({ code: 'ForbiddenOrigin', message: expect.any(String) })
    expect((await refused(app.connect(cookie))).message).toBe('ForbiddenOrigin')
    const own = await connected(app.connect(cookie, { headers: { origin: 'https://app.example' } }))
    expect(await ask(own, 'whoami')).toBe('victim')
  })

  it('a throwing predicate refuses instead of crashing', async () => {
    await setup({
      allowedOrigins: () => {
        throw new Error('bad predicate')
      },
    })
    expect((await refused(app.connect(await app.login()))).message).toBe('ForbiddenOrigin')
  })

  it('is enforced per event too when authorize is not used', async () => {
    await setup({ allowedOrigins: ['https://app.example'] }, undefined, false)
    const client = await connected(app.connect(await app.login(), { headers: { origin: 'https://evil.example' } }))
    expect(await ask(client, 'whoami')).toEqual({ error: { code: 'ForbiddenOrigin', message: expect.any(String) } })
  })
})

describe("onSessionLost: 'disconnect'", () => {
  it('acks SessionNotFound, sends session_lost and disconnects the socket whose session is gone', async () => {
    await setup({ onSessionLost: 'disconnect' })
    const cookie = await app.login()
    const client = await connected(app.connect(cookie))
    const lost = new Promise((resolve) => client.once('session_lost', resolve))
    const gone = new Promise((resolve) => client.once('disconnect', resolve))
    await app.logout(cookie)
    expect(await ask(client, 'whoami')).toEqual({ error: { code: 'SessionNotFound', message: expect.any(String) } })
    expect(await lost).toEqual({ code: 'SessionNotFound', message: expect.any(String) })
    expect(await gone).toBe('io server disconnect')
  })

  it("'keep' (the default) leaves the socket connected", async () => {
    await setup()
    const cookie = await app.login()
    const client = await connected(app.connect(cookie))
    await app.logout(cookie)
    expect(await ask(client, 'whoami')).toEqual({ error: { code: 'SessionNotFound', message: expect.any(String) } })
    await sleep(50)
    expect(client.connected).toBe(true)
  })
})

describe('bad input never crashes or leaks', () => {
  it('events with no arguments, or a last argument that is not a function, are handled', async () => {
    await setup()
    const client = await connected(app.connect(await app.login()))
    client.emit('whoami')
    client.emit('whoami', 'not an ack', 42)
    client.emit('anything')
    client.emit('anything', { nested: [1, 2, 3] }, null)
    expect(await ask(client, 'whoami')).toBe('ada')
    // whoami without an ack calls ack(...) on a string: a HandlerFailure, reported, nothing thrown.
    expect(reported.map((r) => r._tag)).toEqual(['HandlerFailure', 'HandlerFailure'])
  })

  it.each([
    ['percent garbage', 'connect.sid=%E0%A4%A'],
    ['a quoted value', 'connect.sid="s:abc.def"'],
    ['no value', 'connect.sid='],
    ['only separators', ';;;;=;='],
    ['a 6 KB value', `connect.sid=s%3A${'x'.repeat(6000)}.sig`],
  ])('a malformed cookie (%s) is refused with a tag', async (_case, cookie) => {
    await setup()
    const error = await refused(app.connect(cookie))
    expect(['SessionCookieMissing', 'UnsignedCookie', 'InvalidSignature']).toContain(error.message)
  })

  it('random cookie headers over a real handshake always end in a tag, never a crash (fast-check)', async () => {
    await setup()
    const printable = fc.string({ unit: fc.constantFrom(...'abcs:%.=; "\\,3A+/'.split('')), maxLength: 60 })
    await fc.assert(
      fc.asyncProperty(printable, async (header) => {
        const error = await refused(app.connect(`connect.sid=${header}`))
        expect(['NoCookieHeader', 'SessionCookieMissing', 'UnsignedCookie', 'InvalidSignature']).toContain(error.message)
      }),
      { numRuns: 25 },
    )
  })

  const badStore = (get: (sid: string, cb: (err: unknown, s?: unknown) => void) => void): session.MemoryStore => {
    const store = new session.MemoryStore()
    const realGet = store.get.bind(store)
    let broken = false
    // The login and the handshake use the real store; then it goes bad.
    store.get = (sid, cb) => (broken ? get(sid, (err, s) => Reflect.apply(cb, undefined, [err, s])) : realGet(sid, cb))
    Object.assign(store, { breakNow: () => (broken = true) })
    return store
  }

  type Get = (sid: string, cb: (e: unknown, s?: unknown) => void) => void
  const table: Array<[string, string, Get]> = [
    ['a string', 'InvalidSession', (_sid, cb) => cb(null, 'not a session')],
    ['an array', 'InvalidSession', (_sid, cb) => cb(null, [1, 2])],
    ['a non-object cookie', 'InvalidSession', (_sid, cb) => cb(null, { cookie: 5 })],
    ['an error', 'StoreFailure', (_sid, cb) => cb(new Error('disk on fire'))],
    [
      'a synchronous throw',
      'StoreFailure',
      () => {
        throw new Error('sync store bug')
      },
    ],
    ['no answer at all', 'StoreTimeout', () => undefined],
  ]
  it.each(table)('a store that returns %s gives %s to the ack and onError', async (_case, tag, get) => {
    const store = badStore(get)
    await setup({}, store)
    const client = await connected(app.connect(await app.login()))
    Reflect.apply(Reflect.get(store, 'breakNow'), store, [])
    const started = Date.now()
    expect(await ask(client, 'whoami')).toEqual({ error: { code: tag, message: expect.any(String) } })
    expect(Date.now() - started).toBeLessThan(300 + 1000)
    expect(reported.map((r) => r._tag)).toEqual([tag])
    const message = JSON.stringify(reported.map((r) => (r._tag === 'StoreFailure' ? {} : r)))
    expect(message).not.toContain(app.secret)
  })
})
