// The parent's side: starting server children and driving socket.io-client sockets at them.
import { type ChildProcess, spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { performance } from 'node:perf_hooks'
import { type Socket as ClientSocket, io as connectClient } from 'socket.io-client'
import type { StoreKind, Variant } from './variants'

export interface BenchServer {
  readonly variant: Variant
  readonly url: string
  readonly pid: number | undefined
  /** SIGTERM, then waits for the exit (which is when `--cpu-prof` writes its profile). */
  stop(): Promise<void>
}

export interface ServerOptions {
  readonly redisPrefix: string
  /** Extra node flags for the child, e.g. `--cpu-prof`. */
  readonly nodeFlags?: ReadonlyArray<string>
}

/** Spawns `bench/server.ts` for one variant and store; resolves once it listens. */
export const startServer = (variant: Variant, store: StoreKind, options: ServerOptions): Promise<BenchServer> =>
  new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(
      process.execPath,
      [...(options.nodeFlags ?? []), '-r', 'ts-node/register/transpile-only', 'bench/server.ts', variant, store, options.redisPrefix],
      { stdio: ['pipe', 'pipe', 'inherit'], env: process.env },
    )
    const exited = new Promise<void>((r) => child.once('exit', () => r()))
    const fail = (why: string): void => reject(new Error(`server ${variant}/${store}: ${why}`))
    child.once('error', (err) => fail(err.message))
    child.once('exit', (code) => fail(`exited with ${code} before it was ready`))
    if (child.stdout === null) return fail('no stdout')
    const lines = createInterface({ input: child.stdout })
    lines.on('line', (line) => {
      const match = /^READY (\d+)$/.exec(line)
      if (match === null) return
      resolve({
        variant,
        url: `http://127.0.0.1:${match[1]}`,
        pid: child.pid,
        stop: async () => {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
          await exited
        },
      })
    })
  })

export interface ServerStats {
  readonly get: number
  readonly set: number
  readonly touch: number
  readonly destroy: number
  /** Peak RSS sampled since the last `resetPeakRss`. */
  readonly peakRssKb: number
  /** CPU time (user + system) the server process has used so far. */
  readonly cpuUs: number
  /** The server's monotonic clock in µs (the clock of `--cpu-prof` profiles). */
  readonly nowUs: number
}

const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === 'object' && u !== null

const num = (r: Record<string, unknown>, k: string): number => {
  const v = r[k]
  if (typeof v !== 'number') throw new Error(`expected a number at ${k}`)
  return v
}

export const serverStats = async (url: string): Promise<ServerStats> => {
  const body: unknown = await (await fetch(url + '/stats')).json()
  if (!isRecord(body)) throw new Error('bad /stats')
  return { get: num(body, 'get'), set: num(body, 'set'), touch: num(body, 'touch'), destroy: num(body, 'destroy'), peakRssKb: num(body, 'peakRssKb'), cpuUs: num(body, 'cpuUs'), nowUs: num(body, 'nowUs') }
}

/** Starts a new peak-RSS window; returns the RSS now (KB). */
export const resetPeakRss = async (url: string): Promise<number> => {
  const body: unknown = await (await fetch(url + '/stats/reset-peak', { method: 'POST' })).json()
  if (!isRecord(body)) throw new Error('bad /stats/reset-peak')
  return num(body, 'rssKb')
}

/** POST /login: a fresh session; returns the signed cookie to send. */
export const login = async (url: string): Promise<string> => {
  const res = await fetch(url + '/login', { method: 'POST' })
  const pair = res.headers.get('set-cookie')?.split(';')[0]
  if (pair === undefined) throw new Error('login set no cookie')
  return pair
}

const readCount = async (url: string, cookie: string): Promise<number> => {
  const body: unknown = await (await fetch(url + '/count', { headers: { cookie } })).json()
  if (!isRecord(body)) throw new Error('bad /count')
  return num(body, 'count')
}

const connect = (url: string, cookie: string): Promise<ClientSocket> =>
  new Promise((resolve, reject) => {
    const socket = connectClient(url, { transports: ['websocket'], reconnection: false, forceNew: true, extraHeaders: { cookie } })
    socket.once('connect', () => resolve(socket))
    socket.once('connect_error', (err) => {
      socket.disconnect()
      reject(err)
    })
  })

export interface CellPlan {
  /** Clients, each with its own session and socket. */
  readonly clients: number
  /** `inc` events per client. */
  readonly events: number
  /** Events in flight per client. */
  readonly inFlight: number
}

export interface CellResult {
  readonly eventsPerSec: number
  readonly p50Ms: number
  readonly p99Ms: number
  /** Sum over clients of events acked minus the count read back over HTTP. */
  readonly lost: number
  /** Acks carrying `{ error }`. */
  readonly errors: number
  /** Store calls made by the server during the events. */
  readonly storeCalls: { readonly get: number; readonly set: number; readonly touch: number }
  /** Server CPU time per event (µs), user + system, over the events phase. */
  readonly serverCpuUsPerEvent: number
  readonly counts: ReadonlyArray<number>
}

const isErrorAnswer = (u: unknown): boolean => isRecord(u) && 'error' in u

const percentile = (sorted: Float64Array, p: number): number => {
  if (sorted.length === 0) return Number.NaN
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  return sorted[i] ?? Number.NaN
}

const CELL_TIMEOUT_MS = 60_000

/**
 * One measurement: log in and connect every client (not timed), then every client sends its
 * events, `inFlight` at a time, each waiting for its ack; then the counts are read back.
 */
export const runCell = async (url: string, plan: CellPlan): Promise<CellResult> => {
  const cookies = await Promise.all(Array.from({ length: plan.clients }, () => login(url)))
  const sockets = await Promise.all(cookies.map((c) => connect(url, c)))
  try {
    const latencies = new Float64Array(plan.clients * plan.events)
    let recorded = 0
    let errors = 0
    const before = await serverStats(url)

    const drive = (socket: ClientSocket): Promise<void> =>
      new Promise((resolve, reject) => {
        let sent = 0
        let acked = 0
        const timer = setTimeout(() => reject(new Error(`timed out with ${acked}/${plan.events} acks`)), CELL_TIMEOUT_MS)
        const sendOne = (): void => {
          sent++
          const t0 = performance.now()
          socket.emit('inc', (answer: unknown) => {
            latencies[recorded++] = performance.now() - t0
            if (isErrorAnswer(answer)) errors++
            acked++
            if (sent < plan.events) sendOne()
            else if (acked === plan.events) {
              clearTimeout(timer)
              resolve()
            }
          })
        }
        for (let i = 0; i < Math.min(plan.inFlight, plan.events); i++) sendOne()
      })

    const start = performance.now()
    await Promise.all(sockets.map(drive))
    const elapsed = performance.now() - start
    const after = await serverStats(url)
    const counts = await Promise.all(cookies.map((c) => readCount(url, c)))
    const sorted = latencies.slice(0, recorded).sort()
    return {
      eventsPerSec: (plan.clients * plan.events) / (elapsed / 1000),
      p50Ms: percentile(sorted, 50),
      p99Ms: percentile(sorted, 99),
      lost: counts.reduce((sum, c) => sum + (plan.events - c), 0),
      errors,
      storeCalls: { get: after.get - before.get, set: after.set - before.set, touch: after.touch - before.touch },
      serverCpuUsPerEvent: (after.cpuUs - before.cpuUs) / (plan.clients * plan.events),
      counts,
    }
  } finally {
    for (const s of sockets) s.disconnect()
  }
}
