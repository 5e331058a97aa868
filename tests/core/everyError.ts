import {
  type SessionError,
  forbiddenOrigin,
  handlerTimeout,
  invalidSession,
  invalidSignature,
  noCookieHeader,
  sessionConflict,
  sessionCookieMissing,
  sessionNotFound,
  sessionQueueFull,
  storeFailure,
  storeTimeout,
  unserializableSession,
  unsignedCookie,
} from '../../src/core/errors/errors'

/** One value of every case of the error union, built by its constructor. */
export const everyError: ReadonlyArray<SessionError> = [
  noCookieHeader,
  sessionCookieMissing('connect.sid'),
  unsignedCookie,
  invalidSignature,
  sessionNotFound,
  storeFailure(new Error('ECONNREFUSED')),
  storeTimeout(250),
  invalidSession(['count: expected number, got string']),
  sessionConflict(['count']),
  unserializableSession('cart.self', 'circular', new TypeError('Converting circular structure to JSON')),
  sessionQueueFull(1000),
  handlerTimeout(5000),
  forbiddenOrigin('https://evil.example'),
]
