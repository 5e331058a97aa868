/**
 * expression.socket.io: the Express (express-session) session, fresh from the store, in every
 * Socket.IO v4 event handler.
 * @packageDocumentation
 */
export * from './core/errors'
export * from './core/failure'
export * from './core/sessionId'
export * from './core/secrets'
export * from './core/cookie'
export * from './core/signature'
export * from './core/headers'
export * from './core/storePort'
export { toStoredSession, loadSession, saveSession, destroySession, checkSessionExists, touchSession } from './core/storeOps'
export * from './core/expiry'
export * from './core/decode'
export { isStandardSchema, formatStandardIssue, decodeWithStandardSchema } from './core/standardSchema'
export type { StandardSchemaV1 } from './core/standardSchema'
export * from './core/keyedQueue'
export * from './core/sessionData'
export { stringifySession } from './core/serializable'
export type { Session, SessionHandle, SessionCallback } from './core/liveSession'
export { type VersionedStore, type CommitOutcome, type Snapshot, type Found, loadSnapshot } from './core/versionedStore'
export { type CommitDone, commitMerging, mergeChanges, MAX_COMMIT_TRIES } from './core/mergeCommit'
export { type RedisScriptClient, type ConditionalSetOptions, type ConditionalWrite, versionedRedisStore } from './adapters/redisVersionedStore'
export { type CompareAndSetStoreOptions, compareAndSetStore } from './adapters/compareAndSetStore'
export type { CommitMode } from './adapters/commitMode'
export type { ErrorContext, AllowedOrigins, SessionOptions, SessionAccessConfig } from './adapters/config'
export type { AckErrorPayload } from './adapters/ack'
export { sessionRoom } from './adapters/rooms'
export type { SessionStats } from './adapters/socketSessions'
export { sessionAccess } from './adapters/sessionAccess'
export { reportToConsole } from './adapters/defaultOnError'
export type {
  SessionAccess,
  SessionHandler,
  ErrorFirstSessionHandler,
  SocketListener,
  SessionMiddleware,
} from './adapters/sessionAccess'
export { ExpressionSocket } from './adapters/expressionSocket'
export type { ExpressionSocketOptions } from './adapters/expressionSocket'
export type { CookieParser } from './adapters/cookieParserSecret'
export type { SessionNamespace } from './adapters/sessionNamespace'
export type {
  SessionSocket,
  SessOn,
  ReservedOn,
  ModeHandler,
  Handshake,
  Accept,
  AuthorizationCallback,
  ConnectionCallback,
} from './adapters/seedTypes'
