import * as E from 'fp-ts/Either'
import * as t from 'io-ts'
import { decodeSessionData } from '../../src/core/data/decode'
import {
  type SessionError,
  forbiddenOrigin,
  invalidSession,
  invalidSignature,
  sessionNotFound,
  storeFailure,
} from '../../src/core/errors/errors'
import { handlerFailure } from '../../src/core/errors/failure'
import type { Session } from '../../src/core/session/liveSession'
import { asSessionId } from '../../src/core/cookie/sessionId'
import { createDeadlines } from '../../src/core/store/deadlines'
import type { SessionStore } from '../../src/core/store/storePort'
import { type TurnDeps, loadLiveSession, runFailedTurn, runTurn } from '../../src/core/session/turn'
import { countingStore, destroyStored, fakeStore, flush, readStored, requireStored, storedCookie, writeStored } from './stores'

const codec = t.partial({ count: t.number, name: t.string })
type Data = t.TypeOf<typeof codec>
type Loaded = E.Either<SessionError, Session<Data>>

// A little in the future, so sessions whose expiry is pushed from `now` stay alive for the real
// MemoryStore; and within the stored cookies' lifetime (a minute from now), since a session past
// its expires at `now` is SessionNotFound.
const NOW = Date.now() + 1_000
const MAX_AGE = 60_000
const sid = asSessionId('sid-turn')

const turnDeps = (store: SessionStore, overrides: Partial<TurnDeps<Data>> = {}): TurnDeps<Data> => ({
  store,
  deadlines: createDeadlines(100),
  now: () => NOW,
  decode: decodeSessionData(codec),
  autoSave: true,
  touchDue: () => false,
  touched: () => undefined,
  ...overrides,
})

const seededStore = async (data: Record<string, unknown> = { count: 1 }) => {
  const counted = countingStore()
  await writeStored(counted.store, sid, { ...data, cookie: storedCookie(Date.now(), MAX_AGE) })
  counted.calls.get = 0
  counted.calls.set = 0
  return counted
}

/** Every store call waits `ms` first, like a network store. */
const delayed = (inner: SessionStore, ms: number): SessionStore => ({
  get: (id, cb) => void setTimeout(() => inner.get(id, cb), ms),
  set: (id, data, cb) => void setTimeout(() => inner.set(id, data, cb), ms),
  destroy: (id, cb) => void setTimeout(() => inner.destroy(id, cb), ms),
})

/** Runs `f` on the session, failing the test if the handler got none. */
const onSession =
  (f: (session: Session<Data>) => unknown) =>
  (loaded: Loaded): unknown => {
    if (E.isLeft(loaded)) throw new Error(`expected a session, got ${loaded.left._tag}`)
    return f(loaded.right)
  }

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

describe('loadLiveSession', () => {
  it('is lazy and gives the session with its tracker', async () => {
    const { store, calls } = await seededStore({ count: 4 })
    const task = loadLiveSession(turnDeps(store))(sid)
    await flush()
    expect(calls.get).toBe(0)
    const loaded = await task()
    expect(calls.get).toBe(1)
    expect(E.isRight(loaded) && loaded.right.session.count).toBe(4)
    expect(E.isRight(loaded) && loaded.right.tracker.sid).toBe(sid)
  })

  it('passes load and decode failures on', async () => {
    const { store } = await seededStore({ count: 'four' })
    expect(await loadLiveSession(turnDeps(store))(sid)()).toStrictEqual(
      E.left(invalidSession(['count: expected number, got string'])),
    )
    expect(await loadLiveSession(turnDeps(store))(asSessionId('unknown'))()).toStrictEqual(E.left(sessionNotFound))
  })
})

