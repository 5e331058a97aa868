import { once } from 'node:events'
import { type Server as HttpServer, createServer } from 'node:http'
import express from 'express'
import session from 'express-session'
import passport from 'passport'
import { Strategy as LocalStrategy } from 'passport-local'
import { Server } from 'socket.io'
import { type Socket as ClientSocket, io as connectClient } from 'socket.io-client'
import { type DefaultSessionData, type SessionAccess, sessionAccess } from '../../src'
import { ask, connected, sleep } from '../support/app'
import { lostAndDisconnected } from '../support/handlers'

declare module 'express-session' {
  interface SessionData {
    /** What passport keeps in the session: the serialized user. */
    passport?: { user?: string }
    visits?: number
  }
}

interface PassportApp {
  readonly url: string
  readonly io: Server
  readonly http: HttpServer
  readonly access: SessionAccess<DefaultSessionData>
  post(path: string, cookie: string | undefined, body?: unknown): Promise<{ readonly status: number; readonly cookie: string | undefined }>
}

const USERS: Readonly<Record<string, string>> = { ada: 'lovelace', grace: 'hopper' }

/** The README's passport set-up: express-session, passport-local, and disconnectSession at logout. */
const startPassportApp = async (): Promise<PassportApp> => {
  const store = new session.MemoryStore()
  const secret = 'passport secret'
  const app = express()
  app.use(express.json())
  app.use(session({ store, secret, resave: false, saveUninitialized: false }))
  const http = createServer(app)
  const io = new Server(http)
  const access = sessionAccess({ store, secret, io, onSessionLost: 'disconnect', revalidateIntervalMs: 100 })

  const strategies = new passport.Passport()
  strategies.use(
    new LocalStrategy((username, password, done) => done(null, USERS[username] === password ? { id: username } : false)),
  )
  strategies.serializeUser((user, done) => done(null, 'id' in user && typeof user.id === 'string' ? user.id : undefined))
  strategies.deserializeUser((id: string, done) => done(null, { id }))
  app.use(strategies.initialize())
  app.use(strategies.session())

  app.post('/visit', (req, res) => {
    req.session.visits = (req.session.visits ?? 0) + 1
    req.session.save(() => res.json({ ok: true }))
  })
  app.post('/login', strategies.authenticate('local', { failWithError: true }), (_req, res) => {
    res.json({ ok: true })
  })
  app.post('/logout', (req, res, next) => {
    const sid = req.sessionID
    req.logout((err) => {
      if (err) return next(err)
      access.disconnectSession(sid) // the old session's sockets: session_lost, then disconnected
      res.json({ ok: true })
    })
  })

  io.use(access.authorize)
  io.on('connection', (socket) => {
    socket.on('whoami', access.withSession((s, ack: (user: string | null) => void) => ack(s.passport?.user ?? null)))
  })

  http.listen(0, '127.0.0.1')
  await once(http, 'listening')
  const address = http.address()
  if (address === null || typeof address === 'string') throw new Error('no TCP address')
  const url = `http://127.0.0.1:${address.port}`
  return {
    url,
    io,
    http,
    access,
    async post(path, cookie, body) {
      const res = await fetch(url + path, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(cookie === undefined ? {} : { cookie }) },
        body: JSON.stringify(body ?? {}),
      })
      return { status: res.status, cookie: res.headers.get('set-cookie')?.split(';')[0] }
    },
  }
}

let app: PassportApp | undefined
const clients: ClientSocket[] = []

afterEach(async () => {
  for (const c of clients.splice(0)) c.disconnect()
  await app?.io.close()
  app = undefined
})

const open = (url: string, cookie: string): ClientSocket => {
  const client = connectClient(url, { transports: ['websocket'], reconnection: false, forceNew: true, extraHeaders: { cookie } })
  clients.push(client)
  return client
}

/**
 * What a browser does after a login or logout over HTTP: the cookie jar now holds the new cookie,
 * and `socket.disconnect().connect()` makes a new handshake that sends it.
 */
const reconnectWith = async (client: ClientSocket, cookie: string): Promise<ClientSocket> => {
  client.io.opts.extraHeaders = { cookie }
  return connected(client.disconnect().connect())
}

describe('passport: login and logout regenerate the session; the client reconnects', () => {
  it('open socket → log in over HTTP → session_lost without any event → reconnect → the handler sees session.passport.user', async () => {
    const a = (app = await startPassportApp())
    const anonymous = (await a.post('/visit', undefined)).cookie
    if (anonymous === undefined) throw new Error('no anonymous session cookie')
    const client = await connected(open(a.url, anonymous))
    expect(await ask(client, 'whoami')).toBeNull()
    const lost = lostAndDisconnected(client)

    const login = await a.post('/login', anonymous, { username: 'ada', password: 'lovelace' })
    expect(login.status).toBe(200)
    const loggedIn = login.cookie
    if (loggedIn === undefined) throw new Error('login set no cookie')
    // passport ≥ 0.6 regenerates the session at login: a new id, the old one destroyed.
    expect(loggedIn).not.toBe(anonymous)
    // The socket still holds the old id. It sends nothing (a dashboard), yet revalidation tells it
    // within an interval: session_lost, then the server disconnects it.
    expect(await lost).toEqual([{ code: 'SessionNotFound', message: expect.any(String) }, 'io server disconnect'])

    await reconnectWith(client, loggedIn)
    expect(await ask(client, 'whoami')).toBe('ada')

    // Logout regenerates too; disconnectSession in the route cuts the logged-in sockets at once.
    const cut = lostAndDisconnected(client)
    const logout = await a.post('/logout', loggedIn)
    expect(logout.status).toBe(200)
    expect(await cut).toEqual([{ code: 'SessionNotFound', message: expect.any(String) }, 'io server disconnect'])
    // passport starts a fresh anonymous session at logout: the browser gets its cookie, and the
    // socket, reconnected, sees no user.
    const afterLogout = logout.cookie
    if (afterLogout === undefined) throw new Error('logout set no cookie')
    expect(afterLogout).not.toBe(loggedIn)
    await reconnectWith(client, afterLogout)
    expect(await ask(client, 'whoami')).toBeNull()
    // The logged-in cookie is dead for good: a handshake with it is refused.
    const stale = open(a.url, loggedIn)
    expect(await new Promise<Error>((resolve) => stale.once('connect_error', resolve))).toMatchObject({ message: 'SessionNotFound' })
  })

  it('a wrong password changes nothing: the socket keeps its session', async () => {
    const a = (app = await startPassportApp())
    const anonymous = (await a.post('/visit', undefined)).cookie
    if (anonymous === undefined) throw new Error('no anonymous session cookie')
    const client = await connected(open(a.url, anonymous))
    expect((await a.post('/login', anonymous, { username: 'ada', password: 'wrong' })).status).toBe(401)
    await sleep(250) // two revalidation intervals
    expect(await ask(client, 'whoami')).toBeNull()
    expect(client.connected).toBe(true)
  })
})
