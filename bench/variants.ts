/** The session bridges measured, in the order the report lists them. */
export const VARIANTS = [
  'plain',
  'docs-reload',
  'express-socket.io-session',
  'hand-written',
  'hand-written-locked',
  'ours',
  'ours-callback',
  'ours-unserialized',
  'ours-read-only',
  'ours-autosave',
] as const

export type Variant = (typeof VARIANTS)[number]

export const STORES = ['memory', 'redis'] as const

export type StoreKind = (typeof STORES)[number]

export const isVariant = (s: string | undefined): s is Variant => VARIANTS.some((v) => v === s)

export const isStoreKind = (s: string | undefined): s is StoreKind => STORES.some((k) => k === s)

/** What each variant's `inc` handler does, for the report. */
export const DESCRIPTIONS: Readonly<Record<Variant, string>> = {
  plain: 'no session: a counter in server memory (the floor)',
  'docs-reload': 'Socket.IO docs: io.engine.use(session); per event session.reload(), count++, save()',
  'express-socket.io-session': 'express-socket.io-session, autoSave: session loaded once per connection, saved after each event',
  'hand-written': 'cookie unsigned once per connection; per event store.get, count++, store.set',
  'hand-written-locked': 'hand-written plus a per-session promise chain: get, count++, set, ack run one at a time per session',
  ours: 'withSession (serialize: true, the default); count++, await session.save()',
  'ours-callback': 'withSession (serialize: true); count++, session.save(callback) then ack: no async function',
  'ours-unserialized': 'withSession with serialize: false; count++, await session.save()',
  'ours-read-only': 'withSession (serialize: true); reads session.count, no save',
  'ours-autosave': 'withSession with autoSave: true; count++ then ack: the ack is sent once the save it triggers is stored',
}

/** Each variant in words, for the chart. */
export const LABELS: Readonly<Record<Variant, string>> = {
  plain: 'no session (floor)',
  'docs-reload': 'Socket.IO docs: reload + save',
  'express-socket.io-session': 'express-socket.io-session',
  'hand-written': 'hand-written get + set',
  'hand-written-locked': 'hand-written + per-session lock',
  ours: 'ours: withSession + save',
  'ours-callback': 'ours, save(callback), no await',
  'ours-unserialized': 'ours, serialize: false',
  'ours-read-only': 'ours, read only (no save)',
  'ours-autosave': 'ours, autoSave (ack after the save)',
}

/**
 * The variant the others are compared with in a group: `hand-written` when each client has one
 * event in flight, `hand-written-locked` once events of one session overlap (the fair comparison
 * for a serialized handler).
 */
export const anchorFor = (inFlight: number): Variant => (inFlight > 1 ? 'hand-written-locked' : 'hand-written')

/** Variants whose handler writes `count`: the ones lost updates are counted for. */
export const writes = (v: Variant): boolean => v !== 'ours-read-only'

export const REDIS_URL_DEFAULT = 'redis://127.0.0.1:6379'
