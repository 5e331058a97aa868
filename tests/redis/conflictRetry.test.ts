// onConflict: 'retry' on connect-redis and the real Redis, with two servers in this process (two
// sessionAccess instances, each with its own per-process queue: two nodes as far as ordering goes)
// sharing one session: a run that loses a conflict is dropped (its ack and afterCommit effects
// with it) and the handler runs again on the store's current copy; the client hears once, from
// the run that committed.
import { RedisStore } from 'connect-redis'
import type { Socket } from 'socket.io'
import type { Socket as ClientSocket } from 'socket.io-client'
import { type AccessFailure, type Session, sessionAccess } from '../../src'
import { type TestApp, ask, connected, latch, sidOfCookie, startApp } from '../support/app'
import { REDIS_URL, RUN_PREFIX, type RedisClient, connectRedis, deleteKeys, describeWith, probeRedis } from '../support/redis'

const PREFIX = `${RUN_PREFIX}retry:`
const SECRET = 'retry secret'

type Data = { count?: number; note?: string; user?: { name: string } }

const codeOf = (answer: unknown): unknown =>
  typeof answer === 'object' && answer !== null && 'error' in answer && typeof answer.error === 'object' && answer.error !== null && 'code' in answer.error
    ? answer.error.code
    : answer

/** Resolves the arrivals once `n` have come. */
const barrier = (n: number) => {
  let arrived = 0
  const all = latch()
  return {
    arrive: (): Promise<void> => {
      arrived += 1
      if (arrived === n) all.open()
      return all.promise
    },
  }
}

