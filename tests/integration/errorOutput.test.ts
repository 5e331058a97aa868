import { format } from 'node:util'
import session from 'express-session'
import * as z from 'zod'
import { ExpressionSocket, type SessionAccessConfig, type SessionHandler, sessionAccess } from '../../src'
import { type TestApp, ask, connected, refused, sidOfCookie, sleep, startApp } from '../support/app'

let app: TestApp | undefined
let written: string[]
let spy: jest.SpyInstance | undefined

beforeEach(() => {
  written = []
  spy = jest.spyOn(console, 'error').mockImplementation((...args: unknown[]) => void written.push(format(...args)))
})
afterEach(async () => {
  spy?.mockRestore()
  await app?.close()
  app = undefined
})

/** A real MemoryStore whose reads can fail (an error callback) or hang (no callback at all). */
const troubledStore = (): { readonly store: session.MemoryStore; mode: 'ok' | 'fail' | 'hang' } => {
  const store = new session.MemoryStore()
  const get = store.get.bind(store)
  const state: { readonly store: session.MemoryStore; mode: 'ok' | 'fail' | 'hang' } = { store, mode: 'ok' }
  store.get = (sid, cb) => {
    if (state.mode === 'fail') return cb(new Error('disk on fire'))
    if (state.mode === 'hang') return
    get(sid, cb)
  }
  return state
}

type Options = Omit<SessionAccessConfig<unknown>, 'store' | 'secret' | 'codec'>

/** A server with `authorize` and one `event` handler; returns a connected client and its cookie. */
const serve = async (
  handler: SessionHandler<{ user?: { name: string } | undefined }, [ack: (r: unknown) => void]>,
  options: Options & { readonly store?: session.MemoryStore; readonly codec?: z.ZodType<{ user?: { name: string } | undefined }> } = {},
) => {
  const started = await startApp(options.store === undefined ? {} : { store: options.store })
  app = started
  const access = sessionAccess({ ...options, store: started.store, secret: started.secret })
  started.io.use(access.authorize)
  started.io.on('connection', (socket) => socket.on('profile', access.withSession(handler)))
  const cookie = await started.login('ada')
  return { app: started, access, cookie, client: await connected(started.connect(cookie)) }
}

/** Nothing that identifies the session reached the output. */
const expectNoSecrets = (cookie: string, secret: string | string[]): void => {
  const all = written.join('\n')
  expect(all).not.toContain(sidOfCookie(cookie))
  expect(all).not.toContain(decodeURIComponent(cookie.split('=')[1] ?? '-'))
  for (const s of [secret].flat()) expect(all).not.toContain(s)
}

describe('the default onError writes what the server must fix to console.error', () => {
  it('a handler that throws: the tag, the event name and the error with its stack', async () => {
    const { cookie, client } = await serve((s, ack) => {
      // What plain JavaScript lets through: `session.usr.name`, a typo for `user`.
      const usr: { name: string } = Reflect.get(s, 'usr')
      ack(usr.name)
    })
    expect(await ask(client, 'profile')).toEqual({ error: { code: 'HandlerFailure', message: 'The event handler failed' } })
    expect(written).toHaveLength(1)
    expect(written[0]).toMatch(/^expression\.socket\.io: HandlerFailure in event "profile": The event handler failed TypeError: /)
    expect(written[0]).toContain('    at ')
    expectNoSecrets(cookie, app?.secret ?? '')
  })

  it('InvalidSession from the codec, with its paths', async () => {
    const { app: server, cookie, client } = await serve((s, ack) => ack(s.user?.name), {
      codec: z.object({ user: z.object({ name: z.string() }).optional() }),
    })
    await server.writeSession(cookie, { user: { name: 7 } })
    expect(await ask(client, 'profile')).toMatchObject({ error: { code: 'InvalidSession' } })
    expect(written).toEqual([
      'expression.socket.io: InvalidSession in event "profile": The stored session is invalid: user.name: expected string, got number',
    ])
  })

  it('StoreFailure with the store error, and StoreTimeout', async () => {
    const trouble = troubledStore()
    const { cookie, client } = await serve((s, ack) => ack(s.user?.name), { store: trouble.store, storeTimeoutMs: 100 })
    trouble.mode = 'fail'
    expect(await ask(client, 'profile')).toMatchObject({ error: { code: 'StoreFailure' } })
    trouble.mode = 'hang'
    expect(await ask(client, 'profile')).toMatchObject({ error: { code: 'StoreTimeout' } })
    expect(written).toHaveLength(2)
    expect(written[0]).toMatch(/^expression\.socket\.io: StoreFailure in event "profile": The session store failed Error: disk on fire/)
    expect(written[1]).toBe('expression.socket.io: StoreTimeout in event "profile": The session store did not answer within 100 ms')
    expectNoSecrets(cookie, app?.secret ?? '')
  })

  it('a handshake refused for a store failure is written too', async () => {
    const trouble = troubledStore()
    const started = await startApp({ store: trouble.store })
    app = started
    const access = sessionAccess({ store: started.store, secret: started.secret })
    started.io.use(access.authorize)
    const cookie = await started.login('ada')
    trouble.mode = 'fail'
    expect((await refused(started.connect(cookie))).message).toBe('StoreFailure')
    expect(written).toHaveLength(1)
    expect(written[0]).toMatch(/^expression\.socket\.io: StoreFailure at the handshake or first event: The session store failed Error: disk on fire/)
  })

  it('the seed API writes a throwing sessOn handler as well', async () => {
    const started = await startApp()
    app = started
    const expressionIO = new ExpressionSocket(started.io, started.store, started.secret, { autoErrManager: true })
    expressionIO.sockets.on('connection', (_session, socket) => {
      socket.sessOn('boom', () => {
        throw new RangeError('out of range')
      })
    })
    const client = await connected(started.connect(await started.login('ada')))
    expect(await ask(client, 'boom')).toMatchObject({ error: { code: 'HandlerFailure' } })
    expect(written).toHaveLength(1)
    expect(written[0]).toMatch(/^expression\.socket\.io: HandlerFailure in event "boom": The event handler failed RangeError: out of range/)
  })
})

