// `npm run bench -- --cluster [--quick]`: one session's clients spread over two nodes.
//
// A private redis-server (so that INFO commandstats counts only this benchmark) serves
// connect-redis for every server. Each setup runs S sessions; each session has one client on
// node A and one on node B (on the single-node setups both clients are on the same node), each
// sending E `inc` events K at a time. Lost updates = increments acked as saved minus the count
// read back; error acks (SessionConflict) are counted apart. CPU is the servers' user + system
// time, Redis commands come from INFO commandstats, both diffed around the events.
import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { createInterface } from 'node:readline'
import { createClient } from 'redis'
import { type Socket as ClientSocket, io as connectClient } from 'socket.io-client'
import { serverStats } from './client'
import { median } from './report'

interface Setup {
  readonly name: string
  /**
   * The server variant (bench/server.ts): `ours-cas` = `ours` with commit: 'compare-and-set',
   * `ours-cas-retry` = with onConflict: 'retry' too.
   */
  readonly variant: 'hand-written' | 'ours' | 'ours-unserialized' | 'ours-cas' | 'ours-cas-retry'
  readonly nodes: 1 | 2
}

const SETUPS: ReadonlyArray<Setup> = [
  { name: 'ours, 1 node', variant: 'ours', nodes: 1 },
  { name: 'ours-unserialized, 1 node', variant: 'ours-unserialized', nodes: 1 },
  { name: 'ours-cas, 1 node', variant: 'ours-cas', nodes: 1 },
  { name: 'hand-written, 1 node', variant: 'hand-written', nodes: 1 },
  { name: 'hand-written, 2 nodes', variant: 'hand-written', nodes: 2 },
  { name: 'ours, 2 nodes', variant: 'ours', nodes: 2 },
  { name: 'ours-cas, 2 nodes', variant: 'ours-cas', nodes: 2 },
  { name: 'ours-cas-retry, 2 nodes', variant: 'ours-cas-retry', nodes: 2 },
]

interface Plan {
  readonly sessions: number
  readonly events: number
  readonly inFlight: number
  readonly rounds: number
}

interface Cell {
  readonly eventsPerSec: number
  readonly acked: number
  readonly lost: number
  /**
   * Acks whose count is not what the final count explains: a count acked twice, or above the
   * count read back. 0 means every ack was answered once, with a value that is in the final count.
   */
  readonly badAcks: number
  readonly errors: Readonly<Record<string, number>>
  readonly cpuUsPerEvent: number
  readonly redisCommandsPerEvent: number
  /** Commands the nodes sent (the script's own GET and SET not counted). */
  readonly sentCommandsPerEvent: number
  readonly redisCommands: Readonly<Record<string, number>>
}

// INFO commandstats also counts the commands a script runs: each EVALSHA/EVAL runs one GET, and
// in these setups every SET during the events is a committing script's (express-session writes
// only at login, before the events).
const sentByNodes = (commands: Readonly<Record<string, number>>): number => {
  const total = Object.values(commands).reduce((x, y) => x + y, 0)
  const scripts = (commands['evalsha'] ?? 0) + (commands['eval'] ?? 0)
  return scripts === 0 ? total : total - scripts - (commands['set'] ?? 0)
}

const log = (line: string): void => void process.stdout.write(line + '\n')

const freePort = async (): Promise<number> => {
  const server = createServer()
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const address = server.address()
  server.close()
  if (address === null || typeof address === 'string') throw new Error('no TCP address')
  return address.port
}

