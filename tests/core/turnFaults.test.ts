// Off the normal paths, a turn still ends exactly once with a tag, writes nothing it should not,
// and throws nothing: unserializable values, handlers past their deadline, hostile thenables,
// stores that throw or call back twice, codecs that answer nonsense. Real MemoryStore, fault
// stores around it.
import * as E from 'fp-ts/Either'
import { createDeadlines } from '../../src/core/store/deadlines'
import { type SessionError, handlerTimeout, sessionNotFound } from '../../src/core/errors/errors'
import { type AccessFailure, SessionOperationError, handlerFailure } from '../../src/core/errors/failure'
import type { Session } from '../../src/core/session/liveSession'
import { extendExpiry } from '../../src/core/session/sessionOperations'
import { asSessionId } from '../../src/core/cookie/sessionId'
import { type StandardSchemaV1, decodeWithStandardSchema } from '../../src/core/data/standardSchema'
import type { SessionStore, StoredCookie, StoredSession } from '../../src/core/store/storePort'
import { type TurnDeps, type TurnReplies, runFailedTurn, runTurn, startFailedTurn, startTurn } from '../../src/core/session/turn'
import { countingStore, flush, requireStored, storedCookie, writeStored } from './stores'
import { eventually, sleep } from '../support/wait'

type Data = Record<string, unknown>
type Loaded = E.Either<SessionError, Session<Data>>

const sid = asSessionId('sid-faults')
const NOW = Date.now() + 1_000

const turnDeps = (store: SessionStore, overrides: Partial<TurnDeps<Data>> = {}): TurnDeps<Data> => ({
  store,
  deadlines: createDeadlines(200),
  now: () => NOW,
  decode: (stored) => E.right(stored),
  autoSave: true,
  touchDue: () => false,
  touched: () => undefined,
  ...overrides,
})

const seeded = async (data: Data = { count: 1 }) => {
  const counted = countingStore()
  await writeStored(counted.store, sid, { ...data, cookie: storedCookie(Date.now()) })
  counted.calls.set = 0
  counted.calls.get = 0
  return counted
}

const onSession =
  (f: (session: Session<Data>) => unknown) =>
  (loaded: Loaded): unknown => {
    if (E.isLeft(loaded)) throw new Error(`expected a session, got ${loaded.left._tag}`)
    return f(loaded.right)
  }

const circular = (): Data => {
  const o: Data = {}
  o['self'] = o
  return o
}


const tagOf = (failure: AccessFailure | undefined): string | undefined => failure?._tag

