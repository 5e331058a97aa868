/**
 * A session id that came out of a verified signature (or that you vouch for). The brand keeps a
 * raw cookie value from ever being used as a store key by mistake.
 * @since 1.0.0
 * @category model
 */
export type SessionId = string & { readonly SessionId: unique symbol }

/**
 * Brands an id you already trust, such as express-session's `req.sessionID`.
 *
 * @example
 * import { asSessionId } from 'expression.socket.io'
 * // app.post('/logout', (req, res) => { disconnectSession(req.sessionID) ... })
 * const sid = asSessionId('b4KxJ1...')
 * @category constructors
 */
export const asSessionId = (trusted: string): SessionId => trusted as SessionId