const startRedis = async (): Promise<{ url: string; stop: () => Promise<void> }> => {
  const port = await freePort()
  const dir = mkdtempSync(join(tmpdir(), 'esio-bench-redis-'))
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  await new Promise<void>((resolve, reject) => {
    child.once('error', reject)
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('Ready to accept connections')) resolve()
    })
  })
  return {
    url: `redis://127.0.0.1:${port}`,
    stop: async () => {
      const exited = once(child, 'exit')
      child.kill('SIGKILL')
      await exited
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

interface Node {
  readonly url: string
  readonly pid: number | undefined
  stop(): Promise<void>
}

const startNode = (variant: Setup['variant'], prefix: string, redisUrl: string, nodeFlags: ReadonlyArray<string> = []): Promise<Node> =>
  new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(process.execPath, [...nodeFlags, '-r', 'ts-node/register/transpile-only', 'bench/server.ts', variant, 'redis', prefix], {
      stdio: ['pipe', 'pipe', 'inherit'],
      env: { ...process.env, REDIS_URL: redisUrl },
    })
    const exited = new Promise<void>((r) => child.once('exit', () => r()))
    child.once('exit', (code) => reject(new Error(`bench server ${variant} exited with ${code} before it was ready`)))
    if (child.stdout === null) return reject(new Error('no stdout'))
    createInterface({ input: child.stdout }).on('line', (line) => {
      const match = /^READY (\d+)$/.exec(line)
      if (match === null) return
      resolve({
        url: `http://127.0.0.1:${match[1]}`,
        pid: child.pid,
        stop: async () => {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
          await exited
        },
      })
    })
  })

const login = async (url: string): Promise<string> => {
  const pair = (await fetch(url + '/login', { method: 'POST' })).headers.get('set-cookie')?.split(';')[0]
  if (pair === undefined) throw new Error('login set no cookie')
  return pair
}

const readCount = async (url: string, cookie: string): Promise<number> => {
  const body: unknown = await (await fetch(url + '/count', { headers: { cookie } })).json()
  const count = typeof body === 'object' && body !== null && 'count' in body ? body.count : undefined
  if (typeof count !== 'number') throw new Error('bad /count')
  return count
}

const connect = (url: string, cookie: string): Promise<ClientSocket> =>
  new Promise((resolve, reject) => {
    const socket = connectClient(url, { transports: ['websocket'], reconnection: false, forceNew: true, extraHeaders: { cookie } })
    socket.once('connect', () => resolve(socket))
    socket.once('connect_error', reject)
  })

/** The one Redis call the benchmark makes itself. */
interface InfoClient {
  info(section: string): Promise<unknown>
}

/** Calls per Redis command since the server started (INFO commandstats). */
const commandStats = async (redis: InfoClient): Promise<Record<string, number>> => {
  const stats: Record<string, number> = {}
  for (const m of String(await redis.info('commandstats')).matchAll(/^cmdstat_([\w|]+):calls=(\d+)/gm)) stats[m[1] ?? ''] = Number(m[2])
  return stats
}

const codeOf = (answer: unknown): string | undefined =>
  typeof answer === 'object' && answer !== null && 'error' in answer && typeof answer.error === 'object' && answer.error !== null && 'code' in answer.error
    ? String(answer.error.code)
    : undefined

