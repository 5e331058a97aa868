import cookieParser from 'cookie-parser'
import session from 'express-session'
import { sign } from 'cookie-signature'
import type { Socket as ClientSocket } from 'socket.io-client'
import { ExpressionSocket, type ReservedOn, sessionAccess } from '../../src'
import { appPerTest, ask, connected, eventually, refused, sleep } from '../support/app'

const start = appPerTest()

/** Counts `store.get` calls on the app's store from now on. */
const countGets = (store: session.Store): { readonly count: () => number } => {
  let gets = 0
  const get = store.get.bind(store)
  store.get = (sid, cb) => {
    gets += 1
    get(sid, cb)
  }
  return { count: () => gets }
}

describe('the 2012 constructor call: new ExpressionSocket(io, sessionStore, cookieParser)', () => {
  it('takes a cookie-parser middleware built with the secret', async () => {
    const a = await start({ secret: 'my session secret' })
    const expressionIO = new ExpressionSocket(a.io, a.store, cookieParser('my session secret'))
    expressionIO.sockets.on('connection', (err, session, socket) => {
      socket.sessOn('whoami', (err2, s, ack: (r: unknown) => void) => ack(err2 === null ? s?.user?.name : err2._tag))
      socket.emit('hello', err?._tag ?? session?.user?.name)
    })
    const client = a.connect(await a.login('from 2012'))
    const hello = new Promise((resolve) => client.once('hello', resolve))
    await connected(client)
    expect(await hello).toBe('from 2012')
    expect(await ask(client, 'whoami')).toBe('from 2012')
  })

  it('verifies with every secret of the parser: a cookie signed with the old secret still works (rotation)', async () => {
    const old = await start({ secret: 'old secret' })
    const oldCookie = await old.login('signed with the old secret')
    await old.close()
    // The same store, now signing with a new secret and still verifying the old one.
    const a = await start({ store: old.store, secret: ['new secret', 'old secret'] })
    const expressionIO = new ExpressionSocket(a.io, a.store, cookieParser(['new secret', 'old secret']), { autoErrManager: true })
    expressionIO.sockets.on('connection', (_session, socket) => {
      socket.sessOn('whoami', (s, ack: (r: unknown) => void) => ack(s.user?.name))
    })
    expect(await ask(await connected(a.connect(oldCookie)), 'whoami')).toBe('signed with the old secret')
    expect(await ask(await connected(a.connect(await a.login('new'))), 'whoami')).toBe('new')
    const forged = `connect.sid=${encodeURIComponent('s:' + sign('anything', 'not a secret of ours'))}`
    expect((await refused(a.connect(forged))).message).toBe('InvalidSignature')
    expect((await refused(a.connect('connect.sid=plain'))).message).toBe('UnsignedCookie')
    expect((await refused(a.connect('other=1'))).message).toBe('SessionCookieMissing')
  })

  it('a cookie parser built with another secret refuses the cookie: InvalidSignature', async () => {
    const a = await start({ secret: 'real secret' })
    const expressionIO = new ExpressionSocket(a.io, a.store, cookieParser('wrong secret'), { autoErrManager: true })
    expressionIO.sockets.on('connection', () => undefined)
    expect((await refused(a.connect(await a.login()))).message).toBe('InvalidSignature')
  })

  it('keeps taking a secret string or array, and refuses anything else with a clear TypeError', async () => {
    const a = await start()
    expect(() => new ExpressionSocket(a.io, a.store, 'a secret')).not.toThrow()
    expect(() => new ExpressionSocket(a.io, a.store, ['new', 'old'])).not.toThrow()
    const bad: unknown[] = [42, null, undefined, { secret: 's' }, (_req: unknown, _res: unknown, next: () => void) => next(), cookieParser()]
    for (const value of bad)
      expect(() => Reflect.construct(ExpressionSocket, [a.io, a.store, value])).toThrow(
        expect.objectContaining({ name: 'TypeError', message: expect.stringMatching(/third argument|cookie parser has no secret/) }),
      )
    expect(() => Reflect.construct(ExpressionSocket, [a.io, a.store, cookieParser()])).toThrow(/cookieParser\('your session secret'\)/)
    // express-session's own middleware is a function too, but not a cookie parser.
    const sessionMiddleware = session({ secret: 's', resave: false, saveUninitialized: false })
    expect(() => Reflect.construct(ExpressionSocket, [a.io, a.store, sessionMiddleware])).toThrow(/third argument/)
  })
})

