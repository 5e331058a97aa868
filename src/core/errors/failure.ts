import { type SessionError, isSessionError, sessionErrorMessage } from './errors'

/**
 * A handler threw, or its promise rejected. Not a {@link SessionError}: the session was fine,
 * your code was not. Reported to `onError` with the original `cause`.
 * @since 1.0.0
 * @category model
 */
export interface HandlerFailure {
  readonly _tag: 'HandlerFailure'
  readonly cause: unknown
}

/** @category constructors */
export const handlerFailure = (cause: unknown): AccessFailure => ({ _tag: 'HandlerFailure', cause })

/**
 * Everything `onError` can receive.
 * @category model
 */
export type AccessFailure = SessionError | HandlerFailure

/**
 * What a client is told in an ack or a `connect_error`: the tag as `code` and a sentence.
 * @category model
 */
export interface ClientError {
  readonly code: AccessFailure['_tag']
  readonly message: string
}

/**
 * The client-safe view of a failure: no `cause`, no session id, no secret.
 *
 * @example
 * import { toClientError, storeTimeout } from 'expression.socket.io'
 * toClientError(storeTimeout(200)) // { code: 'StoreTimeout', message: 'The session store did not answer within 200 ms' }
 * @category destructors
 */
export const toClientError = (f: AccessFailure): ClientError =>
  f._tag === 'HandlerFailure'
    ? { code: 'HandlerFailure', message: 'The event handler failed' }
    : { code: f._tag, message: sessionErrorMessage(f) }

/**
 * The error a session method (`save`, `reload`, `destroy`, `touch`) rejects with, or passes to
 * its callback. `code` is the tag; `error` the whole {@link SessionError}.
 *
 * @example
 * import { SessionOperationError } from 'expression.socket.io'
 * // inside a handler:
 * // try { await session.save() } catch (e) { if (e instanceof SessionOperationError && e.code === 'SessionNotFound') ... }
 * @category model
 */
export class SessionOperationError extends Error {
  readonly code: SessionError['_tag']
  constructor(readonly error: SessionError) {
    super(sessionErrorMessage(error))
    this.name = 'SessionOperationError'
    this.code = error._tag
  }
}

/**
 * Classifies whatever a handler threw: a session operation's own error keeps its tag (so a
 * save refused with `SessionNotFound` reaches the client as `SessionNotFound`), anything else
 * is a {@link HandlerFailure}.
 * @category constructors
 */
export const failureFromThrown = (thrown: unknown): AccessFailure =>
  thrown instanceof SessionOperationError
    ? thrown.error
    : isSessionError(thrown)
      ? thrown
      : handlerFailure(thrown)
