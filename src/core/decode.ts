import { pipe } from 'fp-ts/function'
import * as E from 'fp-ts/Either'
import * as t from 'io-ts'
import { type SessionError, invalidSession } from './errors'
import type { StoredSession } from './storePort'

/**
 * Anything that can validate session data: an io-ts codec or decoder.
 * @since 1.0.0
 * @category model
 */
export type SessionDecoder<A> = t.Decoder<unknown, A>

const typeOfValue = (u: unknown): string => (u === null ? 'null' : Array.isArray(u) ? 'array' : typeof u)

/**
 * One io-ts validation error as `path: expected Type, got kind`. The value itself is never
 * printed: session data may hold secrets.
 * @category decode
 */
export const formatValidationError = (e: t.ValidationError): string => {
  const keys: string[] = []
  let expected = e.context[e.context.length - 1]?.type.name ?? 'unknown'
  let actual = e.value
  let parent: t.Decoder<unknown, unknown> | undefined
  for (const entry of e.context) {
    // Intersection members are indexed too ("0.count"): their index is not part of the path.
    if (entry.key !== '' && !(parent instanceof t.IntersectionType)) keys.push(entry.key)
    parent = entry.type
    // Below a union the keys are member indices ("count.0"): report the union itself instead.
    if (entry.type instanceof t.UnionType) {
      expected = entry.type.name
      actual = entry.actual
      break
    }
  }
  const path = keys.join('.')
  return `${path === '' ? 'session' : path}: expected ${expected}, got ${typeOfValue(actual)}`
}

/**
 * Validates stored session data with a codec. The decoded fields are laid over the stored object,
 * so keys the codec does not know (another library's, the `cookie`) are kept and saved back.
 *
 * @example
 * import * as t from 'io-ts'
 * import { decodeSessionData } from 'expression.socket.io'
 * decodeSessionData(t.type({ count: t.number }))({ count: 'x' })
 * // Left({ _tag: 'InvalidSession', errors: ['count: expected number, got string'] })
 * @since 1.0.0
 * @category decode
 */
export const decodeSessionData =
  <A>(decoder: SessionDecoder<A>) =>
  (stored: StoredSession): E.Either<SessionError, StoredSession & A> =>
    pipe(
      decoder.decode(stored),
      E.mapLeft((errors) => invalidSession([...new Set(errors.map(formatValidationError))])),
      E.map((decoded) => Object.assign({}, stored, decoded)),
    )
