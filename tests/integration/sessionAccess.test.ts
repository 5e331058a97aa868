import { sign } from 'cookie-signature'
import type { Socket } from 'socket.io'
import { type DefaultSessionData, type ErrorContext, type SessionAccess, sessionAccess } from '../../src'
import { type TestApp, ask, connected, refused, startApp } from '../support/app'
import { lostAndDisconnected, noteHandler, whoamiHandler } from '../support/handlers'

type Reported = { readonly tag: string; readonly event: string | undefined }

let app: TestApp
let access: SessionAccess<DefaultSessionData>
let reported: Reported[]

const setup = async (
  options: { secret?: string | string[]; name?: string; authorize?: boolean; disconnectOnLogout?: boolean } = {},
): Promise<void> => {
  app = await startApp({ secret: options.secret, name: options.name, onLogout: (sid) => {
      if (options.disconnectOnLogout === true) access.disconnectSession(sid)
    },
  })
  reported = []
  access = sessionAccess({
    store: app.store,
    secret: options.secret ?? 'test secret',
    key: options.name,
    storeTimeoutMs: 1000,
    io: app.io,
    onError: (error, context: ErrorContext) => reported.push({ tag: error._tag, event: context.event }),
  })
  const { withSession, withSessionE, authorize } = access
  const register = (socket: Socket): void => {
    socket.on('whoami', whoamiHandler(access))
    socket.on('note', noteHandler(access))
    socket.on(
      'inspect',
      withSessionE((err, session, ack: (r: unknown) => void) => ack(err === null ? { user: session?.user?.name } : { err: err._tag })),
    )
    socket.on('throws', withSession(() => {
      throw new Error('boom')
    }))
    socket.on('rejects', withSession(async () => Promise.reject(new Error('async boom'))))
    socket.on('noack', withSession((session) => void session.user))
  }
  if (options.authorize === true) app.io.use(authorize)
  app.io.on('connection', register)
  app.io.of('/ns').on('connection', register)
}

afterEach(async () => {
  await app.close()
})

