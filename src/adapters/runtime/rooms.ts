import { createHash } from 'node:crypto'
import type { SessionId } from '../../core/cookie/sessionId'

/**
 * The room every socket of a session joins. A hash, so the session id itself (a bearer
 * credential) never appears in room names, adapter messages or Redis channels.
 * @since 1.0.0
 * @category rooms
 */
export const sessionRoom = (sid: SessionId): string =>
  `expression.socket.io:session:${createHash('sha256').update(sid).digest('base64url')}`