const runCell = async (nodes: ReadonlyArray<Node>, redis: InfoClient, plan: Plan): Promise<Cell> => {
  const [a, b] = [nodes[0], nodes[1] ?? nodes[0]]
  if (a === undefined || b === undefined) throw new Error('no node')
  const cookies = await Promise.all(Array.from({ length: plan.sessions }, () => login(a.url)))
  const pairs = await Promise.all(cookies.map((c) => Promise.all([connect(a.url, c), connect(b.url, c)])))
  try {
    const acked = cookies.map(() => 0)
    const ackedCounts: number[][] = cookies.map(() => [])
    const errors: Record<string, number> = {}
    const drive = (socket: ClientSocket, session: number): Promise<void> =>
      new Promise((resolve) => {
        let sent = 0
        let answered = 0
        const sendOne = (): void => {
          sent++
          socket.emit('inc', (answer: unknown) => {
            answered++
            const code = codeOf(answer)
            if (code === undefined) {
              acked[session] = (acked[session] ?? 0) + 1
              if (typeof answer === 'number') ackedCounts[session]?.push(answer)
            } else errors[code] = (errors[code] ?? 0) + 1
            if (sent < plan.events) sendOne()
            else if (answered === plan.events) resolve()
          })
        }
        for (let i = 0; i < Math.min(plan.inFlight, plan.events); i++) sendOne()
      })
    const distinct = nodes.length === 2 ? nodes : [a]
    const cpuBefore = await Promise.all(distinct.map((n) => serverStats(n.url)))
    const redisBefore = await commandStats(redis)
    const start = performance.now()
    await Promise.all(pairs.flatMap(([s1, s2], i) => [drive(s1, i), drive(s2, i)]))
    const elapsed = performance.now() - start
    const redisAfter = await commandStats(redis)
    const cpuAfter = await Promise.all(distinct.map((n) => serverStats(n.url)))
    const counts = await Promise.all(cookies.map((c) => readCount(a.url, c)))
    const events = plan.sessions * 2 * plan.events
    const redisCommands: Record<string, number> = {}
    for (const [cmd, calls] of Object.entries(redisAfter)) {
      const diff = calls - (redisBefore[cmd] ?? 0)
      // The INFO call itself is the benchmark's, not the servers'.
      if (diff > 0 && cmd !== 'info') redisCommands[cmd] = diff
    }
    const cpuUs = cpuAfter.reduce((sum, s, i) => sum + s.cpuUs - (cpuBefore[i]?.cpuUs ?? 0), 0)
    return {
      eventsPerSec: events / (elapsed / 1000),
      acked: acked.reduce((x, y) => x + y, 0),
      lost: counts.reduce((sum, c, i) => sum + (acked[i] ?? 0) - c, 0),
      badAcks: ackedCounts.reduce((sum, values, i) => sum + values.length - new Set(values.filter((v) => v >= 1 && v <= (counts[i] ?? 0))).size, 0),
      errors,
      cpuUsPerEvent: cpuUs / events,
      redisCommandsPerEvent: Object.values(redisCommands).reduce((x, y) => x + y, 0) / events,
      sentCommandsPerEvent: sentByNodes(redisCommands) / events,
      redisCommands,
    }
  } finally {
    for (const [s1, s2] of pairs) {
      s1.disconnect()
      s2.disconnect()
    }
  }
}

/** A setup's cells summed (counts) or their medians (rates), with the events sent. */
interface Row extends Cell {
  readonly setup: string
  readonly events: number
}

const sumRecords = (rs: ReadonlyArray<Readonly<Record<string, number>>>): Record<string, number> => {
  const total: Record<string, number> = {}
  for (const r of rs) for (const [k, v] of Object.entries(r)) total[k] = (total[k] ?? 0) + v
  return total
}

const table = (rows: ReadonlyArray<Row>): string => {
  const head = '| setup | events/s | server CPU µs/event | commands sent/event | Redis commandstats/event (incl. inside scripts) | events | acked | lost (acked, not stored) | acks not in the final count | error acks |'
  const lines = rows.map((r) => {
    const errs = Object.entries(r.errors).map(([k, v]) => `${k} ${v}`).join(', ') || '0'
    const cmds = Object.entries(r.redisCommands).map(([k, v]) => `${k.toUpperCase()} ${(v / r.events).toFixed(2)}`).join(' + ')
    return `| ${r.setup} | ${r.eventsPerSec.toFixed(0)} | ${r.cpuUsPerEvent.toFixed(0)} | ${r.sentCommandsPerEvent.toFixed(2)} | ${r.redisCommandsPerEvent.toFixed(2)} (${cmds}) | ${r.events} | ${r.acked} | ${r.lost} | ${r.badAcks} | ${errs} |`
  })
  return [head, '|---|---:|---:|---:|---|---:|---:|---:|---:|---|', ...lines].join('\n')
}

/** A setup's cells in round order, and the per-round CPU ratio to `ours, 1 node` of the same round. */
interface Measured {
  readonly setup: Setup
  readonly cells: Cell[]
}

