// One node of the two-node tests, run as its own process:
//   node -r ts-node/register/transpile-only tests/support/cluster/node.ts
// http + express 5 + express-session (connect-redis) + Socket.IO joined to the other nodes by
// @socket.io/redis-adapter, with this library's sessionAccess on `/` and `/ns` and the seed API
// (ExpressionSocket) on `/seed`. Prints `{"port":N}` on stdout once listening; exits when its
// stdin closes, so that a test runner that dies takes its nodes with it.
//
// Environment: REDIS_URL, ESIO_PREFIX (prefix of every Redis key and channel), ESIO_SECRET,
// ESIO_COMMIT (`commit` option), ESIO_STORE_TIMEOUT_MS (`storeTimeoutMs`, default 2000),
// ESIO_HTTP_CAS=1 (express-session's store wrapped by compareAndSetStore), ESIO_ON_CONFLICT
// (`onConflict` on `/` and `/ns`; `/strict` never retries).
import { once } from 'node:events'
import { createServer } from 'node:http'
import { createAdapter } from '@socket.io/redis-adapter'
import { RedisStore } from 'connect-redis'
import express from 'express'
import session from 'express-session'
import { createClient } from 'redis'
import { type Socket, Server } from 'socket.io'
import { ExpressionSocket, type SessionAccess, compareAndSetStore, sessionAccess } from '../../../src'
import { addSessionRoutes } from '../routes'
import { incrementHandler, noteHandler } from '../handlers'

declare module 'express-session' {
  interface SessionData {
    user?: { name: string }
    count?: number
    note?: string
  }
}

const redisUrl = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379'
const prefix = process.env['ESIO_PREFIX'] ?? 'esio-node:'
const secret = process.env['ESIO_SECRET'] ?? 'cluster secret'
const commit = process.env['ESIO_COMMIT'] === 'compare-and-set' ? 'compare-and-set' : 'overwrite'
const storeTimeoutMs = Number(process.env['ESIO_STORE_TIMEOUT_MS'] ?? 2000)
const httpCas = process.env['ESIO_HTTP_CAS'] === '1'
const onConflict = process.env['ESIO_ON_CONFLICT'] === 'retry' ? 'retry' : 'fail'

/** Named gates the test opens over HTTP: a handler or request waits on one after it loaded. */
const gates = new Map<string, { waiting: boolean; open: () => void; opened: Promise<void> }>()
const gate = (name: string) => {
  let entry = gates.get(name)
  if (entry === undefined) {
    let open: () => void = () => undefined
    const opened = new Promise<void>((resolve) => (open = resolve))
    entry = { waiting: false, open, opened }
    gates.set(name, entry)
  }
  return entry
}
const waitAt = (name: string): Promise<void> => {
  const entry = gate(name)
  entry.waiting = true
  return entry.opened
}

/** Runs of each `incEmit` event, by the id its client gave it. */
const runsById = new Map<string, number>()

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

