/**
 * Standard Schema v1 (https://standardschema.dev): the `~standard` interface that zod, valibot,
 * arktype and others implement. The types below are the spec's own (`@standard-schema/spec`
 * 1.1.0), copied because the spec asks for exactly that: no runtime dependency, and users need
 * not install it.
 * @since 1.1.0
 */
import * as E from 'fp-ts/Either'
import { type SessionError, invalidSession } from '../errors/errors'
import type { StoredSession } from '../store/storePort'
import { isThenable } from '../util/thenable'

/**
 * Any Standard Schema v1 validator whose output is `Output`: a zod or valibot schema, an arktype
 * type. Pass it as the `codec` option.
 *
 * @example
 * import * as z from 'zod'
 * import type { StandardSchemaV1 } from 'expression.socket.io'
 * const Cart: StandardSchemaV1<unknown, { items: string[] }> = z.object({ items: z.array(z.string()) })
 * @since 1.1.0
 * @category model
 */
export interface StandardSchemaV1<Input = unknown, Output = Input> {
  readonly '~standard': StandardSchemaV1.Props<Input, Output>
}

/** The parts of the Standard Schema v1 interface. @category model */
export declare namespace StandardSchemaV1 {
  interface Props<Input = unknown, Output = Input> {
    readonly version: 1
    readonly vendor: string
    readonly validate: (value: unknown, options?: Options | undefined) => Result<Output> | Promise<Result<Output>>
    readonly types?: Types<Input, Output> | undefined
  }
  type Result<Output> = SuccessResult<Output> | FailureResult
  interface SuccessResult<Output> {
    readonly value: Output
    readonly issues?: undefined
  }
  interface Options {
    readonly libraryOptions?: Record<string, unknown> | undefined
  }
  interface FailureResult {
    readonly issues: ReadonlyArray<Issue>
  }
  interface Issue {
    readonly message: string
    readonly path?: ReadonlyArray<PropertyKey | PathSegment> | undefined
  }
  interface PathSegment {
    readonly key: PropertyKey
  }
  interface Types<Input = unknown, Output = Input> {
    readonly input: Input
    readonly output: Output
  }
  type InferOutput<Schema extends StandardSchemaV1> = NonNullable<Schema['~standard']['types']>['output']
}

/**
 * Is this a Standard Schema v1 validator? Checked before anything else: a zod 4 schema also has
 * a `decode` method (that throws), which must not be taken for io-ts's.
 * @category refinements
 */
export const isStandardSchema = (u: unknown): u is StandardSchemaV1 => {
  if ((typeof u !== 'object' && typeof u !== 'function') || u === null || !('~standard' in u)) return false
  const props: unknown = u['~standard']
  return typeof props === 'object' && props !== null && 'validate' in props && typeof props.validate === 'function'
}

const typeOfValue = (u: unknown): string => (u === null ? 'null' : Array.isArray(u) ? 'array' : typeof u)

const keyOf = (segment: PropertyKey | StandardSchemaV1.PathSegment): PropertyKey =>
  typeof segment === 'object' ? segment.key : segment

/** The value at `path` in the stored data (`undefined` when the path leads nowhere). */
const valueAt = (data: unknown, path: ReadonlyArray<PropertyKey>): unknown => {
  let current = data
  for (const key of path) {
    if ((typeof current !== 'object' && typeof current !== 'function') || current === null) return undefined
    current = Reflect.get(current, key)
  }
  return current
}

/** A field of a vendor's issue beyond the spec (zod and valibot both report `expected`). */
const extra = (issue: StandardSchemaV1.Issue, field: string): unknown => (field in issue ? Reflect.get(issue, field) : undefined)

/**
 * One Standard Schema issue as `path: expected Type, got kind`, the form io-ts errors take.
 *
 * The kind is read from the stored data at the issue's path; the value itself is never printed.
 * When the library says what it expected (zod's and valibot's `expected`), that is used; else its
 * message (a custom one included), unless the message quotes the value it received (valibot's
 * `received`, arktype's `actual`), which then gives way to `invalid`.
 *
 * @example
 * import { formatStandardIssue } from 'expression.socket.io'
 * const issue = { message: 'Invalid input', path: ['count'], expected: 'number' } // as zod reports it
 * formatStandardIssue({ count: 'x' })(issue) // 'count: expected number, got string'
 * @since 1.1.0
 * @category decode
 */
export const formatStandardIssue =
  (stored: unknown) =>
  (issue: StandardSchemaV1.Issue): string => {
    const keys = (issue.path ?? []).map(keyOf)
    const path = keys.length === 0 ? 'session' : keys.map(String).join('.')
    const got = typeOfValue(valueAt(stored, keys))
    const expected = extra(issue, 'expected')
    if (typeof expected === 'string' && expected !== '') return `${path}: expected ${expected}, got ${got}`
    const quoted = [extra(issue, 'received'), extra(issue, 'actual')].some((v) => typeof v === 'string' && v !== '' && issue.message.includes(v))
    return `${path}: ${quoted || issue.message === '' ? 'invalid' : issue.message}, got ${got}`
  }

/** The session error for a validator that threw or rejected: its error is kept as `cause`. */
export const codecThrew = (cause: unknown): SessionError =>
  invalidSession([`session: the codec threw${cause instanceof Error ? ` ${cause.name}` : ''}`], cause)

/** A validator's result, as the session error or the decoded data laid over the stored data. */
const toDecoded = <A>(stored: StoredSession, result: StandardSchemaV1.Result<A>): E.Either<SessionError, StoredSession & A> => {
  try {
    if (result.issues !== undefined) return E.left(invalidSession([...new Set(Array.from(result.issues, formatStandardIssue(stored)))]))
    // Object spread, not Object.assign: an own `__proto__` key stays data.
    return E.right({ ...stored, ...result.value })
  } catch (err) {
    // A validator that answered with something that is not a Standard Schema result.
    return E.left(codecThrew(err))
  }
}

/**
 * Validates stored session data with a Standard Schema validator. Synchronous when the validator
 * is (zod, valibot without async checks): the result is then an `Either`. Only a validator that
 * answers with a Promise (async refinements) gives a Promise, which never rejects. A validator
 * that throws or rejects is `InvalidSession` with the error as `cause`.
 *
 * @example
 * import * as z from 'zod'
 * import { decodeWithStandardSchema } from 'expression.socket.io'
 * decodeWithStandardSchema(z.object({ count: z.number() }))({ count: 'x' })
 * // Left({ _tag: 'InvalidSession', errors: ['count: expected number, got string'] })
 * @since 1.1.0
 * @category decode
 */
export const decodeWithStandardSchema =
  <A>(schema: StandardSchemaV1<unknown, A>) =>
  (stored: StoredSession): E.Either<SessionError, StoredSession & A> | Promise<E.Either<SessionError, StoredSession & A>> => {
    let result: StandardSchemaV1.Result<A> | Promise<StandardSchemaV1.Result<A>>
    try {
      result = schema['~standard'].validate(stored)
    } catch (err) {
      return E.left(codecThrew(err))
    }
    if (!isThenable(result)) return toDecoded(stored, result)
    return result.then(
      (settled) => toDecoded(stored, settled),
      (err: unknown) => E.left(codecThrew(err)),
    )
  }
