import type { StoredSession } from './storePort'

/**
 * Is this stored session past its cookie's `expires` at `now` (ms since the epoch)? `expires` is a
 * `Date` or, once it has been through JSON, an ISO string; a session without one (a browser-session
 * cookie) or with one that does not parse never expires here — exactly express-session's own
 * MemoryStore rule (`expires <= now` is expired). Not every store purges on read, and a socket keeps
 * its handshake cookie long after the browser dropped it, so the library checks this itself.
 *
 * @example
 * import { isExpired } from 'expression.socket.io'
 * isExpired({ cookie: { expires: '2020-01-01T00:00:00.000Z' } }, Date.now()) // true
 * isExpired({ cookie: { expires: null } }, Date.now())                       // false
 * @since 1.1.0
 * @category session
 */
export const isExpired = (stored: StoredSession, now: number): boolean => expiredBy(stored, () => now)

/**
 * {@link isExpired} with the clock read only when the cookie has an expiry (a browser-session
 * cookie has none): what every load runs.
 */
export const expiredBy = (stored: StoredSession, clock: () => number): boolean => {
  const expires = stored.cookie?.expires
  if (expires === undefined || expires === null) return false
  const at = typeof expires === 'string' ? Date.parse(expires) : expires instanceof Date ? expires.getTime() : Number.NaN
  return at <= clock()
}
