import * as E from 'fp-ts/Either'
import * as t from 'io-ts'
import { type SessionError, invalidSession } from '../errors/errors'
import { type StandardSchemaV1, codecThrew, decodeWithStandardSchema, isStandardSchema } from './standardSchema'
import type { StoredSession } from '../store/storePort'

/**
 * Anything that can validate session data: an io-ts codec or decoder.
 * @since 1.0.0
 * @category model
 */
export type SessionDecoder<A> = t.Decoder<unknown, A>

/**
 * What the `codec` option takes: an io-ts codec, or any Standard Schema v1 validator (zod,
 * valibot, arktype). The session is typed by the codec's output.
 *
 * @example
 * import * as t from 'io-ts'
 * import * as z from 'zod'
 * import type { SessionCodec } from 'expression.socket.io'
 * const fromIoTs: SessionCodec<{ count: number }> = t.type({ count: t.number })
 * const fromZod: SessionCodec<{ count: number }> = z.object({ count: z.number() })
 * @since 1.1.0
 * @category model
 */
export type SessionCodec<A> = SessionDecoder<A> | StandardSchemaV1<unknown, A>

/**
 * A decoding result: an `Either` at once, or a Promise of one when the validator is
 * asynchronous (a Standard Schema with async checks). The Promise never rejects.
 * @since 1.1.0
 * @category model
 */
export type Decoded<A> = E.Either<SessionError, StoredSession & A> | Promise<E.Either<SessionError, StoredSession & A>>

/**
 * The decoding step of a session load: stored data in, typed data or `InvalidSession` out.
 * @since 1.1.0
 * @category model
 */
export type SessionDecode<A> = (stored: StoredSession) => Decoded<A>

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
 * The decoded fields laid over the stored ones, in a new object. Object spread, not
 * `Object.assign`: it copies an own `__proto__` key as data instead of setting a prototype.
 */
export const layered = <A>(stored: StoredSession, decoded: A): StoredSession & A => ({ ...stored, ...decoded })

/**
 * Validates stored session data with an io-ts codec. The decoded fields are laid over the stored
 * object, so keys the codec does not know (another library's, the `cookie`) are kept and saved
 * back. A codec that throws is `InvalidSession`, with what it threw as `cause`.
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
  (stored: StoredSession): E.Either<SessionError, StoredSession & A> => {
    let validation: t.Validation<A>
    try {
      validation = decoder.decode(stored)
    } catch (err) {
      return E.left(codecThrew(err))
    }
    return E.isLeft(validation)
      ? E.left(invalidSession([...new Set(validation.left.map(formatValidationError))]))
      : E.right(layered(stored, validation.right))
  }

/**
 * The decoding step for a `codec`: a Standard Schema validator is recognised by its `~standard`
 * property first (a zod 4 schema also has a `decode` method, which throws), anything else is
 * taken as an io-ts codec.
 *
 * @example
 * import * as v from 'valibot'
 * import { sessionDecoderFor } from 'expression.socket.io'
 * sessionDecoderFor(v.object({ count: v.number() }))({ count: 2 }) // Right({ count: 2 })
 * @since 1.1.0
 * @category decode
 */
export const sessionDecoderFor = <A>(codec: SessionCodec<A>): SessionDecode<A> =>
  isStandardSchema(codec) ? decodeWithStandardSchema(codec) : decodeSessionData(codec)

/**
 * The stored data as the declared session type, unchecked. Without a codec the stored data is
 * taken to be the declared session type (express-session's `SessionData` by default), exactly as
 * express-session itself does for `req.session`: this is the one place that trust is written down.
 * Pass a `codec` to check it instead.
 */
export const trustedData = <A>(stored: StoredSession): StoredSession & A => stored as StoredSession & A

/**
 * The decode of a configuration without a codec: {@link trustedData}. The per-event load knows it
 * by identity and skips the `Either`.
 */
export const trustStored = <A>(stored: StoredSession): E.Either<SessionError, StoredSession & A> => E.right(trustedData<A>(stored))
