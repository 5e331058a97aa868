// One benchmark server: `node -r ts-node/register/transpile-only bench/server.ts <variant> <store> [redis key prefix]`.
// Prints `READY <port>` once listening on 127.0.0.1; exits on SIGTERM or when stdin closes
// (so an interrupted parent never leaves it behind). One process per variant keeps the variants'
// heaps, event loops and peak RSS apart.
import { once } from 'node:events'
import { createServer } from 'node:http'
import { parse as parseCookie } from 'cookie'
import { unsign } from 'cookie-signature'
import { RedisStore } from 'connect-redis'
import express from 'express'
import session from 'express-session'
import sharedSession from 'express-socket.io-session'
import { createClient } from 'redis'
import { Server, type Socket } from 'socket.io'
import { type SessionStats, sessionAccess } from '../src'
import { REDIS_URL_DEFAULT, type StoreKind, type Variant, isStoreKind, isVariant } from './variants'

declare module 'express-session' {
  interface SessionData {
    user?: { name: string }
    count?: number
  }
}

const SECRET = 'bench secret'
const COOKIE = 'connect.sid'

type Ack = (answer: unknown) => void
type LiveSession = session.Session & Partial<session.SessionData>

/** Store calls made by anyone (express-session, the bridges): the client diffs them around a run. */
const calls = { get: 0, set: 0, touch: 0, destroy: 0 }

// Wrappers that keep `this`: the library calls the store's methods on an object whose prototype
// is the store (with its own client: see src/adapters/commandTimeout.ts); a method bound to the
// store would ignore that.
const countCalls = (store: session.Store): void => {
  const { get, set, destroy, touch } = store
  store.get = function (this: session.Store, sid, cb) {
    calls.get++
    return get.call(this, sid, cb)
  }
  store.set = function (this: session.Store, sid, data, cb) {
    calls.set++
    return set.call(this, sid, data, cb)
  }
  store.destroy = function (this: session.Store, sid, cb) {
    calls.destroy++
    return destroy.call(this, sid, cb)
  }
  if (touch !== undefined)
    store.touch = function (this: session.Store, sid, data, cb) {
      calls.touch++
      return touch.call(this, sid, data, cb)
    }
}

const openStore = async (kind: StoreKind, prefix: string): Promise<{ store: session.Store; close: () => Promise<void> }> => {
  if (kind === 'memory') return { store: new session.MemoryStore(), close: async () => undefined }
  // ESIO_BENCH_NO_COMMAND_TIMEOUT=1: node-redis without its per-command timer (for comparison only).
  const client = createClient({ url: process.env['REDIS_URL'] ?? REDIS_URL_DEFAULT, ...(process.env['ESIO_BENCH_NO_COMMAND_TIMEOUT'] === '1' ? { commandOptions: { timeout: 0 } } : {}) })
  await client.connect()
  return {
    store: new RedisStore({ client, prefix, ttl: 900 }),
    close: async () => {
      await client.quit()
    },
  }
}

const failed = (ack: Ack, code: string): void => ack({ error: { code, message: code } })

const sessionOn = (holder: object): LiveSession | undefined => {
  const s: unknown = 'session' in holder ? holder.session : undefined
  return s instanceof session.Session ? s : undefined
}

