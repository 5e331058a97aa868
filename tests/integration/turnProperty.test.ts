// A property-based test of whole turns on real parts (express-session, Socket.IO, socket.io-client;
// MemoryStore, connect-redis on a real Redis, compare-and-set): random stored data with hostile
// keys and large values, random handlers (sync or async; writes, values that are not JSON, save,
// save twice, destroy, throw, never settle under handlerTimeoutMs; ack early or at the end),
// autoSave on and off. After every run: each ack was answered exactly once and as the model says,
// the stored data equals the model, `stats()` is back to zeros, and nothing escaped (the jest setup
// fails the test on any uncaught exception or unhandled rejection).
import { RedisStore } from 'connect-redis'
import fc from 'fast-check'
import session from 'express-session'
import type { Socket } from 'socket.io'
import type { Socket as ClientSocket } from 'socket.io-client'
import { type CommitMode, type Session, type SessionAccess, sessionAccess } from '../../src'
import { type TestApp, connected, eventually, sidOfCookie, startApp } from '../support/app'
import { RUN_PREFIX, type RedisClient, connectRedis, deleteKeys, describeWith, probeRedis } from '../support/redis'

type Data = Record<string, unknown>
type Bad = 'none' | 'circular' | 'bigint' | 'toJSON'
type Action = 'none' | 'save' | 'saveTwice' | 'destroy' | 'throw' | 'hang'

/** What one event's handler does. `writes`: `[key, value]` sets, `[key]` deletes. */
interface Plan {
  readonly id: number
  readonly sync: boolean
  readonly writes: ReadonlyArray<readonly [string, unknown] | readonly [string]>
  readonly bad: Bad
  readonly action: Action
  readonly early: boolean
}

const HANDLER_TIMEOUT_MS = 120
const API_KEYS = ['id', 'save', 'reload', 'destroy', 'touch']

const setData = (target: object, key: string, value: unknown): void =>
  void Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true })

const badValue = (bad: Bad): unknown => {
  if (bad === 'bigint') return BigInt(1)
  if (bad === 'toJSON') return { toJSON: () => { throw new Error('toJSON') } }
  const o: Data = {}
  o['self'] = o
  return o
}

/** The handler every configuration runs: it does what the plan says. */
const planHandler = (access: SessionAccess<Data>) =>
  access.withSession((s: Session<Data>, plan: Plan, ack: (answer: unknown) => void): unknown => {
    const answer = (err: { readonly code: string } | null, ok: unknown): void => ack(err === null ? ok : { error: { code: err.code } })
    const mutate = (): void => {
      for (const write of plan.writes) {
        if (write.length === 2) setData(s, write[0], write[1])
        else Reflect.deleteProperty(s, write[0])
      }
      if (plan.bad !== 'none') setData(s, 'bad', badValue(plan.bad))
      if (plan.early) ack('ok')
    }
    if (plan.sync) {
      mutate()
      switch (plan.action) {
        case 'save':
          return s.save((err) => answer(err, 'ok'))
        case 'saveTwice':
          s.save(() => undefined)
          return s.save((err) => answer(err, 'ok'))
        case 'destroy':
          return s.destroy((err) => answer(err, 'destroyed'))
        case 'throw':
          throw new Error('handler threw')
        case 'hang':
          return new Promise(() => undefined)
        case 'none':
          return ack('ok')
      }
    }
    return (async () => {
      await Promise.resolve()
      mutate()
      switch (plan.action) {
        case 'save':
          await s.save()
          return ack('ok')
        case 'saveTwice':
          await s.save()
          await s.save()
          return ack('ok')
        case 'destroy':
          await s.destroy()
          return ack('destroyed')
        case 'throw':
          throw new Error('handler rejected')
        case 'hang':
          return new Promise(() => undefined)
        case 'none':
          return ack('ok')
      }
    })()
  })

// ---- the model ----

interface ModelState {
  exists: boolean
  data: Data
}

/** What the client must read back for `plan`, and the state after it, by the library's promises. */
const expectOutcome = (state: ModelState, plan: Plan, autoSave: boolean): unknown => {
  if (!state.exists) return 'SessionNotFound'
  const after: Data = { ...state.data }
  for (const write of plan.writes) {
    if (write.length === 2) setData(after, write[0], write[1])
    else Reflect.deleteProperty(after, write[0])
  }
  const bad = plan.bad !== 'none'
  // Without autoSave, an early ack given while nothing is in flight is sent as it is.
  const early = plan.early && !autoSave
  const fail = (code: string): unknown => (early ? 'ok' : code)
  switch (plan.action) {
    case 'throw':
      return fail('HandlerFailure')
    case 'hang':
      return fail('HandlerTimeout')
    case 'destroy':
      state.exists = false
      return plan.early ? 'ok' : 'destroyed'
    case 'save':
    case 'saveTwice':
      if (bad) return fail('UnserializableSession')
      state.data = after
      return 'ok'
    case 'none':
      if (!autoSave) return 'ok'
      if (bad) return 'UnserializableSession'
      state.data = after
      return 'ok'
  }
}

