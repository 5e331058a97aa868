// A hand-rolled SVG bar chart of the rows: one panel per store and K, stacked in one column (so the
// chart keeps a readable size in a README), one bar per variant, an events/s axis under each panel,
// and beside each bar its figures and ratios to the panel's anchor, in a column of their own.
import type { Row } from './report'
import { LABELS, type StoreKind, type Variant, VARIANTS, anchorFor } from './variants'

const escapeXml = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')

const COLORS: Readonly<Record<Variant, string>> = {
  plain: '#9e9e9e',
  'docs-reload': '#5b8def',
  'express-socket.io-session': '#8e7cc3',
  'hand-written': '#455a64',
  'hand-written-locked': '#78909c',
  ours: '#2e7d32',
  'ours-callback': '#43a047',
  'ours-unserialized': '#66bb6a',
  'ours-read-only': '#a5d6a7',
  'ours-autosave': '#1b5e20',
}

const WIDTH = 920
const LABEL_W = 215
const BAR_MAX = 260
/** Where the figures beside the bars start, relative to the panel. */
const FIGURES_X = LABEL_W + BAR_MAX + 14
const BAR_H = 18
const BAR_GAP = 7
const TITLE_H = 34
const AXIS_H = 44
const MARGIN = 20
/** Characters per line of 11–12 px text that fit the width. */
const WRAP = 140

const storeTitle = (s: StoreKind): string => (s === 'memory' ? 'MemoryStore' : 'connect-redis (Redis on 127.0.0.1)')

const text = (x: number, y: number, body: string, attrs = ''): string =>
  `<text x="${x}" y="${y}" ${attrs}>${escapeXml(body)}</text>`

const lostNote = (r: Row): string =>
  r.lost === undefined ? ' · no write' : r.lost > 0 ? ` · ${((100 * r.lost) / r.eventsChecked).toFixed(0)}% lost` : ''

/** Splits text into lines of at most `width` characters at spaces. */
const wrap = (line: string, width: number): string[] =>
  line.split(' ').reduce<string[]>((lines, word) => {
    const last = lines[lines.length - 1]
    if (last !== undefined && last.length + 1 + word.length <= width) lines[lines.length - 1] = `${last} ${word}`
    else lines.push(word)
    return lines
  }, [])

const thousands = (n: number): string => Math.round(n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',')

/** A round tick step (1, 2 or 5 × 10^n) giving about 5 ticks up to `max`. */
const tickStep = (max: number): number => {
  const rough = max / 5
  const power = 10 ** Math.floor(Math.log10(rough))
  return ([1, 2, 5, 10].map((m) => m * power).find((s) => s >= rough) ?? 10 * power)
}

/** The events/s axis under a panel's bars, from 0 to `axisMax`. */
const axis = (axisMax: number, step: number, x0: number, y: number): string[] => {
  const left = x0 + LABEL_W
  const parts = [`<line x1="${left}" y1="${y}" x2="${left + BAR_MAX}" y2="${y}" stroke="#333333"/>`]
  for (let v = 0; v <= axisMax + step / 2; v += step) {
    const x = left + Math.round((v / axisMax) * BAR_MAX)
    parts.push(`<line x1="${x}" y1="${y}" x2="${x}" y2="${y + 4}" stroke="#333333"/>`, text(x, y + 15, thousands(v), 'text-anchor="middle" font-size="10" fill="#333333"'))
  }
  parts.push(text(left + BAR_MAX / 2, y + 31, 'acknowledged events per second', 'text-anchor="middle" font-size="11" fill="#333333"'))
  return parts
}

