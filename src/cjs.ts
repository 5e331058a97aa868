/**
 * The CommonJS entry: `require('expression.socket.io')` is the `ExpressionSocket` constructor,
 * as it was in 2012, and also carries every named export (`require(...).sessionAccess`).
 *
 * Its declaration describes exactly that (`export =` of a constructor merged with a namespace),
 * so `import ExpressionSocket = require('expression.socket.io')`, a default import from a CommonJS
 * TypeScript file and the seed's `require` under `checkJs` all type-check, and every exported type
 * is reachable as `ExpressionSocket.SessionStore`, `ExpressionSocket.Session<A>`...
 * `tests/package/consumers.test.ts` fails, naming the line to add, when an export of `./index` is
 * missing here.
 */
import * as api from './index'
import type { DefaultSessionData } from './index'

// The values: the constructor itself, and every named export as a property of it.
const ExpressionSocket: typeof api.ExpressionSocket & typeof api = Object.assign(api.ExpressionSocket, api)

// `ExpressionSocket` as a type: an instance, as the class name is in the ES module entry.
type ExpressionSocket<A = DefaultSessionData, Auto extends boolean = false, Always extends boolean = false> = api.ExpressionSocket<
  A,
  Auto,
  Always
>

// The types, as `ExpressionSocket.Name`. Only type aliases here: the namespace then adds no
// value, and merges with the constant above.
declare namespace ExpressionSocket {
  export type NoCookieHeader = api.NoCookieHeader
  export type SessionCookieMissing = api.SessionCookieMissing
  export type UnsignedCookie = api.UnsignedCookie
  export type InvalidSignature = api.InvalidSignature
  export type SessionNotFound = api.SessionNotFound
  export type StoreFailure = api.StoreFailure
  export type StoreTimeout = api.StoreTimeout
  export type InvalidSession = api.InvalidSession
  export type ForbiddenOrigin = api.ForbiddenOrigin
  export type SessionError = api.SessionError
  export type SessionErrorTag = api.SessionErrorTag
  export type HandlerFailure = api.HandlerFailure
  export type AccessFailure = api.AccessFailure
  export type ClientError = api.ClientError
  export type SessionOperationError = api.SessionOperationError
  export type SessionId = api.SessionId
  export type Secrets = api.Secrets
  export type IncomingHeaders = api.IncomingHeaders
  export type SessionCookieConfig = api.SessionCookieConfig
  export type StoredCookie = api.StoredCookie
  export type StoredSession = api.StoredSession
  export type SessionRecord = api.SessionRecord
  export type SessionStore = api.SessionStore
  export type StoreOptions = api.StoreOptions
  export type SessionDecoder<A> = api.SessionDecoder<A>
  export type KeyedQueue = api.KeyedQueue
  export type DefaultSessionData = api.DefaultSessionData
  export type Session<A = DefaultSessionData> = api.Session<A>
  export type SessionHandle = api.SessionHandle
  export type SessionCallback = api.SessionCallback
  export type ErrorContext = api.ErrorContext
  export type AllowedOrigins = api.AllowedOrigins
  export type SessionOptions<A> = api.SessionOptions<A>
  export type SessionAccessConfig<A> = api.SessionAccessConfig<A>
  export type AckErrorPayload = api.AckErrorPayload
  export type SessionStats = api.SessionStats
  export type SessionAccess<A> = api.SessionAccess<A>
  export type SessionHandler<A, Args extends unknown[]> = api.SessionHandler<A, Args>
  export type ErrorFirstSessionHandler<A, Args extends unknown[]> = api.ErrorFirstSessionHandler<A, Args>
  export type SocketListener<Args extends unknown[]> = api.SocketListener<Args>
  export type SessionMiddleware = api.SessionMiddleware
  export type ExpressionSocket<A = DefaultSessionData, Auto extends boolean = false, Always extends boolean = false> = api.ExpressionSocket<A, Auto, Always>
  export type ExpressionSocketOptions<A, Auto extends boolean, Always extends boolean> = api.ExpressionSocketOptions<A, Auto, Always>
  export type SessionNamespace<A, Auto extends boolean, Always extends boolean> = api.SessionNamespace<A, Auto, Always>
  export type SessionSocket<A, Auto extends boolean, Always extends boolean> = api.SessionSocket<A, Auto, Always>
  export type SessOn<A, Auto extends boolean> = api.SessOn<A, Auto>
  export type ModeHandler<A, Auto extends boolean, Args extends unknown[]> = api.ModeHandler<A, Auto, Args>
  export type Handshake = api.Handshake
  export type Accept = api.Accept
  export type AuthorizationCallback<A, Auto extends boolean> = api.AuthorizationCallback<A, Auto>
  export type ConnectionCallback<A, Auto extends boolean, Always extends boolean> = api.ConnectionCallback<A, Auto, Always>
  export type SessionConflict = api.SessionConflict
  export type UnserializableSession = api.UnserializableSession
  export type SessionQueueFull = api.SessionQueueFull
  export type HandlerTimeout = api.HandlerTimeout
  export type StandardSchemaV1<Input = unknown, Output = Input> = api.StandardSchemaV1<Input, Output>
  export type SessionCodec<A> = api.SessionCodec<A>
  export type Decoded<A> = api.Decoded<A>
  export type SessionDecode<A> = api.SessionDecode<A>
  export type VersionedStore = api.VersionedStore
  export type CommitOutcome = api.CommitOutcome
  export type CommitDone = api.CommitDone
  export type Snapshot = api.Snapshot
  export type Found = api.Found
  export type RedisScriptClient = api.RedisScriptClient
  export type ConditionalSetOptions = api.ConditionalSetOptions
  export type ConditionalWrite = api.ConditionalWrite
  export type CompareAndSetStoreOptions = api.CompareAndSetStoreOptions
  export type CommitMode = api.CommitMode
  export type CookieParser = api.CookieParser
  export type ReservedOn = api.ReservedOn
}

export = ExpressionSocket
