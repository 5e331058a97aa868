import fc from 'fast-check'
import {
  type SessionError,
  type SessionErrorTag,
  forbiddenOrigin,
  handlerTimeout,
  invalidSession,
  invalidSignature,
  isSessionError,
  matchSessionError,
  noCookieHeader,
  sessionConflict,
  sessionCookieMissing,
  sessionErrorMessage,
  sessionNotFound,
  sessionQueueFull,
  storeFailure,
  storeTimeout,
  unserializableSession,
  unsignedCookie,
} from '../../src/core/errors/errors'
import { everyError } from './everyError'


const tagsOf = (errors: ReadonlyArray<SessionError>): SessionErrorTag[] => errors.map((e) => e._tag)

describe('constructors', () => {
  const cause = new Error('boom')
  it.each<{ built: SessionError; expected: SessionError }>([
    { built: noCookieHeader, expected: { _tag: 'NoCookieHeader' } },
    { built: sessionCookieMissing('app.sid'), expected: { _tag: 'SessionCookieMissing', key: 'app.sid' } },
    { built: unsignedCookie, expected: { _tag: 'UnsignedCookie' } },
    { built: invalidSignature, expected: { _tag: 'InvalidSignature' } },
    { built: sessionNotFound, expected: { _tag: 'SessionNotFound' } },
    { built: storeFailure(cause), expected: { _tag: 'StoreFailure', cause } },
    { built: storeTimeout(1234), expected: { _tag: 'StoreTimeout', ms: 1234 } },
    { built: invalidSession(['a: x', 'b: y']), expected: { _tag: 'InvalidSession', errors: ['a: x', 'b: y'] } },
    { built: sessionConflict(['count']), expected: { _tag: 'SessionConflict', keys: ['count'] } },
    { built: unserializableSession('n', 'bigint'), expected: { _tag: 'UnserializableSession', path: 'n', reason: 'bigint' } },
    { built: unserializableSession('c.self', 'circular', cause), expected: { _tag: 'UnserializableSession', path: 'c.self', reason: 'circular', cause } },
    { built: sessionQueueFull(10), expected: { _tag: 'SessionQueueFull', limit: 10 } },
    { built: handlerTimeout(99), expected: { _tag: 'HandlerTimeout', ms: 99 } },
    { built: forbiddenOrigin('https://a.example'), expected: { _tag: 'ForbiddenOrigin', origin: 'https://a.example' } },
    { built: forbiddenOrigin(undefined), expected: { _tag: 'ForbiddenOrigin', origin: undefined } },
  ])('$expected._tag is a plain object with exactly its fields', ({ built, expected }) => {
    expect(built).toStrictEqual(expected)
    expect(Object.getPrototypeOf(built)).toBe(Object.prototype)
  })

  it('keeps the very cause it was given', () => {
    const e = storeFailure(cause)
    expect(e._tag === 'StoreFailure' && e.cause).toBe(cause)
  })

  it('covers every tag exactly once in the fixtures', () => {
    expect(new Set(tagsOf(everyError)).size).toBe(everyError.length)
  })
})

describe('matchSessionError', () => {
  const tagOf = matchSessionError<string>({
    NoCookieHeader: (e) => e._tag,
    SessionCookieMissing: (e) => `${e._tag}:${e.key}`,
    UnsignedCookie: (e) => e._tag,
    InvalidSignature: (e) => e._tag,
    SessionNotFound: (e) => e._tag,
    StoreFailure: (e) => `${e._tag}:${String(e.cause)}`,
    StoreTimeout: (e) => `${e._tag}:${e.ms}`,
    InvalidSession: (e) => `${e._tag}:${e.errors.length}`,
    SessionConflict: (e) => `${e._tag}:${e.keys.join(',')}`,
    UnserializableSession: (e) => `${e._tag}:${e.reason}@${e.path}`,
    SessionQueueFull: (e) => `${e._tag}:${e.limit}`,
    HandlerTimeout: (e) => `${e._tag}:${e.ms}`,
    ForbiddenOrigin: (e) => `${e._tag}:${String(e.origin)}`,
  })

  it.each(everyError.map((e) => ({ tag: e._tag, e })))('calls the $tag handler with the error', ({ e }) => {
    expect(tagOf(e).split(':')[0]).toBe(e._tag)
  })

  it('hands each handler its own case, fields included', () => {
    expect(tagOf(sessionCookieMissing('k'))).toBe('SessionCookieMissing:k')
    expect(tagOf(storeTimeout(7))).toBe('StoreTimeout:7')
    expect(tagOf(invalidSession(['a', 'b']))).toBe('InvalidSession:2')
    expect(tagOf(forbiddenOrigin('o'))).toBe('ForbiddenOrigin:o')
    expect(tagOf(sessionConflict(['a', 'b']))).toBe('SessionConflict:a,b')
    expect(tagOf(storeFailure('down'))).toBe('StoreFailure:down')
    expect(tagOf(unserializableSession('cart.self', 'circular'))).toBe('UnserializableSession:circular@cart.self')
    expect(tagOf(sessionQueueFull(1000))).toBe('SessionQueueFull:1000')
    expect(tagOf(handlerTimeout(250))).toBe('HandlerTimeout:250')
  })

  it('calls exactly one handler, once', () => {
    for (const e of everyError) {
      const called: SessionErrorTag[] = []
      const record = (tag: SessionErrorTag) => (): void => void called.push(tag)
      matchSessionError<void>({
        NoCookieHeader: record('NoCookieHeader'),
        SessionCookieMissing: record('SessionCookieMissing'),
        UnsignedCookie: record('UnsignedCookie'),
        InvalidSignature: record('InvalidSignature'),
        SessionNotFound: record('SessionNotFound'),
        StoreFailure: record('StoreFailure'),
        StoreTimeout: record('StoreTimeout'),
        InvalidSession: record('InvalidSession'),
        SessionConflict: record('SessionConflict'),
        UnserializableSession: record('UnserializableSession'),
        SessionQueueFull: record('SessionQueueFull'),
        HandlerTimeout: record('HandlerTimeout'),
        ForbiddenOrigin: record('ForbiddenOrigin'),
      })(e)
      expect(called).toStrictEqual([e._tag])
    }
  })

  it('is exhaustive: the compiler wants a handler per tag', () => {
    const partial = {
      NoCookieHeader: () => 1,
      SessionCookieMissing: () => 1,
      UnsignedCookie: () => 1,
      InvalidSignature: () => 1,
      SessionNotFound: () => 1,
      StoreFailure: () => 1,
      StoreTimeout: () => 1,
      InvalidSession: () => 1,
      SessionConflict: () => 1,
      UnserializableSession: () => 1,
      SessionQueueFull: () => 1,
      HandlerTimeout: () => 1,
    }
    // @ts-expect-error ForbiddenOrigin has no handler
    const incomplete = matchSessionError<number>(partial)
    expect(typeof incomplete).toBe('function')
  })
})

