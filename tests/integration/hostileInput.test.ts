// Hostile input on a real express-session + Socket.IO server with socket.io-client clients and a
// real MemoryStore: values that are not JSON, stored keys that name a prototype or a method,
// stores, onError and loggers that throw. Each ends in a tagged ack and `onError`, writes
// nothing it should not, and leaves the session's next event and the process unharmed.
import createDebug from 'debug'
import session from 'express-session'
import type { Socket } from 'socket.io'
import { type AccessFailure, type SessionAccessConfig, type SessionStore, sessionAccess } from '../../src'
import { type TestApp, appPerTest, ask, backToIdle, connected, sidOfCookie } from '../support/app'

const startApp = appPerTest()

type Config = Omit<SessionAccessConfig<Record<string, unknown>>, 'store' | 'secret'>

/** Hostile handlers on a real app; `onError` failures are collected. */
const hostileApp = async (config: Config = {}, store?: session.Store) => {
  const app = await startApp(store === undefined ? {} : { store })
  const failures: AccessFailure[] = []
  const access = sessionAccess<Record<string, unknown>>({
    store: app.store,
    secret: app.secret,
    onError: (e) => void failures.push(e),
    ...config,
  })
  app.io.use(access.authorize)
  app.io.on('connection', (socket: Socket) => {
    socket.on(
      'circular',
      access.withSession(async (s, how: string, ack: (r: unknown) => void) => {
        const o: Record<string, unknown> = { n: 1 }
        o['self'] = o
        if (how === 'bigint') s['big'] = BigInt(1)
        else if (how === 'toJSON') s['when'] = { toJSON: () => { throw new Error('toJSON') } }
        else s['cart'] = o
        if (how === 'explicit') await s.save()
        ack('done')
      }),
    )
    socket.on(
      'oddSaved',
      access.withSession(async (s, how: string, ack: (r: unknown) => void) => {
        // Values a cheap look takes for plain data: an array whose toJSON throws, a getter that throws.
        if (how === 'arrayToJSON') s['list'] = Object.assign([1, 2], { toJSON: () => { throw new Error('toJSON') } })
        else s['user'] = Object.defineProperty({}, 'name', { enumerable: true, get: () => { throw new Error('getter') } })
        await s.save()
        ack('done')
      }),
    )
    socket.on(
      'circularSync',
      access.withSession((s, ack: (r: unknown) => void) => {
        const o: Record<string, unknown> = {}
        o['self'] = o
        s['cart'] = o
        ack('done')
      }),
    )
    socket.on('read', access.withSession((s, ack: (r: unknown) => void) => ack({ isAdmin: Reflect.get(s, 'isAdmin'), save: typeof s.save, count: s['count'], proto: Object.getOwnPropertyDescriptor(s, '__proto__')?.value })))
    socket.on(
      'inc',
      access.withSession((s, ack: (r: unknown) => void) => {
        const next = (typeof s['count'] === 'number' ? s['count'] : 0) + 1
        s['count'] = next
        ack(next)
      }),
    )
    socket.on(
      'logout',
      access.withSession(async (s, ack: (r: unknown) => void) => {
        await s.destroy()
        ack('gone')
      }),
    )
    socket.on(
      'touch',
      access.withSession(async (s, ack: (r: unknown) => void) => {
        await s.touch()
        ack('touched')
      }),
    )
    socket.on(
      'incSaved',
      access.withSession(async (s, ack: (r: unknown) => void) => {
        s['count'] = (typeof s['count'] === 'number' ? s['count'] : 0) + 1
        await s.save()
        ack(s['count'])
      }),
    )
  })
  return { app, access, failures }
}

const codeOf = (answer: unknown): unknown =>
  typeof answer === 'object' && answer !== null && 'error' in answer && typeof answer.error === 'object' && answer.error !== null && 'code' in answer.error
    ? answer.error.code
    : undefined

/** Writes `json` as the stored data of the session behind `cookie`, as another service would. */
const writeRaw = (app: TestApp, cookie: string, json: string): Promise<void> =>
  new Promise((resolve, reject) => {
    const sid = sidOfCookie(cookie)
    app.store.get(sid, (err, current) => {
      if (err || current === null || current === undefined) return reject(new Error('no session'))
      const data = { ...JSON.parse(json), cookie: current.cookie }
      app.store.set(sid, data, (e) => (e ? reject(e) : resolve()))
    })
  })

