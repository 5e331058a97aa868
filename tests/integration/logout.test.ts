import type { Socket as ClientSocket } from 'socket.io-client'
import { SessionOperationError, sessionAccess } from '../../src'
import { type TestApp, ask, connected, latch, sidOfCookie, startApp } from '../support/app'

let app: TestApp

afterEach(async () => {
  await app.close()
})

const existsInStore = (cookie: string): Promise<boolean> => {
  const sid = sidOfCookie(cookie)
  return new Promise((resolve) => app.store.get(sid, (_e, s) => resolve(s !== undefined && s !== null)))
}

describe('logout reaches sockets', () => {
  it('a save never brings a destroyed session back: the handler loaded it, the user logged out, the save fails', async () => {
    app = await startApp()
    const { withSession, authorize } = sessionAccess({ store: app.store, secret: app.secret })
    const loaded = latch()
    const loggedOut = latch()
    app.io.use(authorize)
    app.io.on('connection', (socket) => {
      socket.on(
        'slow-save',
        withSession(async (session, ack: (r: unknown) => void) => {
          session.note = 'stale write'
          loaded.open()
          await loggedOut.promise
          try {
            await session.save()
            ack('saved')
          } catch (e) {
            ack(e instanceof SessionOperationError ? e.code : 'other')
          }
        }),
      )
    })
    const cookie = await app.login()
    const client = await connected(app.connect(cookie))
    const answer = ask(client, 'slow-save')
    await loaded.promise
    await app.logout(cookie)
    loggedOut.open()
    expect(await answer).toBe('SessionNotFound')
    expect(await existsInStore(cookie)).toBe(false)
    expect(await app.readSession(cookie)).toBeNull()
  })

  it('an unawaited save that is refused is still reported to the client and onError', async () => {
    app = await startApp()
    const reported: string[] = []
    const { withSession, authorize } = sessionAccess({ store: app.store, secret: app.secret, onError: (e) => reported.push(e._tag) })
    const loaded = latch()
    const gate = latch()
    app.io.use(authorize)
    app.io.on('connection', (socket) => {
      socket.on(
        'fire-and-forget',
        withSession(async (session) => {
          loaded.open()
          await gate.promise
          void session.save()
        }),
      )
    })
    const cookie = await app.login()
    const client = await connected(app.connect(cookie))
    const answer = ask(client, 'fire-and-forget')
    await loaded.promise
    await app.logout(cookie)
    gate.open()
    expect(await answer).toEqual({ error: { code: 'SessionNotFound', message: expect.any(String) } })
    expect(reported).toEqual(['SessionNotFound'])
  })

  it('a socket recovered by connection-state recovery (middlewares skipped) still gets SessionNotFound after logout', async () => {
    app = await startApp({
      ioOptions: { connectionStateRecovery: { maxDisconnectionDuration: 10_000, skipMiddlewares: true } },
    })
    const { withSession, authorize } = sessionAccess({ store: app.store, secret: app.secret })
    let middlewareRuns = 0
    app.io.use((socket, next) => {
      middlewareRuns += 1
      authorize(socket, next)
    })
    app.io.on('connection', (socket) => {
      socket.on('whoami', withSession((s, ack: (r: unknown) => void) => ack(s.user?.name)))
    })
    const cookie = await app.login('recovering')
    const client: ClientSocket = await connected(app.connect(cookie, { reconnection: true, reconnectionDelay: 50 }))
    expect(await ask(client, 'whoami')).toBe('recovering')
    // Recovery resumes from the offset of the last broadcast the client received.
    const hello = new Promise((resolve) => client.once('hello', resolve))
    app.io.emit('hello', 'world')
    await hello
    const reconnected = new Promise<void>((resolve) => client.io.once('reconnect', () => resolve()))
    // A network blip: the transport closes, the client reconnects and is recovered.
    client.io.engine.close()
    await app.logout(cookie)
    await reconnected
    await connected(client)
    expect(client.recovered).toBe(true)
    expect(middlewareRuns).toBe(1)
    expect(await ask(client, 'whoami')).toEqual({ error: { code: 'SessionNotFound', message: expect.any(String) } })
  })
})
