/**
 * One secret or a non-empty list, as express-session takes it (its `secret` option's type fits
 * as it is). The first signs; any verifies. An empty list is refused with a `TypeError`.
 * @since 1.0.0
 * @category model
 */
export type Secrets = string | ReadonlyArray<string>

/**
 * Normalises and validates a secret option once, with a `TypeError` naming the option.
 * @category constructors
 */
export const toSecretList = (secret: unknown, option = 'secret'): readonly string[] => {
  const list: readonly unknown[] = Array.isArray(secret) ? secret : [secret]
  const strings = list.filter((s): s is string => typeof s === 'string' && s !== '')
  if (list.length === 0 || strings.length !== list.length)
    throw new TypeError(`${option} must be a non-empty string or a non-empty array of non-empty strings`)
  return strings
}
