// Starts tests/support/hostile/server.ts in a child process and watches it: a crash there shows
// up as an exit code and the stderr it wrote, instead of going unseen in the test runner.
import type { ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { join } from 'node:path'
import { type Socket as ClientSocket, io as connectClient } from 'socket.io-client'
import { startChildServer } from '../childServer'

export interface HostileServer {
  readonly url: string
  readonly process: ChildProcess
  /** What the process wrote to stderr so far. */
  stderr(): string
  /** `null` while the process runs; its exit code (or signal) once it has ended. */
  exit(): number | string | null
  login(): Promise<string>
  connect(cookie: string): Promise<ClientSocket>
  post(path: string, cookie: string, body: unknown): Promise<void>
  get(path: string, cookie?: string): Promise<unknown>
  stop(): Promise<void>
}

const SCRIPT = join(__dirname, 'server.ts')

export const startHostileServer = async (env: Record<string, string>): Promise<HostileServer> => {
  const { child, port, stderr } = await startChildServer(SCRIPT, env, ['pipe', 'pipe', 'pipe'], 'hostile server')
  const url = `http://127.0.0.1:${port}`
  const clients: ClientSocket[] = []
  return {
    url,
    process: child,
    stderr,
    exit: () => child.exitCode ?? child.signalCode,
    async login() {
      const res = await fetch(`${url}/login?user=ada`, { method: 'POST' })
      const pair = res.headers.get('set-cookie')?.split(';')[0]
      if (pair === undefined) throw new Error('login set no cookie')
      return pair
    },
    connect: (cookie) =>
      new Promise((resolve, reject) => {
        const socket = connectClient(url, { transports: ['websocket'], reconnection: false, forceNew: true, extraHeaders: { cookie } })
        clients.push(socket)
        socket.once('connect', () => resolve(socket))
        socket.once('connect_error', reject)
      }),
    async post(path, cookie, body) {
      await fetch(url + path, { method: 'POST', headers: { cookie, 'content-type': 'application/json' }, body: JSON.stringify(body) })
    },
    async get(path, cookie) {
      return (await fetch(url + path, cookie === undefined ? {} : { headers: { cookie } })).json()
    },
    async stop() {
      for (const c of clients) c.disconnect()
      if (child.exitCode !== null || child.signalCode !== null) return
      const exited = once(child, 'exit')
      child.stdin?.end()
      const force = setTimeout(() => child.kill('SIGKILL'), 3000)
      await exited
      clearTimeout(force)
    },
  }
}
