import session from 'express-session'
import { sessionAccess } from '../../src'
import { type TestApp, ask, connected, sleep, startApp, sidOfCookie } from '../support/app'

let app: TestApp
let sets: number
let touches: number

/** A real MemoryStore whose writes are counted. */
const countingStore = (): session.MemoryStore => {
  const store = new session.MemoryStore()
  const set = store.set.bind(store)
  const touch = store.touch.bind(store)
  store.set = (sid, data, cb) => {
    sets += 1
    set(sid, data, cb)
  }
  store.touch = (sid, data, cb) => {
    touches += 1
    touch(sid, data, cb)
  }
  return store
}

const existsInStore = (sid: string): Promise<boolean> =>
  new Promise((resolve) => app.store.get(sid, (_err, s) => resolve(s !== undefined && s !== null)))



beforeEach(() => {
  sets = 0
  touches = 0
})
afterEach(async () => {
  await app.close()
})

describe('autoSave', () => {
  beforeEach(async () => {
    app = await startApp({ store: countingStore() })
    const { withSession, authorize } = sessionAccess({ store: app.store, secret: app.secret, autoSave: true })
    app.io.use(authorize)
    app.io.on('connection', (socket) => {
      socket.on('read', withSession((s, ack: (n: unknown) => void) => ack(s.count)))
      socket.on(
        'inc',
        withSession((s, ack: (n: unknown) => void) => {
          s.count = (s.count ?? 0) + 1
          ack(s.count)
        }),
      )
      socket.on(
        'same',
        withSession((s, ack: (n: unknown) => void) => {
          s.user = { name: s.user?.name ?? '' }
          ack(s.user.name)
        }),
      )
    })
  })

  it('saves after the turn when the data changed, with no explicit save', async () => {
    const cookie = await app.login()
    const client = await connected(app.connect(cookie))
    const before = sets
    expect(await ask(client, 'inc')).toBe(1)
    expect(await ask(client, 'inc')).toBe(2)
    // The ack comes from inside the handler; the save follows the turn. A read-only event
    // queued behind it proves the turn (and its save) has finished.
    await ask(client, 'read')
    expect(sets - before).toBe(2)
    expect(await app.readSession(cookie)).toMatchObject({ count: 2 })
  })

  it('read-only events, and writes of equal values, cause no store write', async () => {
    const client = await connected(app.connect(await app.login()))
    const before = sets
    for (let i = 0; i < 5; i++) await ask(client, 'read')
    expect(await ask(client, 'same')).toBe('ada')
    expect(sets).toBe(before)
  })
})

describe('rolling expiry', () => {
  const maxAge = 1200

  beforeEach(async () => {
    app = await startApp({ store: countingStore(), maxAge })
    const { withSession, authorize } = sessionAccess({
      store: app.store,
      secret: app.secret,
      rolling: true,
      touchIntervalMs: 300,
    })
    app.io.use(authorize)
    app.io.on('connection', (socket) => {
      socket.on('read', withSession((s, ack: (n: unknown) => void) => ack(s.user?.name)))
    })
  })

  it('a session kept busy only over the socket outlives its maxAge; an idle one expires', async () => {
    const busy = await app.login('busy')
    const idle = await app.login('idle')
    const busyClient = await connected(app.connect(busy))
    await connected(app.connect(idle))
    const started = Date.now()
    while (Date.now() - started < maxAge * 2) {
      expect(await ask(busyClient, 'read')).toBe('busy')
      await sleep(100)
    }
    expect(await existsInStore(sidOfCookie(busy))).toBe(true)
    expect(await existsInStore(sidOfCookie(idle))).toBe(false)
    // At most one touch per interval: ~2.4 s of activity at one event per ~100 ms.
    expect(touches).toBeGreaterThanOrEqual(4)
    expect(touches).toBeLessThanOrEqual(Math.ceil((maxAge * 2) / 300) + 1)
  })
})
