// The server runs in a process of its own, with Node's default handling of uncaught exceptions
// and unhandled rejections (the process ends): every hostile event of HOSTILE_EVENTS, with a
// logger and an onError that throw, is answered once with its tag, and the process is alive and
// answering afterwards. Without the library's guards, the first of them ends the process.
import { HOSTILE_EVENTS, protoScenario, sendHostileEvents } from '../support/hostile/scenario'
import { CHILD_SETUP_TIMEOUT_MS } from '../support/childServer'
import { type HostileServer, startHostileServer } from '../support/hostile/spawn'
import { ask } from '../support/app'

describe('a server process with a MemoryStore', () => {
  let server: HostileServer

  beforeAll(async () => {
    server = await startHostileServer({ HOSTILE_STORE: 'memory' })
  }, CHILD_SETUP_TIMEOUT_MS)

  afterAll(async () => {
    await server?.stop()
  })

  it('answers every hostile event once, with its tag, and stays up', async () => {
    const cookie = await server.login()
    const socket = await server.connect(cookie)
    expect(await sendHostileEvents(socket)).toEqual(HOSTILE_EVENTS)
    expect(await protoScenario(server, cookie, socket)).toEqual([{ count: 1 }, 2])
    expect(await ask(socket, 'ping')).toBe('pong')
    expect(server.exit()).toBeNull()
    expect(server.stderr()).not.toMatch(/Uncaught|Unhandled|TypeError|RangeError/)
    expect(await server.get('/failures')).toMatchObject({ UnserializableSession: 5, HandlerFailure: 5, HandlerTimeout: 2, InvalidSession: 1 })
  }, 30_000)
})