describe('sessionAccess over a real express-session server', () => {
  it('a socket event sees what an HTTP request wrote just before', async () => {
    await setup()
    const cookie = await app.login('ada')
    const client = await connected(app.connect(cookie))
    expect(await ask(client, 'whoami')).toBe('ada')
    await app.writeSession(cookie, { user: { name: 'grace' } })
    expect(await ask(client, 'whoami')).toBe('grace')
  })

  it('what a socket handler saves is read by the next HTTP request', async () => {
    await setup()
    const cookie = await app.login('ada')
    const client = await connected(app.connect(cookie))
    expect(await ask(client, 'note', 'from the socket')).toBe('from the socket')
    expect(await app.readSession(cookie)).toMatchObject({ note: 'from the socket', user: { name: 'ada' } })
  })

  it('after an HTTP logout the next event is answered with SessionNotFound', async () => {
    await setup()
    const cookie = await app.login()
    const client = await connected(app.connect(cookie))
    await app.logout(cookie)
    expect(await ask(client, 'inspect')).toEqual({ err: 'SessionNotFound' })
  })

  it.each([
    ['no cookie header', 'NoCookieHeader', undefined],
    ['another cookie only', 'SessionCookieMissing', 'theme=dark'],
    ['an unsigned cookie', 'UnsignedCookie', 'connect.sid=abc'],
    ['a forged signature', 'InvalidSignature', `connect.sid=${encodeURIComponent('s:' + sign('abc', 'not the secret'))}`],
    ['a well-signed unknown id', 'SessionNotFound', `connect.sid=${encodeURIComponent('s:' + sign('nope', 'test secret'))}`],
  ])('authorize refuses %s with connect_error %s', async (_case, tag, cookie) => {
    await setup({ authorize: true })
    const error = await refused(app.connect(cookie))
    expect(error.message).toBe(tag)
    expect(error.data).toEqual({ code: tag, message: expect.any(String) })
    expect(reported).toEqual([{ tag, event: undefined }])
  })

  it.each([
    ['NoCookieHeader', undefined],
    ['UnsignedCookie', 'connect.sid=abc'],
    ['InvalidSignature', `connect.sid=${encodeURIComponent('s:' + sign('abc', 'forger'))}`],
  ])('without authorize, every event is acked with { error: %s } ; auto handlers do not run, error-first ones get the error', async (tag, cookie) => {
    await setup()
    const client = await connected(app.connect(cookie))
    expect(await ask(client, 'whoami')).toEqual({ error: { code: tag, message: expect.any(String) } })
    expect(await ask(client, 'inspect')).toEqual({ err: tag })
    expect(reported.map((r) => r.tag)).toEqual([tag])
  })

  it('a throwing or rejecting handler is a HandlerFailure ack and an onError report naming the event', async () => {
    await setup({ authorize: true })
    const client = await connected(app.connect(await app.login()))
    expect(await ask(client, 'throws')).toEqual({ error: { code: 'HandlerFailure', message: expect.any(String) } })
    expect(await ask(client, 'rejects')).toEqual({ error: { code: 'HandlerFailure', message: expect.any(String) } })
    expect(reported).toEqual([
      { tag: 'HandlerFailure', event: 'throws' },
      { tag: 'HandlerFailure', event: 'rejects' },
    ])
    expect(await ask(client, 'whoami')).toBe('ada')
  })

  it('an event without an ack that fails is reported and the socket keeps working', async () => {
    await setup({ authorize: true })
    const cookie = await app.login()
    const client = await connected(app.connect(cookie))
    await app.logout(cookie)
    client.emit('noack')
    client.emit('throws')
    await new Promise((r) => setTimeout(r, 200))
    expect(reported).toEqual([
      { tag: 'SessionNotFound', event: 'noack' },
      { tag: 'SessionNotFound', event: 'throws' },
    ])
    expect(client.connected).toBe(true)
  })

  it('disconnectSession from the logout route sends session_lost to every socket of that session, in every namespace', async () => {
    await setup({ authorize: true, disconnectOnLogout: true })
    app.io.of('/ns').use(access.authorize)
    const cookie = await app.login()
    const other = await connected(app.connect(await app.login('someone else')))
    const sockets = await Promise.all([
      connected(app.connect(cookie)),
      connected(app.connect(cookie)),
      connected(app.connect(cookie, { namespace: '/ns' })),
    ])
    const outcomes = sockets.map(lostAndDisconnected)
    await app.logout(cookie)
    for (const outcome of await Promise.all(outcomes))
      expect(outcome).toEqual([{ code: 'SessionNotFound', message: expect.any(String) }, 'io server disconnect'])
    expect(other.connected).toBe(true)
    expect(await ask(other, 'whoami')).toBe('someone else')
  })

  it('works the same in a namespace', async () => {
    await setup({ authorize: true })
    app.io.of('/ns').use(access.authorize)
    const cookie = await app.login('linus')
    const client = await connected(app.connect(cookie, { namespace: '/ns' }))
    expect(await ask(client, 'whoami')).toBe('linus')
    expect((await refused(app.connect('connect.sid=abc', { namespace: '/ns' }))).message).toBe('UnsignedCookie')
  })

  it('accepts a cookie signed with an older secret while it stays in the list (rotation)', async () => {
    await setup({ secret: 'old secret' })
    const oldCookie = await app.login('before rotation')
    await app.close()
    await setup({ secret: ['new secret', 'old secret'], authorize: true })
    // The old server's MemoryStore is gone: bring the session over as a shared store would.
    const sid = decodeURIComponent(oldCookie.split('=')[1] ?? '').slice(2).split('.')[0] ?? ''
    await new Promise<void>((resolve) => app.store.set(sid, { cookie: { originalMaxAge: null }, user: { name: 'rotated' } }, () => resolve()))
    const client = await connected(app.connect(oldCookie))
    expect(await ask(client, 'whoami')).toBe('rotated')
    const fresh = await app.login('after rotation')
    expect(await ask(await connected(app.connect(fresh)), 'whoami')).toBe('after rotation')
  })

  it('reads a custom cookie name (express-session `name`)', async () => {
    await setup({ name: 'app.sid', authorize: true })
    const cookie = await app.login('custom')
    expect(cookie.startsWith('app.sid=')).toBe(true)
    expect(await ask(await connected(app.connect(cookie)), 'whoami')).toBe('custom')
  })
})
