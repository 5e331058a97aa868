// `npm run bench -- --flood [--flood-events N] [--flood-ms MS]`: one client floods its session.
//
// A server (bench/floodServer.ts, MemoryStore, the library's defaults) in its own process. One
// client sends N `slow` events (each handler waits MS) as fast as it can, then disconnects; a
// client of another session sends `ping` events one at a time throughout. Measured:
// - heap held by the flood, after a forced GC once every event has arrived, per event still waiting;
// - how long the server keeps running the flooder's handlers after it disconnected (measured to
//   the end when it ends within the cap, else the events left × MS);
// - the other session's ping latency, p50 and p99, before and during the flood.
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { cpus, loadavg } from 'node:os'
import { performance } from 'node:perf_hooks'
import { createInterface } from 'node:readline'
import { type Socket as ClientSocket, io as connectClient } from 'socket.io-client'

export interface FloodPlan {
  readonly events: number
  readonly handlerMs: number
  /** How long the driver waits for the flooder's work to end after it left. */
  readonly capMs: number
}

interface FloodCounters {
  readonly arrived: number
  readonly started: number
  readonly finished: number
  readonly refused: Readonly<Record<string, number>>
  readonly disconnectedAt: number
  readonly startedAtDisconnect: number
  readonly lastFinishedAt: number
  readonly now: number
  readonly heapUsed: number
  readonly library: { readonly queuedSessions: number }
}

export interface FloodResult {
  readonly plan: FloodPlan
  readonly arrived: number
  readonly refused: Readonly<Record<string, number>>
  /** Events accepted and still waiting when the heap was measured. */
  readonly waitingAtPeak: number
  readonly heapHeldMb: number
  readonly heapPerWaitingEventB: number
  /** Handlers of the flooder that ran after it disconnected. */
  readonly ranAfterLeaving: number
  /** Seconds of work after the flooder left: measured, or estimated past the cap. */
  readonly workAfterLeavingS: number
  readonly workAfterLeavingMeasured: boolean
  readonly pingQuiet: { readonly p50: number; readonly p99: number; readonly n: number }
  readonly pingDuringFlood: { readonly p50: number; readonly p99: number; readonly n: number }
}

const startFloodServer = (): Promise<{ url: string; stop: () => void }> =>
  new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(process.execPath, ['--expose-gc', '-r', 'ts-node/register/transpile-only', 'bench/floodServer.ts'], {
      stdio: ['pipe', 'pipe', 'inherit'],
    })
    child.once('exit', (code) => reject(new Error(`flood server exited with ${code} before it was ready`)))
    if (child.stdout === null) return reject(new Error('no stdout'))
    createInterface({ input: child.stdout }).on('line', (line) => {
      const match = /^READY (\d+)$/.exec(line)
      if (match !== null) resolve({ url: `http://127.0.0.1:${match[1]}`, stop: () => void child.stdin?.end() })
    })
  })

const counters = async (url: string, gc = false): Promise<FloodCounters> => {
  const body: unknown = await (await fetch(`${url}/flood${gc ? '?gc=1' : ''}`)).json()
  if (typeof body !== 'object' || body === null || !('arrived' in body)) throw new Error('bad /flood')
  // The server's own JSON, written by bench/floodServer.ts.
  const read = (key: string): unknown => Reflect.get(body, key)
  const num = (key: string): number => Number(read(key))
  const refused = read('refused')
  const library = read('library')
  return {
    arrived: num('arrived'),
    started: num('started'),
    finished: num('finished'),
    refused: typeof refused === 'object' && refused !== null ? Object.fromEntries(Object.entries(refused).map(([k, v]) => [k, Number(v)])) : {},
    disconnectedAt: num('disconnectedAt'),
    startedAtDisconnect: num('startedAtDisconnect'),
    lastFinishedAt: num('lastFinishedAt'),
    now: num('now'),
    heapUsed: num('heapUsed'),
    library: { queuedSessions: typeof library === 'object' && library !== null ? Number(Reflect.get(library, 'queuedSessions')) : 0 },
  }
}

const login = async (url: string): Promise<string> => {
  const pair = (await fetch(`${url}/login`, { method: 'POST' })).headers.get('set-cookie')?.split(';')[0]
  if (pair === undefined) throw new Error('login set no cookie')
  return pair
}

const connect = (url: string, cookie: string, role: string): Promise<ClientSocket> =>
  new Promise((resolve, reject) => {
    const socket = connectClient(url, { transports: ['websocket'], reconnection: false, forceNew: true, extraHeaders: { cookie }, query: { role } })
    socket.once('connect', () => resolve(socket))
    socket.once('connect_error', reject)
  })

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

const percentile = (sorted: ReadonlyArray<number>, p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN

const summary = (latencies: ReadonlyArray<number>): { p50: number; p99: number; n: number } => {
  const sorted = [...latencies].sort((a, b) => a - b)
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), n: sorted.length }
}

/** Pings one at a time until `stop()`; resolves with the latencies in ms. */
const pinger = (socket: ClientSocket): { stop: () => Promise<number[]> } => {
  const latencies: number[] = []
  let running = true
  const done = (async () => {
    while (running) {
      const t = performance.now()
      await socket.timeout(30_000).emitWithAck('ping')
      latencies.push(performance.now() - t)
      await sleep(2)
    }
  })()
  return {
    stop: async () => {
      running = false
      await done
      return latencies
    },
  }
}

