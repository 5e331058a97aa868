// The functional API in one file: `npx ts-node --transpile-only examples/quickstart/functional.ts`
import { createServer } from 'node:http'
import express from 'express'
import session from 'express-session'
import { Server } from 'socket.io'
import { sessionAccess } from '../../src' // in your app: from 'expression.socket.io'

declare module 'express-session' {
  interface SessionData {
    user?: { name: string }
    count?: number
  }
}

const secret = process.env['SESSION_SECRET'] ?? 'keyboard cat'
const store = new session.MemoryStore()
const app = express()
app.use(session({ store, secret, resave: false, saveUninitialized: false }))

const http = createServer(app)
const io = new Server(http)
const { withSession, authorize, disconnectSession } = sessionAccess({ store, secret, io })

app.post('/login', (req, res) => {
  req.session.user = { name: String(req.query['name'] ?? 'ada') }
  res.send('logged in')
})
app.post('/logout', (req, res) => {
  const sid = req.sessionID
  req.session.destroy(() => {
    disconnectSession(sid) // every socket of this session gets `session_lost` and is disconnected
    res.send('logged out')
  })
})

io.use(authorize) // no valid session, no socket: connect_error.message is the tag
io.on('connection', (socket) => {
  socket.on(
    'inc',
    withSession(async (session, ack: (count: number) => void) => {
      session.count = (session.count ?? 0) + 1 // a fresh copy from the store, not a handshake snapshot
      await session.save() // the next HTTP request reads it
      ack(session.count)
    }),
  )
})

http.listen(3001, () => process.stdout.write('listening on http://localhost:3001\n'))
