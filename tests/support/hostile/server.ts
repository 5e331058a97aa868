// A server in a process of its own, for the tests that must see a crash if there is one:
//   node -r ts-node/register/transpile-only tests/support/hostile/server.ts
// express 5 + express-session + Socket.IO with this library's handlers doing what a careless app
// or a hostile client does. No `uncaughtException` or `unhandledRejection` listener: Node's
// defaults apply, so anything that escapes ends the process with a non-zero exit code.
// Prints `{"port":N}` once listening; exits when its stdin closes.
//
// Environment: HOSTILE_STORE (`memory`, or `redis` for connect-redis at REDIS_URL), HOSTILE_PREFIX
// (Redis key prefix), HOSTILE_COMMIT (`overwrite` or `compare-and-set`).
import { once } from 'node:events'
import { createServer } from 'node:http'
import { RedisStore } from 'connect-redis'
import createDebug from 'debug'
import express from 'express'
import session from 'express-session'
import { createClient } from 'redis'
import { Server, type Socket } from 'socket.io'
import { type AccessFailure, sessionAccess } from '../../../src'
import { addSessionRoutes } from '../routes'

const storeKind = process.env['HOSTILE_STORE'] === 'redis' ? 'redis' : 'memory'
const commit = process.env['HOSTILE_COMMIT'] === 'compare-and-set' ? 'compare-and-set' : 'overwrite'
const prefix = process.env['HOSTILE_PREFIX'] ?? 'esio-hostile:'
const secret = 'hostile secret'

type Data = Record<string, unknown>

const circular = (): Data => {
  const o: Data = { n: 1 }
  o['self'] = o
  return o
}

/** A thenable that breaks every rule: `then` rejects, fulfils too, then throws. */
const hostileThenable = {
  then(ok: (v: unknown) => void, ko: (e: unknown) => void): void {
    ko(new Error('rejected'))
    ok(1)
    throw new Error('then threw')
  },
}

const main = async (): Promise<void> => {
  const client = storeKind === 'redis' ? createClient({ url: process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379' }) : undefined
  client?.on('error', (err: unknown) => process.stderr.write(`redis: ${String(err)}\n`))
  await client?.connect()
  const store: session.Store = client === undefined ? new session.MemoryStore() : new RedisStore({ client, prefix })

  const app = express()
  app.use(express.json())
  app.use(session({ store, secret, resave: false, saveUninitialized: false }))
  const failures: Record<string, number> = {}
  const http = createServer(app)
  const io = new Server(http)

  // A logger that throws, on every channel of the library.
  createDebug.log = () => {
    throw new Error('logger threw')
  }
  createDebug.enable('expression.socket.io:*')

  const onError = (e: AccessFailure): void => {
    failures[e._tag] = (failures[e._tag] ?? 0) + 1
    throw new Error('onError threw')
  }
  const auto = sessionAccess<Data>({ store, secret, commit, autoSave: true, onError, handlerTimeoutMs: 200 })
  const manual = sessionAccess<Data>({ store, secret, commit, onError, handlerTimeoutMs: 200 })
  const throwingCodec = sessionAccess<Data>({
    store,
    secret,
    onError,
    codec: { '~standard': { version: 1, vendor: 'hostile', validate: () => { throw new Error('codec threw') } } },
  })

  app.get('/failures', (_req, res) => void res.json(failures))
  app.post('/raw', (req, res) => {
    // Writes the body's `json` as the stored session of this request's session, keeping its cookie.
    const body: unknown = req.body
    const json = typeof body === 'object' && body !== null && 'json' in body && typeof body.json === 'string' ? body.json : '{}'
    store.set(req.sessionID, { ...JSON.parse(json), cookie: req.session.cookie }, () => void res.json({ ok: true }))
  })
  addSessionRoutes(app, () => undefined)

  io.use(auto.authorize)
  io.on('connection', (socket: Socket) => {
    socket.on('ping', (ack: (r: unknown) => void) => ack('pong'))
    socket.on('autoCircularAsync', auto.withSession(async (s, ack: (r: unknown) => void) => void (await Promise.resolve(), (s['c'] = circular()), ack('done'))))
    socket.on('autoCircularSync', auto.withSession((s, ack: (r: unknown) => void) => void ((s['c'] = circular()), ack('done'))))
    socket.on('autoBigInt', auto.withSession((s, ack: (r: unknown) => void) => void ((s['n'] = BigInt(1)), ack('done'))))
    socket.on('autoRead', auto.withSession((s, ack: (r: unknown) => void) => ack({ count: s['count'], isAdmin: Reflect.get(s, 'isAdmin') })))
    socket.on('explicitCircular', manual.withSession(async (s, ack: (r: unknown) => void) => void ((s['c'] = circular()), await s.save(), ack('saved'))))
    socket.on('explicitCircularNoAwait', manual.withSession((s, ack: (r: unknown) => void) => void ((s['c'] = circular()), void s.save(), ack('sent'))))
    socket.on('ackCircular', manual.withSession((_s, ack: (r: unknown) => void) => ack(circular())))
    socket.on('ackCircularAuto', auto.withSession((s, ack: (r: unknown) => void) => void ((s['x'] = 1), ack(circular()))))
    socket.on('ackBigInt', manual.withSession((_s, ack: (r: unknown) => void) => ack(BigInt(1))))
    socket.on('thenable', manual.withSession(() => hostileThenable))
    socket.on('throw', manual.withSession(() => {
      throw new Error('handler threw')
    }))
    socket.on('hang', manual.withSession(() => new Promise(() => undefined)))
    socket.on('hangErrorFirst', manual.withSessionE(() => new Promise(() => undefined)))
    socket.on('codec', throwingCodec.withSession((_s, ack: (r: unknown) => void) => ack('decoded?')))
    socket.on('inc', auto.withSession((s, ack: (r: unknown) => void) => {
      s['count'] = (typeof s['count'] === 'number' ? s['count'] : 0) + 1
      ack(s['count'])
    }))
    socket.on('reloadCircular', manual.withSession(async (s, ack: (r: unknown) => void) => {
      s['c'] = circular()
      await s.reload()
      await s.touch()
      ack(Reflect.get(s, 'c') === undefined ? 'reloaded' : 'kept')
    }))
  })

  http.listen(0, '127.0.0.1')
  await once(http, 'listening')
  const address = http.address()
  if (address === null || typeof address === 'string') throw new Error('no TCP address')
  process.stdout.write(`${JSON.stringify({ port: address.port })}\n`)
  process.stdin.on('end', () => {
    void io.close().finally(() => {
      client?.destroy()
      process.exit(0)
    })
  })
  process.stdin.resume()
}

main().catch((err: unknown) => {
  process.stderr.write(`hostile server failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`)
  process.exit(1)
})
