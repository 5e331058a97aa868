import { sessionDecoderFor, trustStored } from '../../core/data/decode'
import { toSecretList } from '../../core/cookie/secrets'
import { isStandardSchema } from '../../core/data/standardSchema'
import { DEFAULT_STORE_TIMEOUT_MS, type SessionStore } from '../../core/store/storePort'
import type { VersionedStore } from '../../core/commit/versionedStore'
import { reportToConsole } from './defaultOnError'
import { refuseUnknownOptions, sessionAccessOptionNames } from './knownOptions'
import { resolveCommitMode } from './commitMode'
import type { AllowedOrigins, ResolvedConfig, SessionAccessConfig } from './options'

export type { AllowedOrigins, ErrorContext, ResolvedConfig, SessionAccessConfig, SessionOptions } from './options'

/** `maxQueuedEvents` when not given: far above what a real client sends, low enough to bound a flood. */
export const DEFAULT_MAX_QUEUED_EVENTS = 1000

/** `conflictRetries` when not given. */
export const DEFAULT_CONFLICT_RETRIES = 64

/**
 * Validates `revalidateIntervalMs` once: `undefined` (off, the default) or a positive number of ms.
 * @category adapters
 */
export const resolveRevalidateInterval = (value: unknown): number | undefined => {
  if (value === undefined) return undefined
  if (typeof value === 'number' && Number.isFinite(value) && value > 0) return value
  throw new TypeError('expression.socket.io: option "revalidateIntervalMs" must be a positive number of milliseconds')
}

const fail = (option: string, expected: string): never => {
  throw new TypeError(`expression.socket.io: option "${option}" must be ${expected}`)
}

const isStore = (u: unknown): u is SessionStore =>
  typeof u === 'object' &&
  u !== null &&
  'get' in u &&
  typeof u.get === 'function' &&
  'set' in u &&
  typeof u.set === 'function' &&
  'destroy' in u &&
  typeof u.destroy === 'function'

const isCodec = (u: unknown): boolean =>
  isStandardSchema(u) || ((typeof u === 'object' || typeof u === 'function') && u !== null && 'decode' in u && typeof u.decode === 'function')

const positive = (option: string, value: number | undefined, fallback: number): number => {
  if (value === undefined) return fallback
  return Number.isFinite(value) && value > 0 ? value : fail(option, 'a positive number of milliseconds')
}

const limit = (option: string, value: number | undefined, fallback: number): number => {
  if (value === undefined) return fallback
  return value === Infinity || (Number.isInteger(value) && value > 0) ? value : fail(option, 'a positive integer, or Infinity')
}

const flag = (option: string, value: boolean | undefined, fallback: boolean): boolean => {
  if (value === undefined) return fallback
  return typeof value === 'boolean' ? value : fail(option, 'a boolean')
}

const toOriginCheck = (allowed: AllowedOrigins | undefined): ((origin: string | undefined) => boolean) => {
  if (allowed === undefined) return () => true
  if (typeof allowed === 'function') return allowed
  if (!Array.isArray(allowed) || !allowed.every((o) => typeof o === 'string'))
    return fail('allowedOrigins', 'an array of origin strings or a function')
  const set = new Set(allowed)
  return (origin) => origin !== undefined && set.has(origin)
}

/**
 * Checks a configuration once, when the factory is called, and fills in the defaults. A bad
 * option is a `TypeError` that names it.
 * @category constructors
 */
export const resolveConfig = <A>(config: SessionAccessConfig<A>): ResolvedConfig<A> => {
  if (typeof config !== 'object' || config === null) return fail('config', 'an object')
  refuseUnknownOptions(config, sessionAccessOptionNames)
  if (!isStore(config.store)) return fail('store', 'an express-session store (with get, set and destroy)')
  toSecretList(config.secret, 'expression.socket.io: option "secret"')
  const key = config.key ?? 'connect.sid'
  if (typeof key !== 'string' || key === '') fail('key', 'a non-empty cookie name')
  if (config.onError !== undefined && typeof config.onError !== 'function') fail('onError', 'a function')
  if (config.codec !== undefined && !isCodec(config.codec)) fail('codec', 'an io-ts codec or a Standard Schema validator') // hook: Standard Schema
  const onSessionLost = config.onSessionLost ?? 'keep'
  if (onSessionLost !== 'keep' && onSessionLost !== 'disconnect') fail('onSessionLost', '"keep" or "disconnect"')
  if (config.now !== undefined && typeof config.now !== 'function') fail('now', 'a function returning ms')
  const codec = config.codec
  const versioned = resolveCommitMode(config.store, config.commit, config.redisClient)
  return {
    store: config.store,
    secret: config.secret,
    key,
    storeTimeoutMs: positive('storeTimeoutMs', config.storeTimeoutMs, DEFAULT_STORE_TIMEOUT_MS),
    onError: config.onError ?? reportToConsole, // hook: default onError
    decode: codec === undefined ? trustStored : sessionDecoderFor(codec), // hook: Standard Schema
    serialize: flag('serialize', config.serialize, true),
    maxQueuedEvents: limit('maxQueuedEvents', config.maxQueuedEvents, DEFAULT_MAX_QUEUED_EVENTS),
    handlerTimeoutMs: config.handlerTimeoutMs === undefined ? undefined : positive('handlerTimeoutMs', config.handlerTimeoutMs, 1),
    autoSave: flag('autoSave', config.autoSave, false),
    rolling: flag('rolling', config.rolling, false),
    touchIntervalMs: positive('touchIntervalMs', config.touchIntervalMs, 60_000),
    originAllowed: toOriginCheck(config.allowedOrigins),
    onSessionLost,
    io: config.io,
    now: config.now ?? Date.now,
    revalidateIntervalMs: resolveRevalidateInterval(config.revalidateIntervalMs),
    versioned,
    conflictRetries: resolveConflictRetries(config, versioned),
  }
}

/** `onConflict` and `conflictRetries`, checked: retrying needs compare-and-set (nothing else detects a conflict). */
const resolveConflictRetries = <A>(config: SessionAccessConfig<A>, versioned: VersionedStore | undefined): number => {
  const { onConflict } = config
  if (onConflict !== undefined && onConflict !== 'fail' && onConflict !== 'retry') return fail('onConflict', '"fail" or "retry"')
  if (onConflict !== 'retry') {
    if (config.conflictRetries !== undefined) fail('conflictRetries', "used with onConflict: 'retry'")
    return 0
  }
  if (versioned === undefined) return fail('onConflict', "\"retry\" only with commit: 'compare-and-set' (nothing else detects a conflict)")
  const retries = config.conflictRetries ?? DEFAULT_CONFLICT_RETRIES
  return Number.isInteger(retries) && retries > 0 ? retries : fail('conflictRetries', 'a positive integer')
}