describe('a bad option is refused', () => {
  it('unknown option names are a TypeError naming them, with the closest known name', async () => {
    const a = await start()
    const store = a.store
    expect(() => Reflect.apply(sessionAccess, undefined, [{ store, secret: 's', storeTimeout: 100 }])).toThrow(
      /^expression\.socket\.io: unknown option "storeTimeout" \(did you mean "storeTimeoutMs"\?\)/,
    )
    expect(() => Reflect.apply(sessionAccess, undefined, [{ store, secret: 's', bogus: true }])).toThrow(/unknown option "bogus"; known options: store, secret, key/)
    expect(() => Reflect.apply(sessionAccess, undefined, [{ store, secret: 's', autosave: true, Rolling: true }])).toThrow(
      /unknown options "autosave" \(did you mean "autoSave"\?\), "Rolling" \(did you mean "rolling"\?\)/,
    )
    expect(() => Reflect.construct(ExpressionSocket, [a.io, store, 's', { storeTimeout: 100 }])).toThrow(/did you mean "storeTimeoutMs"/)
    expect(() => Reflect.construct(ExpressionSocket, [a.io, store, 's', { alwaysSesion: true }])).toThrow(/did you mean "alwaysSession"/)
    expect(() => Reflect.construct(ExpressionSocket, [a.io, store, 's', { bogus: 1 }])).toThrow(TypeError)
    // The class sets `io` itself and takes store and secret as arguments.
    expect(() => Reflect.construct(ExpressionSocket, [a.io, store, 's', { io: a.io }])).toThrow(/unknown option "io"/)
    expect(() => new ExpressionSocket(a.io, store, 's', { autoErrManager: true, alwaysSession: true, storeTimeoutMs: 100 })).not.toThrow()
    expect(() => sessionAccess({ store, secret: 's', io: a.io, revalidateIntervalMs: 1000 })).not.toThrow()
  })
})

describe('allowedOrigins refuses in every mode', () => {
  it.each([
    ['error-first (the default)', false],
    ['autoErrManager', true],
  ])('%s: a foreign Origin is refused at the handshake with ForbiddenOrigin', async (_mode, autoErrManager) => {
    const a = await start()
    const expressionIO = new ExpressionSocket(a.io, a.store, a.secret, { autoErrManager, allowedOrigins: ['https://app.example'] })
    let connections = 0
    expressionIO.sockets.on('connection', () => {
      connections += 1
    })
    const cookie = await a.login()
    const error = await refused(a.connect(cookie, { headers: { origin: 'https://evil.example' } }))
    expect(error.message).toBe('ForbiddenOrigin')
    expect(error.data).toEqual({ code: 'ForbiddenOrigin', message: expect.any(String) })
    expect(await refused(a.connect(cookie))).toMatchObject({ message: 'ForbiddenOrigin' })
    await connected(a.connect(cookie, { headers: { origin: 'https://app.example' } }))
    expect(connections).toBe(1)
  })

  it('error-first mode still lets a connection without a session in, with its error', async () => {
    const a = await start()
    const expressionIO = new ExpressionSocket(a.io, a.store, a.secret, { allowedOrigins: ['https://app.example'] })
    const errors: Array<string | undefined> = []
    expressionIO.sockets.on('connection', (err) => errors.push(err?._tag))
    await connected(a.connect(undefined, { headers: { origin: 'https://app.example' } }))
    expect(errors).toEqual(['NoCookieHeader'])
  })
})