describe('runTurn', () => {
  describe('loading', () => {
    it('loads the session fresh from the store on every turn', async () => {
      const { store } = await seededStore({ count: 5 })
      const seen: unknown[] = []
      const turn = runTurn(turnDeps(store))
      await turn(sid, onSession((s) => seen.push(s.count)))
      await writeStored(store, sid, { count: 6, cookie: storedCookie(Date.now()) })
      await turn(sid, onSession((s) => seen.push(s.count)))
      expect(seen).toStrictEqual([5, 6])
    })

    it.each<{ name: string; store: () => Promise<SessionStore>; error: SessionError }>([
      { name: 'an unknown session', store: async () => (await seededStore()).store, error: sessionNotFound },
      {
        name: 'a store that throws',
        store: async () =>
          fakeStore({
            get: () => {
              throw new Error('down')
            },
          }),
        error: storeFailure(new Error('down')),
      },
      {
        name: 'data the codec refuses',
        store: async () => fakeStore({ get: (_id, cb) => cb(null, { count: 'x' }) }),
        error: invalidSession(['count: expected number, got string']),
      },
    ])('reports $name as loadError and tells the handler', async ({ store, error }) => {
      const got: Loaded[] = []
      const id = asSessionId('sid-turn-unknown')
      const result = await runTurn(turnDeps(await store()))(id, (loaded) => void got.push(loaded))
      expect(result).toStrictEqual({ loadError: error, failure: undefined })
      expect(got).toStrictEqual([E.left(error)])
    })

    it('reports a handler that throws on a load error as well', async () => {
      const thrown = new Error('no session, no luck')
      const result = await runTurn(turnDeps(fakeStore({})))(sid, () => {
        throw thrown
      })
      expect(result).toStrictEqual({ loadError: sessionNotFound, failure: handlerFailure(thrown) })
    })
  })

  describe('waiting', () => {
    it('resolves only after a callback-style save the handler did not wait for', async () => {
      const { store: inner } = await seededStore()
      const store = delayed(inner, 15)
      const log: string[] = []
      const result = await runTurn(turnDeps(store, { autoSave: false }))(
        sid,
        onSession((s) => {
          s.count = 2
          s.save((err) => log.push(`saved:${String(err)}`))
          log.push('handler returned')
        }),
      )
      log.push('turn resolved')
      expect(log).toStrictEqual(['handler returned', 'saved:null', 'turn resolved'])
      expect(result).toStrictEqual({ loadError: undefined, failure: undefined })
      expect(await requireStored(inner, sid)).toMatchObject({ count: 2 })
    })

    it("waits for the handler's promise before finishing", async () => {
      const { store, calls } = await seededStore()
      await runTurn(turnDeps(store))(
        sid,
        onSession(async (s) => {
          await sleep(10)
          s.count = 3
        }),
      )
      expect(calls.set).toBe(1)
      expect(await requireStored(store, sid)).toMatchObject({ count: 3 })
    })
  })

  describe('autoSave', () => {
    it('does not write a session the handler only read', async () => {
      const { store, calls } = await seededStore()
      await runTurn(turnDeps(store))(sid, onSession((s) => void s.count))
      expect(calls).toMatchObject({ get: 1, set: 0, touch: 0 })
    })

    it('writes a session whose data changed, once', async () => {
      const { store, calls } = await seededStore()
      const result = await runTurn(turnDeps(store))(sid, onSession((s) => void (s.count = 2)))
      expect(result).toStrictEqual({ loadError: undefined, failure: undefined })
      expect(calls.set).toBe(1)
      expect(await requireStored(store, sid)).toMatchObject({ count: 2 })
    })

    it('sees added and removed keys as changes', async () => {
      const added = await seededStore()
      await runTurn(turnDeps(added.store))(sid, onSession((s) => void (s.name = 'ada')))
      expect(added.calls.set).toBe(1)

      const removed = await seededStore({ count: 1, name: 'ada' })
      await runTurn(turnDeps(removed.store))(sid, onSession((s) => void delete s.name))
      expect(removed.calls.set).toBe(1)
      expect(await requireStored(removed.store, sid)).not.toHaveProperty('name')
    })

    it('does not count a cookie-only change as a data change', async () => {
      const { store, calls } = await seededStore()
      await runTurn(turnDeps(store))(sid, onSession((s) => void (s.cookie.expires = new Date(NOW).toISOString())))
      expect(calls.set).toBe(0)
    })

    it('writes nothing when off', async () => {
      const { store, calls } = await seededStore()
      await runTurn(turnDeps(store, { autoSave: false }))(sid, onSession((s) => void (s.count = 2)))
      expect(calls.set).toBe(0)
      expect(await requireStored(store, sid)).toMatchObject({ count: 1 })
    })

    it('does not save again what the handler saved itself', async () => {
      const { store, calls } = await seededStore()
      await runTurn(turnDeps(store))(
        sid,
        onSession(async (s) => {
          s.count = 2
          await s.save()
        }),
      )
      expect(calls.set).toBe(1)
    })

    it('saves a change made after the handler’s own save', async () => {
      const { store, calls } = await seededStore()
      await runTurn(turnDeps(store))(
        sid,
        onSession(async (s) => {
          s.count = 2
          await s.save()
          s.count = 3
        }),
      )
      expect(calls.set).toBe(2)
      expect(await requireStored(store, sid)).toMatchObject({ count: 3 })
    })

    it('does not save a session the handler destroyed', async () => {
      const { store, calls } = await seededStore()
      await runTurn(turnDeps(store))(
        sid,
        onSession(async (s) => {
          s.count = 2
          await s.destroy()
        }),
      )
      expect(calls.set).toBe(0)
      expect(await readStored(store, sid)).toBeUndefined()
    })

    it('does not recreate a session destroyed elsewhere during the handler, and reports it', async () => {
      const { store, calls } = await seededStore()
      const result = await runTurn(turnDeps(store))(
        sid,
        onSession(async (s) => {
          s.count = 2
          await destroyStored(store, sid) // an HTTP logout while the handler runs
        }),
      )
      expect(result).toStrictEqual({ loadError: undefined, failure: sessionNotFound })
      expect(calls.set).toBe(0)
      expect(await readStored(store, sid)).toBeUndefined()
    })
  })

  describe('handler failures', () => {
    it('reports a throw as HandlerFailure and skips autoSave', async () => {
      const { store, calls } = await seededStore()
      const thrown = new Error('bug')
      const result = await runTurn(turnDeps(store))(
        sid,
        onSession((s) => {
          s.count = 2
          throw thrown
        }),
      )
      expect(result).toStrictEqual({ loadError: undefined, failure: handlerFailure(thrown) })
      expect(calls.set).toBe(0)
    })

    it('reports a rejected promise as HandlerFailure', async () => {
      const { store } = await seededStore()
      const result = await runTurn(turnDeps(store))(sid, () => Promise.reject('nope'))
      expect(result).toStrictEqual({ loadError: undefined, failure: handlerFailure('nope') })
    })

    it('keeps the tag of a session operation the handler awaited and let fail', async () => {
      const { store } = await seededStore()
      const result = await runTurn(turnDeps(store))(
        sid,
        onSession(async (s) => {
          await destroyStored(store, sid)
          await s.save()
        }),
      )
      expect(result.failure).toStrictEqual(sessionNotFound)
    })

    it('reports the first failed operation when the handler itself succeeded', async () => {
      const { store: inner } = await seededStore()
      const store: SessionStore = { ...inner, set: (_id, _data, cb) => cb?.('disk full') }
      const result = await runTurn(turnDeps(store))(
        sid,
        onSession((s) => {
          s.count = 2
          void s.save()
        }),
      )
      expect(result).toStrictEqual({ loadError: undefined, failure: storeFailure('disk full') })
    })

    it("puts the handler's own failure before an operation's", async () => {
      const { store: inner } = await seededStore()
      const store: SessionStore = { ...inner, set: (_id, _data, cb) => cb?.('disk full') }
      const thrown = new Error('bug')
      const result = await runTurn(turnDeps(store))(
        sid,
        onSession((s) => {
          void s.save()
          throw thrown
        }),
      )
      expect(result.failure).toStrictEqual(handlerFailure(thrown))
    })
  })

  describe('rolling expiry', () => {
    const rolling = (store: SessionStore, overrides: Partial<TurnDeps<Data>> = {}) => {
      const asked: string[] = []
      const touched: string[] = []
      const deps = turnDeps(store, {
        touchDue: (id) => {
          asked.push(id)
          return true
        },
        touched: (id) => void touched.push(id),
        ...overrides,
      })
      return { deps, asked, touched }
    }
    const extended = new Date(NOW + MAX_AGE).toISOString()

    it('touches an unchanged session through store.touch, from the injected clock, and reports it', async () => {
      const { store, calls } = await seededStore()
      const { deps, asked, touched } = rolling(store)
      const result = await runTurn(deps)(sid, () => undefined)
      expect(result).toStrictEqual({ loadError: undefined, failure: undefined })
      expect(asked).toStrictEqual([sid])
      expect(touched).toStrictEqual([sid])
      expect(calls).toMatchObject({ touch: 1, set: 0 })
      expect(await requireStored(store, sid)).toMatchObject({ count: 1, cookie: { expires: extended } })
    })

    it('extends the expiry within the autoSave write of a changed session, without a separate touch', async () => {
      const { store, calls } = await seededStore()
      const { deps, touched } = rolling(store)
      await runTurn(deps)(sid, onSession((s) => void (s.count = 2)))
      expect(calls).toMatchObject({ touch: 0, set: 1 })
      expect(touched).toStrictEqual([sid])
      expect(await requireStored(store, sid)).toMatchObject({ count: 2, cookie: { expires: extended } })
    })

    it('does nothing when no touch is due', async () => {
      const { store, calls } = await seededStore()
      const before = await requireStored(store, sid)
      const { deps, touched } = rolling(store, { touchDue: () => false })
      await runTurn(deps)(sid, () => undefined)
      expect(calls).toMatchObject({ touch: 0, set: 0 })
      expect(touched).toStrictEqual([])
      expect(await requireStored(store, sid)).toStrictEqual(before)
    })

    it('does not report a touch that failed', async () => {
      const { store: inner } = await seededStore()
      const store: SessionStore = { ...inner, touch: (_id, _data, cb) => cb?.('touch failed') }
      const { deps, touched } = rolling(store)
      const result = await runTurn(deps)(sid, () => undefined)
      expect(result.failure).toStrictEqual(storeFailure('touch failed'))
      expect(touched).toStrictEqual([])
    })

    it('skips the touch after a handler failure or a destroy', async () => {
      const failed = await seededStore()
      const a = rolling(failed.store)
      await runTurn(a.deps)(sid, () => {
        throw new Error('bug')
      })
      expect(failed.calls.touch).toBe(0)
      expect(a.touched).toStrictEqual([])

      const destroyed = await seededStore()
      const b = rolling(destroyed.store)
      await runTurn(b.deps)(sid, onSession((s) => s.destroy()))
      expect(destroyed.calls).toMatchObject({ touch: 0, set: 0 })
      expect(b.touched).toStrictEqual([])
      expect(await readStored(destroyed.store, sid)).toBeUndefined()
    })

    // On a store without `touch` the rolling touch is a `set`: it must check the session still
    // exists, or an HTTP logout during the handler would be undone by the turn itself.
    it('does not recreate a session logged out during the handler, on a store without touch', async () => {
      const { store: inner } = await seededStore()
      const { store } = countingStore(inner, { withTouch: false })
      const { deps } = rolling(store)
      await runTurn(deps)(sid, async () => {
        await destroyStored(store, sid)
      })
      expect(await readStored(store, sid)).toBeUndefined()
    })
  })
})

describe('runFailedTurn', () => {
  it.each<{ error: SessionError }>([{ error: invalidSignature }, { error: forbiddenOrigin('https://evil.example') }])(
    'tells the handler $error._tag and reports it as loadError',
    async ({ error }) => {
      const got: unknown[] = []
      const result = await runFailedTurn(error, (loaded) => void got.push(loaded))
      expect(result).toStrictEqual({ loadError: error, failure: undefined })
      expect(got).toStrictEqual([E.left(error)])
    },
  )

  it('waits for an async handler and reports its rejection', async () => {
    let finished = false
    const result = await runFailedTurn(invalidSignature, async () => {
      await sleep(5)
      finished = true
      throw new Error('late')
    })
    expect(finished).toBe(true)
    expect(result).toStrictEqual({ loadError: invalidSignature, failure: handlerFailure(new Error('late')) })
  })
})
