// The library's own store calls skip node-redis v6's per-command timer (an AbortSignal.timeout for
// every command): counted on a real server with connect-redis on the real Redis, in both commit
// modes, while express-session's own calls (the user's client, untouched) still arm it.
import { RedisStore } from 'connect-redis'
import type { Socket } from 'socket.io'
import { type CommitMode, sessionAccess } from '../../src'
import { type TestApp, ask, connected, startApp } from '../support/app'
import { REDIS_URL, RUN_PREFIX, type RedisClient, connectRedis, deleteKeys, describeWith, probeRedis } from '../support/redis'

const PREFIX = `${RUN_PREFIX}timer:`

describeWith(probeRedis())(`node-redis's per-command timer (${REDIS_URL})`, () => {
  let client: RedisClient
  let app: TestApp | undefined
  let timers = 0
  const original = AbortSignal.timeout.bind(AbortSignal)

  beforeAll(async () => {
    ;({ client } = await connectRedis())
    AbortSignal.timeout = (ms: number): AbortSignal => {
      timers += 1
      return original(ms)
    }
  })
  afterAll(async () => {
    AbortSignal.timeout = original
    await deleteKeys(client, PREFIX)
    client?.destroy()
  })
  afterEach(async () => {
    await app?.close()
    app = undefined
  })

  it.each<CommitMode>(['overwrite', 'compare-and-set'])('is not armed by the library’s store calls (commit: %s), and still is by express-session’s', async (commit) => {
    const store = new RedisStore({ client, prefix: `${PREFIX}${commit}:` })
    app = await startApp({ store })
    const access = sessionAccess({ store, secret: app.secret, commit })
    app.io.use(access.authorize)
    app.io.on('connection', (socket: Socket) => {
      socket.on(
        'inc',
        access.withSession(async (s, ack: (n: unknown) => void) => {
          s.count = (s.count ?? 0) + 1
          await s.save()
          ack(s.count)
        }),
      )
    })
    const cookie = await app.login('ada')
    const socket = await connected(app.connect(cookie))
    timers = 0
    for (let i = 1; i <= 20; i++) expect(await ask(socket, 'inc')).toBe(i)
    expect(timers).toBe(0)
    await app.readSession(cookie)
    expect(timers).toBeGreaterThan(0)
  })
})
