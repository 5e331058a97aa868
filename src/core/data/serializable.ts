import { type SessionError, type UnserializableSession, unserializableSession } from '../errors/errors'

/**
 * How deep the search for an unserializable value goes. `JSON.stringify` itself gives up at the
 * stack's depth (about 10,000 levels on Node 20); a value nested deeper than this is reported as
 * `too deep` where it gets deeper.
 */
const MAX_DEPTH = 5_000

interface Frame {
  readonly value: object
  readonly path: string
  readonly keys: ReadonlyArray<string>
  next: number
}

type Reason = UnserializableSession['reason']

const pathOf = (parent: string, key: string): string => (parent === 'session' ? key : `${parent}.${key}`)

/** `value` as `JSON.stringify` sees it after `toJSON`; `thrown` when `toJSON` threw. */
const jsonView = (value: unknown, key: string): { readonly value: unknown } | { readonly thrown: unknown } => {
  if (typeof value !== 'object' || value === null || !('toJSON' in value) || typeof value.toJSON !== 'function') return { value }
  try {
    return { value: Reflect.apply(value.toJSON, value, [key]) }
  } catch (thrown) {
    return { thrown }
  }
}

/** Does a leaf (anything but a non-null object) stringify? */
const leafFails = (value: unknown): boolean => {
  try {
    JSON.stringify(value)
    return false
  } catch {
    return true
  }
}

/**
 * Where `value` stops being JSON, and why: the first circular reference, `BigInt`, `toJSON` that
 * throws, or nesting beyond {@link MAX_DEPTH}, in `JSON.stringify`'s order. Iterative (no deep
 * recursion), and only run once `JSON.stringify` has failed. `undefined` when nothing is found
 * (the failure then came from elsewhere, such as a getter that throws: see {@link stringifySession}).
 */
const findUnserializable = (root: unknown): { readonly path: string; readonly reason: Reason } | undefined => {
  const start = jsonView(root, '')
  if ('thrown' in start) return { path: 'session', reason: 'toJSON threw' }
  if (typeof start.value !== 'object' || start.value === null) return leafFails(start.value) ? { path: 'session', reason: 'bigint' } : undefined
  const ancestors = new Set<object>([start.value])
  const stack: Frame[] = [{ value: start.value, path: 'session', keys: Object.keys(start.value), next: 0 }]
  for (let frame = stack[0]; frame !== undefined; frame = stack[stack.length - 1]) {
    const key = frame.keys[frame.next]
    if (key === undefined) {
      stack.pop()
      ancestors.delete(frame.value)
      continue
    }
    frame.next += 1
    const path = pathOf(frame.path, key)
    const view = jsonView(Reflect.get(frame.value, key), key)
    if ('thrown' in view) return { path, reason: 'toJSON threw' }
    const child = view.value
    if (typeof child !== 'object' || child === null) {
      if (typeof child === 'bigint' && leafFails(child)) return { path, reason: 'bigint' }
      continue
    }
    if (ancestors.has(child)) return { path, reason: 'circular' }
    if (stack.length >= MAX_DEPTH) return { path, reason: 'too deep' }
    ancestors.add(child)
    stack.push({ value: child, path, keys: Object.keys(child), next: 0 })
  }
  return undefined
}

/**
 * What a failed `JSON.stringify(value)` means, as an `UnserializableSession` naming the value.
 * @category session
 */
export const unserializableFrom = (value: unknown, cause: unknown): SessionError => {
  let found: { readonly path: string; readonly reason: Reason } | undefined
  try {
    found = findUnserializable(value)
  } catch {
    // A getter or proxy that throws while being walked: JSON.stringify met the same.
    found = undefined
  }
  if (found !== undefined) return unserializableSession(found.path, found.reason, cause)
  return unserializableSession('session', cause instanceof RangeError ? 'too deep' : 'unserializable', cause)
}

/** How many values {@link isPlainJson} looks at before it leaves the question to `JSON.stringify`. */
const PLAIN_WALK_LIMIT = 256

/**
 * Is `value` plain JSON data — strings, finite or not numbers, booleans, `null`, `undefined`,
 * plain arrays and objects whose prototype is `Object.prototype` or `null`, none with a `toJSON`,
 * without cycles — so that `JSON.stringify` cannot throw on it? A walk that builds no string: the
 * cheap answer for the sessions handlers usually save. `false` means "not known": a `Date`, a class
 * instance (an `Array` subclass too), a `toJSON`, a `BigInt`, a cycle, a getter or proxy that
 * throws, or more than {@link PLAIN_WALK_LIMIT} values; the caller then asks
 * {@link stringifySession}, which says why. Never throws.
 */
export const isPlainJson = (root: unknown): boolean => {
  try {
    return visitPlain(root, PLAIN_WALK_LIMIT) >= 0
  } catch {
    return false
  }
}

/** Any object, read by string keys (what it holds under a key it lacks is `undefined`). */
const isObject = (u: unknown): u is Record<string, unknown> => typeof u === 'object' && u !== null

/**
 * Walks one value (see {@link isPlainJson}); the budget left, or -1 for "not known to be plain".
 * A cycle needs no tracking: it walks on until the budget runs out, and the answer is "not known".
 * The loops allocate nothing (no key array, no iterator): this runs on every save.
 */
const visitPlain = (value: unknown, budget: number): number => {
  if (budget <= 0) return -1
  if (!isObject(value)) return typeof value === 'bigint' ? -1 : budget - 1
  let left = budget - 1
  const proto: unknown = Object.getPrototypeOf(value)
  // JSON.stringify calls a `toJSON` on arrays as on objects: either may have one of its own.
  if ('toJSON' in value) return -1
  if (Array.isArray(value)) {
    if (proto !== Array.prototype) return -1
    for (let i = 0; i < value.length; i++) if ((left = visitPlain(value[i], left)) < 0) return -1
    return left
  }
  if (proto !== Object.prototype && proto !== null) return -1
  // for-in also lists inherited enumerable keys (a polluted Object.prototype): walking one more
  // value can only make the answer "not known", never a wrong "plain". `value[key]` inside the
  // for-in, not `Reflect.get`: the optimizing compiler reads it straight from the object.
  for (const key in value) if ((left = visitPlain(value[key], left)) < 0) return -1
  return left
}

/**
 * `JSON.stringify(value)`, which never throws: the JSON text, or an `UnserializableSession` that
 * says where and why the value is not JSON (a circular structure, a `BigInt`, a `toJSON` that
 * throws, nesting too deep). express-session stringifies every session it handles (its change
 * check, its stores), so session data must be JSON.
 *
 * @example
 * import { stringifySession } from 'expression.socket.io'
 * const cart: Record<string, unknown> = { items: [] }
 * cart['self'] = cart
 * stringifySession({ count: 1 })       // '{"count":1}'
 * stringifySession({ cart })           // { _tag: 'UnserializableSession', path: 'cart.self', reason: 'circular', cause: TypeError }
 * stringifySession({ n: BigInt(1) })   // { _tag: 'UnserializableSession', path: 'n', reason: 'bigint', cause: TypeError }
 * @since 1.1.0
 * @category session
 */
export const stringifySession = (value: unknown): string | SessionError => {
  try {
    return JSON.stringify(value)
  } catch (cause) {
    return unserializableFrom(value, cause)
  }
}
