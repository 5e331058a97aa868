// The 2012 API on Socket.IO v4: `npx ts-node --transpile-only examples/quickstart/seed.ts`
import { createServer } from 'node:http'
import express from 'express'
import session from 'express-session'
import { Server } from 'socket.io'
import { ExpressionSocket } from '../../src' // in your app: const ExpressionSocket = require('expression.socket.io')

declare module 'express-session' {
  interface SessionData {
    user?: { name: string }
    said?: string
  }
}

const secret = 'my session secret'
const sessionStore = new session.MemoryStore()
const app = express()
app.use(session({ store: sessionStore, secret, resave: false, saveUninitialized: false }))
const http = createServer(app)
const io = new Server(http)

const expressionIO = new ExpressionSocket(io, sessionStore, secret, { key: 'connect.sid' })

expressionIO.sockets.on('connection', (err, session, socket) => {
  if (err) return void socket.emit('response', `no session: ${err._tag}`)

  socket.sessOn('client says', (err2, fresh, data: string, ack?: (reply: string) => void) => {
    if (err2 || !fresh) return ack?.(`no session: ${err2?._tag}`)
    fresh.said = data
    fresh.save((saveErr) => ack?.(saveErr ? saveErr.code : `saved, ${fresh.user?.name ?? 'stranger'}`))
  })

  socket.on('no session', (ack?: (reply: string) => void) => ack?.('plain Socket.IO listener: no store access'))
  void session
})

http.listen(3002, () => process.stdout.write('listening on http://localhost:3002\n'))
