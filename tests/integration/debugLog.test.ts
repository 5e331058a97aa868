import { createHash } from 'node:crypto'
import { format } from 'node:util'
import debug from 'debug'
import { sessionAccess } from '../../src'
import { type TestApp, ask, connected, eventually, latch, refused, sidOfCookie, sleep, startApp } from '../support/app'

let app: TestApp | undefined
let lines: string[]
const writeToStderr = debug.log

beforeEach(() => {
  lines = []
  // Where `debug` writes every enabled line (stderr by default).
  debug.log = (...args: unknown[]) => void lines.push(format(...args))
})
afterEach(async () => {
  debug.disable()
  debug.log = writeToStderr
  await app?.close()
  app = undefined
})

const tagOf = (sid: string): string => createHash('sha256').update(sid).digest('hex').slice(0, 8)

/** A real server with `authorize`, an `inc` handler and a `slow` one that saves after a wait. */
const serve = async () => {
  const started = await startApp({ onLogout: (sid) => access.disconnectSession(sid) })
  app = started
  const access = sessionAccess({ store: started.store, secret: started.secret, io: started.io, onError: () => undefined })
  const release = latch()
  const arrived = { inc: 0 }
  started.io.use(access.authorize)
  started.io.on('connection', (socket) => {
    socket.on('inc', () => {
      arrived.inc++
    })
    socket.on(
      'inc',
      access.withSession(async (s, ack: (n: number) => void) => {
        s.count = (s.count ?? 0) + 1
        await s.save()
        ack(s.count)
      }),
    )
    socket.on(
      'slow',
      access.withSession(async (s, ack: (n: number) => void) => {
        await release.promise
        s.count = (s.count ?? 0) + 10
        await s.save()
        ack(s.count)
      }),
    )
    socket.on(
      'boom',
      access.withSession(() => {
        throw new Error('boom')
      }),
    )
  })
  return { started, release, arrived }
}

/** The lines of one namespace, without debug's timestamp. */
const of = (namespace: string): string[] =>
  lines.filter((l) => l.includes(`expression.socket.io:${namespace} `)).map((l) => l.slice(l.indexOf('expression.socket.io:')))

describe('DEBUG=expression.socket.io:*', () => {
  it('writes each step, a session appearing only as a hash tag: never its id, cookie or secret', async () => {
    debug.enable('expression.socket.io:*')
    const { started, release, arrived } = await serve()
    const cookie = await started.login('ada')
    const tag = tagOf(sidOfCookie(cookie))
    const client = await connected(started.connect(cookie))
    // `slow` holds the session's queue; `inc` waits behind it (at least 60 ms once it has arrived),
    // then saves.
    const slow = ask(client, 'slow')
    const inc = ask(client, 'inc')
    await eventually('`inc` reached the server', () => arrived.inc === 1)
    await sleep(60)
    release.open()
    expect(await slow).toBe(10)
    expect(await inc).toBe(11)
    expect(await ask(client, 'boom')).toMatchObject({ error: { code: 'HandlerFailure' } })
    expect((await refused(started.connect(undefined))).message).toBe('NoCookieHeader')
    await started.logout(cookie)
    await eventually('the logout disconnected the session', () => of('disconnect').length > 0)

    expect(of('handshake')).toEqual([
      `expression.socket.io:handshake / ${tag} ok`,
      'expression.socket.io:handshake / - no session: NoCookieHeader',
    ])
    expect(of('load')).toEqual(expect.arrayContaining([`expression.socket.io:load load ${tag} ok`]))
    expect(of('load')).toHaveLength(4) // the handshake and three events
    expect(of('save')).toEqual([`expression.socket.io:save save ${tag} ok`, `expression.socket.io:save save ${tag} ok`])
    // `slow` saved after waiting on I/O: the session's existence was read again first.
    expect(of('revalidate')).toEqual([`expression.socket.io:revalidate exists ${tag} ok`])
    expect(of('queue')).toHaveLength(3)
    expect(of('queue').every((l) => new RegExp(`^expression\\.socket\\.io:queue ${tag} waited \\d+\\.\\d ms$`).test(l))).toBe(true)
    const waits = of('queue').map((l) => Number(/waited ([\d.]+) ms/.exec(l)?.[1]))
    expect(waits[1]).toBeGreaterThanOrEqual(40) // `inc` waited for `slow`
    expect(of('error')).toEqual([
      `expression.socket.io:error HandlerFailure ${tag} in "boom": The event handler failed`,
      'expression.socket.io:error NoCookieHeader - in handshake or first event: The request carries no Cookie header',
    ])
    expect(of('disconnect')).toEqual([`expression.socket.io:disconnect ${tag} in 1 namespace(s), every node`])

    const all = lines.join('\n')
    expect(all).not.toContain(sidOfCookie(cookie))
    expect(all).not.toContain(decodeURIComponent(cookie.split('=')[1] ?? '-'))
    expect(all).not.toContain(started.secret)
  })

  it('one namespace alone, and nothing at all when debug is off', async () => {
    debug.enable('expression.socket.io:save')
    const { started, release } = await serve()
    release.open()
    const client = await connected(started.connect(await started.login('ada')))
    expect(await ask(client, 'inc')).toBe(1)
    expect(lines).toHaveLength(1)
    expect(lines[0]).toContain('expression.socket.io:save save ')
    debug.disable()
    expect(await ask(client, 'inc')).toBe(2)
    expect(await ask(client, 'boom')).toMatchObject({ error: { code: 'HandlerFailure' } })
    expect(lines).toHaveLength(1)
  })
})