describe('a value that is not JSON, saved by a handler', () => {
  it.each([
    { how: 'circular', path: 'cart.self', reason: 'circular' },
    { how: 'bigint', path: 'big', reason: 'bigint' },
    { how: 'toJSON', path: 'when', reason: 'toJSON threw' },
  ])('with autoSave ($how): the ack and onError get UnserializableSession, nothing is written, the next event runs', async ({ how, path, reason }) => {
    const { app, failures, access } = await hostileApp({ autoSave: true })
    const cookie = await app.login('ada')
    const client = await connected(app.connect(cookie))
    const answer = await ask(client, 'circular', how)
    expect(answer).toEqual({ error: { code: 'UnserializableSession', message: expect.stringContaining(`${reason} at ${path}`) } })
    expect(failures).toMatchObject([{ _tag: 'UnserializableSession', path, reason }])
    expect(await app.readSession(cookie)).toEqual({ user: { name: 'ada' } })
    expect(await ask(client, 'inc')).toBe(1)
    expect(await app.readSession(cookie)).toEqual({ user: { name: 'ada' }, count: 1 })
    client.disconnect()
    await backToIdle(access)
  })

  it('with autoSave after a synchronous handler', async () => {
    const { app, failures } = await hostileApp({ autoSave: true })
    const cookie = await app.login('ada')
    const client = await connected(app.connect(cookie))
    expect(codeOf(await ask(client, 'circularSync'))).toBe('UnserializableSession')
    expect(failures.map((f) => f._tag)).toEqual(['UnserializableSession'])
    expect(await ask(client, 'inc')).toBe(1)
  })

  it('by an explicit save(): the handler’s await rejects with the tag', async () => {
    const { app, failures } = await hostileApp()
    const cookie = await app.login('ada')
    const client = await connected(app.connect(cookie))
    expect(codeOf(await ask(client, 'circular', 'explicit'))).toBe('UnserializableSession')
    expect(failures.map((f) => f._tag)).toEqual(['UnserializableSession'])
    expect(await app.readSession(cookie)).toEqual({ user: { name: 'ada' } })
    expect(await ask(client, 'incSaved')).toBe(1)
  })

  it.each([
    { how: 'arrayToJSON', path: 'list', reason: 'toJSON threw' },
    { how: 'getter', path: 'session', reason: 'unserializable' },
  ])('by an explicit save() of what looks like plain data ($how): UnserializableSession, not StoreFailure; nothing written', async ({ how, path, reason }) => {
    const { app, failures } = await hostileApp()
    const cookie = await app.login('ada')
    const client = await connected(app.connect(cookie))
    expect(codeOf(await ask(client, 'oddSaved', how))).toBe('UnserializableSession')
    expect(failures).toMatchObject([{ _tag: 'UnserializableSession', path, reason }])
    expect(await app.readSession(cookie)).toEqual({ user: { name: 'ada' } })
    expect(await ask(client, 'incSaved')).toBe(1)
  })
})

describe('a stored __proto__ key (written by another service)', () => {
  it('is data to the handler: no isAdmin through the prototype, the methods stay, an autoSave read-only event writes nothing and crashes nothing', async () => {
    const { app, failures } = await hostileApp({ autoSave: true })
    const cookie = await app.login('ada')
    await writeRaw(app, cookie, '{"__proto__":{"isAdmin":true},"user":{"name":"ada"},"count":4}')
    const client = await connected(app.connect(cookie))
    const rawOf = () => new Promise<string>((resolve) => app.store.get(sidOfCookie(cookie), (_e, s) => resolve(JSON.stringify(s))))
    expect(await ask(client, 'read')).toEqual({ save: 'function', count: 4, proto: { isAdmin: true } })
    expect(await ask(client, 'inc')).toBe(5)
    expect(failures).toEqual([])
    // What the socket saved keeps the key, as data.
    expect(await rawOf()).toContain('"__proto__":{"isAdmin":true},"user":{"name":"ada"},"count":5')
    // express-session reads the session as usual; its own req.session drops the key (it skips
    // names its Session object already has), and its next write of the session removes it.
    expect(await app.readSession(cookie)).toEqual({ user: { name: 'ada' }, count: 5 })
    expect(await rawOf()).not.toContain('__proto__')
  })
})