/** One panel; `axisMax` is shared by the panels of a store so that K = 1 and K = 8 compare by length. */
const panel = (rows: ReadonlyArray<Row>, axisMax: number, step: number, x0: number, y0: number): string => {
  const first = rows[0]
  if (first === undefined) return ''
  const anchor = anchorFor(first.inFlight)
  const parts = [text(x0, y0 + 18, `${storeTitle(first.store)}, ${first.inFlight} event${first.inFlight > 1 ? 's' : ''} in flight per client`, 'font-weight="bold" font-size="14"')]
  const barsTop = y0 + TITLE_H
  const barsBottom = barsTop + rows.length * (BAR_H + BAR_GAP)
  const scale = (v: number): number => Math.max(1, Math.round((v / axisMax) * BAR_MAX))
  rows.forEach((r, i) => {
    const y = barsTop + i * (BAR_H + BAR_GAP)
    const w = scale(r.eventsPerSec)
    const isAnchor = r.variant === anchor
    const ratio = isAnchor ? 'anchor' : `${r.vsAnchor.toFixed(2)}× anchor`
    const cpu = `CPU ${r.serverCpuUsPerEvent.toFixed(0)} µs/event${isAnchor ? '' : ` (${r.cpuVsAnchor.toFixed(2)}×)`}`
    const bold = r.variant.startsWith('ours') || isAnchor ? ' font-weight="bold"' : ''
    parts.push(
      text(x0 + LABEL_W - 8, y + 13, LABELS[r.variant], `text-anchor="end" font-size="12"${bold}`),
      `<rect x="${x0 + LABEL_W}" y="${y}" width="${w}" height="${BAR_H}" fill="${COLORS[r.variant]}"${isAnchor ? ' stroke="#000000" stroke-width="1.5"' : ''}/>`,
      text(x0 + FIGURES_X, y + 13, `${thousands(r.eventsPerSec)}/s · ${ratio} · ${cpu}${lostNote(r)}`, `font-size="11"${r.lost !== undefined && r.lost > 0 ? ' fill="#c62828"' : ''}`),
    )
  })
  // A dashed line at the anchor's value: a bar reaching past it is faster than the anchor.
  const anchorRow = rows.find((r) => r.variant === anchor)
  if (anchorRow !== undefined) {
    const x = x0 + LABEL_W + scale(anchorRow.eventsPerSec)
    parts.push(`<line x1="${x}" y1="${barsTop - 4}" x2="${x}" y2="${barsBottom}" stroke="#000000" stroke-dasharray="3,3" stroke-width="1"/>`)
  }
  parts.push(...axis(axisMax, step, x0, barsBottom + 2))
  return parts.join('\n')
}

/** The whole chart: a legend, the panels in one column (per store: K = 1, then K = 8), then a footer. */
export const renderSvg = (rows: ReadonlyArray<Row>, footer: ReadonlyArray<string>): string => {
  const stores = [...new Set(rows.map((r) => r.store))]
  const ks = [...new Set(rows.map((r) => r.inFlight))].sort((a, b) => a - b)
  const present = VARIANTS.filter((v) => rows.some((r) => r.variant === v))
  const panelH = TITLE_H + present.length * (BAR_H + BAR_GAP) + AXIS_H + 12
  const legendLines = [
    'Bars: acknowledged inc events per second (longer is faster). Each handler reads the session fresh, adds 1 to its count, saves',
    'and acks ("read only": reads and acks). Beside each bar: events/s · × anchor · server CPU µs per event (× anchor\'s).',
    `Anchor (outlined bar, dashed line): "${LABELS[anchorFor(1)]}" with 1 event in flight per client, "${LABELS[anchorFor(8)]}"`,
    'with more (the fair comparison for a handler that loses no update). Ratios: medians of per-round ratios (each round runs every',
    'variant once). Red: updates lost (concurrent events of one session overwrote each other).',
  ]
  const footerLines = footer.flatMap((line) => wrap(line, WRAP))
  const headerH = 26 + legendLines.length * 16 + 8
  const panelCount = stores.length * ks.length
  const height = MARGIN + headerH + panelCount * panelH + footerLines.length * 15 + MARGIN
  const panels = stores.flatMap((store, si) => {
    const max = Math.max(...rows.filter((r) => r.store === store).map((r) => r.eventsPerSec))
    const step = tickStep(max)
    const axisMax = Math.ceil(max / step) * step
    return ks.map((k, ki) => {
      const panelRows = VARIANTS.flatMap((v) => rows.filter((r) => r.store === store && r.inFlight === k && r.variant === v))
      return panel(panelRows, axisMax, step, MARGIN, MARGIN + headerH + (si * ks.length + ki) * panelH)
    })
  })
  const footY = MARGIN + headerH + panelCount * panelH
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="Helvetica, Arial, sans-serif">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    text(MARGIN, MARGIN + 12, 'Socket.IO events per second with a fresh session per event: this library vs hand-written code', 'font-size="16" font-weight="bold"'),
    ...legendLines.map((line, i) => text(MARGIN, MARGIN + 32 + i * 16, line, 'font-size="12" fill="#222222"')),
    ...panels,
    ...footerLines.map((line, i) => text(MARGIN, footY + i * 15 + 12, line, 'font-size="11" fill="#555555"')),
    '</svg>',
    '',
  ].join('\n')
}
