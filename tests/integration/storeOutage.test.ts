import session from 'express-session'
import { sessionAccess } from '../../src'
import { type TestApp, ask, backToIdle, connected, sleep, startApp } from '../support/app'

let app: TestApp

afterEach(async () => {
  await app.close()
})

/** A real MemoryStore that can stop answering, as a paused Redis does. */
const pausableStore = (): { readonly store: session.MemoryStore; pause(): void; resume(): void } => {
  const store = new session.MemoryStore()
  const get = store.get.bind(store)
  let paused = false
  store.get = (sid, cb) => {
    if (!paused) get(sid, cb)
  }
  return { store, pause: () => (paused = true), resume: () => (paused = false) }
}

describe('a store outage under serialization', () => {
  it('events sent without waiting are all answered within one storeTimeoutMs, not one timeout after another', async () => {
    const outage = pausableStore()
    app = await startApp({ store: outage.store })
    const timeoutMs = 400
    const reported: string[] = []
    const access = sessionAccess({ store: app.store, secret: app.secret, storeTimeoutMs: timeoutMs, onError: (e) => void reported.push(e._tag) })
    app.io.use(access.authorize)
    app.io.on('connection', (socket) => {
      socket.on('read', access.withSession((s, ack: (r: unknown) => void) => ack(s.user?.name)))
    })
    const client = await connected(app.connect(await app.login('patient')))
    outage.pause()
    const sent = Array.from({ length: 8 }, async (_, i) => {
      await sleep(i * 40)
      const started = Date.now()
      const answer = await ask(client, 'read')
      return { answer, ms: Date.now() - started }
    })
    const results = await Promise.all(sent)
    for (const { answer, ms } of results) {
      expect(answer).toEqual({ error: { code: 'StoreTimeout', message: expect.any(String) } })
      expect(ms).toBeLessThan(timeoutMs + 1000)
    }
    // Queued behind the first timeout, the later ones were answered at once, not each after 400 ms.
    expect(Math.max(...results.map((r) => r.ms))).toBeLessThan(2 * timeoutMs)
    expect(reported).toEqual(results.map(() => 'StoreTimeout'))
    outage.resume()
    expect(await ask(client, 'read')).toBe('patient')
    client.disconnect()
    await backToIdle(access)
  })
})

describe('a long queue', () => {
  it('answers 3,000 events queued behind a timeout, failing fast one after another without deep recursion', async () => {
    const outage = pausableStore()
    app = await startApp({ store: outage.store })
    const reported: string[] = []
    // The queue limit raised above the 3,000 so that every event waits (see tests/integration/boundedWork.test.ts).
    const access = sessionAccess({ store: app.store, secret: app.secret, storeTimeoutMs: 300, maxQueuedEvents: 5000, onError: (e) => void reported.push(e._tag) })
    app.io.use(access.authorize)
    app.io.on('connection', (socket) => {
      socket.on('read', access.withSession((s, ack: (r: unknown) => void) => ack(s.user?.name)))
    })
    const client = await connected(app.connect(await app.login('queued')))
    outage.pause()
    const answers = await Promise.all(Array.from({ length: 3000 }, () => ask(client, 'read')))
    expect(answers).toHaveLength(3000)
    expect(answers.filter((a) => !JSON.stringify(a).includes('"code":"StoreTimeout"'))).toEqual([])
    expect(reported).toHaveLength(3000)
    outage.resume()
    expect(await ask(client, 'read')).toBe('queued')
  })
})
