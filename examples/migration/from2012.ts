// The 2012 module's set-up, unchanged apart from the Express 4/5 packages it used to get from
// Express 3: `npx ts-node --transpile-only examples/migration/from2012.ts`
import { createServer } from 'node:http'
import cookieParser from 'cookie-parser'
import express from 'express'
import session from 'express-session'
import { Server } from 'socket.io'
import { ExpressionSocket } from '../../src' // in your app: const ExpressionSocket = require('expression.socket.io')

declare module 'express-session' {
  interface SessionData {
    user?: { name: string }
  }
}

const parser = cookieParser('my session secret') // 2012: express.cookieParser('my session secret')
const sessionStore = new session.MemoryStore() // 2012: new connect.middleware.session.MemoryStore()

const app = express()
app.use(parser)
app.use(session({ store: sessionStore, secret: 'my session secret', resave: false, saveUninitialized: false }))
const httpSrv = createServer(app)
const io = new Server(httpSrv) // 2012: io.listen(httpSrv)

const expressionIO = new ExpressionSocket(io, sessionStore, parser)

expressionIO.sockets.on('connection', (err, session, socket) => {
  socket.sessOn('client says', (err2, fresh, data: string) => {
    if (err2) console.log(err2._tag)
    if (!fresh) return console.log('The session has not been got')
    socket.emit('response', `${fresh.user?.name ?? 'stranger'} says ${data}`)
  })
  void err
  void session
})

httpSrv.listen(3003, () => process.stdout.write('listening on http://localhost:3003\n'))
