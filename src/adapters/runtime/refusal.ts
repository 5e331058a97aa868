import type { ExtendedError } from 'socket.io'
import { type AccessFailure, type ClientError, toClientError } from '../../core/errors/failure'

/**
 * The error a middleware passes to `next` to refuse a handshake: the client's `connect_error`
 * gets `message` equal to the tag and `data` equal to `{ code, message }`.
 * @category adapters
 */
export const handshakeRefusal = (error: AccessFailure): ExtendedError & { readonly data: ClientError } =>
  Object.assign(new Error(error._tag), { data: toClientError(error) })
