import fc from 'fast-check'
import { forbiddenOrigin, sessionErrorMessage, sessionNotFound, storeFailure } from '../../src/core/errors/errors'
import {
  type AccessFailure,
  SessionOperationError,
  failureFromThrown,
  handlerFailure,
  toClientError,
} from '../../src/core/errors/failure'
import { everyError } from './everyError'


describe('handlerFailure', () => {
  it('wraps whatever was thrown as its cause', () => {
    const cause = new RangeError('oops')
    expect(handlerFailure(cause)).toStrictEqual({ _tag: 'HandlerFailure', cause })
  })
})

describe('toClientError', () => {
  it.each(everyError.map((e) => ({ tag: e._tag, e })))('reports $tag as its code and message only', ({ e }) => {
    expect(toClientError(e)).toStrictEqual({ code: e._tag, message: sessionErrorMessage(e) })
  })

  it('reports a handler failure without its cause', () => {
    const client = toClientError(handlerFailure(new Error('db password is hunter2')))
    expect(client).toStrictEqual({ code: 'HandlerFailure', message: 'The event handler failed' })
  })

  it('never lets a cause, an origin, a session id or a secret through, even serialised', () => {
    const token = fc.stringMatching(/^[A-Za-z0-9]{16}$/)
    fc.assert(
      fc.property(token, (secret) => {
        const failures: AccessFailure[] = [
          storeFailure(secret),
          storeFailure(new Error(`GET sess:${secret} failed`)),
          storeFailure({ sid: secret, secret }),
          forbiddenOrigin(`https://${secret}.example`),
          handlerFailure(secret),
          handlerFailure(new Error(secret)),
          handlerFailure({ session: { id: secret } }),
        ]
        for (const f of failures) {
          const client = toClientError(f)
          expect(Object.keys(client).sort()).toStrictEqual(['code', 'message'])
          expect(JSON.stringify(client)).not.toContain(secret)
        }
      }),
      { numRuns: 100 },
    )
  })
})

describe('SessionOperationError', () => {
  it.each(everyError.map((e) => ({ tag: e._tag, e })))('carries $tag as code, error and message', ({ e }) => {
    const err = new SessionOperationError(e)
    expect(err).toBeInstanceOf(Error)
    expect(err).toBeInstanceOf(SessionOperationError)
    expect(err.name).toBe('SessionOperationError')
    expect(err.code).toBe(e._tag)
    expect(err.error).toBe(e)
    expect(err.message).toBe(sessionErrorMessage(e))
    expect(err.stack).toContain('SessionOperationError')
  })

  it('keeps a store failure cause out of its message', () => {
    const err = new SessionOperationError(storeFailure(new Error('redis://user:pa55word@host')))
    expect(err.message).not.toContain('pa55word')
  })
})

describe('failureFromThrown', () => {
  it('unwraps a session operation error to its own tag', () => {
    expect(failureFromThrown(new SessionOperationError(sessionNotFound))).toBe(sessionNotFound)
  })

  it.each(everyError.map((e) => ({ tag: e._tag, e })))('keeps a thrown $tag value as it is', ({ e }) => {
    expect(failureFromThrown(e)).toBe(e)
  })

  it.each<{ name: string; thrown: unknown }>([
    { name: 'an Error', thrown: new Error('bug') },
    { name: 'a string', thrown: 'bug' },
    { name: 'undefined', thrown: undefined },
    { name: 'null', thrown: null },
    { name: 'an object with an unknown tag', thrown: { _tag: 'Oops' } },
    { name: 'a handler failure value', thrown: { _tag: 'HandlerFailure', cause: 'x' } },
  ])('turns $name into a HandlerFailure keeping it as cause', ({ thrown }) => {
    const failure = failureFromThrown(thrown)
    expect(failure._tag).toBe('HandlerFailure')
    expect(failure._tag === 'HandlerFailure' && failure.cause).toBe(thrown)
  })
})
