/**
 * Is this a promise (or any thenable)? Stores, handlers and callbacks may return one.
 * @category refinements
 */
export const isThenable = (u: unknown): u is PromiseLike<unknown> =>
  typeof u === 'object' && u !== null && 'then' in u && typeof u.then === 'function'
