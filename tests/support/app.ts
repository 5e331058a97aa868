import { once } from 'node:events'
import { type Server as HttpServer, createServer } from 'node:http'
import express from 'express'
import session from 'express-session'
import { Server, type ServerOptions } from 'socket.io'
import type { SessionStats } from '../../src'
import { addSessionRoutes } from './routes'
import { eventually } from './wait'

export { eventually, sleep } from './wait'
import { type ManagerOptions, type Socket as ClientSocket, type SocketOptions, io as connectClient } from 'socket.io-client'

declare module 'express-session' {
  interface SessionData {
    user?: { name: string }
    count?: number
    note?: string
  }
}

export interface AppOptions {
  readonly store?: session.Store | undefined
  readonly secret?: string | string[] | undefined
  readonly name?: string | undefined
  readonly maxAge?: number | undefined
  readonly ioOptions?: Partial<ServerOptions> | undefined
  /** Called by `POST /logout` with the id of the session being destroyed. */
  readonly onLogout?: ((sid: string) => void) | undefined
  /** More routes, added after the session middleware and the standard routes. */
  readonly routes?: ((app: express.Express) => void) | undefined
}

export interface TestApp {
  readonly url: string
  readonly io: Server
  readonly http: HttpServer
  readonly store: session.Store
  readonly secret: string | string[]
  /** Logs in over HTTP and returns the `Cookie` header to send: the real signed cookie. */
  login(user?: string): Promise<string>
  /** The session as the next HTTP request sees it (`null` when there is none). */
  readSession(cookie: string): Promise<Record<string, unknown> | null>
  /** Writes fields into the session over HTTP. */
  writeSession(cookie: string, fields: Record<string, unknown>): Promise<void>
  logout(cookie: string): Promise<void>
  /** A socket.io-client socket sending `cookie`, closed by `close()`. */
  connect(cookie: string | undefined, options?: ClientOptions): ClientSocket
  close(): Promise<void>
}

export interface ClientOptions extends Partial<ManagerOptions & SocketOptions> {
  readonly namespace?: string
  readonly headers?: Record<string, string>
}

/**
 * A real express 5 + express-session + Socket.IO 4 server on 127.0.0.1 (port 0), sharing one
 * store with the library under test.
 */
export const startApp = async (options: AppOptions = {}): Promise<TestApp> => {
  const store = options.store ?? new session.MemoryStore()
  const secret = options.secret ?? 'test secret'
  const app = express()
  app.use(express.json())
  app.use(
    session({
      store,
      secret,
      name: options.name ?? 'connect.sid',
      resave: false,
      saveUninitialized: false,
      cookie: options.maxAge === undefined ? {} : { maxAge: options.maxAge },
    }),
  )
  addSessionRoutes(app, (sid) => options.onLogout?.(sid))
  options.routes?.(app)

  const http = createServer(app)
  const io = new Server(http, options.ioOptions)
  http.listen(0, '127.0.0.1')
  await once(http, 'listening')
  const address = http.address()
  if (address === null || typeof address === 'string') throw new Error('no TCP address')
  const url = `http://127.0.0.1:${address.port}`
  const clients: ClientSocket[] = []

  // Reads the whole response: express-session may still be writing the session when the headers
  // arrive (a save or touch at the end of the response, before its last chunk: a store that adds
  // a field to what it saves, as session-file-store does, makes it save twice), and a test goes on
  // only once the store holds what the request wrote.
  const post = async (path: string, cookie: string | undefined, body?: unknown): Promise<Response> => {
    const res = await fetch(url + path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(cookie === undefined ? {} : { cookie }) },
      body: JSON.stringify(body ?? {}),
    })
    await res.arrayBuffer()
    return res
  }

  return {
    url,
    io,
    http,
    store,
    secret,
    async login(user = 'ada') {
      const res = await post(`/login?user=${encodeURIComponent(user)}`, undefined)
      const setCookie = res.headers.get('set-cookie')
      if (setCookie === null) throw new Error('login did not set a cookie')
      const pair = setCookie.split(';')[0]
      if (pair === undefined) throw new Error('malformed Set-Cookie')
      return pair
    },
    async readSession(cookie) {
      const res = await fetch(url + '/session', { headers: { cookie } })
      const body: unknown = await res.json()
      return typeof body === 'object' && body !== null ? { ...body } : null
    },
    async writeSession(cookie, fields) {
      await post('/session', cookie, fields)
    },
    async logout(cookie) {
      await post('/logout', cookie)
    },
    connect(cookie, { namespace = '/', headers = {}, ...rest } = {}) {
      const socket = connectClient(url + namespace, {
        transports: ['websocket'],
        reconnection: false,
        forceNew: true,
        extraHeaders: { ...(cookie === undefined ? {} : { cookie }), ...headers },
        ...rest,
      })
      clients.push(socket)
      return socket
    },
    async close() {
      for (const c of clients) c.disconnect()
      await io.close()
    },
  }
}

/** Resolves when the client is connected; rejects with the `connect_error`. */
export const connected = (socket: ClientSocket): Promise<ClientSocket> =>
  new Promise((resolve, reject) => {
    if (socket.connected) return resolve(socket)
    socket.once('connect', () => resolve(socket))
    socket.once('connect_error', reject)
  })

/** The `connect_error` a refused client gets. */
export const refused = (socket: ClientSocket): Promise<Error & { data?: { code?: string; message?: string } }> =>
  new Promise((resolve, reject) => {
    socket.once('connect', () => reject(new Error('connected, expected a refusal')))
    socket.once('connect_error', resolve)
  })

/** Emits with an ack and resolves with the ack's first argument. */
export const ask = (socket: ClientSocket, event: string, ...args: unknown[]): Promise<unknown> =>
  socket.timeout(8000).emitWithAck(event, ...args)

/** A promise with its resolver, for handlers that must wait on the test. */
export const latch = <T = void>(): { readonly promise: Promise<T>; readonly open: (value: T) => void } => {
  let open: (value: T) => void = () => undefined
  const promise = new Promise<T>((resolve) => {
    open = resolve
  })
  return { promise, open }
}

/** The session id inside a `connect.sid=s%3A<id>.<signature>` Cookie header (not verified). */
export const sidOfCookie = (cookie: string): string =>
  decodeURIComponent(cookie.split('=')[1] ?? '')
    .slice(2)
    .split('.')[0] ?? ''

/** What `stats()` returns once nothing is kept: no queue, no record, no memory of any session. */
export const IDLE_STATS: SessionStats = { queuedSessions: 0, activeSessions: 0, rollingEntries: 0, outageEntries: 0, revalidatedSessions: 0 }

/**
 * Resolves once `stats()` is back to {@link IDLE_STATS} — a disconnect reaches the server a moment
 * after the client's `disconnect()`, later still on a loaded machine — and fails after `timeoutMs`.
 */
export const backToIdle = async (access: { stats(): SessionStats }, timeoutMs = 5000): Promise<void> => {
  await eventually('stats() back to zeros', () => Object.values(access.stats()).every((n) => n === 0), timeoutMs)
  expect(access.stats()).toEqual(IDLE_STATS)
}

/**
 * For a test file whose tests each start their own app: the returned function starts one (as
 * `startApp`), and the one started last is closed after each test.
 */
export const appPerTest = (): ((...args: Parameters<typeof startApp>) => Promise<TestApp>) => {
  let app: TestApp | undefined
  afterEach(async () => {
    await app?.close()
    app = undefined
  })
  return async (...args) => (app = await startApp(...args))
}