describe('alwaysSession leaves Socket.IO’s own events alone', () => {
  it.each([
    ['error-first', false],
    ['autoErrManager', true],
  ])('%s: disconnect gets its plain reason, never reads the store, and runs after a logout', async (_mode, autoErrManager) => {
    const a = await start()
    const gets = countGets(a.store)
    const reasons: unknown[][] = []
    let online = 0
    let disconnected: () => void = () => undefined
    const done = new Promise<void>((resolve) => (disconnected = resolve))
    const follow = (socket: { readonly on: ReservedOn }): void => {
      online += 1
      socket.on('disconnecting', (reason) => reasons.push(['disconnecting', reason]))
      socket.on('disconnect', (reason) => {
        online -= 1
        reasons.push(['disconnect', reason])
        disconnected()
      })
    }
    if (autoErrManager)
      new ExpressionSocket(a.io, a.store, a.secret, { alwaysSession: true, autoErrManager: true }).sockets.on('connection', (_s, socket) =>
        follow(socket),
      )
    else new ExpressionSocket(a.io, a.store, a.secret, { alwaysSession: true }).sockets.on('connection', (_e, _s, socket) => follow(socket))
    const cookie = await a.login()
    const client = await connected(a.connect(cookie))
    await a.logout(cookie) // express-session reads the store for this request
    const afterLogout = gets.count()
    client.disconnect()
    await done
    expect(online).toBe(0)
    expect(reasons).toEqual([
      ['disconnecting', 'client namespace disconnect'],
      ['disconnect', 'client namespace disconnect'],
    ])
    await sleep(20)
    expect(gets.count()).toBe(afterLogout)
  })

  it('other events still get the session, and error listeners get the error', async () => {
    const a = await start()
    const expressionIO = new ExpressionSocket(a.io, a.store, a.secret, { alwaysSession: true, autoErrManager: true })
    const errors: string[] = []
    expressionIO.sockets.on('connection', (_session, socket) => {
      socket.on('whoami', (s, ack: (r: unknown) => void) => ack(s.user?.name))
      socket.on('error', (err) => errors.push(err.message))
      socket.use((packet, next) => next(packet[0] === 'refused' ? new Error('refused by a middleware') : undefined))
    })
    const client = await connected(a.connect(await a.login('still sessioned')))
    expect(await ask(client, 'whoami')).toBe('still sessioned')
    client.emit('refused')
    await eventually('the error listener heard the refusal', () => errors.length > 0)
    expect(errors).toEqual(['refused by a middleware'])
  })
})

describe('connection-state recovery in the seed API', () => {
  it('events the client buffered offline reach the listeners registered in on("connection"), acks included', async () => {
    const a = await start({ ioOptions: { connectionStateRecovery: { maxDisconnectionDuration: 10_000, skipMiddlewares: true } } })
    const expressionIO = new ExpressionSocket(a.io, a.store, a.secret, { autoErrManager: true })
    let connections = 0
    expressionIO.sockets.on('connection', (_session, socket) => {
      connections += 1
      socket.sessOn('whoami', (s, n: number, ack: (r: unknown) => void) => ack(`${s.user?.name} ${n}`))
    })
    const cookie = await a.login('recovered')
    const client: ClientSocket = await connected(a.connect(cookie, { reconnection: true, reconnectionDelay: 50 }))
    expect(await ask(client, 'whoami', 0)).toBe('recovered 0')
    // Recovery resumes from the offset of the last broadcast the client received.
    const hello = new Promise((resolve) => client.once('hello', resolve))
    a.io.emit('hello', 'world')
    await hello
    // A store as slow as a remote one: the recovered socket's session load takes a while.
    const get = a.store.get.bind(a.store)
    a.store.get = (sid, cb) => void setTimeout(() => get(sid, cb), 100)
    const reconnected = new Promise<void>((resolve) => client.io.once('reconnect', () => resolve()))
    client.io.engine.close()
    // Emitted while offline: buffered by the client, sent right after the recovered CONNECT.
    const answers = Promise.all([1, 2, 3].map((n) => ask(client, 'whoami', n)))
    await reconnected
    expect(await answers).toEqual(['recovered 1', 'recovered 2', 'recovered 3'])
    expect(client.recovered).toBe(true)
    expect(connections).toBe(2)
  })
})
