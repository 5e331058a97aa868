import type { ExpressionSocketOptions, SessionAccessConfig } from './options'

/**
 * Every option `sessionAccess` takes. A `Record` over the config's keys, so that an option added
 * to the type and not here (or the reverse) does not compile.
 */
const accessOptions: Record<keyof SessionAccessConfig<unknown>, true> = {
  store: true,
  secret: true,
  key: true,
  storeTimeoutMs: true,
  onError: true,
  codec: true,
  serialize: true,
  maxQueuedEvents: true,
  handlerTimeoutMs: true,
  autoSave: true,
  rolling: true,
  touchIntervalMs: true,
  allowedOrigins: true,
  onSessionLost: true,
  revalidateIntervalMs: true,
  io: true,
  now: true,
  commit: true,
  redisClient: true,
  onConflict: true,
  conflictRetries: true,
}

/** The option names `sessionAccess(config)` accepts. @category model */
export const sessionAccessOptionNames: ReadonlyArray<string> = Object.keys(accessOptions)

/** Edit distance between two names, case-insensitive (a typo in case is still a typo). */
const distance = (a: string, b: string): number => {
  const s = a.toLowerCase()
  const t = b.toLowerCase()
  let previous = Array.from({ length: t.length + 1 }, (_, j) => j)
  for (let i = 1; i <= s.length; i++) {
    const current = [i]
    for (let j = 1; j <= t.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (s[i - 1] === t[j - 1] ? 0 : 1)
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution))
    }
    previous = current
  }
  return previous[t.length] ?? 0
}

/**
 * The known name nearest to an unknown one, when it is near enough to be a typo or a missing
 * suffix (`storeTimeout` → `storeTimeoutMs`); `undefined` for a name like nothing known.
 */
export const closestOptionName = (unknown: string, known: ReadonlyArray<string>): string | undefined => {
  let best: string | undefined
  let bestDistance = Infinity
  for (const name of known) {
    const d = name.toLowerCase().startsWith(unknown.toLowerCase()) || unknown.toLowerCase().startsWith(name.toLowerCase())
      ? Math.abs(name.length - unknown.length) / 2
      : distance(unknown, name)
    if (d < bestDistance) {
      best = name
      bestDistance = d
    }
  }
  return bestDistance <= Math.max(2, Math.floor(unknown.length / 3)) ? best : undefined
}

/**
 * Refuses an options object with a name the library does not know, with a `TypeError` naming
 * each unknown option and the closest known one: a misspelt option (`storeTimeout`) is otherwise
 * silently ignored and its default applies.
 *
 * `refuseUnknownOptions({ store, secret, storeTimeout: 2000 }, sessionAccessOptionNames)` throws
 * `TypeError: expression.socket.io: unknown option "storeTimeout" (did you mean "storeTimeoutMs"?)`.
 * @category adapters
 */
export const refuseUnknownOptions = (options: object, known: ReadonlyArray<string>): void => {
  const unknown = Object.keys(options).filter((name) => !known.includes(name))
  if (unknown.length === 0) return
  const described = unknown.map((name) => {
    const hint = closestOptionName(name, known)
    return hint === undefined ? `"${name}"` : `"${name}" (did you mean "${hint}"?)`
  })
  throw new TypeError(
    `expression.socket.io: unknown option${unknown.length > 1 ? 's' : ''} ${described.join(', ')}; known options: ${known.join(', ')}`,
  )
}

/** The options only the seed's class takes; checked against its options type like the others. */
const classOnlyOptions: Record<Exclude<keyof ExpressionSocketOptions<unknown, boolean, boolean>, keyof SessionAccessConfig<unknown>>, true> = {
  alwaysSession: true,
  autoErrManager: true,
}

/** The option names `new ExpressionSocket(io, store, secret, options)` accepts (`store`, `secret`, `io` are its own arguments). @category model */
export const expressionSocketOptionNames: ReadonlyArray<string> = [
  ...sessionAccessOptionNames.filter((name) => name !== 'store' && name !== 'secret' && name !== 'io'),
  ...Object.keys(classOnlyOptions),
]
