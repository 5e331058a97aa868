// express-socket.io-session ships no types: the part of its API the benchmark uses.
declare module 'express-socket.io-session' {
  import type { RequestHandler } from 'express'
  import type { Socket } from 'socket.io'

  interface SharedSessionOptions {
    /** Saves the handshake's session after each event whose handler changed it. */
    readonly autoSave?: boolean
    readonly saveUninitialized?: boolean
  }

  function sharedSession(
    expressSessionMiddleware: RequestHandler,
    options?: SharedSessionOptions,
  ): (socket: Socket, next: (err?: Error) => void) => void

  export = sharedSession
}
