// Turning rounds of cells into rows, a table and the JSON record.
import type { CellResult } from './client'
import { DESCRIPTIONS, type StoreKind, type Variant, VARIANTS, writes } from './variants'

export interface Row {
  readonly store: StoreKind
  readonly inFlight: number
  readonly variant: Variant
  readonly rounds: number
  /** Medians over rounds. */
  readonly eventsPerSec: number
  readonly p50Ms: number
  readonly p99Ms: number
  /** Ratios of median events/s, same store and K. */
  readonly vsPlain: number
  readonly vsHandWritten: number
  /** Lost updates summed over all rounds, out of `eventsChecked` (writing variants only). */
  readonly lost: number | undefined
  readonly eventsChecked: number
  readonly errors: number
  /** Store calls per event over all rounds. */
  readonly getsPerEvent: number
  readonly setsPerEvent: number
  readonly touchesPerEvent: number
  /** Median over rounds of the server's CPU time per event (µs): the cost, whatever bounds throughput. */
  readonly serverCpuUsPerEvent: number
  /** Peak RSS of this variant's server process during warm-up and rounds (it served only this variant, store and K). */
  readonly peakRssMb: number
  /** Its RSS when it had started and served nothing yet. */
  readonly idleRssMb: number
  /** Per-round events/s, in round order. */
  readonly perRound: ReadonlyArray<number>
}

export interface Group {
  readonly store: StoreKind
  readonly inFlight: number
  readonly cells: ReadonlyMap<Variant, ReadonlyArray<CellResult>>
  readonly peakRssKb: ReadonlyMap<Variant, number>
  readonly idleRssKb: ReadonlyMap<Variant, number>
  readonly eventsPerCell: number
}

export const median = (xs: ReadonlyArray<number>): number => {
  const s = [...xs].sort((a, b) => a - b)
  if (s.length === 0) return Number.NaN
  const mid = Math.floor(s.length / 2)
  return s.length % 2 === 1 ? (s[mid] ?? Number.NaN) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2
}

const sum = (xs: ReadonlyArray<number>): number => xs.reduce((a, b) => a + b, 0)

export const toRows = (group: Group): Row[] => {
  const eps = (v: Variant): number => median((group.cells.get(v) ?? []).map((c) => c.eventsPerSec))
  const plain = eps('plain')
  const hand = eps('hand-written')
  return VARIANTS.filter((v) => group.cells.has(v)).map((variant) => {
    const cells = group.cells.get(variant) ?? []
    const events = cells.length * group.eventsPerCell
    const e = eps(variant)
    return {
      store: group.store,
      inFlight: group.inFlight,
      variant,
      rounds: cells.length,
      eventsPerSec: e,
      p50Ms: median(cells.map((c) => c.p50Ms)),
      p99Ms: median(cells.map((c) => c.p99Ms)),
      vsPlain: e / plain,
      vsHandWritten: e / hand,
      lost: writes(variant) ? sum(cells.map((c) => c.lost)) : undefined,
      eventsChecked: events,
      errors: sum(cells.map((c) => c.errors)),
      getsPerEvent: sum(cells.map((c) => c.storeCalls.get)) / events,
      setsPerEvent: sum(cells.map((c) => c.storeCalls.set)) / events,
      touchesPerEvent: sum(cells.map((c) => c.storeCalls.touch)) / events,
      serverCpuUsPerEvent: median(cells.map((c) => c.serverCpuUsPerEvent)),
      peakRssMb: (group.peakRssKb.get(variant) ?? Number.NaN) / 1024,
      idleRssMb: (group.idleRssKb.get(variant) ?? Number.NaN) / 1024,
      perRound: cells.map((c) => c.eventsPerSec),
    }
  })
}

const fixed = (n: number, digits: number): string => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a')

const pct = (lost: number, of: number): string => (lost === 0 ? '0' : `${lost} (${((100 * lost) / of).toFixed(1)}%)`)