const rowOf = (m: Measured, plan: Plan): Row => ({
  setup: m.setup.name,
  eventsPerSec: median(m.cells.map((c) => c.eventsPerSec)),
  cpuUsPerEvent: median(m.cells.map((c) => c.cpuUsPerEvent)),
  redisCommandsPerEvent: median(m.cells.map((c) => c.redisCommandsPerEvent)),
  sentCommandsPerEvent: median(m.cells.map((c) => c.sentCommandsPerEvent)),
  redisCommands: sumRecords(m.cells.map((c) => c.redisCommands)),
  events: m.cells.length * plan.sessions * 2 * plan.events,
  acked: m.cells.reduce((n, c) => n + c.acked, 0),
  lost: m.cells.reduce((n, c) => n + c.lost, 0),
  badAcks: m.cells.reduce((n, c) => n + c.badAcks, 0),
  errors: sumRecords(m.cells.map((c) => c.errors)),
})

/** The median over rounds of `a`'s CPU per event over `b`'s in the same round. */
const roundCpuRatio = (a: Measured | undefined, b: Measured | undefined): number =>
  a === undefined || b === undefined ? Number.NaN : median(a.cells.flatMap((c, i) => { const other = b.cells[i]; return other === undefined ? [] : [c.cpuUsPerEvent / other.cpuUsPerEvent] }))

export interface ClusterOptions {
  readonly quick: boolean
  readonly write: boolean
  readonly command: string
  /** Node flags for every server (`--cpu-prof --cpu-prof-dir D` for `--profile`). */
  readonly nodeFlags?: ReadonlyArray<string>
  /** Only these setups (names as in SETUPS). */
  readonly only?: ReadonlyArray<string>
  readonly rounds?: number
  /** Told, for each node, its pid, its setup and its clock (µs) when the measured rounds began. */
  readonly onMeasuring?: (pid: number, setup: string, fromUs: number) => void
}

/**
 * Starts every setup's nodes at once (idle ones cost nothing), warms each up, then runs the
 * rounds: each round runs every setup once, in a rotated order, so that a slower minute of the
 * machine lands on all of them. Prints the table (medians over rounds) and the ratios (medians of
 * per-round ratios), and writes `bench/results/<date>-cluster[-quick].json`.
 */
