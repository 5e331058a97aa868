// The server runs in a process of its own, with Node's default handling of uncaught exceptions
// and unhandled rejections (the process ends): every hostile event of HOSTILE_EVENTS, with a
// logger and an onError that throw, is answered once with its tag, and the process is alive and
// answering afterwards. Without the library's guards, the first of them ends the process.
import { expectToSurvive } from '../support/hostile/scenario'
import { CHILD_SETUP_TIMEOUT_MS } from '../support/childServer'
import { type HostileServer, startHostileServer } from '../support/hostile/spawn'

describe('a server process with a MemoryStore', () => {
  let server: HostileServer

  beforeAll(async () => {
    server = await startHostileServer({ HOSTILE_STORE: 'memory' })
  }, CHILD_SETUP_TIMEOUT_MS)

  afterAll(async () => {
    await server?.stop()
  })

  it('answers every hostile event once, with its tag, and stays up', async () => {
    await expectToSurvive(server)
    expect(await server.get('/failures')).toMatchObject({ UnserializableSession: 5, HandlerFailure: 5, HandlerTimeout: 2, InvalidSession: 1 })
  }, 30_000)
})