describe('sessionErrorMessage', () => {
  it.each(everyError.map((e) => ({ tag: e._tag, e })))('describes $tag in a sentence', ({ e }) => {
    const message = sessionErrorMessage(e)
    expect(message.length).toBeGreaterThan(10)
    expect(message).not.toMatch(/undefined|\[object Object\]/)
  })

  it('gives each tag its own sentence', () => {
    expect(new Set(everyError.map(sessionErrorMessage)).size).toBe(everyError.length)
  })

  it('names the missing cookie, the time limit and the validation errors', () => {
    expect(sessionErrorMessage(sessionCookieMissing('app.sid'))).toBe('No "app.sid" cookie in the request')
    expect(sessionErrorMessage(storeTimeout(321))).toContain('321 ms')
    expect(sessionErrorMessage(invalidSession(['count: expected number, got string', 'x: expected string, got null']))).toBe(
      'The stored session is invalid: count: expected number, got string; x: expected string, got null',
    )
  })

  it('never repeats what a cause, an origin or a thrown error holds', () => {
    const token = fc.stringMatching(/^[A-Za-z0-9]{16}$/)
    fc.assert(
      fc.property(token, (secret) => {
        const carriers: SessionError[] = [
          storeFailure(secret),
          storeFailure(new Error(`connect failed for sid ${secret}`)),
          storeFailure({ sid: secret, secret }),
          forbiddenOrigin(`https://${secret}.example`),
        ]
        for (const e of carriers) expect(sessionErrorMessage(e)).not.toContain(secret)
      }),
      { numRuns: 100 },
    )
  })
})

describe('isSessionError', () => {
  it.each(everyError.map((e) => ({ tag: e._tag, e })))('recognises $tag', ({ e }) => {
    expect(isSessionError(e)).toBe(true)
  })

  it.each(everyError.map((e) => ({ tag: e._tag, e })))('recognises $tag after a JSON round trip', ({ e }) => {
    const travelled: unknown = JSON.parse(JSON.stringify(e))
    expect(isSessionError(travelled)).toBe(true)
  })

  it.each<{ name: string; value: unknown }>([
    { name: 'undefined', value: undefined },
    { name: 'null', value: null },
    { name: 'a tag as a bare string', value: 'SessionNotFound' },
    { name: 'an object without a tag', value: {} },
    { name: 'an unknown tag', value: { _tag: 'Nope' } },
    { name: 'a handler failure', value: { _tag: 'HandlerFailure', cause: 1 } },
    { name: 'a non-string tag', value: { _tag: 1 } },
    { name: 'a tag in another case', value: { _tag: 'sessionnotfound' } },
    { name: 'an Error', value: new Error('SessionNotFound') },
    { name: 'an array', value: ['SessionNotFound'] },
    { name: 'a function', value: () => 'SessionNotFound' },
  ])('rejects $name', ({ value }) => {
    expect(isSessionError(value)).toBe(false)
  })

  it('rejects every other string tag', () => {
    const tags = new Set<string>(tagsOf(everyError))
    fc.assert(
      fc.property(
        fc.string().filter((s) => !tags.has(s)),
        (tag) => {
          expect(isSessionError({ _tag: tag })).toBe(false)
        },
      ),
      { numRuns: 200 },
    )
  })
})
