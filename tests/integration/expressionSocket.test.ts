import { sign } from 'cookie-signature'
import ExpressionSocketFromRequire = require('../../src/cjs')
import { ExpressionSocket, type SessionError } from '../../src'
import { type TestApp, ask, connected, refused, sidOfCookie, startApp } from '../support/app'
import { lostAndDisconnected } from '../support/handlers'

let app: TestApp

beforeEach(async () => {
  app = await startApp()
})
afterEach(async () => {
  await app.close()
})

describe("the seed's ExpressionSocket API on Socket.IO v4", () => {
  it('require() gives the constructor, as in 2012', () => {
    expect(ExpressionSocketFromRequire).toBe(ExpressionSocket)
    expect(typeof ExpressionSocketFromRequire.sessionAccess).toBe('function')
  })

  it('error-first by default: connection gets (err, session, socket) and sessOn listeners get a fresh session', async () => {
    const expressionIO = new ExpressionSocket(app.io, app.store, app.secret)
    const seen: Array<[SessionError | null, string | undefined]> = []
    expressionIO.sockets.on('connection', (err, session, socket) => {
      seen.push([err, session?.user?.name])
      socket.sessOn('whoami', (err2, session2, ack: (r: unknown) => void) => ack(err2 === null ? session2?.user?.name : err2._tag))
      socket.sessOn('note', (err2, session2, note: string, ack: (r: unknown) => void) => {
        if (session2 === undefined) return ack(err2?._tag)
        session2.note = note
        session2.save((saveErr) => ack(saveErr === null ? 'saved' : saveErr.code))
      })
      socket.on('plain', (ack: (r: unknown) => void) => ack('no session here'))
    })
    const cookie = await app.login('ada')
    const client = await connected(app.connect(cookie))
    expect(await ask(client, 'whoami')).toBe('ada')
    expect(seen).toEqual([[null, 'ada']])
    await app.writeSession(cookie, { user: { name: 'grace' } })
    expect(await ask(client, 'whoami')).toBe('grace')
    expect(await ask(client, 'note', 'written by a socket')).toBe('saved')
    expect(await app.readSession(cookie)).toMatchObject({ note: 'written by a socket' })
    expect(await ask(client, 'plain')).toBe('no session here')
    await app.logout(cookie)
    expect(await ask(client, 'whoami')).toBe('SessionNotFound')
  })

  it('error-first mode lets a connection without a session in, with the error', async () => {
    const expressionIO = new ExpressionSocket(app.io, app.store, app.secret)
    const errors: Array<string | undefined> = []
    expressionIO.sockets.on('connection', (err, _session, socket) => {
      errors.push(err?._tag)
      socket.sessOn('whoami', (err2, _s, ack: (r: unknown) => void) => ack(err2?._tag))
    })
    const client = await connected(app.connect('connect.sid=abc'))
    expect(await ask(client, 'whoami')).toBe('UnsignedCookie')
    expect(errors).toEqual(['UnsignedCookie'])
  })

  it('autoErrManager: refuses a handshake without a session, passes the session first, and acks errors', async () => {
    const reported: string[] = []
    const expressionIO = new ExpressionSocket(app.io, app.store, app.secret, {
      autoErrManager: true,
      onError: (e) => reported.push(e._tag),
    })
    expressionIO.sockets.on('connection', (session, socket) => {
      socket.sessOn('whoami', (s, ack: (r: unknown) => void) => ack(s.user?.name ?? session.user?.name))
    })
    expect((await refused(app.connect(`connect.sid=${encodeURIComponent('s:' + sign('x', 'forged'))}`))).message).toBe(
      'InvalidSignature',
    )
    const cookie = await app.login('linus')
    const client = await connected(app.connect(cookie))
    expect(await ask(client, 'whoami')).toBe('linus')
    await app.logout(cookie)
    expect(await ask(client, 'whoami')).toEqual({ error: { code: 'SessionNotFound', message: expect.any(String) } })
    expect(reported).toEqual(['InvalidSignature', 'SessionNotFound'])
  })

  it('alwaysSession: socket.on gives the session; sessOn still works', async () => {
    const expressionIO = new ExpressionSocket(app.io, app.store, app.secret, { alwaysSession: true, autoErrManager: true })
    expressionIO.sockets.on('connection', (_session, socket) => {
      socket.on('whoami', (s, ack: (r: unknown) => void) => ack(s.user?.name))
      socket.sessOn('again', (s, ack: (r: unknown) => void) => ack(s.user?.name))
    })
    const client = await connected(app.connect(await app.login('always')))
    expect(await ask(client, 'whoami')).toBe('always')
    expect(await ask(client, 'again')).toBe('always')
  })

  it('without alwaysSession, socket.on listeners cause no store access', async () => {
    let gets = 0
    const get = app.store.get.bind(app.store)
    app.store.get = (sid, cb) => {
      gets += 1
      get(sid, cb)
    }
    const expressionIO = new ExpressionSocket(app.io, app.store, app.secret)
    expressionIO.sockets.on('connection', (_e, _s, socket) => {
      socket.on('ping', (ack: (r: string) => void) => ack('pong'))
    })
    const client = await connected(app.connect(await app.login()))
    const afterHandshake = gets
    for (let i = 0; i < 5; i++) expect(await ask(client, 'ping')).toBe('pong')
    expect(gets).toBe(afterHandshake)
  })

  it('the connection callback runs in the same tick as the connection, so the first event is not missed', async () => {
    const expressionIO = new ExpressionSocket(app.io, app.store, app.secret, { autoErrManager: true })
    expressionIO.sockets.on('connection', (_session, socket) => {
      socket.sessOn('first', (s, ack: (r: unknown) => void) => ack(s.user?.name))
    })
    const client = app.connect(await app.login('eager'))
    // Emitted before the connection completes: buffered by the client, sent right after CONNECT.
    const answer = ask(client, 'first')
    expect(await answer).toBe('eager')
  })

  it('the handshake session can be saved like any other', async () => {
    const expressionIO = new ExpressionSocket(app.io, app.store, app.secret, { autoErrManager: true })
    const saved = new Promise<void>((resolve) => {
      expressionIO.sockets.on('connection', (session) => {
        session.note = 'connected once'
        void session.save().then(resolve)
      })
    })
    const cookie = await app.login()
    await connected(app.connect(cookie))
    await saved
    expect(await app.readSession(cookie)).toMatchObject({ note: 'connected once' })
  })

  it('authorization(cb) gets (err, session, handshake, accept); accept(err, false) refuses', async () => {
    const expressionIO = new ExpressionSocket(app.io, app.store, app.secret)
    expressionIO.sockets.authorization((err, session, handshake, accept) => {
      expect(typeof handshake.headers.cookie).toBe(err?._tag === 'NoCookieHeader' ? 'undefined' : 'string')
      if (err !== null) return accept(err, false)
      accept(null, session?.user?.name !== 'mallory')
    })
    expressionIO.sockets.on('connection', () => undefined)
    expect((await refused(app.connect(await app.login('mallory')))).message).toBe('Unauthorized')
    expect((await refused(app.connect(undefined))).message).toBe('NoCookieHeader')
    await connected(app.connect(await app.login('alice')))
  })

  it('an authorization callback that throws refuses the connection with HandlerFailure and is reported', async () => {
    const reported: string[] = []
    const expressionIO = new ExpressionSocket(app.io, app.store, app.secret, { onError: (e) => reported.push(e._tag) })
    expressionIO.sockets.authorization(() => {
      throw new Error('authorization bug')
    })
    expressionIO.sockets.on('connection', () => undefined)
    const error = await refused(app.connect(await app.login()))
    expect(error.message).toBe('HandlerFailure')
    expect(error.data).toEqual({ code: 'HandlerFailure', message: expect.any(String) })
    expect(reported).toEqual(['HandlerFailure'])
  })

  it('of(ns) wraps a namespace, and emit broadcasts to it', async () => {
    const expressionIO = new ExpressionSocket(app.io, app.store, app.secret, { autoErrManager: true })
    const chat = expressionIO.of('/chat')
    expect(expressionIO.of('chat')).toBe(chat)
    chat.on('connection', (_session, socket) => {
      socket.sessOn('whoami', (s, ack: (r: unknown) => void) => ack(s.user?.name))
    })
    const cookie = await app.login('in chat')
    const inChat = await connected(app.connect(cookie, { namespace: '/chat' }))
    const inRoot = await connected(app.connect(cookie))
    expect(await ask(inChat, 'whoami')).toBe('in chat')
    const received = new Promise((resolve) => inChat.once('news', resolve))
    let rootGotIt = false
    inRoot.on('news', () => (rootGotIt = true))
    chat.emit('news', 'hello chat')
    expect(await received).toBe('hello chat')
    expect(rootGotIt).toBe(false)
  })

  it('a throwing connection callback is reported, not thrown into Socket.IO', async () => {
    const reported: string[] = []
    const expressionIO = new ExpressionSocket(app.io, app.store, app.secret, { onError: (e) => reported.push(e._tag) })
    expressionIO.sockets.on('connection', () => {
      throw new Error('connection handler bug')
    })
    await connected(app.connect(await app.login()))
    await new Promise((r) => setTimeout(r, 50))
    expect(reported).toEqual(['HandlerFailure'])
  })

  it('takes the lifecycle options too: allowedOrigins refuses, autoSave saves, onSessionLost disconnects', async () => {
    const expressionIO = new ExpressionSocket(app.io, app.store, app.secret, {
      autoErrManager: true,
      allowedOrigins: ['https://app.example'],
      autoSave: true,
      onSessionLost: 'disconnect',
    })
    expressionIO.sockets.on('connection', (_session, socket) => {
      socket.sessOn('pick', (s, color: string, ack: (r: unknown) => void) => {
        s.note = color
        ack('picked')
      })
    })
    const cookie = await app.login()
    expect((await refused(app.connect(cookie, { headers: { origin: 'https://evil.example' } }))).message).toBe('ForbiddenOrigin')
    const client = await connected(app.connect(cookie, { headers: { origin: 'https://app.example' } }))
    expect(await ask(client, 'pick', 'green')).toBe('picked')
    await ask(client, 'pick', 'green') // queued behind the first turn, so its autoSave is done
    expect(await app.readSession(cookie)).toMatchObject({ note: 'green' })
    const gone = new Promise((resolve) => client.once('disconnect', resolve))
    await app.logout(cookie)
    expect(await ask(client, 'pick', 'red')).toEqual({ error: { code: 'SessionNotFound', message: expect.any(String) } })
    expect(await gone).toBe('io server disconnect')
  })

  it('disconnectSession reaches the sockets of a session through the seed API too', async () => {
    const expressionIO = new ExpressionSocket(app.io, app.store, app.secret, { autoErrManager: true })
    expressionIO.sockets.on('connection', () => undefined)
    expressionIO.of('/chat').on('connection', () => undefined)
    const cookie = await app.login()
    const sockets = await Promise.all([connected(app.connect(cookie)), connected(app.connect(cookie, { namespace: '/chat' }))])
    const outcomes = sockets.map(lostAndDisconnected)
    expressionIO.disconnectSession(sidOfCookie(cookie))
    for (const outcome of await Promise.all(outcomes))
      expect(outcome).toEqual([{ code: 'SessionNotFound', message: expect.any(String) }, 'io server disconnect'])
    expect(expressionIO.stats().queuedSessions).toBe(0)
  })

  it('validates its arguments with a TypeError naming the option', () => {
    expect(() => new ExpressionSocket(app.io, app.store, app.secret, { storeTimeoutMs: -1 })).toThrow(/storeTimeoutMs/)
    expect(() => new ExpressionSocket(app.io, app.store, '')).toThrow(TypeError)
  })
})

describe('afterCommit in the seed API', () => {
  it('runs the connection callback’s effects once its save has committed, and sessOn’s once its turn has', async () => {
    const expressionIO = new ExpressionSocket(app.io, app.store, app.secret, { autoErrManager: true })
    expressionIO.sockets.on('connection', (session, socket) => {
      session.note = 'connected'
      session.afterCommit(() => socket.emit('welcome', session.note))
      session.save(() => undefined)
      socket.sessOn('note', (s, note: string, ack: (r: unknown) => void) => {
        s.note = note
        s.afterCommit(() => socket.emit('noted', note))
        s.save(() => ack('saved'))
      })
    })
    const cookie = await app.login('ada')
    const client = app.connect(cookie)
    const welcome = new Promise((resolve) => client.once('welcome', resolve))
    await connected(client)
    expect(await welcome).toBe('connected')
    const noted = new Promise((resolve) => client.once('noted', resolve))
    expect(await ask(client, 'note', 'hello')).toBe('saved')
    expect(await noted).toBe('hello')
    expect(await app.readSession(cookie)).toMatchObject({ note: 'hello' })
  })
})
