import { copyOwnData, ownData, setOwnData } from './plainData'
import type { StoredSession } from '../store/storePort'

/**
 * How a session's data lives on the session object a handler gets.
 *
 * Each stored key becomes an own data property, `__proto__`, `constructor` and `prototype`
 * included (see `plainData`): the object's prototype, methods and `id` are never touched. A stored
 * key named like the session's own API (`id`, `save`, `reload`, `destroy`, `touch`,
 * `afterCommit`) cannot be a
 * property without hiding a method or the real id: it is kept aside, out of the handler's sight,
 * and written back unchanged with the rest of the data, so nothing stored is lost.
 */

/** Names the session object keeps for itself. */
export const SESSION_API_KEYS: ReadonlyArray<string> = ['id', 'save', 'reload', 'destroy', 'touch', 'afterCommit']

/** Stored values whose keys are {@link SESSION_API_KEYS}, by key. */
export type AsideData = Record<string, unknown>

/**
 * Is `key` one of {@link SESSION_API_KEYS}? A switch, not a `Set`: keys read from data are
 * internalized strings, compared by identity, where a set look-up hashes the key (every key of
 * every load goes through here). `tests/core/hostileData.test.ts` holds it to the list and to the
 * names the session object has for itself.
 */
const isApiKey = (key: string): boolean => {
  switch (key) {
    case 'id':
    case 'save':
    case 'reload':
    case 'destroy':
    case 'touch':
    case 'afterCommit':
      return true
    default:
      return false
  }
}

/**
 * Might `data` hold one of {@link SESSION_API_KEYS}? One pass over its keys (for-in: no key array);
 * an enumerable key inherited from a polluted `Object.prototype` may give a false "yes", which
 * only sends the data the slow way. Runs on every load: a look-up per key, not per API name.
 */
const hasApiKey = (data: object): boolean => {
  for (const key in data) if (isApiKey(key)) return true
  return false
}

/**
 * Puts `data` onto `target` (a session object with no data yet) and returns the values kept
 * aside, if any.
 */
export const fillSession = (target: object, data: StoredSession): AsideData | undefined => {
  if (!hasApiKey(data)) {
    copyOwnData(target, data)
    return undefined
  }
  const aside: AsideData = Object.create(null)
  for (const key of Object.keys(data)) {
    const value = data[key]
    if (isApiKey(key)) aside[key] = value
    else setOwnData(target, key, value)
  }
  return aside
}

/** Removes every own enumerable property of `target` (its data), before a refill. */
export const clearSession = (target: object): void => {
  for (const key of Object.keys(target)) Reflect.deleteProperty(target, key)
}

/**
 * What would be written to the store: `target`'s own enumerable properties and the values kept
 * aside (a property the handler set under such a name wins).
 */
export const storedFormOf = (target: object, aside: AsideData | undefined): StoredSession => {
  const stored: StoredSession = { ...target }
  if (aside !== undefined) for (const key of Object.keys(aside)) if (!Object.hasOwn(stored, key)) stored[key] = aside[key]
  return stored
}

/** Sets one data key of a session (a merged-in key, say), aside when it is an API name. */
export const setSessionKey = (target: object, aside: AsideData | undefined, key: string, value: unknown): AsideData | undefined => {
  if (!isApiKey(key)) {
    setOwnData(target, key, value)
    return aside
  }
  const kept = aside ?? Object.create(null)
  kept[key] = value
  return kept
}

/** Removes one data key of a session. */
export const deleteSessionKey = (target: object, aside: AsideData | undefined, key: string): void => {
  if (aside !== undefined && isApiKey(key)) Reflect.deleteProperty(aside, key)
  else if (Object.hasOwn(target, key)) Reflect.deleteProperty(target, key)
}

/** The value of a data key of a session: own property or kept aside; `undefined` when absent. */
export const sessionKeyValue = (target: object, aside: AsideData | undefined, key: string): unknown =>
  Object.hasOwn(target, key) ? ownData(target, key) : aside?.[key]
