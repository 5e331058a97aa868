// `npm run bench -- --memory`: memory at scale. For each of plain, hand-written and ours (MemoryStore,
// server started with --expose-gc): 1,000 real HTTP logins, then 10,000 websocket clients (10 per
// session, in client child processes), each sending one `inc` and waiting for its ack; the server's
// heap and RSS after a forced GC are read before the clients connect, while they are connected, and
// after they have all disconnected, when `ours` also reports the library's `stats()`.
import { type ChildProcess, fork } from 'node:child_process'
import { performance } from 'node:perf_hooks'
import { type BenchServer, login, startServer } from './client'
import { mapLimit } from './limit'
import type { Variant } from './variants'

export interface MemoryPlan {
  readonly sessions: number
  readonly socketsPerSession: number
  /** Client child processes the sockets are split across. */
  readonly clientProcesses: number
  /** Logins, and connections per client process, in flight at once. */
  readonly concurrency: number
}

export const MEMORY_VARIANTS = ['plain', 'hand-written', 'ours'] as const satisfies ReadonlyArray<Variant>

type MemoryVariant = (typeof MEMORY_VARIANTS)[number]

/** What `/stats/heap` answers: after `global.gc()`. */
export interface HeapSnapshot {
  readonly heapUsed: number
  readonly rss: number
  readonly sockets: number
}

export interface MemoryResult {
  readonly variant: MemoryVariant
  /** After the logins, before any socket. */
  readonly baseline: HeapSnapshot
  /** With every socket connected and its one event acked. */
  readonly connected: HeapSnapshot
  /** Once the server has seen every socket go. */
  readonly afterDisconnect: HeapSnapshot
  readonly sockets: number
  readonly acked: number
  readonly errors: number
  readonly loginSeconds: number
  readonly connectSeconds: number
  /** The library's `stats()` with the sockets connected, then after they left (`ours` only). */
  readonly libraryStatsConnected: Record<string, number> | null
  readonly libraryStatsAfter: Record<string, number> | null
}

export interface MemorySummary {
  /** (Δheap of ours − Δheap of plain) / sockets, Δ = connected − baseline, in bytes. */
  readonly oursHeapPerSocketOverPlainBytes: number
  readonly handWrittenHeapPerSocketOverPlainBytes: number
  /** Connected RSS of ours / of hand-written. */
  readonly oursRssVsHandWritten: number
  readonly oursStatsAfterDisconnect: Record<string, number> | null
  readonly targets: ReadonlyArray<string>
}

const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === 'object' && u !== null

const isNumberRecord = (u: unknown): u is Record<string, number> => isRecord(u) && Object.values(u).every((v) => typeof v === 'number')

const getJson = async (url: string): Promise<Record<string, unknown>> => {
  const res = await fetch(url)
  const body: unknown = await res.json()
  if (!res.ok || !isRecord(body)) throw new Error(`${url}: ${res.status} ${JSON.stringify(body)}`)
  return body
}

const heap = async (url: string): Promise<HeapSnapshot> => {
  const b = await getJson(url + '/stats/heap')
  const { heapUsed, rss, sockets } = b
  if (typeof heapUsed !== 'number' || typeof rss !== 'number' || typeof sockets !== 'number') throw new Error('bad /stats/heap')
  return { heapUsed, rss, sockets }
}

