// commit: 'compare-and-set' in one process, on connect-redis and the real Redis: an HTTP save that
// lands between a handler's load and its save is merged under, kept by a second save, picked up
// by reload(); a conflicting one is answered SessionConflict through the ack and onError.
import { RedisStore } from 'connect-redis'
import { type DefaultSessionData, type SessionAccess, sessionAccess } from '../../src'
import { type TestApp, ask, connected, latch, sidOfCookie, startApp } from '../support/app'
import { REDIS_URL, RUN_PREFIX, type RedisClient, connectRedis, deleteKeys, describeWith, probeRedis } from '../support/redis'

const PREFIX = `${RUN_PREFIX}cas:`
const SECRET = 'cas secret'

describeWith(probeRedis())(`commit: 'compare-and-set' on ${REDIS_URL}`, () => {
  let client: RedisClient
  let app: TestApp
  let access: SessionAccess<DefaultSessionData>
  const reported: string[] = []
  // Each handler waits here after its load, so the test can write over HTTP in between.
  let gate = latch()
  let loadedSignal = latch()

  beforeAll(async () => {
    ;({ client } = await connectRedis())
    const store = new RedisStore({ client, prefix: PREFIX })
    app = await startApp({ store, secret: SECRET })
    access = sessionAccess({ store, secret: SECRET, io: app.io, commit: 'compare-and-set', onError: (e) => reported.push(e._tag) })
    app.io.use(access.authorize)
    app.io.on('connection', (socket) => {
      socket.on(
        'noteTwice',
        access.withSession(async (s, ack: (data: unknown) => void) => {
          loadedSignal.open()
          await gate.promise
          s.note = 'first'
          await s.save()
          const afterMerge = s.user?.name
          s.note = 'second'
          await s.save()
          ack({ afterMerge })
        }),
      )
      socket.on(
        'reloadThenCount',
        access.withSession(async (s, ack: (data: unknown) => void) => {
          loadedSignal.open()
          await gate.promise
          await s.reload()
          s.count = (s.count ?? 0) + 1
          await s.save()
          ack(s.count)
        }),
      )
      socket.on(
        'count',
        access.withSession(async (s, ack: (data: unknown) => void) => {
          loadedSignal.open()
          await gate.promise
          s.count = (s.count ?? 0) + 1
          await s.save()
          ack(s.count)
        }),
      )
    })
  })

  afterAll(async () => {
    await app?.close()
    await deleteKeys(client, PREFIX)
    client?.destroy()
  })

  beforeEach(() => {
    gate = latch()
    loadedSignal = latch()
    reported.length = 0
  })

  /** Sends `event`, writes `fields` over HTTP once the handler has loaded, then lets it go on. */
  const withHttpWriteMeanwhile = async (cookie: string, event: string, fields: Record<string, unknown>): Promise<unknown> => {
    const socket = await connected(app.connect(cookie))
    const answer = ask(socket, event)
    await loadedSignal.promise
    await app.writeSession(cookie, fields)
    gate.open()
    return answer
  }

  it('merges its change onto an HTTP save made meanwhile, adopts it, and a second save keeps it', async () => {
    const cookie = await app.login('ada')
    expect(await withHttpWriteMeanwhile(cookie, 'noteTwice', { user: { name: 'ada lovelace' } })).toEqual({ afterMerge: 'ada lovelace' })
    expect(await app.readSession(cookie)).toEqual({ user: { name: 'ada lovelace' }, note: 'second' })
    expect(reported).toEqual([])
  })

  it('reload() renews the version: a save after it does not conflict with the save it picked up', async () => {
    const cookie = await app.login('grace')
    expect(await withHttpWriteMeanwhile(cookie, 'reloadThenCount', { count: 10 })).toBe(11)
    expect(await app.readSession(cookie)).toMatchObject({ count: 11 })
  })

  it('a key changed both over HTTP and by the handler: SessionConflict in the ack and to onError, the HTTP value stays', async () => {
    const cookie = await app.login('alan')
    const answer = await withHttpWriteMeanwhile(cookie, 'count', { count: 10 })
    expect(answer).toEqual({ error: { code: 'SessionConflict', message: expect.any(String) } })
    expect(reported).toEqual(['SessionConflict'])
    expect(await app.readSession(cookie)).toMatchObject({ count: 10 })
  })

  it('a logout between load and save: SessionNotFound, nothing recreated', async () => {
    const cookie = await app.login('leaving')
    const socket = await connected(app.connect(cookie))
    const answer = ask(socket, 'count')
    await loadedSignal.promise
    await app.logout(cookie)
    gate.open()
    expect(await answer).toEqual({ error: { code: 'SessionNotFound', message: expect.any(String) } })
    expect(await app.readSession(cookie)).toBeNull()
    expect(await client.exists(PREFIX + sidOfCookie(cookie))).toBe(0)
  })
})
