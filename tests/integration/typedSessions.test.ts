import * as t from 'io-ts'
import { type AccessFailure, sessionAccess } from '../../src'
import { type TestApp, ask, connected, startApp } from '../support/app'

let app: TestApp
let failures: AccessFailure[]

const Profile = t.type({ user: t.type({ name: t.string }), count: t.union([t.number, t.undefined]) })

beforeEach(async () => {
  app = await startApp()
  failures = []
  const { withSession, authorize } = sessionAccess({
    store: app.store,
    secret: app.secret,
    codec: Profile,
    onError: (e) => failures.push(e),
  })
  app.io.use(authorize)
  app.io.on('connection', (socket) => {
    socket.on(
      'inc',
      withSession(async (s, ack: (r: unknown) => void) => {
        s.count = (s.count ?? 0) + 1
        await s.save()
        ack({ name: s.user.name.toUpperCase(), count: s.count })
      }),
    )
  })
})
afterEach(async () => {
  await app.close()
})

describe('typed sessions with an io-ts codec', () => {
  it('hands valid data to the handler, typed, and saves it back with the fields the codec does not know', async () => {
    const cookie = await app.login('ada')
    await app.writeSession(cookie, { note: 'kept' })
    const client = await connected(app.connect(cookie))
    expect(await ask(client, 'inc')).toEqual({ name: 'ADA', count: 1 })
    expect(await app.readSession(cookie)).toMatchObject({ note: 'kept', count: 1, user: { name: 'ada' } })
  })

  it('data that fails to decode is InvalidSession with readable paths, before the handler runs', async () => {
    const cookie = await app.login('ada')
    const client = await connected(app.connect(cookie))
    await app.writeSession(cookie, { count: 'seven', user: { name: 42 } })
    expect(await ask(client, 'inc')).toEqual({ error: { code: 'InvalidSession', message: expect.stringContaining('count') } })
    expect(failures).toHaveLength(1)
    const [failure] = failures
    expect(failure?._tag).toBe('InvalidSession')
    if (failure?._tag !== 'InvalidSession') return
    expect(failure.errors).toEqual(
      expect.arrayContaining(['user.name: expected string, got number', expect.stringMatching(/^count: expected .*, got string$/)]),
    )
    // The stored values never appear in the messages.
    expect(failure.errors.join(' ')).not.toContain('seven')
    // The handler did not run: nothing was written.
    expect(await app.readSession(cookie)).toMatchObject({ count: 'seven' })
  })
})
