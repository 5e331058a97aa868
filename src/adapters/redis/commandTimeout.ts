/**
 * node-redis v6 arms an `AbortSignal.timeout` (a timer and a `DOMException` that cannot be
 * cancelled) for every command unless its command options say `timeout: 0`: at a few thousand
 * events a second it is the largest single cost of a Redis round trip in Node. Every store call the
 * library makes is already bounded by its own deadline (`storeTimeoutMs`), so for the library's own
 * calls that timer is pure cost. These helpers derive, through node-redis's `withCommandOptions`
 * (which keeps the client's connection and its other command options), a client without it.
 */

/**
 * `client.withCommandOptions({ timeout: 0 })` when the client has it (node-redis v5+), else the
 * client itself. `accept` checks the derived object is still usable as the original.
 */
export const withoutCommandTimeout = <C>(client: C, accept: (u: unknown) => u is C = (u): u is C => u !== undefined): C => {
  if (typeof client !== 'object' || client === null) return client
  const derive: unknown = Reflect.get(client, 'withCommandOptions')
  if (typeof derive !== 'function') return client
  try {
    const derived: unknown = Reflect.apply(derive, client, [{ timeout: 0 }])
    return accept(derived) ? derived : client
  } catch {
    return client
  }
}

/**
 * The store as the library calls it: when its `client` is a node-redis client (connect-redis),
 * an object whose prototype is the store and whose own `client` is that client without the
 * per-command timer. The store's own methods run unchanged, with `this` being that object: every
 * other field (`prefix`, `serializer`, `ttl`...) is the store's. Any other store is used as it is.
 */
export const withLibraryClient = <S extends object>(store: S): S => {
  const client: unknown = Reflect.get(store, 'client')
  if (typeof client !== 'object' || client === null) return store
  const derived = withoutCommandTimeout<unknown>(client)
  if (derived === client) return store
  const calling: S = Object.create(store)
  Object.defineProperty(calling, 'client', { value: derived, enumerable: true })
  return calling
}