/** JSON with every object's keys sorted (own `__proto__` keys as data), for comparing stored data. */
const canonical = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(canonical)
  if (typeof value !== 'object' || value === null) return value
  const out: Data = {}
  for (const key of Object.keys(value).sort()) setData(out, key, canonical(Reflect.get(value, key)))
  return out
}
const canonicalJson = (value: unknown): string => JSON.stringify(canonical(JSON.parse(JSON.stringify(value))))

// ---- generators ----

const hostileKey = fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', 'then', 'toJSON', 'user')
const anyKey = fc.oneof(hostileKey, fc.string({ minLength: 1, maxLength: 6 })).filter((k) => k !== 'cookie' && k !== 'bad')
const largeString = fc.integer({ min: 50_000, max: 200_000 }).map((n) => 'x'.repeat(n))
const value = fc.oneof({ weight: 8, arbitrary: fc.jsonValue({ maxDepth: 3 }) }, { weight: 1, arbitrary: largeString })
const storedData = fc.dictionary(fc.oneof(anyKey, fc.constantFrom(...API_KEYS)), value, { maxKeys: 5 })
const write = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(anyKey.filter((k) => !API_KEYS.includes(k)), value) },
  { weight: 1, arbitrary: fc.tuple(anyKey.filter((k) => !API_KEYS.includes(k))) },
)
const plan = fc.record({
  sync: fc.boolean(),
  writes: fc.array(write, { maxLength: 3 }),
  bad: fc.oneof({ weight: 6, arbitrary: fc.constant<Bad>('none') }, { weight: 1, arbitrary: fc.constantFrom<Bad>('circular', 'bigint', 'toJSON') }),
  action: fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom<Action>('save', 'none') },
    { weight: 2, arbitrary: fc.constantFrom<Action>('saveTwice', 'throw') },
    { weight: 1, arbitrary: fc.constantFrom<Action>('destroy', 'hang') },
  ),
  early: fc.boolean(),
})
const plans = fc.array(plan, { minLength: 1, maxLength: 5 })

// ---- the rig ----

interface Rig {
  readonly app: TestApp
  readonly accesses: Map<string, SessionAccess<Data>>
  /** Times each event's ack was called on the server (by plan id). */
  readonly ackCalls: Map<number, number>
  writeRaw(sid: string, data: Data): Promise<void>
  readRaw(sid: string): Promise<string | undefined>
}

/** One app on `store`, with one sessionAccess per configuration, on event `plan:<name>`. */
const rig = async (store: session.Store, configs: ReadonlyArray<{ name: string; autoSave: boolean; commit: CommitMode }>, raw: Pick<Rig, 'writeRaw' | 'readRaw'>): Promise<Rig> => {
  const app = await startApp({ store })
  const accesses = new Map<string, SessionAccess<Data>>()
  const ackCalls = new Map<number, number>()
  for (const { name, autoSave, commit } of configs)
    accesses.set(name, sessionAccess<Data>({ store, secret: app.secret, autoSave, commit, handlerTimeoutMs: HANDLER_TIMEOUT_MS, onError: () => undefined }))
  const first = accesses.values().next().value
  if (first === undefined) throw new Error('no configuration')
  app.io.use(first.authorize)
  app.io.on('connection', (socket: Socket) => {
    // Counts every call of the real ack, under whatever the library does with it.
    socket.use((packet, next) => {
      const ack = packet[packet.length - 1]
      const sent: unknown = packet[1]
      const id = typeof sent === 'object' && sent !== null && 'id' in sent && typeof sent.id === 'number' ? sent.id : -1
      if (typeof ack === 'function')
        packet[packet.length - 1] = (...args: unknown[]) => {
          ackCalls.set(id, (ackCalls.get(id) ?? 0) + 1)
          Reflect.apply(ack, undefined, args)
        }
      next()
    })
    for (const [name, access] of accesses) socket.on(`plan:${name}`, planHandler(access))
  })
  return { app, accesses, ackCalls, ...raw }
}

const codeOf = (answer: unknown): unknown =>
  typeof answer === 'object' && answer !== null && 'error' in answer && typeof answer.error === 'object' && answer.error !== null && 'code' in answer.error
    ? answer.error.code
    : answer

