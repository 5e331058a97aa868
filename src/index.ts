/**
 * expression.socket.io: the Express (express-session) session, fresh from the store, in every
 * Socket.IO v4 event handler.
 * @packageDocumentation
 */
export * from './core/errors/errors'
export * from './core/errors/failure'
export * from './core/cookie/sessionId'
export * from './core/cookie/secrets'
export * from './core/cookie/cookie'
export * from './core/cookie/signature'
export * from './core/cookie/headers'
export * from './core/store/storePort'
export { toStoredSession, loadSession, saveSession, destroySession, checkSessionExists, touchSession } from './core/store/storeOps'
export * from './core/store/expiry'
export * from './core/data/decode'
export { isStandardSchema, formatStandardIssue, decodeWithStandardSchema } from './core/data/standardSchema'
export type { StandardSchemaV1 } from './core/data/standardSchema'
export * from './core/util/keyedQueue'
export * from './core/data/sessionData'
export { stringifySession } from './core/data/serializable'
export type { Session, SessionHandle, SessionCallback } from './core/session/liveSession'
export { type VersionedStore, type CommitOutcome, type Snapshot, type Found, loadSnapshot } from './core/commit/versionedStore'
export { type CommitDone, commitMerging, mergeChanges, MAX_COMMIT_TRIES } from './core/commit/mergeCommit'
export { type RedisScriptClient, type ConditionalSetOptions, type ConditionalWrite, versionedRedisStore } from './adapters/redis/redisVersionedStore'
export { type CompareAndSetStoreOptions, compareAndSetStore } from './adapters/redis/compareAndSetStore'
export type { CommitMode } from './adapters/config/commitMode'
export type { ErrorContext, AllowedOrigins, SessionOptions, SessionAccessConfig } from './adapters/config/config'
export type { AckErrorPayload } from './adapters/runtime/ack'
export { sessionRoom } from './adapters/runtime/rooms'
export type { SessionStats } from './adapters/runtime/socketSessions'
export { sessionAccess } from './adapters/functional/sessionAccess'
export { reportToConsole } from './adapters/config/defaultOnError'
export type {
  SessionAccess,
  SessionHandler,
  ErrorFirstSessionHandler,
  SocketListener,
  SessionMiddleware,
} from './adapters/functional/sessionAccess'
export { ExpressionSocket } from './adapters/seed/expressionSocket'
export type { ExpressionSocketOptions } from './adapters/seed/expressionSocket'
export type { CookieParser } from './adapters/seed/cookieParserSecret'
export type { SessionNamespace } from './adapters/seed/sessionNamespace'
export type {
  SessionSocket,
  SessOn,
  ReservedOn,
  ModeHandler,
  Handshake,
  Accept,
  AuthorizationCallback,
  ConnectionCallback,
} from './adapters/seed/seedTypes'