const socketsAndLibrary = async (url: string): Promise<{ sockets: number; library: Record<string, number> | null }> => {
  const b = await getJson(url + '/stats')
  const sockets = b['sockets']
  const library = b['library']
  if (typeof sockets !== 'number') throw new Error('bad /stats')
  return { sockets, library: isNumberRecord(library) ? library : null }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

/** Polls until the server counts no socket (it has handled every disconnect), for at most 60 s. */
const untilNoSocket = async (url: string): Promise<void> => {
  const deadline = performance.now() + 60_000
  while ((await socketsAndLibrary(url)).sockets > 0) {
    if (performance.now() > deadline) throw new Error('sockets still connected 60 s after the clients closed them')
    await sleep(200)
  }
}

/** One client process: resolves with its first answer of the wanted type. */
const answer = (child: ChildProcess, type: string): Promise<Record<string, unknown>> =>
  new Promise((resolve, reject) => {
    const onMessage = (m: unknown): void => {
      if (!isRecord(m)) return
      if (m['type'] === 'failed') reject(new Error(`client process: ${String(m['message'])}`))
      else if (m['type'] === type) {
        child.off('message', onMessage)
        resolve(m)
      }
    }
    child.on('message', onMessage)
    child.once('exit', (code) => reject(new Error(`client process exited with ${code}`)))
  })

const count = (m: Record<string, unknown>, k: string): number => (typeof m[k] === 'number' ? m[k] : 0)

const measureVariant = async (variant: MemoryVariant, plan: MemoryPlan, log: (line: string) => void): Promise<MemoryResult> => {
  const server: BenchServer = await startServer(variant, 'memory', { redisPrefix: 'esio-bench-memory:', nodeFlags: ['--expose-gc'] })
  const clients: ChildProcess[] = []
  try {
    let t0 = performance.now()
    const cookies = await mapLimit(plan.sessions, plan.concurrency, () => login(server.url))
    const loginSeconds = (performance.now() - t0) / 1000
    const baseline = await heap(server.url)

    t0 = performance.now()
    const share = Math.ceil(plan.sessions / plan.clientProcesses)
    for (let p = 0; p < plan.clientProcesses; p++)
      clients.push(fork('bench/memoryClients.ts', [], { execArgv: ['-r', 'ts-node/register/transpile-only'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }))
    const connectedAnswers = clients.map((c) => answer(c, 'connected'))
    clients.forEach((c, p) =>
      c.send({ url: server.url, cookies: cookies.slice(p * share, (p + 1) * share), perSession: plan.socketsPerSession, concurrency: plan.concurrency }),
    )
    const reports = await Promise.all(connectedAnswers)
    const connectSeconds = (performance.now() - t0) / 1000
    const connected = await heap(server.url)
    const libraryStatsConnected = (await socketsAndLibrary(server.url)).library

    const closedAnswers = clients.map((c) => answer(c, 'closed'))
    for (const c of clients) c.send({ type: 'disconnect' })
    await Promise.all(closedAnswers)
    await untilNoSocket(server.url)
    const afterDisconnect = await heap(server.url)
    const libraryStatsAfter = (await socketsAndLibrary(server.url)).library

    const result: MemoryResult = {
      variant,
      baseline,
      connected,
      afterDisconnect,
      sockets: reports.reduce((s, r) => s + count(r, 'sockets'), 0),
      acked: reports.reduce((s, r) => s + count(r, 'acked'), 0),
      errors: reports.reduce((s, r) => s + count(r, 'errors'), 0),
      loginSeconds,
      connectSeconds,
      libraryStatsConnected,
      libraryStatsAfter,
    }
    log(
      `  ${variant}: ${result.sockets} sockets, ${result.acked} acks (${result.errors} errors); logins ${loginSeconds.toFixed(1)} s, connect + inc ${connectSeconds.toFixed(1)} s; ` +
        `heap ${mb(baseline.heapUsed)} → ${mb(connected.heapUsed)} → ${mb(afterDisconnect.heapUsed)} MB, RSS ${mb(baseline.rss)} → ${mb(connected.rss)} → ${mb(afterDisconnect.rss)} MB (before → connected → after)`,
    )
    return result
  } finally {
    for (const c of clients) if (c.connected) c.disconnect()
    await server.stop()
  }
}

const mb = (bytes: number): string => (bytes / 2 ** 20).toFixed(1)

const grown = (r: MemoryResult): number => r.connected.heapUsed - r.baseline.heapUsed

export const summariseMemory = (results: ReadonlyArray<MemoryResult>, plan: MemoryPlan): MemorySummary => {
  const find = (v: MemoryVariant): MemoryResult | undefined => results.find((r) => r.variant === v)
  const plain = find('plain')
  const hand = find('hand-written')
  const ours = find('ours')
  const sockets = plan.sessions * plan.socketsPerSession
  const perSocket = (r: MemoryResult | undefined): number => (r === undefined || plain === undefined ? Number.NaN : (grown(r) - grown(plain)) / sockets)
  const oursPerSocket = perSocket(ours)
  const rssRatio = ours !== undefined && hand !== undefined ? ours.connected.rss / hand.connected.rss : Number.NaN
  const statsAfter = ours?.libraryStatsAfter ?? null
  const zeros = statsAfter !== null && Object.values(statsAfter).every((v) => v === 0)
  const mark = (ok: boolean): string => (ok ? 'met' : 'MISSED')
  return {
    oursHeapPerSocketOverPlainBytes: oursPerSocket,
    handWrittenHeapPerSocketOverPlainBytes: perSocket(hand),
    oursRssVsHandWritten: rssRatio,
    oursStatsAfterDisconnect: statsAfter,
    targets: [
      `heap ours adds per socket over plain: ${(oursPerSocket / 1024).toFixed(3)} KB (hand-written: ${(perSocket(hand) / 1024).toFixed(3)} KB) (target ≤ 0.5 KB: ${mark(oursPerSocket <= 512)})`,
      `server RSS with ${sockets} sockets, ours vs hand-written: ${mb(ours?.connected.rss ?? Number.NaN)} vs ${mb(hand?.connected.rss ?? Number.NaN)} MB = ${rssRatio.toFixed(2)}× (target ≤ 1.1: ${mark(rssRatio <= 1.1)})`,
      `ours stats() once every socket left: ${JSON.stringify(statsAfter)} (target all zeros: ${mark(zeros)})`,
    ],
  }
}

/** Runs the three servers one after another (each holds all the sockets while it is measured). */
export const runMemory = async (plan: MemoryPlan, log: (line: string) => void): Promise<{ results: MemoryResult[]; summary: MemorySummary }> => {
  const results: MemoryResult[] = []
  for (const v of MEMORY_VARIANTS) results.push(await measureVariant(v, plan, log))
  return { results, summary: summariseMemory(results, plan) }
}
