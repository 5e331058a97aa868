import type { SessionData as ExpressSessionData } from 'express-session'

/**
 * The session data type used when no codec is given: express-session's `SessionData`, which
 * Express users extend through declaration merging:
 *
 * @example
 * declare module 'express-session' {
 *   interface SessionData { user: { name: string }; count: number }
 * }
 * // handlers now see session.user?.name and session.count as typed, optional fields
 * @since 1.0.0
 * @category model
 */
export type DefaultSessionData = Partial<Omit<ExpressSessionData, 'cookie'>>
