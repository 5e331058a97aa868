// `npx ts-node --transpile-only bench/micro.ts [events]`: the library's own cost per event, with no
// network and no Socket.IO: one session on a real MemoryStore, events one after another.
//
// - `hand-written`: store.get, count++, store.set, then the next event.
// - `turn + async save`: the library's turn (load, live session, handler, operations, end) with
//   the bench's default handler: `async (s) => { s.count++; await s.save() }`.
// - `turn + save(callback)`, `turn + read-only`: the other handler styles.
// - `queued ×8`: eight events queued at once for the session, as with eight acks in flight,
//   through the library's per-session queue, against the same work in a hand-written promise chain.
// Prints ns/event for each (median of 5 runs after a warm-up); a tool for work on the hot path,
// not a benchmark of record (that is `npm run bench`).
//
// `ESIO_MICRO_STORE=microtask`: instead of a MemoryStore (which answers through `setImmediate`, so
// that every event pays an event-loop round trip that dwarfs the code), a store that keeps JSON
// as MemoryStore does and answers in a microtask: what is left is the code's own cost.
import session from 'express-session'
import { trustStored } from '../src/core/data/decode'
import { createDeadlines } from '../src/core/store/deadlines'
import { asSessionId } from '../src/core/cookie/sessionId'
import type { SessionStore } from '../src/core/store/storePort'
import { type TurnDeps, type TurnOwner, startTurn } from '../src/core/session/turn'

type Data = { count?: number }

const events = Number(process.argv[2] ?? 100_000)
/** `bench/micro.ts N name`: only the case whose name starts with `name` (for a CPU profile of it). */
const only = process.argv[3]
/** Keeps each session as JSON, as MemoryStore does, and answers in a microtask. */
const microtaskStore = (): SessionStore => {
  const held = new Map<string, string>()
  return {
    get(id, callback) {
      const json = held.get(id)
      const value: unknown = json === undefined ? undefined : JSON.parse(json)
      queueMicrotask(() => callback(null, value))
    },
    set(id, data, callback) {
      held.set(id, JSON.stringify(data))
      if (callback !== undefined) queueMicrotask(() => callback())
    },
    destroy(id, callback) {
      held.delete(id)
      if (callback !== undefined) queueMicrotask(() => callback())
    },
  }
}

const store: SessionStore = process.env['ESIO_MICRO_STORE'] === 'microtask' ? microtaskStore() : new session.MemoryStore()
const sid = asSessionId('micro-session')

const deps: TurnDeps<Data> = {
  store,
  deadlines: createDeadlines(5000),
  now: Date.now,
  decode: trustStored,
  autoSave: false,
  trackChanges: false,
  touchDue: () => false,
  touched: () => undefined,
}

const seed = (): Promise<void> =>
  new Promise((resolve) => {
    // The bench server's session: a cookie, a user, a count.
    const first = { cookie: { originalMaxAge: null, expires: null }, user: { name: 'bench' }, count: 0 }
    store.set(sid, first, () => resolve())
  })

const handWritten = (n: number): Promise<void> =>
  new Promise((resolve) => {
    let left = n
    const one = (): void => {
      store.get(sid, (_err, raw) => {
        const data = raw as { count?: number }
        data.count = (data.count ?? 0) + 1
        store.set(sid, data as never, () => (--left === 0 ? resolve() : one()))
      })
    }
    one()
  })

const handWrittenRead = (n: number): Promise<void> =>
  new Promise((resolve) => {
    let left = n
    const one = (): void => {
      store.get(sid, (_err, raw) => {
        void (raw as { count?: number }).count
        if (--left === 0) resolve()
        else one()
      })
    }
    one()
  })

const viaTurn = (n: number, run: TurnOwner<Data>['run']): Promise<void> =>
  new Promise((resolve) => {
    let left = n
    const destroyCount = { destroys: 0 }
    const owner: TurnOwner<Data> = { run, end: () => (--left === 0 ? resolve() : startTurn(deps, sid, destroyCount, owner)) }
    startTurn(deps, sid, destroyCount, owner)
  })

const asyncSave: TurnOwner<Data>['run'] = async (_e, s) => {
  if (s === undefined) return
  s.count = (s.count ?? 0) + 1
  await s.save()
}
const callbackSave: TurnOwner<Data>['run'] = (_e, s) => {
  if (s === undefined) return
  s.count = (s.count ?? 0) + 1
  s.save(() => undefined)
}
const readOnly: TurnOwner<Data>['run'] = (_e, s) => void s?.count

const time = async (f: () => Promise<void>): Promise<number> => {
  const t = process.hrtime.bigint()
  await f()
  return Number(process.hrtime.bigint() - t) / events
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN

const main = async (): Promise<void> => {
  await seed()
  const cases: Array<[string, () => Promise<void>]> = [
    ['hand-written get + set', () => handWritten(events)],
    ['hand-written get (read-only)', () => handWrittenRead(events)],
    ['turn + async save', () => viaTurn(events, asyncSave)],
    ['turn + save(callback)', () => viaTurn(events, callbackSave)],
    ['turn + read-only', () => viaTurn(events, readOnly)],
  ]
  if (only !== undefined) cases.splice(0, cases.length, ...cases.filter(([name]) => name.startsWith(only)))
  for (const [, f] of cases) await f() // warm-up
  const results = new Map<string, number[]>()
  for (let round = 0; round < 5; round++) for (const [name, f] of cases) results.set(name, [...(results.get(name) ?? []), await time(f)])
  for (const [name, xs] of results) process.stdout.write(`${name.padEnd(26)} ${median(xs).toFixed(0).padStart(6)} ns/event\n`)
}

void main()