export const runFlood = async (plan: FloodPlan, log: (line: string) => void): Promise<FloodResult> => {
  const server = await startFloodServer()
  try {
    const [floodCookie, otherCookie] = await Promise.all([login(server.url), login(server.url)])
    const flooder = await connect(server.url, floodCookie, 'flooder')
    const other = await connect(server.url, otherCookie, 'other')
    for (let i = 0; i < 200; i++) await other.emitWithAck('ping') // warm-up
    const quiet = pinger(other)
    await sleep(2000)
    const pingQuiet = summary(await quiet.stop())
    const heapBefore = (await counters(server.url, true)).heapUsed

    const during = pinger(other)
    for (let i = 0; i < plan.events; i++) flooder.emit('slow', plan.handlerMs, () => undefined)
    log(`  ${plan.events} events sent`)
    // Every event has arrived once the count stops growing at N.
    let peak = await counters(server.url)
    while (peak.arrived < plan.events) {
      await sleep(50)
      peak = await counters(server.url)
    }
    const atPeak = await counters(server.url, true)
    const refusedAtPeak = Object.values(atPeak.refused).reduce((x, y) => x + y, 0)
    const waitingAtPeak = Math.max(0, atPeak.arrived - refusedAtPeak - atPeak.started)
    await sleep(1500)
    const pingDuringFlood = summary(await during.stop())

    flooder.disconnect()
    const capUntil = performance.now() + plan.capMs
    let after = await counters(server.url)
    while (after.disconnectedAt < 0 || (after.library.queuedSessions > 0 && performance.now() < capUntil)) {
      await sleep(50)
      after = await counters(server.url)
    }
    const measured = after.library.queuedSessions === 0
    const ranAfterLeaving = after.started - after.startedAtDisconnect
    const refused = Object.values(after.refused).reduce((x, y) => x + y, 0)
    const left = Math.max(0, after.arrived - refused - after.finished)
    const workAfterLeavingS = measured
      ? Math.max(0, after.lastFinishedAt - after.disconnectedAt) / 1000
      : (after.now - after.disconnectedAt) / 1000 + (left * plan.handlerMs) / 1000
    const heapHeld = atPeak.heapUsed - heapBefore
    other.disconnect()
    return {
      plan,
      arrived: atPeak.arrived,
      refused: after.refused,
      waitingAtPeak,
      heapHeldMb: heapHeld / 2 ** 20,
      heapPerWaitingEventB: waitingAtPeak > 0 ? heapHeld / waitingAtPeak : Number.NaN,
      ranAfterLeaving,
      workAfterLeavingS,
      workAfterLeavingMeasured: measured,
      pingQuiet,
      pingDuringFlood,
    }
  } finally {
    server.stop()
  }
}

export const floodTable = (label: string, r: FloodResult): string =>
  [
    '| build | events sent | refused at once | waiting at peak | heap held | heap per waiting event | handlers run after the client left | work after the client left | other session ping p50 / p99 quiet | during the flood |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    `| ${label} | ${r.arrived} | ${Object.entries(r.refused).map(([k, v]) => `${v} ${k}`).join(', ') || '0'} | ${r.waitingAtPeak} | ${r.heapHeldMb.toFixed(1)} MB | ${Number.isNaN(r.heapPerWaitingEventB) ? 'n/a' : `${r.heapPerWaitingEventB.toFixed(0)} B`} | ${r.ranAfterLeaving} | ${r.workAfterLeavingS.toFixed(1)} s${r.workAfterLeavingMeasured ? '' : ' (estimated)'} | ${r.pingQuiet.p50.toFixed(1)} / ${r.pingQuiet.p99.toFixed(1)} ms | ${r.pingDuringFlood.p50.toFixed(1)} / ${r.pingDuringFlood.p99.toFixed(1)} ms |`,
  ].join('\n')

/** `--flood`: runs once, prints the row, writes `bench/results/<date>-flood.json`. */
export const runFloodMode = async (options: { readonly plan: FloodPlan; readonly label: string; readonly write: boolean; readonly command: string }): Promise<void> => {
  const log = (line: string): void => void process.stdout.write(line + '\n')
  const loadAtStart = loadavg()[0] ?? 0
  log(`${options.command}: ${options.plan.events} events at a ${options.plan.handlerMs} ms handler from one client, MemoryStore, ${cpus().length} cores`)
  const result = await runFlood(options.plan, log)
  log('')
  log(floodTable(options.label, result))
  log(`\n1-minute load average ${loadAtStart.toFixed(1)} at start, ${(loadavg()[0] ?? 0).toFixed(1)} at end`)
  if (!options.write) return
  mkdirSync('bench/results', { recursive: true })
  const suffix = options.label === 'this checkout' ? '' : `-${options.label.replace(/\W+/g, '-').replace(/^-|-$/g, '')}`
  const out = `bench/results/${new Date().toISOString().slice(0, 10)}-flood${suffix}.json`
  writeFileSync(out, JSON.stringify({ date: new Date().toISOString(), command: options.command, label: options.label, loadAverage1m: { atStart: loadAtStart, atEnd: loadavg()[0] ?? 0 }, result }, null, 2) + '\n')
  log(`wrote ${out}`)
}
