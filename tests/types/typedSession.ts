// Type-level tests: compiled by `tsc --noEmit` (part of `npm test`), never run. Each
// `@ts-expect-error` line must fail to compile, or tsc reports the directive as unused.
import * as t from 'io-ts'
import session from 'express-session'
import type { Socket } from 'socket.io'
import { ExpressionSocket, type Session, sessionAccess } from '../../src'
import type { Server } from 'socket.io'

declare const socket: Socket
declare const io: Server
const store = new session.MemoryStore()

const Cart = t.type({ items: t.array(t.string), total: t.number })
const typed = sessionAccess({ store, secret: 's', codec: Cart })

socket.on(
  'cart',
  typed.withSession((cart, ack: (total: number) => void) => {
    const items: string[] = cart.items
    ack(cart.total + items.length)
    // @ts-expect-error: `totl` is not a field of the codec's type
    cart.totl.toFixed()
    // @ts-expect-error: `total` is a number, not a string
    cart.total.toUpperCase()
    void cart.save()
  }),
)

// Without a codec: express-session's SessionData (declaration merging in tests/support/app.ts).
const plain = sessionAccess({ store, secret: ['new', 'old'] })
socket.on(
  'whoami',
  plain.withSession((s: Session, ack: (name: string | undefined) => void) => {
    ack(s.user?.name)
    // @ts-expect-error: `user` may be absent, as on req.session
    ack(s.user.name)
    // @ts-expect-error: not declared in SessionData
    ack(s.nope)
  }),
)

// Error-first: the session is only there when err is null.
socket.on(
  'e',
  plain.withSessionE((err, s) => {
    // @ts-expect-error: session may be undefined
    void s.save()
    if (err === null && s !== undefined) void s.save()
  }),
)

// The seed API's modes change the callback shapes.
const auto = new ExpressionSocket(io, store, 's', { autoErrManager: true, alwaysSession: true, codec: Cart })
auto.sockets.on('connection', (cart, sock) => {
  const n: number = cart.total
  sock.on('evt', (c, ack: (x: number) => void) => ack(c.total + n))
  // @ts-expect-error: in autoErrManager mode there is no error argument
  sock.sessOn('evt', (err: Error | null, c: unknown) => [err, c])
})
const errorFirst = new ExpressionSocket(io, store, 's')
errorFirst.sockets.on('connection', (err, s, sock) => {
  if (err !== null) return void err._tag
  sock.sessOn('evt', (e, s2) => [e?._tag, s2?.user?.name, s?.user?.name])
})

// Typed event maps, as Socket.IO users declare them: the handler's arguments are inferred from
// the event's signature, ack included.
interface ClientToServer {
  inc: (by: number, ack: (count: number) => void) => void
}
declare const typedSocket: Socket<ClientToServer>
typedSocket.on(
  'inc',
  plain.withSession((s, by, ack) => {
    const step: number = by
    ack((s.count ?? 0) + step)
    // @ts-expect-error: the ack takes a number
    ack('many')
  }),
)
