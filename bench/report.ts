// Turning rounds of cells into rows, a table and the JSON record.
import type { CellResult } from './client'
import { DESCRIPTIONS, type StoreKind, type Variant, VARIANTS, anchorFor, writes } from './variants'

export interface Row {
  readonly store: StoreKind
  readonly inFlight: number
  readonly variant: Variant
  readonly rounds: number
  /** Medians over rounds. */
  readonly eventsPerSec: number
  readonly p50Ms: number
  readonly p99Ms: number
  /**
   * The variant this row is compared with: `hand-written` at K = 1, `hand-written-locked` at K > 1.
   * Every ratio below is a median of per-round ratios: each round runs every variant once, so round
   * i's ratio is this variant's cell i over the other's cell i (the same minute of machine load).
   */
  readonly anchor: Variant
  /** events/s × anchor's events/s. */
  readonly vsAnchor: number
  /** Server CPU µs/event × anchor's. */
  readonly cpuVsAnchor: number
  /** events/s × plain's, and × hand-written's (whatever the anchor). */
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
  /** Per-round server CPU µs/event, in round order. */
  readonly perRoundCpu: ReadonlyArray<number>
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

/** The median over rounds of `a[i] / b[i]` (NaN when there is no round in common). */
export const roundRatio = (a: ReadonlyArray<number>, b: ReadonlyArray<number>): number =>
  median(a.flatMap((x, i) => (b[i] === undefined ? [] : [x / b[i]])))

export const toRows = (group: Group): Row[] => {
  const cellsFor = (v: Variant): ReadonlyArray<CellResult> => group.cells.get(v) ?? []
  const eps = (v: Variant): number[] => cellsFor(v).map((c) => c.eventsPerSec)
  const cpu = (v: Variant): number[] => cellsFor(v).map((c) => c.serverCpuUsPerEvent)
  const anchor = anchorFor(group.inFlight)
  return VARIANTS.filter((v) => group.cells.has(v)).map((variant) => {
    const cells = cellsFor(variant)
    const events = cells.length * group.eventsPerCell
    return {
      store: group.store,
      inFlight: group.inFlight,
      variant,
      rounds: cells.length,
      eventsPerSec: median(eps(variant)),
      p50Ms: median(cells.map((c) => c.p50Ms)),
      p99Ms: median(cells.map((c) => c.p99Ms)),
      anchor,
      vsAnchor: roundRatio(eps(variant), eps(anchor)),
      cpuVsAnchor: roundRatio(cpu(variant), cpu(anchor)),
      vsPlain: roundRatio(eps(variant), eps('plain')),
      vsHandWritten: roundRatio(eps(variant), eps('hand-written')),
      lost: writes(variant) ? sum(cells.map((c) => c.lost)) : undefined,
      eventsChecked: events,
      errors: sum(cells.map((c) => c.errors)),
      getsPerEvent: sum(cells.map((c) => c.storeCalls.get)) / events,
      setsPerEvent: sum(cells.map((c) => c.storeCalls.set)) / events,
      touchesPerEvent: sum(cells.map((c) => c.storeCalls.touch)) / events,
      serverCpuUsPerEvent: median(cpu(variant)),
      peakRssMb: (group.peakRssKb.get(variant) ?? Number.NaN) / 1024,
      idleRssMb: (group.idleRssKb.get(variant) ?? Number.NaN) / 1024,
      perRound: eps(variant),
      perRoundCpu: cpu(variant),
    }
  })
}

const fixed = (n: number, digits: number): string => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a')

const pct = (lost: number, of: number): string => (lost === 0 ? '0' : `${lost} (${((100 * lost) / of).toFixed(1)}%)`)

const storeLabel = (s: StoreKind): string => (s === 'memory' ? 'MemoryStore' : 'connect-redis')

const HEADER = ['store', 'K', 'variant', 'events/s', '× plain', 'events/s × anchor', 'p50 ms', 'p99 ms', 'lost updates', 'store get/set per event', 'server CPU µs/event', 'CPU × anchor', 'server peak RSS MB (idle)']

const versus = (r: Row, ratio: number): string => (r.variant === r.anchor ? 'anchor' : fixed(ratio, 2))

const cellsOf = (r: Row): string[] => [
  storeLabel(r.store),
  String(r.inFlight),
  r.variant,
  fixed(r.eventsPerSec, 0),
  fixed(r.vsPlain, 2),
  versus(r, r.vsAnchor),
  fixed(r.p50Ms, 2),
  fixed(r.p99Ms, 2),
  r.lost === undefined ? 'n/a (no write)' : pct(r.lost, r.eventsChecked),
  `${fixed(r.getsPerEvent, 2)} / ${fixed(r.setsPerEvent, 2)}${r.touchesPerEvent > 0 ? ` (+${fixed(r.touchesPerEvent, 2)} touch)` : ''}`,
  fixed(r.serverCpuUsPerEvent, 1),
  versus(r, r.cpuVsAnchor),
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

/**
 * Rows of several runs folded into one row per store, K and variant: every number the median over
 * the runs of that run's number (each run's ratios are already medians of its per-round ratios).
 */
export const medianRows = (runs: ReadonlyArray<ReadonlyArray<Row>>): Row[] => {
  const first = runs[0] ?? []
  return first.map((row) => {
    const same = runs.flatMap((rows) => rows.filter((r) => r.store === row.store && r.inFlight === row.inFlight && r.variant === row.variant))
    const med = (pick: (r: Row) => number): number => median(same.map(pick))
    const lost = same.every((r) => r.lost === undefined) ? undefined : same.reduce((n, r) => n + (r.lost ?? 0), 0)
    return {
      ...row,
      rounds: same.reduce((n, r) => n + r.rounds, 0),
      eventsPerSec: med((r) => r.eventsPerSec),
      p50Ms: med((r) => r.p50Ms),
      p99Ms: med((r) => r.p99Ms),
      vsAnchor: med((r) => r.vsAnchor),
      cpuVsAnchor: med((r) => r.cpuVsAnchor),
      vsPlain: med((r) => r.vsPlain),
      vsHandWritten: med((r) => r.vsHandWritten),
      lost,
      eventsChecked: same.reduce((n, r) => n + r.eventsChecked, 0),
      errors: same.reduce((n, r) => n + r.errors, 0),
      serverCpuUsPerEvent: med((r) => r.serverCpuUsPerEvent),
      peakRssMb: Math.max(...same.map((r) => r.peakRssMb)),
      perRound: same.flatMap((r) => r.perRound),
      perRoundCpu: same.flatMap((r) => r.perRoundCpu),
    }
  })
}

export const legend = (): string =>
  [
    ...VARIANTS.map((v) => `- \`${v}\`: ${DESCRIPTIONS[v]}`),
    `- anchor: \`${anchorFor(1)}\` at K = 1, \`${anchorFor(8)}\` at K > 1; "× anchor" and "× plain" are medians of per-round ratios`,
  ].join('\n')

/**
 * The issue's targets, checked against the rows: reported, never asserted (timings on a shared
 * machine are no test). Ratios are medians of per-round ratios, like the table's.
 */
export const targets = (rows: ReadonlyArray<Row>): string[] => {
  const lines: string[] = []
  const find = (store: StoreKind, k: number, v: Variant): Row | undefined =>
    rows.find((r) => r.store === store && r.inFlight === k && r.variant === v)
  const mark = (ok: boolean): string => (ok ? 'met' : 'MISSED')
  const groups = [...new Set(rows.map((r) => `${r.store}|${r.inFlight}`))]
  for (const g of groups) {
    const [store, k] = g.split('|')
    if (store !== 'memory' && store !== 'redis') continue
    const inFlight = Number(k)
    const where = `${storeLabel(store)} K=${inFlight}`
    const anchor = anchorFor(inFlight)
    const ours = find(store, inFlight, 'ours')
    const hand = find(store, inFlight, 'hand-written')
    const readOnly = find(store, inFlight, 'ours-read-only')
    const unserialized = find(store, inFlight, 'ours-unserialized')
    if (ours !== undefined && find(store, inFlight, anchor) !== undefined) {
      lines.push(`${where}: ours events/s ${fixed(ours.vsAnchor, 2)}× ${anchor} (target ≥ 1.0: ${mark(ours.vsAnchor >= 1)})`)
      lines.push(`${where}: ours server CPU µs/event ${fixed(ours.cpuVsAnchor, 2)}× ${anchor} (target ≤ 1.0: ${mark(ours.cpuVsAnchor <= 1)})`)
    }
    if (ours !== undefined && inFlight > 1) lines.push(`${where}: ours lost ${ours.lost ?? 0} updates (target 0: ${mark(ours.lost === 0)})`)
    if (readOnly !== undefined && hand !== undefined && inFlight > 1) {
      const r = roundRatio(readOnly.perRoundCpu, hand.perRoundCpu)
      lines.push(`${where}: ours-read-only server CPU µs/event ${fixed(r, 2)}× hand-written (target ≤ 1.0: ${mark(r <= 1)})`)
    }
    if (unserialized !== undefined && ours !== undefined) {
      const r = roundRatio(unserialized.perRoundCpu, ours.perRoundCpu)
      lines.push(`${where}: ours-unserialized server CPU µs/event ${fixed(r, 2)}× ours (target ≤ 1.0: ${mark(r <= 1)})`)
    }
    if (readOnly !== undefined)
      lines.push(`${where}: check: ours-read-only made ${fixed(readOnly.setsPerEvent, 2)} store writes per event (expected 0: ${mark(readOnly.setsPerEvent === 0 && readOnly.touchesPerEvent === 0)})`)
  }
  return lines
}
