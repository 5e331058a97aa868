// One node of the cluster example: express + express-session on connect-redis, Socket.IO joined
// to the other nodes by @socket.io/redis-adapter, and expression.socket.io's sessionAccess.
// Every node runs this same file; `start.ts` starts several of them with one command.
//
//   PORT=3001 REDIS_URL=redis://127.0.0.1:6379 npx ts-node --transpile-only examples/cluster/node.ts
//
// Environment: PORT (default 3001), REDIS_URL (default redis://127.0.0.1:6379), SESSION_SECRET,
// KEY_PREFIX (Redis keys and channels, default 'esio-example:'), NODE_NAME (shown on the page).
import { createServer } from 'node:http'
import { createAdapter } from '@socket.io/redis-adapter'
import { RedisStore } from 'connect-redis'
import express from 'express'
import session from 'express-session'
import { createClient } from 'redis'
import { Server } from 'socket.io'
import { sessionAccess } from '../../src'

declare module 'express-session' {
  interface SessionData {
    user?: { name: string }
    count?: number
  }
}

const port = Number(process.env['PORT'] ?? 3001)
const redisUrl = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379'
const secret = process.env['SESSION_SECRET'] ?? 'the same secret on every node'
const prefix = process.env['KEY_PREFIX'] ?? 'esio-example:'
const nodeName = process.env['NODE_NAME'] ?? `node on port ${port}`

const say = (line: string): void => void process.stdout.write(`${line}\n`)

const page = (): string => `<!doctype html>
<meta charset="utf-8">
<title>expression.socket.io cluster: ${nodeName}</title>
<style>body { font: 16px system-ui; margin: 2rem; max-width: 40rem } #log { white-space: pre-wrap; font: 13px monospace }</style>
<h1>${nodeName}</h1>
<p>Open the other node in another tab (same host, other port): the browser sends the same cookie,
so both tabs share one session in Redis.</p>
<form method="post" action="/login"><input name="user" placeholder="your name" required> <button>log in</button></form>
<p><button id="inc">count +1 (socket)</button> <button id="shout">shout to every node</button>
<form method="post" action="/logout" style="display:inline"><button>log out (disconnects the session's sockets on every node)</button></form></p>
<div id="log"></div>
<script src="/socket.io/socket.io.js"></script>
<script>
  const log = (line) => { document.getElementById('log').textContent += line + '\\n' }
  // websocket only: no sticky sessions needed behind a load balancer.
  const socket = io({ transports: ['websocket'] })
  socket.on('connect', () => socket.emitWithAck('whoami').then((r) => log('connected, session says: ' + JSON.stringify(r))))
  socket.on('connect_error', (err) => log('refused: ' + err.message + ' (log in first)'))
  socket.on('news', (m) => log('broadcast: ' + m))
  socket.on('session_lost', (e) => log('session lost: ' + e.code))
  socket.on('disconnect', (reason) => log('disconnected: ' + reason))
  document.getElementById('inc').onclick = () => socket.emitWithAck('inc').then((r) => log('count: ' + JSON.stringify(r)))
  document.getElementById('shout').onclick = () => socket.emit('shout')
</script>`

const main = async (): Promise<void> => {
  // One connection for the session store and the adapter's publishing; subscriptions need
  // their own. Without an 'error' listener a Redis outage would crash the process.
  const pub = createClient({ url: redisUrl })
  const sub = pub.duplicate()
  pub.on('error', (err: unknown) => say(`${nodeName}: redis error: ${String(err)}`))
  sub.on('error', (err: unknown) => say(`${nodeName}: redis (subscriber) error: ${String(err)}`))
  await Promise.all([pub.connect(), sub.connect()])

  const store = new RedisStore({ client: pub, prefix: `${prefix}sess:` })
  const app = express()
  app.use(express.urlencoded({ extended: false }))
  app.use(session({ store, secret, resave: false, saveUninitialized: false }))

  const http = createServer(app)
  const io = new Server(http, { adapter: createAdapter(pub, sub, { key: `${prefix}socket.io` }) })
  // `io` lets disconnectSession reach every namespace on every node.
  const { withSession, authorize, disconnectSession } = sessionAccess({ store, secret, io, storeTimeoutMs: 2000 })

  app.get('/', (_req, res) => void res.type('html').send(page()))
  app.post('/login', (req, res) => {
    const body: unknown = req.body
    const name = typeof body === 'object' && body !== null && 'user' in body ? String(body.user) : 'anonymous'
    req.session.user = { name: name.slice(0, 40) }
    req.session.save(() => res.redirect('/'))
  })
  app.post('/logout', (req, res) => {
    const sid = req.sessionID
    req.session.destroy(() => {
      disconnectSession(sid)
      res.redirect('/')
    })
  })

  io.use(authorize)
  io.on('connection', (socket) => {
    socket.on('whoami', withSession((s, ack: (r: unknown) => void) => ack({ node: nodeName, user: s.user?.name, count: s.count ?? 0 })))
    socket.on(
      'inc',
      withSession(async (s, ack: (r: unknown) => void) => {
        s.count = (s.count ?? 0) + 1
        await s.save()
        ack({ node: nodeName, count: s.count })
      }),
    )
    socket.on(
      'shout',
      withSession((s) => {
        io.emit('news', `${s.user?.name ?? 'someone'} shouted on ${nodeName}`)
      }),
    )
  })

  http.listen(port, () => say(`${nodeName}: http://127.0.0.1:${port}`))

  const stop = (): void => {
    void io.close().finally(() => {
      pub.destroy()
      sub.destroy()
      process.exit(0)
    })
  }
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
}

main().catch((err: unknown) => {
  process.stderr.write(`${nodeName} failed to start (is Redis running at ${redisUrl}?): ${err instanceof Error ? err.message : String(err)}\n`)
  process.exit(1)
})
