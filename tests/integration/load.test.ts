import { sessionAccess } from '../../src'
import { type TestApp, ask, backToIdle, connected, startApp } from '../support/app'

let app: TestApp

afterEach(async () => {
  await app.close()
})

describe('load', () => {
  it('200 sockets (100 sessions) x 20 events, serialized: every ack answered, every count exact, bookkeeping back to empty', async () => {
    app = await startApp()
    const access = sessionAccess({ store: app.store, secret: app.secret })
    app.io.use(access.authorize)
    app.io.on('connection', (socket) => {
      socket.on(
        'inc',
        access.withSession(async (session, ack: (n: number | undefined) => void) => {
          session.count = (session.count ?? 0) + 1
          await session.save()
          ack(session.count)
        }),
      )
    })
    const cookies = await Promise.all(Array.from({ length: 100 }, (_, i) => app.login(`user${i}`)))
    const sockets = await Promise.all(cookies.flatMap((c) => [connected(app.connect(c)), connected(app.connect(c))]))
    const acks = await Promise.all(
      sockets.map(async (socket) => {
        const answers = await Promise.all(Array.from({ length: 20 }, () => ask(socket, 'inc')))
        return answers.filter((a) => typeof a === 'number').length
      }),
    )
    expect(acks.reduce((a, b) => a + b, 0)).toBe(200 * 20)
    const counts = await Promise.all(cookies.map(async (c) => (await app.readSession(c))?.['count']))
    expect(counts).toEqual(cookies.map(() => 40))
    expect(access.stats().queuedSessions).toBe(0)
    for (const s of sockets) s.disconnect()
    await backToIdle(access)
  })
})
