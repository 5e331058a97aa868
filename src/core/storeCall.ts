import * as E from 'fp-ts/Either'
import type * as TE from 'fp-ts/TaskEither'
import { type SessionError, storeFailure, storeTimeout } from './errors'
import { isThenable } from './thenable'

type NodeCallback<A> = (err?: unknown, value?: A) => void

/**
 * Runs one callback-style store call as a lazy `TaskEither` that always settles: an error
 * argument or a synchronous throw is a `StoreFailure`, a callback that never comes is a
 * `StoreTimeout` after `timeoutMs`, and a second or late callback is ignored.
 * @category store
 */
export const callStore =
  <A>(timeoutMs: number, call: (cb: NodeCallback<A>) => unknown): TE.TaskEither<SessionError, A | undefined> =>
  () =>
    new Promise((resolve) => {
      let settled = false
      const settle = (result: E.Either<SessionError, A | undefined>): void => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        resolve(result)
      }
      const timer = setTimeout(() => settle(E.left(storeTimeout(timeoutMs))), timeoutMs)
      timer.unref()
      try {
        const returned = call((err, value) => settle(err ? E.left(storeFailure(err)) : E.right(value)))
        // Promise-returning stores (connect-redis) may reject instead of calling back.
        if (isThenable(returned)) returned.then(undefined, (err: unknown) => settle(E.left(storeFailure(err))))
      } catch (err) {
        settle(E.left(storeFailure(err)))
      }
    })
