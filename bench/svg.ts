// A hand-rolled SVG bar chart of the rows: one panel per store and K, one bar per variant.
import type { Row } from './report'
import { type StoreKind, type Variant, VARIANTS } from './variants'

const escapeXml = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')

const COLORS: Readonly<Record<Variant, string>> = {
  plain: '#9e9e9e',
  'docs-reload': '#5b8def',
  'express-socket.io-session': '#8e7cc3',
  'hand-written': '#455a64',
  ours: '#2e7d32',
  'ours-unserialized': '#66bb6a',
  'ours-read-only': '#a5d6a7',
}

const PANEL_W = 610
const LABEL_W = 190
const BAR_MAX = 250
const BAR_H = 18
const BAR_GAP = 7
const TITLE_H = 34
const MARGIN = 20

const storeTitle = (s: StoreKind): string => (s === 'memory' ? 'MemoryStore' : 'connect-redis (Redis on 127.0.0.1)')

const text = (x: number, y: number, body: string, attrs = ''): string =>
  `<text x="${x}" y="${y}" ${attrs}>${escapeXml(body)}</text>`

const lostNote = (r: Row): string =>
  r.lost === undefined ? ' · no write' : r.lost > 0 ? ` · ${((100 * r.lost) / r.eventsChecked).toFixed(0)}% of updates lost` : ''

const thousands = (n: number): string => Math.round(n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',')

/** One panel; `max` is shared by the panels of a store so that K = 1 and K = 8 compare by length. */
const panel = (rows: ReadonlyArray<Row>, max: number, x0: number, y0: number): string => {
  const first = rows[0]
  if (first === undefined) return ''
  const parts = [text(x0, y0 + 18, `${storeTitle(first.store)}, K = ${first.inFlight} in flight per client`, 'font-weight="bold" font-size="14"')]
  rows.forEach((r, i) => {
    const y = y0 + TITLE_H + i * (BAR_H + BAR_GAP)
    const w = Math.max(1, Math.round((r.eventsPerSec / max) * BAR_MAX))
    const ratio = r.variant === 'hand-written' ? '' : ` · ${r.vsHandWritten.toFixed(2)}× hw`
    const ours = r.variant.startsWith('ours')
    parts.push(
      text(x0 + LABEL_W - 8, y + 13, r.variant, `text-anchor="end" font-size="12"${ours ? ' font-weight="bold"' : ''}`),
      `<rect x="${x0 + LABEL_W}" y="${y}" width="${w}" height="${BAR_H}" fill="${COLORS[r.variant]}"/>`,
      text(x0 + LABEL_W + w + 6, y + 13, `${thousands(r.eventsPerSec)}/s${ratio}${lostNote(r)}`, `font-size="11"${r.lost !== undefined && r.lost > 0 ? ' fill="#c62828"' : ''}`),
    )
  })
  return parts.join('\n')
}

/** The whole chart: panels in a grid (a row per store, a column per K), then a footer. */
export const renderSvg = (rows: ReadonlyArray<Row>, footer: ReadonlyArray<string>): string => {
  const stores = [...new Set(rows.map((r) => r.store))]
  const ks = [...new Set(rows.map((r) => r.inFlight))].sort((a, b) => a - b)
  const panelH = TITLE_H + VARIANTS.length * (BAR_H + BAR_GAP) + 10
  const width = MARGIN * 2 + ks.length * PANEL_W
  const headerH = 30
  const height = MARGIN + headerH + stores.length * panelH + footer.length * 16 + MARGIN
  const panels = stores.flatMap((store, si) =>
    ks.map((k, ki) => {
      const panelRows = VARIANTS.flatMap((v) => rows.filter((r) => r.store === store && r.inFlight === k && r.variant === v))
      const max = Math.max(...rows.filter((r) => r.store === store).map((r) => r.eventsPerSec))
      return panel(panelRows, max, MARGIN + ki * PANEL_W, MARGIN + headerH + si * panelH)
    }),
  )
  const footY = MARGIN + headerH + stores.length * panelH
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    text(MARGIN, MARGIN + 12, 'Acknowledged inc events per second, server in a child process (median of rounds; longer is faster)', 'font-size="16" font-weight="bold"'),
    ...panels,
    ...footer.map((line, i) => text(MARGIN, footY + i * 16 + 12, line, 'font-size="11" fill="#555555"')),
    '</svg>',
    '',
  ].join('\n')
}
