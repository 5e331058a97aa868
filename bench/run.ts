// `npm run bench [-- --quick | --profile | --memory | --cluster]`: see docs/benchmark.md.
//
// Options: --quick (smoke check, < 60 s), --rounds N, --clients N, --events M,
// --stores memory,redis, --only v1,v2 (variants), --profile [--k K] (K = 8 unless --k, with node --cpu-prof on
// the `ours`, `ours-unserialized` and `hand-written` servers; prints where their CPU time goes),
// --no-write (print only, write no file), --inflight 1,4,8 (the K values; default 1,8),
// --runs N (the whole measurement N times, figures the median over runs),
// --flood [--flood-events N (20000)] [--flood-ms MS (50)] [--label L] (one client floods its session:
// heap per waiting event, work left after it disconnects, another session's latency; see bench/flood.ts),
// --cluster [--quick] (one session's clients spread over two nodes on a private redis-server: lost
// updates, CPU and Redis commands per event; see bench/cluster.ts),
// --memory (memory at scale: see bench/memory.ts; with
// --sessions N (1000), --per-session N (10 sockets), --client-procs N (2), --concurrency N (100)).
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, release, tmpdir, totalmem } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { createClient } from 'redis'
import { runCluster } from './cluster'
import { runFloodMode } from './flood'
import { type BenchServer, type CellPlan, type CellResult, resetPeakRss, runCell, serverStats, startServer } from './client'
import { runMemory } from './memory'
import { formatSummary, summarise } from './profile'
import { type Group, type Row, legend, markdownTable, medianRows, toRows, targets } from './report'
import { renderSvg } from './svg'
import { REDIS_URL_DEFAULT, type StoreKind, type Variant, VARIANTS, isStoreKind, isVariant } from './variants'

