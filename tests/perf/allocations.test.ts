// Per-event allocation guard: promises and timers one event costs, counted with async_hooks on a
// real server and client, against a hand-written handler measured on the same socket in the same
// run. Counts are deterministic where timings are not: a change that adds a promise or a timer
// per event fails here. Figures are printed for the record.
import { createHook } from 'node:async_hooks'
import { parse as parseCookie } from 'cookie'
import { unsign } from 'cookie-signature'
import type session from 'express-session'
import type { Socket as ClientSocket } from 'socket.io-client'
import { type Session, sessionAccess } from '../../src'
import { type TestApp, startApp } from '../support/app'

const EVENTS = 1000

type Ack = (answer: unknown) => void
type Counts = { promises: number; timers: number }

/** Counts async resources of the kinds that cost per event while `run` goes. */
const countDuring = async (run: () => Promise<void>): Promise<Counts> => {
  const counts: Counts = { promises: 0, timers: 0 }
  const hook = createHook({
    init(_id, type) {
      if (type === 'PROMISE') counts.promises += 1
      else if (type === 'Timeout') counts.timers += 1
    },
  })
  hook.enable()
  try {
    await run()
  } finally {
    hook.disable()
  }
  return counts
}

/** Sends `event` EVENTS times, one after another, each waiting for its ack. */
const sendSequentially = async (client: ClientSocket, event: string): Promise<void> => {
  for (let i = 0; i < EVENTS; i++) await new Promise((resolve) => client.emit(event, resolve))
}

/** The hand-written baseline: the cookie unsigned once per connection, then get → count++ → set → ack per event. */
const handWritten = (store: session.Store, secret: string, cookieHeader: string | undefined) => {
  const raw = parseCookie(cookieHeader ?? '')['connect.sid']
  const sid = raw !== undefined && raw.startsWith('s:') ? unsign(raw.slice(2), secret) : false
  return {
    write: (ack: Ack) => {
      if (sid === false) return ack({ error: 'BadCookie' })
      store.get(sid, (err, data) => {
        if (err || !data) return ack({ error: 'GetFailed' })
        data.count = (data.count ?? 0) + 1
        store.set(sid, data, (setErr) => ack(setErr ? { error: 'SetFailed' } : data.count))
      })
    },
    read: (ack: Ack) => {
      if (sid === false) return ack({ error: 'BadCookie' })
      store.get(sid, (err, data) => ack(err || !data ? { error: 'GetFailed' } : (data.count ?? 0)))
    },
  }
}

describe('what one event costs (promises and timers created, per event)', () => {
  let app: TestApp
  let client: ClientSocket
  const perEvent = new Map<string, Counts>()

  beforeAll(async () => {
    app = await startApp()
    const secret = 'test secret'
    const { withSession, withSessionE } = sessionAccess({ store: app.store, secret })
    app.io.on('connection', (socket) => {
      const hand = handWritten(app.store, secret, socket.handshake.headers.cookie)
      socket.on('hand-write', hand.write)
      socket.on('hand-read', hand.read)
      socket.on(
        'ours-async-save',
        withSession(async (s: Session, ack: Ack) => {
          s.count = (s.count ?? 0) + 1
          await s.save()
          ack(s.count)
        }),
      )
      socket.on(
        'ours-callback-save',
        withSession((s: Session, ack: Ack) => {
          s.count = (s.count ?? 0) + 1
          s.save((err) => ack(err ? { error: err.code } : s.count))
        }),
      )
      socket.on('ours-read', withSession((s: Session, ack: Ack) => ack(s.count ?? 0)))
      socket.on('ours-e-read', withSessionE((err, s: Session | undefined, ack: Ack) => ack(err ? { error: err._tag } : (s?.count ?? 0))))
    })
    client = app.connect(await app.login('alloc'))
    await new Promise((resolve) => client.on('connect', () => resolve(undefined)))
    // Warm every path once (JIT, lazily made objects), then measure.
    for (const event of ['hand-write', 'hand-read', 'ours-async-save', 'ours-callback-save', 'ours-read', 'ours-e-read'])
      await new Promise((resolve) => client.emit(event, resolve))
    for (const event of ['hand-write', 'hand-read', 'ours-async-save', 'ours-callback-save', 'ours-read', 'ours-e-read']) {
      const counts = await countDuring(() => sendSequentially(client, event))
      perEvent.set(event, { promises: counts.promises / EVENTS, timers: counts.timers / EVENTS })
    }
    process.stdout.write(
      `per event (${EVENTS} events each; client and server in this process):\n` +
        [...perEvent].map(([event, c]) => `  ${event.padEnd(20)} promises ${c.promises.toFixed(2)}  timers ${c.timers.toFixed(3)}`).join('\n') +
        '\n',
    )
  })

  afterAll(() => app.close())

  const extra = (ours: string, hand: string): Counts => {
    const a = perEvent.get(ours)
    const b = perEvent.get(hand)
    if (a === undefined || b === undefined) throw new Error(`not measured: ${ours} or ${hand}`)
    return { promises: a.promises - b.promises, timers: a.timers - b.timers }
  }

  // Budgets from the lean design: the store calls run by callbacks with one shared deadline timer;
  // a promise is made only where the API returns one (`save()` without a callback) and where the
  // handler returns one (one `then` on it).
  it.each([
    { ours: 'ours-callback-save', hand: 'hand-write', promises: 0, what: 'withSession, save(callback): nothing beyond the hand-written handler' },
    { ours: 'ours-async-save', hand: 'hand-write', promises: 4, what: 'withSession, async handler awaiting save(): its own two (async, await), save()’s, one then on it' },
    { ours: 'ours-read', hand: 'hand-read', promises: 0, what: 'read-only withSession: nothing beyond the hand-written read' },
    { ours: 'ours-e-read', hand: 'hand-read', promises: 0, what: 'read-only withSessionE: nothing beyond the hand-written read' },
  ])('$what', ({ ours, hand, promises }) => {
    const cost = extra(ours, hand)
    expect(cost.promises).toBeLessThanOrEqual(promises + 0.05)
    // No timer per event: the deadline timer is shared and re-armed at most once per timeout.
    expect(cost.timers).toBeLessThanOrEqual(0.01)
  })
})
