/**
 * Session data is data: copying it must never reach a prototype.
 *
 * `JSON.parse('{"__proto__":{"isAdmin":true}}')` gives an object with an *own* property named
 * `__proto__`. Assigning that key to another object (`target[key] = value`, `Object.assign`,
 * `Reflect.set`) calls `Object.prototype`'s `__proto__` setter instead and replaces the target's
 * prototype. Every copy of session data in the library goes through these functions, which define
 * own properties (as `JSON.parse` and object spread do) and read only own ones.
 */

const hasOwn = Object.hasOwn

/**
 * Sets `target[key] = value` as an own, enumerable, writable data property, whatever the key:
 * `__proto__` included, no setter called. After `setOwnData(o, '__proto__', { isAdmin: true })`,
 * `o`'s prototype is unchanged and `JSON.stringify(o)` is `'{"__proto__":{"isAdmin":true}}'`.
 * @category session
 */
export const setOwnData = (target: object, key: string, value: unknown): void => {
  Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true })
}

/**
 * The value of `source`'s own property `key`, or `undefined` when it has none: an inherited
 * `__proto__` or `constructor` is not data.
 * @category session
 */
export const ownData = (source: object, key: string): unknown => (hasOwn(source, key) ? Reflect.get(source, key) : undefined)

/**
 * Copies `source`'s own enumerable properties onto `target` as own data properties (see
 * {@link setOwnData}). `Object.assign` when `source` has no own `__proto__`, which is the common
 * case and its fast path.
 * @category session
 */
export const copyOwnData = (target: object, source: object): void => {
  if (!hasOwn(source, '__proto__')) {
    Object.assign(target, source)
    return
  }
  for (const key of Object.keys(source)) setOwnData(target, key, Reflect.get(source, key))
}
