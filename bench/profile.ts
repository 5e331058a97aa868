// Summarises a V8 `.cpuprofile` (from `node --cpu-prof`): self time by function and by package.
import { readFileSync } from 'node:fs'

interface CallFrame {
  readonly functionName: string
  readonly url: string
  readonly lineNumber: number
}

interface ProfileNode {
  readonly id: number
  readonly callFrame: CallFrame
}

interface CpuProfile {
  readonly startTime: number
  readonly nodes: ReadonlyArray<ProfileNode>
  readonly samples: ReadonlyArray<number>
  readonly timeDeltas: ReadonlyArray<number>
}

const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === 'object' && u !== null

const isNumberArray = (u: unknown): u is number[] => Array.isArray(u) && u.every((x) => typeof x === 'number')

const isCallFrame = (u: unknown): u is CallFrame =>
  isRecord(u) && typeof u['functionName'] === 'string' && typeof u['url'] === 'string' && typeof u['lineNumber'] === 'number'

const isNode = (u: unknown): u is ProfileNode =>
  isRecord(u) && typeof u['id'] === 'number' && isCallFrame(u['callFrame'])

const toProfile = (u: unknown): CpuProfile => {
  if (!isRecord(u)) throw new Error('not a cpuprofile')
  const { startTime, nodes, samples, timeDeltas } = u
  if (typeof startTime !== 'number' || !Array.isArray(nodes) || !nodes.every(isNode) || !isNumberArray(samples) || !isNumberArray(timeDeltas))
    throw new Error('not a cpuprofile')
  return { startTime, nodes, samples, timeDeltas }
}

export interface Hotspot {
  readonly name: string
  readonly where: string
  readonly selfMs: number
  readonly selfPct: number
}

export interface ProfileSummary {
  readonly file: string
  readonly totalMs: number
  /** Time not idle: what the process actually spent. */
  readonly busyMs: number
  readonly byPackage: ReadonlyArray<{ readonly pkg: string; readonly selfMs: number; readonly pctOfBusy: number }>
  readonly top: ReadonlyArray<Hotspot>
}

/** Which package a frame belongs to: `src`, `bench`, a node_modules package, `node:` internals or a V8 pseudo-frame. */
export const packageOf = (frame: CallFrame): string => {
  const { url, functionName } = frame
  if (url === '') return `(${functionName.replace(/[()]/g, '') || 'native'})`
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)
  if (nm !== null) return nm[1] ?? 'node_modules'
  if (url.startsWith('node:')) return 'node internals'
  if (url.includes('/src/')) return 'src (this library)'
  if (url.includes('/bench/')) return 'bench'
  return url
}

const shortUrl = (url: string): string => url.replace(/^.*node_modules\//, '').replace(/^.*\/(src|bench)\//, '$1/').replace(/^file:\/\//, '')

/** `fromUs`: only samples taken from then on (the server's `nowUs` after warm-up), so start-up is left out. */
export const summarise = (file: string, fromUs = 0, topN = 25): ProfileSummary => {
  const profile = toProfile(JSON.parse(readFileSync(file, 'utf8')))
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  const self = new Map<number, number>()
  let at = profile.startTime
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0
    at += delta
    if (at >= fromUs) self.set(id, (self.get(id) ?? 0) + delta / 1000)
  })
  const totalMs = [...self.values()].reduce((a, b) => a + b, 0)
  let idleMs = 0
  const pkgs = new Map<string, number>()
  const fns = new Map<string, { name: string; where: string; ms: number }>()
  for (const [id, ms] of self) {
    const node = byId.get(id)
    if (node === undefined) continue
    const f = node.callFrame
    if (f.functionName === '(idle)') {
      idleMs += ms
      continue
    }
    const pkg = packageOf(f)
    pkgs.set(pkg, (pkgs.get(pkg) ?? 0) + ms)
    const key = `${f.functionName}@${f.url}:${f.lineNumber}`
    const known = fns.get(key) ?? { name: f.functionName || '(anonymous)', where: `${shortUrl(f.url)}:${f.lineNumber + 1}`, ms: 0 }
    known.ms += ms
    fns.set(key, known)
  }
  const busyMs = totalMs - idleMs
  const pct = (ms: number): number => (100 * ms) / busyMs
  return {
    file,
    totalMs,
    busyMs,
    byPackage: [...pkgs].map(([pkg, selfMs]) => ({ pkg, selfMs, pctOfBusy: pct(selfMs) })).sort((a, b) => b.selfMs - a.selfMs),
    top: [...fns.values()]
      .sort((a, b) => b.ms - a.ms)
      .slice(0, topN)
      .map((f) => ({ name: f.name, where: f.where, selfMs: f.ms, selfPct: pct(f.ms) })),
  }
}

/** `events`: how many events the profiled part served, to give figures per event. */
export const formatSummary = (label: string, s: ProfileSummary, events: number): string => {
  const perEvent = (ms: number): string => `${((1000 * ms) / events).toFixed(1).padStart(5)} µs/event`
  const lines = [
    `== ${label}: ${s.busyMs.toFixed(0)} ms busy of ${s.totalMs.toFixed(0)} ms profiled, ${perEvent(s.busyMs).trim()} over ${events} events (${s.file})`,
    '  self time by package:',
  ]
  for (const p of s.byPackage.slice(0, 14)) lines.push(`    ${p.pctOfBusy.toFixed(1).padStart(5)}%  ${p.selfMs.toFixed(0).padStart(6)} ms  ${perEvent(p.selfMs)}  ${p.pkg}`)
  lines.push('  top functions by self time:')
  for (const f of s.top) lines.push(`    ${f.selfPct.toFixed(1).padStart(5)}%  ${f.selfMs.toFixed(0).padStart(6)} ms  ${f.name}  ${f.where}`)
  return lines.join('\n')
}