describe('an unserializable value in the session', () => {
  it.each<{ name: string; put: (s: Session<Data>) => void; path: string; reason: string }>([
    { name: 'a circular object', put: (s) => void (s['c'] = circular()), path: 'c.self', reason: 'circular' },
    { name: 'a BigInt', put: (s) => void (s['n'] = BigInt(7)), path: 'n', reason: 'bigint' },
    { name: 'a toJSON that throws', put: (s) => void (s['t'] = { toJSON: () => { throw new Error('nope') } }), path: 't', reason: 'toJSON threw' },
  ])('with autoSave after a sync handler ($name): the turn ends with UnserializableSession, nothing written', async ({ put, path, reason }) => {
    const { store, calls } = await seeded()
    const result = await runTurn(turnDeps(store))(sid, onSession((s) => put(s)))
    expect(result.failure).toMatchObject({ _tag: 'UnserializableSession', path, reason })
    expect(calls.set).toBe(0)
    expect(await requireStored(store, sid)).toEqual({ count: 1, cookie: expect.any(Object) })
    // The session's next turn runs as usual.
    expect(await runTurn(turnDeps(store))(sid, onSession((s) => void (s['count'] = 2)))).toEqual({ loadError: undefined, failure: undefined })
    expect(await requireStored(store, sid)).toMatchObject({ count: 2 })
  })

  it('with autoSave after an async handler', async () => {
    const { store, calls } = await seeded()
    const result = await runTurn(turnDeps(store))(
      sid,
      onSession(async (s) => {
        await sleep(1)
        s['c'] = circular()
      }),
    )
    expect(result.failure).toMatchObject({ _tag: 'UnserializableSession', path: 'c.self' })
    expect(calls.set).toBe(0)
  })

  it('in an explicit save(): rejects with the tag (promise and callback), never throws, writes nothing', async () => {
    const { store, calls } = await seeded()
    const seen: unknown[] = []
    const result = await runTurn(turnDeps(store, { autoSave: false }))(
      sid,
      onSession(async (s) => {
        s['c'] = circular()
        s.save((err) => seen.push(err?.error))
        await s.save().catch((e: unknown) => seen.push(e instanceof SessionOperationError ? e.error : e))
      }),
    )
    expect(seen).toMatchObject([
      { _tag: 'UnserializableSession', path: 'c.self', reason: 'circular' },
      { _tag: 'UnserializableSession', path: 'c.self', reason: 'circular' },
    ])
    expect(tagOf(result.failure)).toBe('UnserializableSession')
    expect(calls.set).toBe(0)
  })

  it('in a touch on a store without touch (which writes the data)', async () => {
    const { store: inner } = await seeded()
    const { store, calls } = countingStore(inner, { withTouch: false })
    const result = await runTurn(turnDeps(store, { autoSave: false }))(
      sid,
      onSession(async (s) => {
        s['n'] = BigInt(1)
        await s.touch()
      }),
    )
    expect(result.failure).toMatchObject({ _tag: 'UnserializableSession', path: 'n' })
    expect(calls.set).toBe(0)
    expect(await requireStored(inner, sid)).not.toHaveProperty('n')
  })

  it('a getter that throws while the save copies the data', async () => {
    const { store, calls } = await seeded()
    const result = await runTurn(turnDeps(store, { autoSave: false }))(
      sid,
      onSession(async (s) => {
        Object.defineProperty(s, 'bad', { enumerable: true, get: () => { throw new Error('getter') } })
        await s.save()
      }),
    )
    expect(result.failure).toMatchObject({ _tag: 'UnserializableSession' })
    expect(calls.set).toBe(0)
  })
})

describe('handlerTimeoutMs', () => {
  it('ends the turn of a handler that never settles with HandlerTimeout; its late save writes nothing', async () => {
    const { store, calls } = await seeded()
    let late: Promise<unknown> | undefined
    let session: Session<Data> | undefined
    const started = performance.now()
    const result = await runTurn(turnDeps(store, { handlerDeadlines: createDeadlines(60) }))(
      sid,
      onSession((s) => {
        session = s
        return new Promise(() => undefined)
      }),
    )
    expect(result).toEqual({ loadError: undefined, failure: handlerTimeout(60) })
    expect(performance.now() - started).toBeGreaterThanOrEqual(55)
    if (session === undefined) throw new Error('no session')
    session['count'] = 99
    late = session.save().catch((e: unknown) => e)
    expect(await late).toMatchObject({ code: 'HandlerTimeout' })
    await flush()
    expect(calls.set).toBe(0)
    expect(await requireStored(store, sid)).toMatchObject({ count: 1 })
  })

  it('waits for a save already at the store before it ends the turn (no overlap with the next event)', async () => {
    const { store: inner } = await seeded()
    const log: string[] = []
    const store: SessionStore = {
      ...inner,
      get: inner.get.bind(inner),
      destroy: inner.destroy.bind(inner),
      set: (id, data, cb) => void setTimeout(() => inner.set(id, data, (err) => (log.push('set done'), cb?.(err))), 120),
    }
    const result = await runTurn(turnDeps(store, { autoSave: false, handlerDeadlines: createDeadlines(40) }))(
      sid,
      onSession(async (s) => {
        s['count'] = 5
        await s.save()
        await new Promise(() => undefined)
      }),
    )
    log.push('turn ended')
    expect(result.failure).toEqual(handlerTimeout(40))
    expect(log).toEqual(['set done', 'turn ended'])
  })

  it('does not cut a handler that settles in time', async () => {
    const { store } = await seeded()
    const result = await runTurn(turnDeps(store, { handlerDeadlines: createDeadlines(200) }))(
      sid,
      onSession(async (s) => {
        await sleep(10)
        s['count'] = 3
      }),
    )
    expect(result).toEqual({ loadError: undefined, failure: undefined })
    expect(await requireStored(store, sid)).toMatchObject({ count: 3 })
  })

  it('also bounds an error-first handler that got no session and never settles', async () => {
    const ended: Array<[SessionError | undefined, AccessFailure | undefined]> = []
    startFailedTurn(sessionNotFound, { run: () => new Promise(() => undefined), end: (l, f) => void ended.push([l, f]) }, createDeadlines(30))
    await eventually('the turn ended', () => ended.length > 0)
    await sleep(20)
    expect(ended).toEqual([[sessionNotFound, handlerTimeout(30)]])
  })
})

