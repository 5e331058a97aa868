/**
 * One secret or a non-empty list, as express-session takes it. The first signs; any verifies.
 * @since 1.0.0
 * @category model
 */
export type Secrets = string | readonly [string, ...string[]]

/**
 * Normalises and validates a secret option once, with a `TypeError` naming the option.
 * @category constructors
 */
export const toSecretList = (secret: unknown, option = 'secret'): readonly string[] => {
  const list: readonly unknown[] = Array.isArray(secret) ? secret : [secret]
  if (list.length === 0) throw new TypeError(`${option} must be a non-empty string or a non-empty array of strings`)
  for (const s of list) {
    if (typeof s !== 'string' || s === '')
      throw new TypeError(`${option} must be a non-empty string or a non-empty array of non-empty strings`)
  }
  return list as readonly string[]
}
