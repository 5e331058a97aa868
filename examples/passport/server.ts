// passport + passport-local with sockets that follow logins and logouts:
// `npx ts-node --transpile-only examples/passport/server.ts`, then POST /login { username, password }.
import { createServer } from 'node:http'
import express from 'express'
import session from 'express-session'
import passport from 'passport'
import { Strategy as LocalStrategy } from 'passport-local'
import { Server } from 'socket.io'
import { sessionAccess } from '../../src' // in your app: from 'expression.socket.io'

declare module 'express-session' {
  interface SessionData {
    passport?: { user?: string }
  }
}

const USERS: Readonly<Record<string, string>> = { ada: 'lovelace' }
const check = (username: string, password: string): { id: string } | false => (USERS[username] === password ? { id: username } : false)

const store = new session.MemoryStore()
const secret = 'keyboard cat'
const app = express()
app.use(express.json())
app.use(session({ store, secret, resave: false, saveUninitialized: false }))
app.use(passport.initialize())
app.use(passport.session())
passport.use(new LocalStrategy((username, password, done) => done(null, check(username, password))))
passport.serializeUser((user, done) => done(null, 'id' in user ? user.id : undefined))
passport.deserializeUser((id: string, done) => done(null, { id }))

const http = createServer(app)
const io = new Server(http)
const { withSession, authorize, disconnectSession } = sessionAccess({
  store,
  secret,
  io,
  onSessionLost: 'disconnect', // an event finding the session gone: session_lost, then disconnect
  revalidateIntervalMs: 60_000, // a socket that sends nothing learns it within a minute
})

app.post('/login', passport.authenticate('local'), (_req, res) => void res.json({ ok: true }))
app.post('/logout', (req, res, next) => {
  const sid = req.sessionID // the session being replaced
  req.logout((err) => {
    if (err) return next(err)
    disconnectSession(sid) // its sockets: session_lost, then disconnected
    res.json({ ok: true })
  })
})

io.use(authorize)
io.on('connection', (socket) => {
  socket.on('whoami', withSession((session, ack: (user: string | null) => void) => ack(session.passport?.user ?? null)))
})

http.listen(3004, () => process.stdout.write('listening on http://localhost:3004\n'))
