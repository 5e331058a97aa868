// Type-level tests for the seed API's socket: compiled by `tsc --noEmit`, never run.
import cookieParser from 'cookie-parser'
import session from 'express-session'
import type { Server } from 'socket.io'
import { ExpressionSocket } from '../../src'

declare const io: Server
const store = new session.MemoryStore()

// The 2012 call: a cookie parser as the third argument.
new ExpressionSocket(io, store, cookieParser('secret'))
new ExpressionSocket(io, store, cookieParser(['new', 'old']))
// @ts-expect-error: a number is neither a secret nor a cookie parser
new ExpressionSocket(io, store, 42)
// @ts-expect-error: `storeTimeout` is not an option (refused at run time too)
new ExpressionSocket(io, store, 'secret', { storeTimeout: 100 })

const always = new ExpressionSocket(io, store, 's', { alwaysSession: true, autoErrManager: true })
always.sockets.on('connection', (_session, socket) => {
  // Reserved events keep their own signature...
  socket.on('disconnect', (reason) => {
    const r: string = reason
    void r
  })
  socket.on('error', (err) => void err.message)
  // ...every other event gets the session first.
  socket.on('whoami', (s, ack: (name: string | undefined) => void) => ack(s.user?.name))
  // @ts-expect-error: a disconnect listener gets the reason, not a session
  socket.on('disconnect', (reason: { user: string }) => void reason)
})