const main = async (): Promise<void> => {
  // One client serves the session store and the adapter's publishing; the adapter's
  // subscriptions need a connection of their own.
  const pub = createClient({ url: redisUrl, socket: { connectTimeout: 2000, reconnectStrategy: 200 } })
  const sub = pub.duplicate()
  pub.on('error', (err: unknown) => process.stderr.write(`node ${process.pid}: redis: ${String(err)}\n`))
  sub.on('error', (err: unknown) => process.stderr.write(`node ${process.pid}: redis sub: ${String(err)}\n`))
  await Promise.all([pub.connect(), sub.connect()])

  const redisStore = new RedisStore({ client: pub, prefix: `${prefix}sess:` })
  const store = httpCas ? compareAndSetStore(redisStore) : redisStore
  const app = express()
  app.use(express.json())
  app.use(session({ store, secret, resave: false, saveUninitialized: false }))

  const http = createServer(app)
  const io = new Server(http, { adapter: createAdapter(pub, sub, { key: `${prefix}socket.io` }) })
  // Every failure reported to onError, by tag: GET /errors.
  const reported: Record<string, number> = {}
  const onError = (error: { readonly _tag: string }): void => void (reported[error._tag] = (reported[error._tag] ?? 0) + 1)
  const access = sessionAccess({ store, secret, io, storeTimeoutMs, commit, onError, ...(commit === 'compare-and-set' ? { onConflict } : {}) })
  const strict = sessionAccess({ store, secret, io, storeTimeoutMs, commit, onError })
  app.get('/errors', (_req, res) => void res.json(reported))
  app.get('/runs', (_req, res) => void res.json({ events: runsById.size, runs: [...runsById.values()].reduce((x, y) => x + y, 0) }))
  app.get('/gate/:name', (req, res) => void res.json({ waiting: gate(req.params.name).waiting }))
  app.post('/gate/:name/open', (req, res) => {
    gate(req.params.name).open()
    res.json({ ok: true })
  })
  // Loads the session, waits at `gate`, sets `key` to the JSON `value`, saves explicitly and
  // answers what the save came to (a save error's `status` and `code`).
  app.post('/gated', (req, res) => {
    void waitAt(String(req.query['gate'])).then(() => {
      Object.defineProperty(req.session, String(req.query['key']), { value: JSON.parse(String(req.query['value'])), writable: true, enumerable: true, configurable: true })
      req.session.save((err: unknown) => {
        if (err === undefined || err === null) return void res.json({ ok: true })
        const code = typeof err === 'object' && 'code' in err ? err.code : 'unknown'
        const status = typeof err === 'object' && 'status' in err && typeof err.status === 'number' ? err.status : 500
        res.status(status).json({ error: code })
      })
    })
  })
  const expressionIO = new ExpressionSocket(io, store, secret)

  addSessionRoutes(app, (sid) => access.disconnectSession(sid))
  // Broadcasts from this node: `via=io` uses Socket.IO itself, `via=seed` the seed API.
  app.post('/broadcast', (req, res) => {
    const ns = String(req.query['ns'] ?? '/')
    const message = String(req.query['message'] ?? '')
    if (req.query['via'] === 'seed') (ns === '/' ? expressionIO.sockets : expressionIO.of(ns)).emit('news', message)
    else io.of(ns).emit('news', message)
    res.json({ ok: true })
  })

  /** Handlers that work the same with and without retries, on `access` or `strict`. */
  const registerConflicts = (socket: Socket, on: SessionAccess<{ count?: number }>): void => {
    // count++, emitted to this socket once committed, then acked. `id` names the event for
    // `runsById`; `throwOnRetry` makes every run after the first throw; `gate` holds the first run.
    socket.on(
      'incEmit',
      on.withSession(async (s, opts: { id: string; throwOnRetry?: boolean; gate?: string }, ack: (count: number) => void) => {
        const run = (runsById.get(opts.id) ?? 0) + 1
        runsById.set(opts.id, run)
        if (run === 1 && opts.gate !== undefined) await waitAt(opts.gate)
        if (run > 1 && opts.throwOnRetry === true) throw new Error('the retried run threw')
        s.count = (s.count ?? 0) + 1
        const count = s.count
        s.afterCommit(() => socket.emit('counted', count))
        await s.save()
        ack(count)
      }),
    )
    // Sets `key` to `value` after waiting at `gate`, saves, acks.
    socket.on(
      'gatedSet',
      on.withSession(async (s, key: string, value: unknown, gateName: string, ack: (r: unknown) => void) => {
        await waitAt(gateName)
        Object.defineProperty(s, key, { value, writable: true, enumerable: true, configurable: true })
        await s.save()
        ack('saved')
      }),
    )
  }

  const register = (socket: Socket): void => {
    registerConflicts(socket, access)
    socket.on('read', access.withSession((s, ack: (data: unknown) => void) => ack({ user: s.user?.name, note: s.note, count: s.count })))
    socket.on('note', noteHandler(access))
    socket.on('inc', incrementHandler(access))
    // `key`++ on a top-level key named by the client, then an awaited save.
    socket.on(
      'incKey',
      access.withSession(async (s, key: string, ack: (count: number) => void) => {
        const seen: unknown = Reflect.get(s, key)
        const next = (typeof seen === 'number' ? seen : 0) + 1
        Reflect.set(s, key, next)
        await s.save()
        ack(next)
      }),
    )
    // Read, think, write: shows that per-session serialization holds within a process only.
    socket.on(
      'slowInc',
      access.withSession(async (s, ms: number, ack: (count: number) => void) => {
        const seen = s.count ?? 0
        await sleep(ms)
        s.count = seen + 1
        await s.save()
        ack(s.count)
      }),
    )
  }
  for (const nsp of [io.of('/'), io.of('/ns')]) {
    nsp.use(access.authorize)
    nsp.on('connection', register)
  }
  io.of('/strict').use(strict.authorize)
  io.of('/strict').on('connection', (socket: Socket) => registerConflicts(socket, strict))
  expressionIO.of('/seed').on('connection', (err, _session, socket) => {
    socket.sessOn('read', (e, s, ack: (data: unknown) => void) => ack(e === null ? { user: s?.user?.name, note: s?.note } : { error: e._tag }))
    if (err !== null) socket.emit('seed_error', err._tag)
  })

  http.listen(0, '127.0.0.1')
  await once(http, 'listening')
  const address = http.address()
  if (address === null || typeof address === 'string') throw new Error('no TCP address')
  process.stdout.write(`${JSON.stringify({ port: address.port })}\n`)

  const shutdown = (): void => {
    void io.close().finally(() => {
      pub.destroy()
      sub.destroy()
      process.exit(0)
    })
  }
  process.stdin.on('end', shutdown)
  process.stdin.resume()
  process.on('SIGTERM', shutdown)
}

main().catch((err: unknown) => {
  process.stderr.write(`node ${process.pid} failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`)
  process.exit(1)
})
