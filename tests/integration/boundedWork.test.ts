// The work a client can leave behind is bounded, on a real server with real clients: a queue
// limit per session (SessionQueueFull at once), the waiting events of a socket that disconnects
// dropped, and handlerTimeoutMs for a handler that never settles.
import type { Socket } from 'socket.io'
import { type AccessFailure, type SessionAccessConfig, sessionAccess } from '../../src'
import { appPerTest, ask, backToIdle, connected, eventually, latch, sleep } from '../support/app'

const startApp = appPerTest()

type Config = Omit<SessionAccessConfig<Record<string, unknown>>, 'store' | 'secret'>

/** `slow`: waits `ms` then acks; `hang`: never settles (but may save late); `read`/`inc` as usual. */
const boundedApp = async (config: Config) => {
  const app = await startApp()
  const failures: AccessFailure[] = []
  const counters = { slowRuns: 0, runsAtDisconnect: -1, lateSave: latch<unknown>() }
  const access = sessionAccess<Record<string, unknown>>({ store: app.store, secret: app.secret, onError: (e) => void failures.push(e), ...config })
  app.io.use(access.authorize)
  app.io.on('connection', (socket: Socket) => {
    socket.on('disconnect', () => void (counters.runsAtDisconnect = counters.slowRuns))
    socket.on(
      'slow',
      access.withSession(async (_s, ms: number, ack: (r: unknown) => void) => {
        counters.slowRuns += 1
        await sleep(ms)
        ack('slept')
      }),
    )
    socket.on(
      'hang',
      access.withSession(async (s, ack: (r: unknown) => void) => {
        // Never settles before the deadline; then tries to write.
        await sleep(300)
        s['count'] = 99
        counters.lateSave.open(await s.save().then(() => 'saved', (e: unknown) => e))
        ack('too late')
      }),
    )
    socket.on(
      'inc',
      access.withSession(async (s, ack: (r: unknown) => void) => {
        s['count'] = (typeof s['count'] === 'number' ? s['count'] : 0) + 1
        await s.save()
        ack(s['count'])
      }),
    )
  })
  return { app, access, failures, counters }
}

const codeOf = (answer: unknown): unknown =>
  typeof answer === 'object' && answer !== null && 'error' in answer && typeof answer.error === 'object' && answer.error !== null && 'code' in answer.error
    ? answer.error.code
    : answer

describe('maxQueuedEvents', () => {
  it('refuses at once, with SessionQueueFull, the events of a session beyond the limit; those within it run', async () => {
    const { app, failures } = await boundedApp({ maxQueuedEvents: 5 })
    const client = await connected(app.connect(await app.login('flood')))
    const sentAt = performance.now()
    const answers = Array.from({ length: 12 }, () => ask(client, 'slow', 30).then((a) => ({ code: codeOf(a), at: performance.now() - sentAt })))
    const settled = await Promise.all(answers)
    // One runs, five wait, six are refused.
    expect(settled.map((a) => a.code)).toEqual([...Array(6).fill('slept'), ...Array(6).fill('SessionQueueFull')])
    // The refusals were answered long before the accepted ones (6 × 30 ms of work).
    const refusedLast = Math.max(...settled.filter((a) => a.code === 'SessionQueueFull').map((a) => a.at))
    const acceptedLast = Math.max(...settled.filter((a) => a.code === 'slept').map((a) => a.at))
    expect(refusedLast).toBeLessThan(acceptedLast)
    expect(failures.map((f) => f._tag)).toEqual(Array(6).fill('SessionQueueFull'))
    expect(failures[0]).toEqual({ _tag: 'SessionQueueFull', limit: 5 })
  })

  it('counts per session: another session’s events are not refused', async () => {
    const { app } = await boundedApp({ maxQueuedEvents: 2 })
    const flooder = await connected(app.connect(await app.login('flooder')))
    const other = await connected(app.connect(await app.login('other')))
    const flood = Array.from({ length: 6 }, () => ask(flooder, 'slow', 30))
    expect(await ask(other, 'inc')).toBe(1)
    expect((await Promise.all(flood)).map(codeOf).filter((c) => c === 'SessionQueueFull')).toHaveLength(3)
  })

  it('is validated: a positive integer or Infinity', () => {
    const store = { get: () => undefined, set: () => undefined, destroy: () => undefined }
    expect(() => sessionAccess({ store, secret: 's', maxQueuedEvents: 0 })).toThrow(/"maxQueuedEvents"/)
    expect(() => sessionAccess({ store, secret: 's', maxQueuedEvents: 2.5 })).toThrow(/"maxQueuedEvents"/)
    expect(() => sessionAccess({ store, secret: 's', maxQueuedEvents: Infinity })).not.toThrow()
  })
})

describe('a socket that disconnects with events waiting', () => {
  it('leaves no work behind: its waiting events are dropped, the running one finishes, nothing is kept', async () => {
    const { app, access, counters } = await boundedApp({})
    const client = await connected(app.connect(await app.login('leaver')))
    const first = new Promise((resolve) => client.emit('slow', 40, resolve))
    for (let i = 1; i < 200; i++) client.emit('slow', 40, () => undefined)
    await first
    client.disconnect()
    // The session goes idle as soon as the event running at the disconnection ends: without the
    // drop, 198 × 40 ms ≈ 8 s of work would be left.
    await eventually('the session is idle', () => counters.runsAtDisconnect >= 0 && access.stats().queuedSessions === 0, 4000)
    expect(counters.slowRuns).toBe(counters.runsAtDisconnect)
    await backToIdle(access)
  })

  it('does not drop the waiting events of the session’s other sockets', async () => {
    const { app } = await boundedApp({})
    const cookie = await app.login('two tabs')
    const leaving = await connected(app.connect(cookie))
    const staying = await connected(app.connect(cookie))
    for (let i = 0; i < 5; i++) leaving.emit('slow', 20, () => undefined)
    const kept = Array.from({ length: 3 }, () => ask(staying, 'inc'))
    leaving.disconnect()
    expect((await Promise.all(kept)).sort()).toEqual([1, 2, 3])
  })
})

describe('handlerTimeoutMs', () => {
  it('ends a handler that does not settle in time with HandlerTimeout; the session’s next event runs; its late save writes nothing', async () => {
    const { app, failures, counters } = await boundedApp({ handlerTimeoutMs: 80 })
    const cookie = await app.login('slowpoke')
    const client = await connected(app.connect(cookie))
    // The handler sleeps 300 ms; only the deadline can answer HandlerTimeout.
    expect(codeOf(await ask(client, 'hang'))).toBe('HandlerTimeout')
    expect(failures).toEqual([{ _tag: 'HandlerTimeout', ms: 80 }])
    // The queue moved on while the handler still runs.
    expect(await ask(client, 'inc')).toBe(1)
    expect(await counters.lateSave.promise).toMatchObject({ code: 'HandlerTimeout' })
    expect(await app.readSession(cookie)).toEqual({ user: { name: 'slowpoke' }, count: 1 })
  })

  it('is validated: a positive number of ms', () => {
    const store = { get: () => undefined, set: () => undefined, destroy: () => undefined }
    expect(() => sessionAccess({ store, secret: 's', handlerTimeoutMs: -1 })).toThrow(/"handlerTimeoutMs"/)
  })
})
