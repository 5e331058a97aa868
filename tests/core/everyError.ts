import {
  type SessionError,
  forbiddenOrigin,
  invalidSession,
  invalidSignature,
  noCookieHeader,
  sessionConflict,
  sessionCookieMissing,
  sessionNotFound,
  storeFailure,
  storeTimeout,
  unsignedCookie,
} from '../../src/core/errors'

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
  forbiddenOrigin('https://evil.example'),
]