describe('the default onError and the limits of issue 18', () => {
  it('writes a value that cannot be stored, with its path, and a handler past handlerTimeoutMs', async () => {
    const { client, cookie, app: started } = await serve(
      async (s, ack) => {
        if (s.user?.name === 'slow') return new Promise(() => undefined)
        const cart: Record<string, unknown> = {}
        cart['self'] = cart
        Object.assign(s, { cart })
        await s.save()
        ack('saved')
      },
      { handlerTimeoutMs: 50 },
    )
    expect(await ask(client, 'profile')).toMatchObject({ error: { code: 'UnserializableSession' } })
    await started.writeSession(cookie, { user: { name: 'slow' } })
    expect(await ask(client, 'profile')).toMatchObject({ error: { code: 'HandlerTimeout' } })
    expect(written).toHaveLength(2)
    expect(written[0]).toMatch(/^expression\.socket\.io: UnserializableSession in event "profile": The session holds a value that cannot be stored \(circular at cart\.self\): nothing was saved TypeError: Converting circular structure/)
    expect(written[1]).toBe('expression.socket.io: HandlerTimeout in event "profile": The event handler did not finish within 50 ms')
    expectNoSecrets(cookie, started.secret)
  })

  it('does not write SessionQueueFull: a flood would write a line per refused event', async () => {
    const { client } = await serve(async (_s, ack) => void (await sleep(30), ack('ok')), { maxQueuedEvents: 1 })
    const answers = await Promise.all([ask(client, 'profile'), ask(client, 'profile'), ask(client, 'profile'), ask(client, 'profile')])
    expect(answers.filter((a) => JSON.stringify(a).includes('SessionQueueFull'))).toHaveLength(2)
    expect(written).toEqual([])
  })
})

describe('what the default onError does not write', () => {
  it('expected client errors: no cookie, a bad signature, a session logged out, a forbidden origin', async () => {
    const server = await startApp()
    app = server
    const access = sessionAccess({ store: server.store, secret: server.secret, allowedOrigins: ['http://good.example'] })
    server.io.use(access.authorize)
    server.io.on('connection', (socket) => socket.on('profile', access.withSession((s, ack: (r: unknown) => void) => ack(s.user?.name))))
    const cookie = await server.login('ada')
    expect((await refused(server.connect(undefined, { headers: { origin: 'http://good.example' } }))).message).toBe('NoCookieHeader')
    const forged = cookie.replace(/\.[^.]+$/, '.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA')
    expect((await refused(server.connect(forged, { headers: { origin: 'http://good.example' } }))).message).toBe('InvalidSignature')
    expect((await refused(server.connect(cookie, { headers: { origin: 'http://evil.example' } }))).message).toBe('ForbiddenOrigin')
    const open = await connected(server.connect(cookie, { headers: { origin: 'http://good.example' } }))
    await server.logout(cookie)
    expect(await ask(open, 'profile')).toMatchObject({ error: { code: 'SessionNotFound' } })
    await sleep(20)
    expect(written).toEqual([])
  })

  it('anything, once you pass your own onError: it replaces the default', async () => {
    const seen: string[] = []
    const { client } = await serve(
      () => {
        throw new Error('mine')
      },
      { onError: (e) => void seen.push(e._tag) },
    )
    expect(await ask(client, 'profile')).toMatchObject({ error: { code: 'HandlerFailure' } })
    expect(seen).toEqual(['HandlerFailure'])
    expect(written).toEqual([])
  })
})