export const runCluster = async (options: ClusterOptions): Promise<void> => {
  const plan: Plan = options.quick
    ? { sessions: 4, events: 250, inFlight: 8, rounds: options.rounds ?? 3 }
    : { sessions: 4, events: 1000, inFlight: 8, rounds: options.rounds ?? 5 }
  // `--only-setups ours-2,ours-cas-retry-2`: a setup's variant and node count.
  const setups = SETUPS.filter((s) => options.only === undefined || options.only.includes(s.name) || options.only.includes(`${s.variant}-${s.nodes}`))
  const loadAtStart = loadavg()[0] ?? 0
  log(`${options.command}: ${setups.length} setups, ${plan.sessions} sessions × 2 clients × ${plan.events} events, K = ${plan.inFlight}, ${plan.rounds} rounds, interleaved (median)`)
  const redisServer = await startRedis()
  const redis = createClient({ url: redisServer.url })
  await redis.connect()
  const started = performance.now()
  const measured: Measured[] = []
  const running: Array<{ readonly setup: Setup; readonly nodes: Node[] }> = []
  try {
    for (const [i, setup] of setups.entries()) {
      const prefix = `esio-bench-cluster:${i}:`
      running.push({ setup, nodes: await Promise.all(Array.from({ length: setup.nodes }, () => startNode(setup.variant, prefix, redisServer.url, options.nodeFlags))) })
    }
    for (const r of running) await runCell(r.nodes, redis, { ...plan, events: Math.min(plan.events, 200) }) // warm-up, not counted
    for (const r of running) measured.push({ setup: r.setup, cells: [] })
    for (const r of running)
      for (const n of r.nodes) if (n.pid !== undefined) options.onMeasuring?.(n.pid, r.setup.name, (await serverStats(n.url)).nowUs)
    for (let round = 0; round < plan.rounds; round++) {
      for (let k = 0; k < running.length; k++) {
        const index = (k + round) % running.length
        const r = running[index]
        if (r !== undefined) measured[index]?.cells.push(await runCell(r.nodes, redis, plan))
      }
      log(`  round ${round + 1}/${plan.rounds} done`)
    }
  } finally {
    await Promise.all(running.flatMap((r) => r.nodes.map((n) => n.stop())))
    await redis.quit()
    await redisServer.stop()
  }
  const rows = measured.map((m) => rowOf(m, plan))
  const seconds = (performance.now() - started) / 1000
  log('')
  log(table(rows))
  const base = rows.find((r) => r.setup === 'ours, 1 node')
  const cas = rows.find((r) => r.setup === 'ours-cas, 2 nodes')
  const retry = rows.find((r) => r.setup === 'ours-cas-retry, 2 nodes')
  const unserialized = rows.find((r) => r.setup === 'ours-unserialized, 1 node')
  const by = (name: string): Measured | undefined => measured.find((m) => m.setup.name === name)
  const ratio = (a: string, b: string): string => {
    const r = roundCpuRatio(by(a), by(b))
    return Number.isNaN(r) ? 'n/a' : `×${r.toFixed(2)}`
  }
  log('')
  log('CPU per event, medians of per-round ratios:')
  if (base !== undefined && retry !== undefined) {
    const conflicts = retry.errors['SessionConflict'] ?? 0
    const cpu = roundCpuRatio(by('ours-cas-retry, 2 nodes'), by('ours, 1 node'))
    log(
      `  ours-cas-retry on 2 nodes vs ours on 1 node ${ratio('ours-cas-retry, 2 nodes', 'ours, 1 node')} (target ≤ 1.25: ${cpu <= 1.25 ? 'met' : 'MISSED'}); ` +
        `lost ${retry.lost}, SessionConflict ${conflicts}, acks not in the final count ${retry.badAcks} (target 0, 0, 0: ${retry.lost === 0 && conflicts === 0 && retry.badAcks === 0 ? 'met' : 'MISSED'})`,
    )
  }
  if (base !== undefined && cas !== undefined) log(`  ours-cas (conflicts answered) on 2 nodes vs ours on 1 node ${ratio('ours-cas, 2 nodes', 'ours, 1 node')}`)
  log(
    `  ours on 2 nodes vs ours on 1 node ${ratio('ours, 2 nodes', 'ours, 1 node')}, hand-written on 2 nodes vs on 1 node ${ratio('hand-written, 2 nodes', 'hand-written, 1 node')} ` +
      '(what splitting the same load over two processes costs by itself)',
  )
  log(`  same topology: ours-cas vs ours on 1 node ${ratio('ours-cas, 1 node', 'ours, 1 node')}, on 2 nodes ${ratio('ours-cas, 2 nodes', 'ours, 2 nodes')}; ours-cas-retry vs ours on 2 nodes ${ratio('ours-cas-retry, 2 nodes', 'ours, 2 nodes')}`)
  log(`  what contention itself costs: ours-cas-retry on 2 nodes vs ours-cas on 1 node ${ratio('ours-cas-retry, 2 nodes', 'ours-cas, 1 node')} (the same Redis path, the session split over two nodes, conflicts run again)`)
  if (unserialized !== undefined)
    log(`Redis commands sent per event: ours-cas ${cas?.sentCommandsPerEvent.toFixed(2) ?? 'n/a'}, ours-cas-retry ${retry?.sentCommandsPerEvent.toFixed(2) ?? 'n/a'}, ours-unserialized ${unserialized.sentCommandsPerEvent.toFixed(2)}`)
  log(`\ntotal ${seconds.toFixed(1)} s; ${cpus().length} cores; 1-minute load average ${loadAtStart.toFixed(1)} at start, ${(loadavg()[0] ?? 0).toFixed(1)} at end`)
  if (!options.write) return
  mkdirSync('bench/results', { recursive: true })
  const out = `bench/results/${new Date().toISOString().slice(0, 10)}-cluster${options.quick ? '-quick' : ''}.json`
  writeFileSync(out, JSON.stringify({ date: new Date().toISOString(), command: options.command, plan, loadAverage1m: { atStart: loadAtStart, atEnd: loadavg()[0] ?? 0 }, seconds, rows }, null, 2) + '\n')
  log(`wrote ${out}`)
}
