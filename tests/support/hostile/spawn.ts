// Starts tests/support/hostile/server.ts in a child process and watches it: a crash there shows
// up as an exit code and the stderr it wrote, instead of going unseen in the test runner.
import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { type Socket as ClientSocket, io as connectClient } from 'socket.io-client'

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
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', SCRIPT], {
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  let stderr = ''
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`hostile server did not start within 20 s:\n${stderr}`)), 20_000)
    child.once('exit', (code) => reject(new Error(`hostile server exited before listening (${String(code)}):\n${stderr}`)))
    if (child.stdout === null) return reject(new Error('no stdout'))
    createInterface({ input: child.stdout }).once('line', (line) => {
      clearTimeout(timer)
      child.removeAllListeners('exit')
      const parsed: unknown = JSON.parse(line)
      if (typeof parsed === 'object' && parsed !== null && 'port' in parsed && typeof parsed.port === 'number') resolve(parsed.port)
      else reject(new Error(`unexpected first line: ${line}`))
    })
  })
  const url = `http://127.0.0.1:${port}`
  const clients: ClientSocket[] = []
  return {
    url,
    process: child,
    stderr: () => stderr,
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
