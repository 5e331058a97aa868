// A store that changes what it is given to write: session-file-store adds its `__lastAccess` field
// to the object passed to `set` (and answers a missing session with an ENOENT error). On a real
// express + express-session + Socket.IO server with that store in a temporary directory.
import { sessionAccess } from '../../src'
import { type TestApp, ask, connected, startApp } from '../support/app'
import { openFileStore } from '../support/fileStore'

let app: TestApp
let closeStore: () => Promise<void>
let sets: number

beforeEach(async () => {
  const { store, close } = await openFileStore()
  closeStore = close
  const set = store.set.bind(store)
  store.set = (sid, data, cb) => {
    sets += 1
    set(sid, data, cb)
  }
  sets = 0
  app = await startApp({ store })
})

afterEach(async () => {
  await app.close()
  await closeStore()
})

describe('a store that adds to what it writes (session-file-store)', () => {
  it('with autoSave, a handler that saved is not written a second time at the end of its turn', async () => {
    const { withSession, authorize } = sessionAccess({ store: app.store, secret: app.secret, autoSave: true })
    app.io.use(authorize)
    app.io.on('connection', (socket) => {
      socket.on(
        'inc',
        withSession(async (s, ack: (n: unknown) => void) => {
          s.count = (s.count ?? 0) + 1
          await s.save()
          ack(s.count)
        }),
      )
      socket.on('read', withSession((s, ack: (n: unknown) => void) => ack(s.count ?? 0)))
    })
    const cookie = await app.login()
    const client = await connected(app.connect(cookie))
    sets = 0
    expect(await ask(client, 'inc')).toBe(1)
    expect(await ask(client, 'inc')).toBe(2)
    expect(sets).toBe(2)
    // A read-only turn loads the store's field with the data, and writes nothing.
    expect(await ask(client, 'read')).toBe(2)
    expect(sets).toBe(2)
    expect(await app.readSession(cookie)).toMatchObject({ count: 2 })
  })

  it('a session removed from the store (an ENOENT answer) is SessionNotFound to the handler, not a store failure', async () => {
    const reported: string[] = []
    const { withSessionE, authorize } = sessionAccess({ store: app.store, secret: app.secret, onError: (e) => reported.push(e._tag) })
    app.io.use(authorize)
    app.io.on('connection', (socket) => {
      socket.on('inspect', withSessionE((err, s, ack: (r: unknown) => void) => ack(err === null ? { count: s?.count ?? 0 } : { err: err._tag })))
    })
    const cookie = await app.login()
    const client = await connected(app.connect(cookie))
    expect(await ask(client, 'inspect')).toEqual({ count: 0 })
    await app.logout(cookie)
    expect(await ask(client, 'inspect')).toEqual({ err: 'SessionNotFound' })
    expect(await ask(client, 'inspect')).toEqual({ err: 'SessionNotFound' })
    expect(reported).not.toContain('StoreFailure')
  })
})