const main = async (): Promise<void> => {
  const [variantName, storeArg, prefixArg] = process.argv.slice(2)
  // `ours-cas` (npm run bench -- --cluster): `ours` with commit: 'compare-and-set'; `ours-cas-retry`:
  // with onConflict: 'retry' too.
  const cas = variantName === 'ours-cas' || variantName === 'ours-cas-retry'
  const commit = cas ? 'compare-and-set' : 'overwrite'
  const onConflict = variantName === 'ours-cas-retry' ? 'retry' : 'fail'
  const variantArg = cas ? 'ours' : variantName
  if (!isVariant(variantArg) || !isStoreKind(storeArg)) throw new Error(`usage: server.ts <variant> <memory|redis> [prefix], got ${process.argv.slice(2).join(' ')}`)
  const variant: Variant = variantArg
  const { store, close } = await openStore(storeArg, `${prefixArg ?? 'esio-bench:'}${variant}:`)
  countCalls(store)

  const sessionMiddleware = session({ store, secret: SECRET, name: COOKIE, resave: false, saveUninitialized: false })
  const app = express()
  app.use(sessionMiddleware)
  const plainCounts = new Map<string, number>()
  /** `hand-written-locked`: the tail of each session's chain of events, deleted when it drains. */
  const chains = new Map<string, Promise<void>>()
  /** `ours*`: the library's own bookkeeping, reported in `/stats`. */
  let libraryStats: (() => SessionStats) | undefined

  app.post('/login', (req, res) => {
    req.session.user = { name: 'bench' }
    req.session.save(() => res.json({ ok: true }))
  })
  app.get('/count', (req, res) => {
    const count = variant === 'plain' ? plainCounts.get(req.headers.cookie ?? '') : req.session.count
    res.json({ count: count ?? 0, user: req.session.user?.name ?? null })
  })
  // Peak RSS since the last reset, sampled: the process-lifetime maxRSS would be the start-up's
  // (ts-node compiling), the same for every variant.
  let peakRss = process.memoryUsage.rss()
  const sample = (): void => {
    peakRss = Math.max(peakRss, process.memoryUsage.rss())
  }
  setInterval(sample, 10).unref()
  app.post('/stats/reset-peak', (_req, res) => {
    peakRss = process.memoryUsage.rss()
    res.json({ rssKb: Math.round(peakRss / 1024) })
  })
  app.get('/stats', (_req, res) => {
    sample()
    // nowUs is on the clock of V8's CPU profiles: lets a profile be cut to the measured part.
    const cpu = process.cpuUsage()
    res.json({
      ...calls,
      cpuUs: cpu.user + cpu.system,
      peakRssKb: Math.round(peakRss / 1024),
      nowUs: Number(process.hrtime.bigint() / 1000n),
      sockets: io.engine.clientsCount,
      locks: chains.size,
      library: libraryStats?.() ?? null,
    })
  })
  // After a forced GC (the server runs with --expose-gc in `--memory` mode): what stays alive.
  app.get('/stats/heap', async (_req, res) => {
    const gc = globalThis.gc
    if (gc === undefined) {
      res.status(501).json({ error: 'start the server with node --expose-gc' })
      return
    }
    for (let i = 0; i < 4; i++) {
      gc()
      await new Promise((r) => setImmediate(r))
    }
    const m = process.memoryUsage()
    res.json({ heapUsed: m.heapUsed, rss: m.rss, external: m.external, sockets: io.engine.clientsCount })
  })

  const http = createServer(app)
  const io = new Server(http, { transports: ['websocket'] })

  switch (variant) {
    case 'plain':
      io.on('connection', (socket) => {
        const key = socket.handshake.headers.cookie ?? ''
        socket.on('inc', (ack: Ack) => {
          const count = (plainCounts.get(key) ?? 0) + 1
          plainCounts.set(key, count)
          ack(count)
        })
      })
      break

    case 'docs-reload':
      // https://socket.io/how-to/use-with-express-session
      io.engine.use(sessionMiddleware)
      io.on('connection', (socket) => {
        const req = socket.request
        socket.on('inc', (ack: Ack) => {
          const current = sessionOn(req)
          if (current === undefined) return failed(ack, 'NoSession')
          current.reload((err) => {
            const fresh = sessionOn(req)
            if (err || fresh === undefined) return failed(ack, 'ReloadFailed')
            const count = (fresh.count ?? 0) + 1
            fresh.count = count
            fresh.save((saveErr) => (saveErr ? failed(ack, 'SaveFailed') : ack(count)))
          })
        })
      })
      break

    case 'express-socket.io-session':
      io.use(sharedSession(sessionMiddleware, { autoSave: true }))
      io.on('connection', (socket) => {
        socket.on('inc', (ack: Ack) => {
          const s = sessionOn(socket.handshake)
          if (s === undefined) return failed(ack, 'NoSession')
          // autoSave writes the session after the handler; it offers no hook to ack after that write.
          s.count = (s.count ?? 0) + 1
          ack(s.count)
        })
      })
      break

    case 'hand-written':
      io.on('connection', (socket: Socket) => {
        const raw = parseCookie(socket.handshake.headers.cookie ?? '')[COOKIE]
        const sid = raw !== undefined && raw.startsWith('s:') ? unsign(raw.slice(2), SECRET) : false
        socket.on('inc', (ack: Ack) => {
          if (sid === false) return failed(ack, 'BadCookie')
          store.get(sid, (err, data) => {
            if (err || !data) return failed(ack, 'GetFailed')
            const count = (data.count ?? 0) + 1
            data.count = count
            store.set(sid, data, (setErr) => (setErr ? failed(ack, 'SetFailed') : ack(count)))
          })
        })
      })
      break

    case 'hand-written-locked':
      // What a careful user writes against lost updates: each session's events chained in the process.
      io.on('connection', (socket: Socket) => {
        const raw = parseCookie(socket.handshake.headers.cookie ?? '')[COOKIE]
        const sid = raw !== undefined && raw.startsWith('s:') ? unsign(raw.slice(2), SECRET) : false
        // One event: get → change → set → ack; resolves once acked, whatever happened.
        const step = (ack: Ack) => (): Promise<void> =>
          new Promise((done) => {
            const answer = (value: unknown): void => {
              ack(value)
              done()
            }
            if (sid === false) return answer({ error: { code: 'BadCookie' } })
            store.get(sid, (err, data) => {
              if (err || !data) return answer({ error: { code: 'GetFailed' } })
              const count = (data.count ?? 0) + 1
              data.count = count
              store.set(sid, data, (setErr) => answer(setErr ? { error: { code: 'SetFailed' } } : count))
            })
          })
        socket.on('inc', (ack: Ack) => {
          const key = sid === false ? '' : sid
          const tail = (chains.get(key) ?? Promise.resolve()).then(step(ack))
          chains.set(key, tail)
          void tail.then(() => {
            if (chains.get(key) === tail) chains.delete(key)
          })
        })
      })
      break

    case 'ours':
    case 'ours-callback':
    case 'ours-unserialized':
    case 'ours-read-only':
    case 'ours-autosave': {
      const autoSave = variant === 'ours-autosave'
      const { withSession, authorize, stats } = sessionAccess({
        store,
        secret: SECRET,
        key: COOKIE,
        serialize: variant !== 'ours-unserialized',
        io,
        commit,
        autoSave,
        ...(onConflict === 'retry' ? { onConflict } : {}),
      })
      libraryStats = stats
      io.use(authorize)
      io.on('connection', (socket) => {
        socket.on(
          'inc',
          variant === 'ours-read-only'
            ? withSession((s, ack: Ack) => ack(s.count ?? 0))
            : autoSave
              ? withSession((s, ack: Ack) => {
                  s.count = (s.count ?? 0) + 1
                  ack(s.count)
                })
            : variant === 'ours-callback'
              ? withSession((s, ack: Ack) => {
                  s.count = (s.count ?? 0) + 1
                  s.save((err) => (err ? failed(ack, err.code) : ack(s.count)))
                })
              : withSession(async (s, ack: Ack) => {
                s.count = (s.count ?? 0) + 1
                await s.save()
                ack(s.count)
              }),
        )
      })
      break
    }
  }
  http.listen(0, '127.0.0.1')
  await once(http, 'listening')
  const address = http.address()
  if (address === null || typeof address === 'string') throw new Error('no TCP address')

  let stopping = false
  const stop = async (): Promise<void> => {
    if (stopping) return
    stopping = true
    io.disconnectSockets(true)
    await Promise.race([io.close().catch(() => undefined), new Promise((r) => setTimeout(r, 1000))])
    await close().catch(() => undefined)
    // process.exit lets --cpu-prof write its profile.
    process.exit(0)
  }
  process.on('SIGTERM', () => void stop())
  process.stdin.on('end', () => void stop())
  process.stdin.resume()
  process.stdout.write(`READY ${address.port}\n`)
}

main().catch((err: unknown) => {
  process.stderr.write(`bench server failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`)
  process.exit(1)
})