/** A thenable whose `then` calls its callbacks as `body` says: in any order, any number of times. */
const hostileThenable = (body: (ok: (v: unknown) => unknown, ko: (e: unknown) => unknown) => void) => ({
  then: (ok: (v: unknown) => unknown, ko: (e: unknown) => unknown): void => body(ok, ko),
})

describe('a handler returning a hostile thenable', () => {
  it.each<{ name: string; thenable: () => unknown; failure: string | undefined }>([
    { name: 'whose then throws', thenable: () => hostileThenable(() => { throw new Error('then') }), failure: 'HandlerFailure' },
    { name: 'that fulfils and rejects', thenable: () => hostileThenable((ok, ko) => (ok(1), ko(new Error('late')))), failure: undefined },
    { name: 'that fulfils twice', thenable: () => hostileThenable((ok) => (ok(1), ok(2))), failure: undefined },
  ])('$name: the turn ends once', async ({ thenable, failure }) => {
    const { store } = await seeded()
    const ends: unknown[] = []
    await new Promise<void>((resolve) =>
      startTurn(turnDeps(store), sid, { destroys: 0 }, {
        run: () => thenable(),
        end: (_l, f) => {
          ends.push(tagOf(f))
          resolve()
        },
      }),
    )
    await sleep(20)
    expect(ends).toEqual([failure])
  })

  it('on a failed turn too', async () => {
    const result = await runFailedTurn(sessionNotFound, () => hostileThenable(() => { throw new Error('then') }))
    expect(result).toEqual({ loadError: sessionNotFound, failure: handlerFailure(new Error('then')) })
  })
})

describe('stores that misbehave', () => {
  const thrower = (inner: SessionStore, method: 'get' | 'set' | 'destroy' | 'touch'): SessionStore => ({
    get: method === 'get' ? () => { throw new Error('get threw') } : inner.get.bind(inner),
    set: method === 'set' ? () => { throw new Error('set threw') } : inner.set.bind(inner),
    destroy: method === 'destroy' ? () => { throw new Error('destroy threw') } : inner.destroy.bind(inner),
    touch: method === 'touch' ? () => { throw new Error('touch threw') } : (id, data, cb) => inner.touch?.(id, data, cb),
  })

  it.each<{ method: 'get' | 'set' | 'destroy' | 'touch'; act: (s: Session<Data>) => Promise<void> | void }>([
    { method: 'get', act: () => undefined },
    { method: 'set', act: (s) => s.save() },
    { method: 'destroy', act: (s) => s.destroy() },
    { method: 'touch', act: (s) => s.touch() },
  ])('a $method that throws synchronously is a StoreFailure, answered once', async ({ method, act }) => {
    const { store: inner } = await seeded()
    const ends: Array<[string | undefined, string | undefined]> = []
    await new Promise<void>((resolve) =>
      startTurn(turnDeps(thrower(inner, method), { autoSave: false }), sid, { destroys: 0 }, {
        run: (_e, s) => (s === undefined ? undefined : act(s)),
        end: (l, f) => {
          ends.push([l?._tag, f?._tag])
          resolve()
        },
      }),
    )
    await sleep(20)
    expect(ends).toEqual([method === 'get' ? ['StoreFailure', undefined] : [undefined, 'StoreFailure']])
  })

  it('a store that answers twice, and throws after answering, changes nothing', async () => {
    const { store: inner } = await seeded()
    const current = await requireStored(inner, sid)
    const store: SessionStore = {
      ...inner,
      // Synchronously: the first answer, a second one, then a throw from inside `get` itself.
      get: (_id, cb) => {
        cb(null, JSON.parse(JSON.stringify(current)))
        cb(new Error('second answer'))
        throw new Error('after the answer')
      },
      set: inner.set.bind(inner),
      destroy: inner.destroy.bind(inner),
    }
    const ends: unknown[] = []
    await new Promise<void>((resolve) =>
      startTurn(turnDeps(store), sid, { destroys: 0 }, {
        run: (_e, s) => void (s !== undefined && (s['count'] = 2)),
        end: (l, f) => {
          ends.push([l, f])
          resolve()
        },
      }),
    )
    await sleep(20)
    expect(ends).toEqual([[undefined, undefined]])
    expect(await requireStored(inner, sid)).toMatchObject({ count: 2 })
  })
})

