// As tests/integration/processSurvives.test.ts, on connect-redis and the real Redis, in both
// commit modes: every hostile event is answered once with its tag, and the process stays up.
import { expectToSurvive } from '../support/hostile/scenario'
import { CHILD_SETUP_TIMEOUT_MS } from '../support/childServer'
import { type HostileServer, startHostileServer } from '../support/hostile/spawn'
import { REDIS_URL, RUN_PREFIX, type RedisClient, connectRedis, deleteKeys, describeWith, probeRedis } from '../support/redis'

const PREFIX = `${RUN_PREFIX}process:`

describeWith(probeRedis())(`a server process on connect-redis (${REDIS_URL})`, () => {
  let client: RedisClient

  beforeAll(async () => {
    ;({ client } = await connectRedis())
  })

  afterAll(async () => {
    await deleteKeys(client, PREFIX)
    client?.destroy()
  })

  describe.each(['overwrite', 'compare-and-set'])('commit: %s', (commit) => {
    let server: HostileServer

    beforeAll(async () => {
      server = await startHostileServer({ HOSTILE_STORE: 'redis', HOSTILE_COMMIT: commit, HOSTILE_PREFIX: `${PREFIX}${commit}:`, REDIS_URL })
    }, CHILD_SETUP_TIMEOUT_MS)

    afterAll(async () => {
      await server?.stop()
    })

    it('answers every hostile event once, with its tag, and stays up', async () => {
      await expectToSurvive(server)
    }, 30_000)
  })
})
