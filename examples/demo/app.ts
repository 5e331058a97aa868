// The demo app: Express 5 + express-session (MemoryStore) + Socket.IO 4 + expression.socket.io,
// sharing one session between HTTP routes and socket events. `npm start` runs it (server.ts);
// tests start it in-process on port 0 with `startDemo`.
import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { createServer } from 'node:http'
import { join } from 'node:path'
import express from 'express'
import session from 'express-session'
import { Server } from 'socket.io'
import { sessionAccess } from '../../src' // in your app: from 'expression.socket.io'
import { loginPage, panelPage } from './page'

declare module 'express-session' {
  interface SessionData {
    user?: { name: string }
    count?: number
  }
}

export interface DemoOptions {
  /** TCP port; 0 picks a free one. */
  readonly port: number
  /** Interface to listen on. Default: all interfaces (the URL then says `localhost`). */
  readonly host?: string
  /** express-session's secret. Default: random per start (sessions live in memory anyway). */
  readonly secret?: string
  /** Where to write one line per thing that happens. Default: nowhere. */
  readonly log?: (line: string) => void
}

export interface Demo {
  /** The page to open, e.g. `http://localhost:3000`. */
  readonly url: string
  /** Disconnects every socket and stops the HTTP server. */
  close(): Promise<void>
}

/** What `whoami` and `inc` answer (the library answers `{ error: { code, message } }` instead when the session is gone). */
export interface Whoami {
  readonly name: string
  readonly count: number
}

const MAX_NAME_LENGTH = 40
const SESSION_COOKIE = 'connect.sid'

const readName = (body: unknown): string => {
  if (typeof body !== 'object' || body === null || !('name' in body) || typeof body.name !== 'string') return ''
  // Control characters out: the name is shown in pages and written to the terminal log.
  return body.name.replace(/\p{Cc}/gu, '').trim().slice(0, MAX_NAME_LENGTH)
}

/** Starts the demo and resolves once it is listening. */
export const startDemo = async ({ port, host, secret = randomBytes(32).toString('hex'), log = () => undefined }: DemoOptions): Promise<Demo> => {
  const store = new session.MemoryStore()
  const app = express()
  app.disable('x-powered-by')
  app.use((_req, res, next) => {
    // Same-origin everything: the page, its script and the Socket.IO client and connection.
    res.setHeader('Content-Security-Policy', "default-src 'self'; connect-src 'self'; frame-ancestors 'none'; form-action 'self'")
    next()
  })
  app.use(express.static(join(__dirname, 'public'), { index: false }))
  app.use(express.urlencoded({ extended: false, limit: '2kb' }))
  app.use(
    session({
      store,
      secret,
      name: SESSION_COOKIE,
      resave: false,
      saveUninitialized: false,
      cookie: { httpOnly: true, sameSite: 'lax' },
    }),
  )

  app.get('/', (req, res) => {
    const user = req.session.user
    res.type('html').send(user === undefined ? loginPage() : panelPage({ name: user.name, count: req.session.count ?? 0 }))
  })

  app.post('/login', (req, res, next) => {
    const name = readName(req.body)
    if (name === '') return void res.status(400).type('html').send(loginPage('Please enter a name.'))
    // A new session id at login, so an id planted before login is worth nothing.
    req.session.regenerate((err) => {
      if (err) return next(err)
      req.session.user = { name }
      req.session.save((saveErr) => {
        if (saveErr) return next(saveErr)
        log(`[http]   ${name} logged in`)
        res.redirect(303, '/')
      })
    })
  })

  const http = createServer(app)
  const io = new Server(http)
  const { withSession, authorize, disconnectSession } = sessionAccess({
    store, // the same store instance express-session uses...
    secret, // ...and the same secret, so the socket reads the very session the cookie names
    io, // lets disconnectSession reach every namespace (and, with a cluster adapter, every node)
    // 'keep': a socket whose session is gone without a disconnectSession call (it expired) stays
    // connected and each event is answered { error: { code: 'SessionNotFound' } }.
    onSessionLost: 'keep',
    onError: (error, { socket, event }) => log(`[socket] ${socket.id} ${event ?? 'handshake'} refused: ${error._tag}`),
  })

  app.post('/logout', (req, res, next) => {
    const name = req.session.user?.name ?? 'a visitor'
    const sid = req.sessionID // read before destroy
    req.session.destroy((err) => {
      if (err) return next(err)
      // Every socket of this session, in every tab, gets `session_lost` and is disconnected now,
      // instead of finding out on its next event.
      disconnectSession(sid)
      log(`[http]   ${name} logged out: the session is gone from the store and its sockets are disconnected`)
      res.clearCookie(SESSION_COOKIE)
      res.redirect(303, '/')
    })
  })

  io.use(authorize) // no logged-in session, no socket
  io.on('connection', (socket) => {
    log(`[socket] ${socket.id} connected`)
    socket.on('disconnect', (reason) => log(`[socket] ${socket.id} disconnected (${reason})`))

    socket.on(
      'whoami',
      withSession((session, ack: (answer: Whoami) => void) => {
        const answer = { name: session.user?.name ?? 'nobody', count: session.count ?? 0 }
        log(`[socket] ${socket.id} whoami: ${answer.name}, count ${answer.count}`)
        ack(answer)
      }),
    )

    socket.on(
      'inc',
      withSession(async (session, ack: (answer: Whoami) => void) => {
        session.count = (session.count ?? 0) + 1 // a fresh copy from the store, not a handshake snapshot
        await session.save() // the next HTTP request (a reload, another tab) reads it
        const name = session.user?.name ?? 'nobody'
        log(`[socket] ${socket.id} inc: ${name}'s count is now ${session.count}`)
        ack({ name, count: session.count })
      }),
    )
  })

  if (host === undefined) http.listen(port)
  else http.listen(port, host)
  await once(http, 'listening')
  const address = http.address()
  if (address === null || typeof address === 'string') throw new Error('the demo is not listening on a TCP port')
  const shownHost = host === undefined || host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host

  return {
    url: `http://${shownHost}:${address.port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        // Disconnects the sockets, then closes the HTTP server (idle keep-alive connections too).
        io.close((err) => (err === undefined ? resolve() : reject(err))).catch(reject)
      }),
  }
}
