import { EventEmitter } from 'node:events'
import * as E from 'fp-ts/Either'
import type { Namespace, Socket } from 'socket.io'
import { sessionNotFound } from '../../core/errors/errors'
import { isExpired } from '../../core/store/expiry'
import { toClientError } from '../../core/errors/failure'
import type { SessionId } from '../../core/cookie/sessionId'
import { loadSession } from '../../core/store/storeOps'
import type { ResolvedConfig } from '../config/options'

/**
 * At most this many session checks wait on the store at once, whatever the number of sessions:
 * a slow store sees a bounded queue, not a burst.
 */
export const MAX_CONCURRENT_CHECKS = 8

/**
 * The sessions with sockets connected to this process, checked against the store on a timer.
 * @category adapters
 */
export interface Revalidation {
  /**
   * Follows a socket of a session: from its connection (at once when it is already connected)
   * until its disconnection, after which nothing of it is kept.
   */
  watch(socket: Socket, sid: SessionId): void
  /** Sessions followed right now. */
  size(): number
}

/** What revalidation reads from the resolved configuration. */
export type RevalidationConfig = Pick<ResolvedConfig<unknown>, 'store' | 'storeTimeoutMs' | 'now' | 'revalidateIntervalMs' | 'onError'>

const off: Revalidation = { watch: () => undefined, size: () => 0 }

/** One pass over the sessions known when it started, spread over one interval. */
interface Round {
  readonly sids: ReadonlyArray<SessionId>
  readonly startedAt: number
  readonly spacingMs: number
  next: number
  running: number
}

/**
 * `revalidateIntervalMs`: every interval, each session with sockets connected to this process is
 * read from the store once (one read per session, not per socket), the reads spread evenly over
 * the interval with at most {@link MAX_CONCURRENT_CHECKS} at a time, each bounded by
 * `storeTimeoutMs`. A session gone (`SessionNotFound`) or past its cookie's `expires`: each of its
 * sockets gets `session_lost` (`{ code: 'SessionNotFound', message }`) and is disconnected, and
 * `onError` is told. A store that fails or times out disconnects nobody; the session is checked
 * again next interval. A round that takes longer than the interval delays the next one, so no
 * session is read twice in one interval.
 *
 * Nothing runs while no socket is followed: the timer is armed by the first socket and not
 * re-armed once the last one is gone (`io.close()` disconnects every socket, which ends it), and
 * it is `unref`'d, so it never keeps a process alive.
 *
 * `createRevalidation(config).watch(socket, sid)` follows a socket from its handshake on.
 * @category adapters
 */
export const createRevalidation = (config: RevalidationConfig): Revalidation => {
  const intervalMs = config.revalidateIntervalMs
  if (intervalMs === undefined) return off
  const load = loadSession(config.store, { timeoutMs: config.storeTimeoutMs })
  const sessions = new Map<SessionId, Set<Socket>>()
  // Sockets seen in their handshake: followed once their namespace reports them connected. A
  // socket refused in its handshake is never connected and is simply forgotten with it.
  const pending = new WeakMap<Socket, SessionId>()
  const listenedNamespaces = new WeakSet<Namespace>()
  let timer: NodeJS.Timeout | undefined
  let round: Round | undefined

  const arm = (delayMs: number, run: () => void): void => {
    timer = setTimeout(() => {
      timer = undefined
      run()
    }, Math.max(0, delayMs))
    timer.unref()
  }

  const cut = (sid: SessionId): void => {
    const sockets = sessions.get(sid)
    if (sockets === undefined) return
    for (const socket of [...sockets]) {
      try {
        config.onError(sessionNotFound, { socket, event: undefined })
      } catch {
        // A throwing onError must not keep a lost session's sockets connected.
      }
      socket.emit('session_lost', toClientError(sessionNotFound))
      socket.disconnect()
    }
  }

  const check = async (sid: SessionId): Promise<void> => {
    const loaded = await load(sid)()
    const gone = E.isLeft(loaded) ? loaded.left._tag === 'SessionNotFound' : isExpired(loaded.right, config.now())
    if (gone) cut(sid)
  }

  const pump = (): void => {
    const current = round
    if (current === undefined || timer !== undefined) return
    while (current.running < MAX_CONCURRENT_CHECKS && current.next < current.sids.length) {
      const sid = current.sids[current.next]
      if (sid === undefined || !sessions.has(sid)) {
        current.next += 1
        continue
      }
      const dueInMs = current.startedAt + current.next * current.spacingMs - Date.now()
      if (dueInMs > 0) return arm(dueInMs, pump)
      current.next += 1
      current.running += 1
      const done = (): void => {
        current.running -= 1
        pump()
      }
      check(sid).then(done, done)
    }
    if (current.running > 0 || current.next < current.sids.length) return
    round = undefined
    if (sessions.size > 0) arm(current.startedAt + intervalMs - Date.now(), startRound)
  }

  const startRound = (): void => {
    const sids = [...sessions.keys()]
    round = { sids, startedAt: Date.now(), spacingMs: intervalMs / Math.max(1, sids.length), next: 0, running: 0 }
    pump()
  }

  const forget = (socket: Socket, sid: SessionId): void => {
    const sockets = sessions.get(sid)
    if (sockets === undefined) return
    sockets.delete(socket)
    if (sockets.size > 0) return
    sessions.delete(sid)
    if (sessions.size > 0 || timer === undefined) return
    // The last session is gone: stop the timer; a round in progress ends with its checks in flight.
    clearTimeout(timer)
    timer = undefined
    pump()
  }

  const follow = (socket: Socket, sid: SessionId): void => {
    if (!socket.connected) return
    const known = sessions.get(sid)
    const sockets = known ?? new Set<Socket>()
    if (sockets.has(socket)) return
    sockets.add(socket)
    if (known === undefined) sessions.set(sid, sockets)
    // The prototype's `on`: the socket's own may be replaced by `alwaysSession`.
    EventEmitter.prototype.on.call(socket, 'disconnect', () => forget(socket, sid))
    if (timer === undefined && round === undefined) arm(intervalMs, startRound)
  }

  const followWhenConnected = (namespace: Namespace): void => {
    if (listenedNamespaces.has(namespace)) return
    listenedNamespaces.add(namespace)
    namespace.on('connection', (socket: Socket) => {
      const sid = pending.get(socket)
      if (sid === undefined) return
      pending.delete(socket)
      follow(socket, sid)
    })
  }

  return {
    watch(socket, sid) {
      if (socket.connected) return follow(socket, sid)
      pending.set(socket, sid)
      followWhenConnected(socket.nsp)
    },
    size: () => sessions.size,
  }
}