const argv = process.argv.slice(2)
const flag = (name: string): boolean => argv.includes(name)
const option = (name: string): string | undefined => {
  const i = argv.indexOf(name)
  return i >= 0 ? argv[i + 1] : undefined
}
const intOption = (name: string, fallback: number): number => {
  const raw = option(name)
  if (raw === undefined) return fallback
  const n = Number(raw)
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} takes a positive integer, got ${raw}`)
  return n
}
const listOption = <T extends string>(name: string, all: ReadonlyArray<T>, is: (s: string) => s is T): T[] => {
  const raw = option(name)
  if (raw === undefined) return [...all]
  const picked = raw.split(',').filter((s) => s !== '')
  const bad = picked.filter((s) => !is(s))
  if (bad.length > 0) throw new Error(`${name}: unknown ${bad.join(', ')} (known: ${all.join(', ')})`)
  return picked.filter(is)
}

const quick = flag('--quick')
const profile = flag('--profile')
/** `--inflight 1,4,8`: the K values measured (events in flight per client). Default 1 and 8. */
const IN_FLIGHT: ReadonlyArray<number> = (option('--inflight') ?? '1,8').split(',').map((k) => {
  const n = Number(k)
  if (!Number.isInteger(n) || n < 1) throw new Error(`--inflight takes positive integers, got ${k}`)
  return n
})
const plan = {
  rounds: intOption('--rounds', quick ? 3 : 7),
  clients: intOption('--clients', quick ? 4 : 8),
  events: intOption('--events', quick ? 150 : 1000),
}
/** Every server first serves one untimed cell of this many events per client (JIT, pools). */
const warmupEvents = quick ? 100 : plan.events
const stores = listOption('--stores', ['memory', 'redis'] satisfies StoreKind[], isStoreKind)
const variants = listOption<Variant>('--only', profile ? ['ours', 'ours-unserialized', 'hand-written'] : VARIANTS, isVariant)
const redisUrl = process.env['REDIS_URL'] ?? REDIS_URL_DEFAULT
const runId = `esio-bench:${process.pid}-${Date.now()}:`
const command = `npm run bench${argv.length > 0 ? ` -- ${argv.join(' ')}` : ''}`

const log = (line: string): void => void process.stdout.write(line + '\n')

/** Connects to Redis or says why not; the benchmark's own keys are removed through it at the end. */
const openRedis = async (): Promise<{ cleanup: () => Promise<number> } | string> => {
  const client = createClient({ url: redisUrl, socket: { connectTimeout: 1500, reconnectStrategy: false } })
  let lastError = 'unreachable'
  client.on('error', (err: unknown) => void (lastError = err instanceof Error ? err.message : String(err)))
  try {
    await client.connect()
    await client.ping()
  } catch (err) {
    return err instanceof Error && err.message !== '' ? err.message : lastError
  }
  return {
    cleanup: async () => {
      let removed = 0
      for await (const keys of client.scanIterator({ MATCH: `${runId}*`, COUNT: 1000 })) {
        if (keys.length > 0) removed += await client.del(keys)
      }
      await client.quit()
      return removed
    },
  }
}

/** Which variant each server process ran, to name its CPU profile. */
const variantByPid = new Map<number, Variant>()
/** When each server's measured rounds began, on its profile's clock. */
const measuredFrom = new Map<number, number>()

const startAll = async (store: StoreKind, nodeFlags: ReadonlyArray<string>): Promise<BenchServer[]> => {
  const servers = await Promise.all(variants.map((v) => startServer(v, store, { redisPrefix: runId, nodeFlags })))
  for (const s of servers) if (s.pid !== undefined) variantByPid.set(s.pid, s.variant)
  return servers
}

/** Rounds of every variant at one store and K, each round in a rotated order. */
const measureGroup = async (store: StoreKind, inFlight: number, nodeFlags: ReadonlyArray<string> = []): Promise<Group> => {
  const t0 = performance.now()
  const servers = await startAll(store, nodeFlags)
  const cellPlan: CellPlan = { clients: plan.clients, events: plan.events, inFlight }
  const cells = new Map<Variant, CellResult[]>(variants.map((v) => [v, []]))
  const peakRssKb = new Map<Variant, number>()
  const idleRssKb = new Map<Variant, number>()
  try {
    for (const s of servers) idleRssKb.set(s.variant, await resetPeakRss(s.url))
    for (const s of servers) await runCell(s.url, { ...cellPlan, events: warmupEvents })
    for (const s of servers) if (s.pid !== undefined) measuredFrom.set(s.pid, (await serverStats(s.url)).nowUs)
    for (let round = 0; round < plan.rounds; round++) {
      const order = servers.map((_, i) => servers[(i + round) % servers.length]).filter((s): s is BenchServer => s !== undefined)
      for (const s of order) cells.get(s.variant)?.push(await runCell(s.url, cellPlan))
    }
    for (const s of servers) peakRssKb.set(s.variant, (await serverStats(s.url)).peakRssKb)
  } finally {
    await Promise.all(servers.map((s) => s.stop()))
  }
  log(`  ${store} K=${inFlight}: ${((performance.now() - t0) / 1000).toFixed(1)} s`)
  return { store, inFlight, cells, peakRssKb, idleRssKb, eventsPerCell: plan.clients * plan.events }
}

const machine = (): Record<string, string | number> => ({
  cores: cpus().length,
  cpu: cpus()[0]?.model ?? 'unknown',
  memoryGb: Math.round(totalmem() / 2 ** 30),
  node: process.version,
  os: `${process.platform} ${release()}`,
})

const today = (): string => new Date().toISOString().slice(0, 10)

const runProfile = async (stores: ReadonlyArray<StoreKind>): Promise<void> => {
  const dir = mkdtempSync(join(tmpdir(), 'esio-bench-prof-'))
  const results: Record<string, unknown>[] = []
  for (const store of stores) {
    const before = new Set(readdirSync(dir))
    const group = await measureGroup(store, intOption('--k', 8), ['--cpu-prof', '--cpu-prof-interval', '100', '--cpu-prof-dir', dir])
    const rows = toRows(group)
    log(markdownTable(rows))
    const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile') && !before.has(f))
    // Each server writes one profile named after its pid.
    for (const f of files) {
      const pid = Number(/CPU\.\d+\.\d+\.(\d+)\./.exec(f)?.[1])
      const variant = variantByPid.get(pid) ?? f
      const summary = summarise(join(dir, f), measuredFrom.get(pid) ?? 0)
      const events = plan.rounds * plan.clients * plan.events
      log(formatSummary(`${variant} on ${store}`, summary, events))
      results.push({ store, variant, events, busyUsPerEvent: (1000 * summary.busyMs) / events, summary })
    }
  }
  if (!flag('--no-write')) {
    mkdirSync('bench/results', { recursive: true })
    const out = `bench/results/${today()}-profile.json`
    writeFileSync(out, JSON.stringify({ date: new Date().toISOString(), command, machine: machine(), plan: { ...plan, inFlight: 8 }, profiles: results }, null, 2) + '\n')
    log(`profiles: ${dir}; summary: ${out}`)
  }
}

const noteLoad = (loadAtStart: number): void => {
  if (loadAtStart > cpus().length * 0.5)
    log(`NOTE: load average ${loadAtStart.toFixed(1)} on ${cpus().length} cores: other work is running and will disturb the figures`)
}

const memoryMode = async (): Promise<void> => {
  const started = performance.now()
  const loadAtStart = loadavg()[0] ?? 0
  noteLoad(loadAtStart)
  const memoryPlan = {
    sessions: intOption('--sessions', 1000),
    socketsPerSession: intOption('--per-session', 10),
    clientProcesses: intOption('--client-procs', 2),
    concurrency: intOption('--concurrency', 100),
  }
  log(
    `${command}: plain, hand-written and ours on MemoryStore (node --expose-gc), one at a time: ${memoryPlan.sessions} HTTP logins, then ` +
      `${memoryPlan.sessions * memoryPlan.socketsPerSession} websocket clients (${memoryPlan.socketsPerSession} per session, across ${memoryPlan.clientProcesses} client processes), one acked inc each`,
  )
  const { results, summary } = await runMemory(memoryPlan, log)
  const seconds = (performance.now() - started) / 1000
  log('')
  for (const t of summary.targets) log(t)
  const load = { atStart: loadAtStart, atEnd: loadavg()[0] ?? 0 }
  log(`\ntotal ${seconds.toFixed(1)} s; 1-minute load average ${load.atStart.toFixed(1)} at start, ${load.atEnd.toFixed(1)} at end`)
  if (flag('--no-write')) return
  mkdirSync('bench/results', { recursive: true })
  const out = `bench/results/${today()}-memory.json`
  writeFileSync(out, JSON.stringify({ date: new Date().toISOString(), command, machine: machine(), loadAverage1m: load, plan: memoryPlan, seconds, summary, results }, null, 2) + '\n')
  log(`wrote ${out}`)
}

/** `--cluster [--quick] [--only-setups a,b] [--rounds N] [--profile]`: see bench/cluster.ts. */
const clusterMode = async (): Promise<void> => {
  const only = option('--only-setups')?.split(',')
  const rounds = option('--rounds') === undefined ? undefined : intOption('--rounds', 5)
  if (!profile) return runCluster({ quick, write: !flag('--no-write'), command, ...(only === undefined ? {} : { only }), ...(rounds === undefined ? {} : { rounds }) })
  const dir = mkdtempSync(join(tmpdir(), 'esio-bench-cluster-prof-'))
  const nodes = new Map<number, { setup: string; fromUs: number }>()
  await runCluster({
    quick,
    write: false,
    command,
    nodeFlags: ['--cpu-prof', '--cpu-prof-dir', dir],
    onMeasuring: (pid, setup, fromUs) => void nodes.set(pid, { setup, fromUs }),
    ...(only === undefined ? {} : { only }),
    ...(rounds === undefined ? {} : { rounds }),
  })
  // One profile per node, named after its pid; cut to the measured rounds.
  for (const f of readdirSync(dir).filter((name) => name.endsWith('.cpuprofile'))) {
    const pid = Number(/CPU\.\d+\.\d+\.(\d+)\./.exec(f)?.[1])
    const node = nodes.get(pid)
    log(formatSummary(`${node?.setup ?? '?'} (pid ${pid})`, summarise(join(dir, f), node?.fromUs ?? 0, 40), 1))
  }
  log(`profiles: ${dir}`)
}

const main = async (): Promise<void> => {
  if (flag('--cluster')) return clusterMode()
  if (flag('--flood'))
    return runFloodMode({
      plan: { events: intOption('--flood-events', 20_000), handlerMs: intOption('--flood-ms', 50), capMs: 10_000 },
      label: option('--label') ?? 'this checkout',
      write: !flag('--no-write'),
      command,
    })
  if (flag('--memory')) return memoryMode()
  const started = performance.now()
  const loadAtStart = loadavg()[0] ?? 0
  noteLoad(loadAtStart)
  log(`${command}: ${variants.length} variants, ${plan.clients} clients × ${plan.events} events, K = ${profile ? 8 : IN_FLIGHT.join(' and ')}, ${plan.rounds} rounds, ${cpus().length} cores`)
  let redis: { cleanup: () => Promise<number> } | undefined
  let redisSkipped: string | undefined
  const wanted = [...stores]
  if (wanted.includes('redis')) {
    const opened = await openRedis()
    if (typeof opened === 'string') {
      redisSkipped = `Redis at ${redisUrl} is unreachable (${opened}): the connect-redis rows are skipped.`
      log(redisSkipped)
      wanted.splice(wanted.indexOf('redis'), 1)
    } else redis = opened
  }
  try {
    if (profile) {
      await runProfile(wanted)
      return
    }
    // `--runs N`: the whole measurement N times; each row's ratios are then the median over runs
    // of the run's own ratios (medians of per-round ratios), since one run here moves by ±15%.
    const runs = intOption('--runs', 1)
    const perRun: Row[][] = []
    for (let run = 0; run < runs; run++) {
      if (runs > 1) log(`run ${run + 1}/${runs}`)
      const rowsOfRun: Row[] = []
      for (const store of wanted) for (const k of IN_FLIGHT) rowsOfRun.push(...toRows(await measureGroup(store, k)))
      perRun.push(rowsOfRun)
    }
    const rows = runs === 1 ? (perRun[0] ?? []) : medianRows(perRun)
    const seconds = (performance.now() - started) / 1000
    log('')
    log(markdownTable(rows))
    log('')
    log(legend())
    if (runs > 1) log(`- ${runs} runs: every figure is the median over the runs of that run's figure; spread (min–max of × anchor) in the JSON`)
    log('')
    for (const t of targets(rows)) log(t)
    const errors = rows.filter((r) => r.errors > 0)
    for (const r of errors) log(`WARNING: ${r.variant} (${r.store}, K=${r.inFlight}) got ${r.errors} error acks`)
    log(`\ntotal ${seconds.toFixed(1)} s; 1-minute load average ${loadAtStart.toFixed(1)} at start, ${(loadavg()[0] ?? 0).toFixed(1)} at end`)
    if (flag('--no-write')) return
    const m = machine()
    const date = today()
    mkdirSync('bench/results', { recursive: true })
    const out = `bench/results/${date}${quick ? '-quick' : ''}.json`
    const load = { atStart: loadAtStart, atEnd: loadavg()[0] ?? 0 }
    writeFileSync(
      out,
      JSON.stringify(
        { date: new Date().toISOString(), command, machine: m, loadAverage1m: load, plan: { ...plan, warmupEvents, inFlight: IN_FLIGHT, runs }, seconds, redisSkipped, rows, targets: targets(rows), runs: runs > 1 ? perRun : undefined },
        null,
        2,
      ) + '\n',
    )
    log(`wrote ${out}`)
    if (quick) {
      log('docs/bench.svg is left as it is: only a full run redraws it')
      return
    }
    const footer = [
      `${date} · ${m['cores']} cores (${m['cpu']}) · Node ${m['node']} · ${plan.clients} clients × ${plan.events} events, K in flight per client, median of ${plan.rounds} rounds${runs > 1 ? `, then of ${runs} runs` : ''} · ${command}`,
      'hand-written: cookie unsigned once per connection, store.get + store.set per event; + per-session lock: the same in a per-session promise chain. express-socket.io-session loads once per connection (not fresh) and acks before its autoSave write.',
    ]
    mkdirSync('docs', { recursive: true })
    writeFileSync('docs/bench.svg', renderSvg(rows, footer))
    log('wrote docs/bench.svg')
  } finally {
    if (redis !== undefined) log(`redis: removed ${await redis.cleanup()} benchmark keys (${runId}*)`)
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`)
  process.exitCode = 1
})