describeWith(probeRedis())(`onConflict: 'retry' (${REDIS_URL})`, () => {
  let client: RedisClient
  const apps: TestApp[] = []
  /** What the handlers wait on, set per test. */
  let hooks: { beforeSave: (s: Session<Data>, run: number) => Promise<void> } = { beforeSave: async () => undefined }

  beforeAll(async () => {
    ;({ client } = await connectRedis())
  })
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((a) => a.close()))
    hooks = { beforeSave: async () => undefined }
  })
  afterAll(async () => {
    await deleteKeys(client, PREFIX)
    client?.destroy()
  })

  /** A server on the shared prefix; `runs` counts every run of its `inc` handler. */
  const server = async (conflictRetries?: number) => {
    const store = new RedisStore({ client, prefix: PREFIX })
    const app = await startApp({ store, secret: SECRET })
    apps.push(app)
    const failures: AccessFailure[] = []
    const counters = { runs: 0 }
    const access = sessionAccess<Data>({
      store,
      secret: SECRET,
      commit: 'compare-and-set',
      onConflict: 'retry',
      ...(conflictRetries === undefined ? {} : { conflictRetries }),
      onError: (e) => void failures.push(e),
    })
    app.io.use(access.authorize)
    app.io.on('connection', (socket: Socket) => {
      socket.on(
        'inc',
        access.withSession(async (s, ack: (r: unknown) => void) => {
          counters.runs += 1
          const run = counters.runs
          await hooks.beforeSave(s, run)
          s.count = (s.count ?? 0) + 1
          const count = s.count
          // The emit the client must see once per committed event, never for a dropped run.
          s.afterCommit(() => socket.emit('counted', count))
          await s.save()
          ack(count)
        }),
      )
    })
    return { app, failures, counters, store }
  }

  /** Collects the `counted` emits a client receives. */
  const emitsOf = (socket: ClientSocket): number[] => {
    const seen: number[] = []
    socket.on('counted', (n: number) => void seen.push(n))
    return seen
  }

  it('two servers that both loaded before either saved: both events commit, one after running again; one ack and one emit each', async () => {
    const [a, b] = await Promise.all([server(), server()])
    const both = barrier(2)
    hooks = { beforeSave: async (_s, run) => void (run === 1 ? await both.arrive() : undefined) }
    const cookie = await a.app.login('ada')
    const [onA, onB] = await Promise.all([connected(a.app.connect(cookie)), connected(b.app.connect(cookie))])
    const emits = [emitsOf(onA), emitsOf(onB)]
    const answers = await Promise.all([ask(onA, 'inc'), ask(onB, 'inc')])
    expect([...answers].sort()).toEqual([1, 2])
    expect(await a.app.readSession(cookie)).toMatchObject({ count: 2 })
    // Three runs for two events: the loser ran again on the winner's copy.
    expect(a.counters.runs + b.counters.runs).toBe(3)
    await ask(onA, 'inc') // an event after: its emit comes after the earlier ones
    expect([...emits.flat()].sort()).toEqual([1, 2, 3])
    expect([...a.failures, ...b.failures]).toEqual([])
  })

  it('a handler that throws on its retried run: HandlerFailure in the ack and onError; the winner’s write stands', async () => {
    const [a, b] = await Promise.all([server(), server()])
    const both = barrier(2)
    hooks = {
      beforeSave: async (_s, run) => {
        if (run === 1) return both.arrive()
        throw new Error('second run failed')
      },
    }
    const cookie = await a.app.login('ada')
    const [onA, onB] = await Promise.all([connected(a.app.connect(cookie)), connected(b.app.connect(cookie))])
    const emits = [emitsOf(onA), emitsOf(onB)]
    const answers = (await Promise.all([ask(onA, 'inc'), ask(onB, 'inc')])).map(codeOf)
    expect([...answers].sort()).toEqual([1, 'HandlerFailure'])
    expect(await a.app.readSession(cookie)).toMatchObject({ count: 1 })
    expect(emits.flat()).toEqual([1])
    expect([...a.failures, ...b.failures].map((f) => f._tag)).toEqual(['HandlerFailure'])
  })

  it('retries exhausted: SessionConflict to the ack and onError, nothing of that event written', async () => {
    const { app, failures, counters } = await server(2)
    const cookie = await app.login('ada')
    const key = PREFIX + sidOfCookie(cookie)
    // Another writer changes `count` between every load and save of this handler.
    hooks = {
      beforeSave: async () => {
        const raw = await client.get(key)
        if (raw === null) throw new Error('no session')
        const data = JSON.parse(raw)
        await client.set(key, JSON.stringify({ ...data, count: (data.count ?? 0) + 100 }), { KEEPTTL: true })
      },
    }
    const socket = await connected(app.connect(cookie))
    const emits = emitsOf(socket)
    expect(codeOf(await ask(socket, 'inc'))).toBe('SessionConflict')
    expect(counters.runs).toBe(3)
    expect(failures).toEqual([{ _tag: 'SessionConflict', keys: ['count'] }])
    // Only the other writer's three changes are stored.
    expect(await app.readSession(cookie)).toMatchObject({ count: 300 })
    expect(emits).toEqual([])
  })

  it('a logout while the handler runs again: SessionNotFound, nothing brought back', async () => {
    const [a, b] = await Promise.all([server(), server()])
    const both = barrier(2)
    const retried = latch()
    const loggedOut = latch()
    hooks = {
      beforeSave: async (_s, run) => {
        if (run === 1) return both.arrive()
        retried.open()
        await loggedOut.promise
      },
    }
    const cookie = await a.app.login('ada')
    const [onA, onB] = await Promise.all([connected(a.app.connect(cookie)), connected(b.app.connect(cookie))])
    const answers = Promise.all([ask(onA, 'inc'), ask(onB, 'inc')])
    await retried.promise
    await a.app.logout(cookie)
    loggedOut.open()
    expect((await answers).map(codeOf).sort()).toEqual([1, 'SessionNotFound'])
    expect(await client.get(PREFIX + sidOfCookie(cookie))).toBeNull()
  })

  it('is refused without compare-and-set, and conflictRetries without it', () => {
    const store = new RedisStore({ client, prefix: PREFIX })
    expect(() => sessionAccess({ store, secret: SECRET, onConflict: 'retry' })).toThrow(/"onConflict"/)
    expect(() => sessionAccess({ store, secret: SECRET, commit: 'compare-and-set', conflictRetries: 3 })).toThrow(/"conflictRetries"/)
    expect(() => sessionAccess({ store, secret: SECRET, commit: 'compare-and-set', onConflict: 'retry', conflictRetries: 0 })).toThrow(/"conflictRetries"/)
  })
})
