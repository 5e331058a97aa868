// The server of `npm run bench -- --flood` (see bench/flood.ts), in a process of its own:
//   node --expose-gc -r ts-node/register/transpile-only bench/floodServer.ts
// express-session on a MemoryStore and this library's defaults: `slow` waits `ms` then acks (the
// flooded handler), `ping` reads the session and acks (the other sessions' events). It uses only
// the 1.0 API, so that the same file measures an older checkout of the library (before/after).
// Prints `READY <port>`; exits when stdin closes.
import { once } from 'node:events'
import { createServer } from 'node:http'
import express from 'express'
import session from 'express-session'
import { Server, type Socket } from 'socket.io'
import { sessionAccess } from '../src'

declare module 'express-session' {
  interface SessionData {
    user?: { name: string }
  }
}

const SECRET = 'flood secret'

/** `slow` acks answered with an error, by code. */
const refused: Record<string, number> = {}

/** What the flood did to the server, read by the driver at `/flood`. */
const counters = {
  /** `slow` events that reached the server (a packet middleware counts them before any listener). */
  arrived: 0,
  started: 0,
  finished: 0,
  refused,
  /** When the flooding socket disconnected, and when the last `slow` handler finished (ms, server clock). */
  disconnectedAt: -1,
  /** Handlers started when the flooder disconnected. */
  startedAtDisconnect: -1,
  lastFinishedAt: -1,
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

const codeOf = (answer: unknown): string | undefined =>
  typeof answer === 'object' && answer !== null && 'error' in answer && typeof answer.error === 'object' && answer.error !== null && 'code' in answer.error
    ? String(answer.error.code)
    : undefined

const main = async (): Promise<void> => {
  const store = new session.MemoryStore()
  const app = express()
  app.use(session({ store, secret: SECRET, resave: false, saveUninitialized: false }))
  app.post('/login', (req, res) => {
    req.session.user = { name: 'flood' }
    req.session.save(() => res.json({ ok: true }))
  })
  const http = createServer(app)
  const io = new Server(http, { transports: ['websocket'] })
  const { withSession, authorize, stats } = sessionAccess({ store, secret: SECRET, io, onError: () => undefined })

  app.get('/flood', async (req, res) => {
    const gc = globalThis.gc
    if (req.query['gc'] === '1' && gc !== undefined)
      for (let i = 0; i < 4; i++) {
        gc()
        await new Promise((r) => setImmediate(r))
      }
    res.json({ ...counters, now: performance.now(), heapUsed: process.memoryUsage().heapUsed, library: stats() })
  })

  io.use(authorize)
  io.on('connection', (socket: Socket) => {
    socket.use((packet, next) => {
      if (packet[0] !== 'slow') return next()
      counters.arrived += 1
      const ack = packet[packet.length - 1]
      if (typeof ack === 'function')
        packet[packet.length - 1] = (...args: unknown[]) => {
          const code = codeOf(args[0])
          if (code !== undefined) refused[code] = (refused[code] ?? 0) + 1
          Reflect.apply(ack, undefined, args)
        }
      next()
    })
    socket.on('disconnect', () => {
      if (socket.handshake.query['role'] !== 'flooder') return
      counters.disconnectedAt = performance.now()
      counters.startedAtDisconnect = counters.started
    })
    socket.on(
      'slow',
      withSession(async (_s, ms: number, ack: (r: unknown) => void) => {
        counters.started += 1
        await sleep(ms)
        counters.finished += 1
        counters.lastFinishedAt = performance.now()
        ack('ok')
      }),
    )
    socket.on('ping', withSession((s, ack: (r: unknown) => void) => ack(s.user?.name)))
  })

  http.listen(0, '127.0.0.1')
  await once(http, 'listening')
  const address = http.address()
  if (address === null || typeof address === 'string') throw new Error('no TCP address')
  process.stdin.on('end', () => process.exit(0))
  process.stdin.resume()
  process.stdout.write(`READY ${address.port}\n`)
}

main().catch((err: unknown) => {
  process.stderr.write(`flood server failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`)
  process.exit(1)
})
