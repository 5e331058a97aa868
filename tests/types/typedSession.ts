// Type-level tests: compiled by `tsc --noEmit` (part of `npm test`), never run. Each
// `@ts-expect-error` line must fail to compile, or tsc reports the directive as unused.
import type { StandardSchemaV1 as OfficialStandardSchema } from '@standard-schema/spec'
import * as t from 'io-ts'
import * as v from 'valibot'
import * as z from 'zod'
import session from 'express-session'
import type { Socket } from 'socket.io'
import { ExpressionSocket, type Session, type StandardSchemaV1, sessionAccess } from '../../src'
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

// Standard Schema validators as `codec`: the session is typed by the schema's output.
const ZodCart = z.object({ items: z.array(z.string()), total: z.number(), coupon: z.string().optional() })
const zodTyped = sessionAccess({ store, secret: 's', codec: ZodCart })
socket.on(
  'zod',
  zodTyped.withSession((cart, ack: (total: number) => void) => {
    const items: string[] = cart.items
    const coupon: string | undefined = cart.coupon
    ack(cart.total + items.length + (coupon?.length ?? 0))
    // @ts-expect-error: `totl` is not a field of the schema's output
    cart.totl.toFixed()
    // @ts-expect-error: `total` is a number, not a string
    cart.total.toUpperCase()
    void cart.save()
  }),
)

// The output type, not the input: a transform gives the handler what it produces.
const ValibotCart = v.object({ items: v.array(v.string()), total: v.pipe(v.string(), v.transform(Number)) })
const valibotTyped = sessionAccess({ store, secret: 's', codec: ValibotCart })
socket.on(
  'valibot',
  valibotTyped.withSession((cart, ack: (total: number) => void) => {
    ack(cart.total + cart.items.length)
    // @ts-expect-error: `total` is the transform's number
    cart.total.toUpperCase()
  }),
)
new ExpressionSocket(io, store, 's', { autoErrManager: true, codec: ZodCart }).sockets.on('connection', (cart) => {
  const total: number = cart.total
  // @ts-expect-error: not in the schema
  void cart.nope
  void total
})

// The copied interface is the spec's own, both ways.
declare const official: OfficialStandardSchema<unknown, { n: number }>
const ours: StandardSchemaV1<unknown, { n: number }> = official
const back: OfficialStandardSchema<unknown, { n: number }> = ours
void back
// @ts-expect-error: a codec must be an io-ts codec or a Standard Schema validator
sessionAccess({ store, secret: 's', codec: { parse: (u: unknown) => u } })