const storeLabel = (s: StoreKind): string => (s === 'memory' ? 'MemoryStore' : 'connect-redis')

const HEADER = ['store', 'K', 'variant', 'events/s', '× plain', '× hand-written', 'p50 ms', 'p99 ms', 'lost updates', 'store get/set per event', 'server CPU µs/event', 'server peak RSS MB (idle)']

const cellsOf = (r: Row): string[] => [
  storeLabel(r.store),
  String(r.inFlight),
  r.variant,
  fixed(r.eventsPerSec, 0),
  fixed(r.vsPlain, 2),
  fixed(r.vsHandWritten, 2),
  fixed(r.p50Ms, 2),
  fixed(r.p99Ms, 2),
  r.lost === undefined ? 'n/a (no write)' : pct(r.lost, r.eventsChecked),
  `${fixed(r.getsPerEvent, 2)} / ${fixed(r.setsPerEvent, 2)}${r.touchesPerEvent > 0 ? ` (+${fixed(r.touchesPerEvent, 2)} touch)` : ''}`,
  fixed(r.serverCpuUsPerEvent, 0),
  `${fixed(r.peakRssMb, 0)} (${fixed(r.idleRssMb, 0)})`,
]

/** A Markdown table, padded so that it also reads well in a terminal. */
export const markdownTable = (rows: ReadonlyArray<Row>): string => {
  const body = rows.map(cellsOf)
  const widths = HEADER.map((h, i) => Math.max(h.length, ...body.map((b) => (b[i] ?? '').length)))
  const line = (cells: ReadonlyArray<string>): string =>
    `| ${cells.map((c, i) => (i >= 3 ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0))).join(' | ')} |`
  const rule = `|${widths.map((w, i) => (i >= 3 ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`
  return [line(HEADER), rule, ...body.map(line)].join('\n')
}

export const legend = (): string => VARIANTS.map((v) => `- \`${v}\`: ${DESCRIPTIONS[v]}`).join('\n')

/** The reported targets, checked against the rows (reported, never asserted). */
export const targets = (rows: ReadonlyArray<Row>): string[] => {
  const lines: string[] = []
  const find = (store: StoreKind, k: number, v: Variant): Row | undefined =>
    rows.find((r) => r.store === store && r.inFlight === k && r.variant === v)
  const groups = [...new Set(rows.map((r) => `${r.store}|${r.inFlight}`))]
  for (const g of groups) {
    const [store, k] = g.split('|')
    if (store !== 'memory' && store !== 'redis') continue
    const inFlight = Number(k)
    const ours = find(store, inFlight, 'ours')
    const hand = find(store, inFlight, 'hand-written')
    const docs = find(store, inFlight, 'docs-reload')
    const ro = find(store, inFlight, 'ours-read-only')
    const where = `${storeLabel(store)} K=${inFlight}`
    const mark = (ok: boolean): string => (ok ? 'met' : 'MISSED')
    if (ours !== undefined && hand !== undefined)
      lines.push(`${where}: ours ${fixed(ours.vsHandWritten, 2)}× hand-written (target ≥ 0.95: ${mark(ours.vsHandWritten >= 0.95)})`)
    if (ours !== undefined && docs !== undefined) {
      const r = ours.eventsPerSec / docs.eventsPerSec
      lines.push(`${where}: ours ${fixed(r, 2)}× docs-reload (target ≥ 1.0: ${mark(r >= 1)})`)
    }
    if (ours !== undefined && inFlight > 1) lines.push(`${where}: ours lost ${ours.lost ?? 0} updates (target 0: ${mark(ours.lost === 0)})`)
    if (ro !== undefined) lines.push(`${where}: read-only made ${fixed(ro.setsPerEvent, 2)} store writes per event (target 0: ${mark(ro.setsPerEvent === 0 && ro.touchesPerEvent === 0)})`)
  }
  return lines
}
