// A client process of `npm run bench -- --memory`, forked by bench/memory.ts with an IPC channel.
// It receives `{ url, cookies, perSession, concurrency }`, opens `perSession` websocket clients per
// cookie (at most `concurrency` connecting at once), has each send one `inc` and wait for its ack,
// answers `{ type: 'connected', sockets, acked, errors }`, and on `{ type: 'disconnect' }` closes
// every socket and answers `{ type: 'closed' }`. Two of these hold 10,000 sockets between them.
import { type Socket as ClientSocket, io as connectClient } from 'socket.io-client'
import { mapLimit } from './limit'

interface Job {
  readonly url: string
  readonly cookies: ReadonlyArray<string>
  readonly perSession: number
  readonly concurrency: number
}

const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === 'object' && u !== null

const isJob = (u: unknown): u is Job =>
  isRecord(u) &&
  typeof u['url'] === 'string' &&
  Array.isArray(u['cookies']) &&
  u['cookies'].every((c) => typeof c === 'string') &&
  typeof u['perSession'] === 'number' &&
  typeof u['concurrency'] === 'number'

const send = (message: Record<string, unknown>): void => {
  process.send?.(message)
}

const sockets: ClientSocket[] = []
let acked = 0
let errors = 0

/** Connects one client, sends one `inc` and resolves once it is acked. */
const connectAndInc = (url: string, cookie: string): Promise<void> =>
  new Promise((resolve, reject) => {
    const socket = connectClient(url, { transports: ['websocket'], reconnection: false, forceNew: true, extraHeaders: { cookie } })
    sockets.push(socket)
    socket.once('connect_error', (err) => reject(err))
    socket.once('connect', () => {
      socket.emit('inc', (answer: unknown) => {
        acked++
        if (isRecord(answer) && 'error' in answer) errors++
        resolve()
      })
    })
  })

const run = async (job: Job): Promise<void> => {
  const total = job.cookies.length * job.perSession
  await mapLimit(total, job.concurrency, (i) => connectAndInc(job.url, job.cookies[Math.floor(i / job.perSession)] ?? ''))
  send({ type: 'connected', sockets: sockets.filter((s) => s.connected).length, acked, errors })
}

process.on('message', (message: unknown) => {
  if (isJob(message)) {
    run(message).catch((err: unknown) => send({ type: 'failed', message: err instanceof Error ? err.message : String(err) }))
  } else if (isRecord(message) && message['type'] === 'disconnect') {
    for (const s of sockets) s.disconnect()
    send({ type: 'closed' })
  }
})
// The parent closes the channel when done with this process (or by going away): leave with it.
process.on('disconnect', () => process.exit(0))