let nextId = 0

/** One property run: a new session seeded with `stored`, the plans sent at once, then the checks. */
const runPlans = async (r: Rig, name: string, autoSave: boolean, stored: Data, steps: ReadonlyArray<Omit<Plan, 'id'>>): Promise<void> => {
  const access = r.accesses.get(name)
  if (access === undefined) throw new Error(`no configuration ${name}`)
  const cookie = await r.app.login('prop')
  const sid = sidOfCookie(cookie)
  const initial: Data = { user: { name: 'prop' } }
  for (const key of Object.keys(stored)) setData(initial, key, stored[key])
  await r.writeRaw(sid, initial)
  const socket: ClientSocket = await connected(r.app.connect(cookie))
  const sent = steps.map((step) => ({ ...step, id: ++nextId }))
  const state: ModelState = { exists: true, data: JSON.parse(JSON.stringify(initial)) }
  const expected = sent.map((p) => expectOutcome(state, p, autoSave))
  const answers = await Promise.all(sent.map((p) => socket.timeout(5000).emitWithAck(`plan:${name}`, p).then(codeOf)))
  expect(answers).toEqual(expected)
  for (const p of sent) expect({ id: p.id, calls: r.ackCalls.get(p.id) }).toEqual({ id: p.id, calls: 1 })
  socket.disconnect()
  await eventually('stats back to zeros', () => Object.values(access.stats()).every((n) => n === 0), 3000)
  const raw = await r.readRaw(sid)
  if (!state.exists) return void expect(raw).toBeUndefined()
  if (raw === undefined) throw new Error('the session is gone')
  const { cookie: _cookie, ...data } = JSON.parse(raw)
  expect(canonicalJson(data)).toEqual(canonicalJson(state.data))
}

const RUNS = 18

describe('whole turns on a MemoryStore (property)', () => {
  let r: Rig
  beforeAll(async () => {
    const store = new session.MemoryStore()
    const sessions = (): Record<string, string> => Reflect.get(store, 'sessions')
    r = await rig(store, [{ name: 'auto', autoSave: true, commit: 'overwrite' }, { name: 'manual', autoSave: false, commit: 'overwrite' }], {
      writeRaw: (sid, data) => new Promise((resolve) => store.set(sid, { ...data, cookie: JSON.parse(sessions()[sid] ?? '{}').cookie }, () => resolve())),
      readRaw: async (sid) => sessions()[sid],
    })
  })
  afterAll(async () => {
    await r?.app.close()
  })

  it.each([
    ['auto', true],
    ['manual', false],
  ] as const)('autoSave %s: acks once and as modelled, stored data as modelled, nothing kept', async (name, autoSave) => {
    await fc.assert(fc.asyncProperty(storedData, plans, (stored, steps) => runPlans(r, name, autoSave, stored, steps)), { numRuns: RUNS })
  }, 60_000)
})

const PREFIX = `${RUN_PREFIX}prop:`

describeWith(probeRedis())('whole turns on connect-redis, overwrite and compare-and-set (property)', () => {
  let client: RedisClient
  let r: Rig
  beforeAll(async () => {
    ;({ client } = await connectRedis())
    const store = new RedisStore({ client, prefix: PREFIX })
    r = await rig(
      store,
      [
        { name: 'auto', autoSave: true, commit: 'overwrite' },
        { name: 'manual', autoSave: false, commit: 'overwrite' },
        { name: 'cas-auto', autoSave: true, commit: 'compare-and-set' },
        { name: 'cas-manual', autoSave: false, commit: 'compare-and-set' },
      ],
      {
        writeRaw: async (sid, data) => {
          const current = await client.get(PREFIX + sid)
          const cookie: unknown = current === null ? undefined : JSON.parse(current).cookie
          await client.set(PREFIX + sid, JSON.stringify({ ...data, cookie }), { KEEPTTL: true })
        },
        readRaw: async (sid) => (await client.get(PREFIX + sid)) ?? undefined,
      },
    )
  })
  afterAll(async () => {
    await r?.app.close()
    await deleteKeys(client, PREFIX)
    client?.destroy()
  })

  it.each([
    ['auto', true],
    ['manual', false],
    ['cas-auto', true],
    ['cas-manual', false],
  ] as const)('%s: acks once and as modelled, stored data as modelled, nothing kept', async (name, autoSave) => {
    await fc.assert(fc.asyncProperty(storedData, plans, (stored, steps) => runPlans(r, name, autoSave, stored, steps)), { numRuns: RUNS })
  }, 60_000)
})
