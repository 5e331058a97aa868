import type { Socket as ClientSocket } from 'socket.io-client'
import { type SessionAccess, type DefaultSessionData, sessionAccess } from '../../src'
import { type TestApp, ask, backToIdle, connected, latch, startApp } from '../support/app'

let app: TestApp
let access: SessionAccess<DefaultSessionData>

const setup = async (serialize: boolean): Promise<void> => {
  app = await startApp()
  access = sessionAccess({ store: app.store, secret: app.secret, serialize })
  const { withSession, authorize } = access
  app.io.use(authorize)
  app.io.on('connection', (socket) => {
    socket.on(
      'inc',
      withSession(async (session, ack: (n: number | undefined) => void) => {
        session.count = (session.count ?? 0) + 1
        await session.save()
        ack(session.count)
      }),
    )
    socket.on(
      'inc-cb',
      withSession((session, ack: (n: number | undefined) => void) => {
        session.count = (session.count ?? 0) + 1
        // Callback style: the turn still waits for this save to complete.
        session.save(() => undefined)
        ack(session.count)
      }),
    )
  })
}

afterEach(async () => {
  await app.close()
})

/** Sends `total` events spread over the sockets, `inFlight` at a time per socket. */
const hammer = async (sockets: ClientSocket[], event: string, total: number, inFlight: number): Promise<unknown[]> => {
  const perSocket = total / sockets.length
  const answers: unknown[] = []
  await Promise.all(
    sockets.map(async (socket) => {
      for (let sent = 0; sent < perSocket; sent += inFlight) {
        const batch = Array.from({ length: Math.min(inFlight, perSocket - sent) }, () => ask(socket, event))
        answers.push(...(await Promise.all(batch)))
      }
    }),
  )
  return answers
}

const countOverHttp = async (cookie: string): Promise<unknown> => (await app.readSession(cookie))?.['count']

describe('per-session serialization', () => {
  it.each(['inc', 'inc-cb'])('3 sockets of one session, 300 "%s" events, many in flight: the count is exactly 300', async (event) => {
    await setup(true)
    const cookie = await app.login()
    const sockets = await Promise.all([0, 1, 2].map(() => connected(app.connect(cookie))))
    const answers = await hammer(sockets, event, 300, 25)
    expect(answers).toHaveLength(300)
    // Every event saw a distinct count: no two turns overlapped.
    expect(new Set(answers).size).toBe(300)
    expect(await countOverHttp(cookie)).toBe(300)
  })

  it('with serialize: false the same load gives no guarantee (the count never exceeds the events)', async () => {
    await setup(false)
    const cookie = await app.login()
    const sockets = await Promise.all([0, 1, 2].map(() => connected(app.connect(cookie))))
    const answers = await hammer(sockets, 'inc', 300, 25)
    expect(answers).toHaveLength(300)
    const count = await countOverHttp(cookie)
    expect(typeof count).toBe('number')
    expect(count).toBeLessThanOrEqual(300)
  })

  it("events of one socket run in arrival order, and another session's events are not held up", async () => {
    app = await startApp()
    const { withSession, authorize } = sessionAccess({ store: app.store, secret: app.secret })
    const gate = latch()
    const order: string[] = []
    app.io.use(authorize)
    app.io.on('connection', (socket) => {
      socket.on(
        'step',
        withSession(async (session, label: string, ack: (l: string) => void) => {
          if (label === 'blocker') await gate.promise
          order.push(`${session.user?.name}:${label}`)
          ack(label)
        }),
      )
    })
    const slow = await connected(app.connect(await app.login('slow')))
    const fast = await connected(app.connect(await app.login('fast')))
    const slowAnswers = Promise.all(['blocker', 'a', 'b', 'c'].map((l) => ask(slow, 'step', l)))
    expect(await ask(fast, 'step', 'meanwhile')).toBe('meanwhile')
    expect(order).toEqual(['fast:meanwhile'])
    gate.open()
    expect(await slowAnswers).toEqual(['blocker', 'a', 'b', 'c'])
    expect(order).toEqual(['fast:meanwhile', 'slow:blocker', 'slow:a', 'slow:b', 'slow:c'])
  })

  it('frees its per-session bookkeeping once events are done and sockets are gone', async () => {
    await setup(true)
    const cookies = await Promise.all([app.login('a'), app.login('b')])
    const sockets = await Promise.all(cookies.flatMap((c) => [connected(app.connect(c)), connected(app.connect(c))]))
    await hammer(sockets, 'inc', 40, 5)
    expect(access.stats()).toEqual({ queuedSessions: 0, activeSessions: 2, rollingEntries: 0, outageEntries: 0, revalidatedSessions: 0 })
    for (const s of sockets) s.disconnect()
    await backToIdle(access)
  })
})