describe('stores, onError and loggers that throw', () => {
  /** A real MemoryStore whose `method` throws synchronously once armed. */
  const throwingStore = (method: 'get' | 'set' | 'destroy' | 'touch') => {
    const store = new session.MemoryStore()
    let armed = false
    const original = store[method].bind(store)
    const replaced: SessionStore[typeof method] = (...args: Parameters<typeof original>) => {
      if (armed) throw new Error(`${method} threw`)
      return Reflect.apply(original, store, args)
    }
    Object.assign(store, { [method]: replaced })
    return { store, arm: () => void (armed = true) }
  }

  it.each([
    ['get', 'inc'],
    ['set', 'inc'],
    ['destroy', 'logout'],
    ['touch', 'touch'],
  ] as const)('a store whose %s throws synchronously: StoreFailure in the ack and onError, the process and the session go on', async (method, event) => {
    const { store, arm } = throwingStore(method)
    const { app, failures } = await hostileApp({ autoSave: true }, store)
    const cookie = await app.login('ada')
    const client = await connected(app.connect(cookie))
    arm()
    expect(codeOf(await ask(client, event))).toBe('StoreFailure')
    expect(codeOf(await ask(client, event))).toBe('StoreFailure')
    expect(failures.map((f) => f._tag)).toEqual(['StoreFailure', 'StoreFailure'])
    if (method !== 'get') expect(await ask(client, 'read')).toMatchObject({ save: 'function' })
  })

  it('an onError that throws changes nothing for the client', async () => {
    const { app } = await hostileApp({
      autoSave: true,
      onError: () => {
        throw new Error('onError threw')
      },
    })
    const cookie = await app.login('ada')
    const client = await connected(app.connect(cookie))
    expect(codeOf(await ask(client, 'circular', 'circular'))).toBe('UnserializableSession')
    expect(await ask(client, 'inc')).toBe(1)
  })

  it('a debug logger that throws changes nothing', async () => {
    const log = createDebug.log
    const enabled = createDebug.disable()
    createDebug.log = () => {
      throw new Error('logger threw')
    }
    createDebug.enable('expression.socket.io:*')
    try {
      const { app, failures } = await hostileApp({ autoSave: true })
      const cookie = await app.login('ada')
      const client = await connected(app.connect(cookie))
      expect(await ask(client, 'inc')).toBe(1)
      expect(codeOf(await ask(client, 'circular', 'circular'))).toBe('UnserializableSession')
      expect(failures.map((f) => f._tag)).toEqual(['UnserializableSession'])
    } finally {
      createDebug.log = log
      createDebug.enable(enabled)
    }
  })
})

describe('an ack means stored (autoSave)', () => {
  /** A real MemoryStore whose `set` answers after `ms`, or fails, as told. */
  const slowStore = () => {
    const store = new session.MemoryStore()
    const set = store.set.bind(store)
    const control = { failSets: false, setDoneAt: 0 }
    store.set = (sid, data, cb) => {
      setTimeout(() => {
        if (control.failSets) return cb?.(new Error('disk full'))
        set(sid, data, (err) => {
          control.setDoneAt = performance.now()
          cb?.(err)
        })
      }, 40)
    }
    return { store, control }
  }

  it('the handler’s ack reaches the client only once the save it triggered is stored', async () => {
    const { store, control } = slowStore()
    const { app } = await hostileApp({ autoSave: true }, store)
    const cookie = await app.login('ada')
    const client = await connected(app.connect(cookie))
    const answer = await ask(client, 'inc')
    const answeredAt = performance.now()
    expect(answer).toBe(1)
    expect(control.setDoneAt).toBeGreaterThan(0)
    expect(control.setDoneAt).toBeLessThanOrEqual(answeredAt)
    expect(await app.readSession(cookie)).toMatchObject({ count: 1 })
  })

  it('when that save fails, the ack gets the error instead of the handler’s success', async () => {
    const { store, control } = slowStore()
    const { app, failures } = await hostileApp({ autoSave: true }, store)
    const cookie = await app.login('ada')
    const client = await connected(app.connect(cookie))
    control.failSets = true
    expect(codeOf(await ask(client, 'inc'))).toBe('StoreFailure')
    expect(failures.map((f) => f._tag)).toEqual(['StoreFailure'])
    control.failSets = false
    expect(await app.readSession(cookie)).toEqual({ user: { name: 'ada' } })
  })
})