describe('codecs that answer nonsense', () => {
  it.each<{ name: string; validate: () => unknown }>([
    { name: 'undefined', validate: () => undefined },
    { name: 'issues that are not a list', validate: () => ({ issues: 42 }) },
    { name: 'a promise of undefined', validate: () => Promise.resolve(undefined) },
    { name: 'a rejected promise', validate: () => Promise.reject(new Error('async boom')) },
  ])('a Standard Schema validate returning $name: InvalidSession', async ({ validate }) => {
    const { store } = await seeded()
    // A validator breaking the spec: its answer is not a Standard Schema result. Called as a bare
    // `Function`, its answer is untyped, which is the point of the test.
    const untyped: Function = validate
    const schema: StandardSchemaV1 = { '~standard': { version: 1, vendor: 'hostile', validate: () => untyped() } }
    const decode = (stored: StoredSession) => decodeWithStandardSchema(schema)(stored)
    const result = await runTurn(turnDeps(store, { decode }))(sid, () => undefined)
    expect(result.loadError?._tag).toBe('InvalidSession')
  })

  it('a decode step that throws itself', async () => {
    const { store } = await seeded()
    const result = await runTurn(turnDeps(store, { decode: () => { throw new Error('decode threw') } }))(sid, () => undefined)
    expect(result.loadError?._tag).toBe('InvalidSession')
  })
})

describe('replies held until the turn ends (an ack means stored)', () => {
  const repliesOf = async (store: SessionStore, overrides: Partial<TurnDeps<Data>>, during: (s: Session<Data>) => unknown): Promise<boolean[]> => {
    const seen: boolean[] = []
    await new Promise<void>((resolve) =>
      startTurn(turnDeps(store, overrides), sid, { destroys: 0 }, {
        run: (_e, s, replies: TurnReplies | undefined) => {
          if (s === undefined || replies === undefined) return undefined
          seen.push(replies.holdsReplies())
          const returned = during(s)
          seen.push(replies.holdsReplies())
          return returned
        },
        end: () => resolve(),
      }),
    )
    return seen
  }

  it('with autoSave, always', async () => {
    const { store } = await seeded()
    expect(await repliesOf(store, { autoSave: true }, () => undefined)).toEqual([true, true])
  })

  it('without autoSave, only while an operation the handler started is in flight', async () => {
    const { store } = await seeded()
    expect(await repliesOf(store, { autoSave: false }, (s) => s.save(() => undefined))).toEqual([false, true])
    expect(await repliesOf(store, { autoSave: false }, () => undefined)).toEqual([false, false])
  })
})

describe('extendExpiry', () => {
  it.each<{ name: string; cookie: StoredCookie }>([
    { name: 'a max age past what a Date holds', cookie: { originalMaxAge: 1e300, expires: null } },
    { name: 'a NaN max age', cookie: { originalMaxAge: Number.NaN, expires: null } },
  ])('leaves the cookie alone for $name, without throwing', ({ cookie }) => {
    const before = { ...cookie }
    expect(() => extendExpiry(cookie, Date.now())).not.toThrow()
    expect(cookie).toEqual(before)
  })
})
