// Starts and stops the child-process nodes of the two-node tests (see ./node.ts), and talks to
// them over HTTP and socket.io-client as a browser would.
import type { ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { join } from 'node:path'
import { type Socket as ClientSocket, io as connectClient } from 'socket.io-client'
import { startChildServer } from '../childServer'

export interface ClusterNode {
  readonly url: string
  readonly process: ChildProcess
  login(user: string): Promise<string>
  readSession(cookie: string): Promise<Record<string, unknown> | null>
  writeSession(cookie: string, fields: Record<string, unknown>): Promise<void>
  logout(cookie: string): Promise<void>
  /** How many failures of each tag this node's `onError` was told of. */
  errors(): Promise<Record<string, number>>
  broadcast(via: 'io' | 'seed', namespace: string, message: string): Promise<void>
  /** A websocket-only client sending `cookie`, closed by `stop()`. */
  connect(cookie: string, namespace?: string): ClientSocket
  /** Resolves once something waits at the node's gate `name`. */
  waitingAt(name: string): Promise<void>
  openGate(name: string): Promise<void>
  /** `POST /gated`: a request that loads, waits at `gate`, sets `key` and saves; its status and body. */
  gatedWrite(cookie: string, key: string, value: unknown, gate: string): Promise<{ status: number; body: unknown }>
  /** Closes the clients and stops the process (SIGTERM, then SIGKILL after 2 s). */
  stop(): Promise<void>
}

const NODE_SCRIPT = join(__dirname, 'node.ts')

/** Spawns one node (TypeScript through ts-node) and resolves once it listens. */
export const startNode = async (env: Record<string, string>): Promise<ClusterNode> => {
  const { child, port } = await startChildServer(NODE_SCRIPT, env, ['pipe', 'pipe', 'inherit'], 'cluster node')
  const url = `http://127.0.0.1:${port}`
  const clients: ClientSocket[] = []
  const post = (path: string, cookie: string | undefined, body: unknown = {}): Promise<Response> =>
    fetch(url + path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(cookie === undefined ? {} : { cookie }) },
      body: JSON.stringify(body),
    })

  return {
    url,
    process: child,
    async login(user) {
      const res = await post(`/login?user=${encodeURIComponent(user)}`, undefined)
      const pair = res.headers.get('set-cookie')?.split(';')[0]
      if (pair === undefined) throw new Error('login did not set a cookie')
      return pair
    },
    async readSession(cookie) {
      const body: unknown = await (await fetch(url + '/session', { headers: { cookie } })).json()
      return typeof body === 'object' && body !== null ? { ...body } : null
    },
    async writeSession(cookie, fields) {
      await post('/session', cookie, fields)
    },
    async logout(cookie) {
      await post('/logout', cookie)
    },
    async errors() {
      const body: unknown = await (await fetch(url + '/errors')).json()
      const counts: Record<string, number> = {}
      if (typeof body === 'object' && body !== null)
        for (const [tag, n] of Object.entries(body)) if (typeof n === 'number') counts[tag] = n
      return counts
    },
    async waitingAt(name) {
      for (;;) {
        const body: unknown = await (await fetch(`${url}/gate/${encodeURIComponent(name)}`)).json()
        if (typeof body === 'object' && body !== null && 'waiting' in body && body.waiting === true) return
        await new Promise((r) => setTimeout(r, 5))
      }
    },
    async openGate(name) {
      await post(`/gate/${encodeURIComponent(name)}/open`, undefined)
    },
    async gatedWrite(cookie, key, value, gate) {
      const res = await post(`/gated?key=${encodeURIComponent(key)}&value=${encodeURIComponent(JSON.stringify(value))}&gate=${encodeURIComponent(gate)}`, cookie)
      return { status: res.status, body: await res.json() }
    },
    async broadcast(via, namespace, message) {
      await post(`/broadcast?via=${via}&ns=${encodeURIComponent(namespace)}&message=${encodeURIComponent(message)}`, undefined)
    },
    connect(cookie, namespace = '/') {
      const socket = connectClient(url + namespace, {
        transports: ['websocket'],
        reconnection: false,
        forceNew: true,
        extraHeaders: { cookie },
      })
      clients.push(socket)
      return socket
    },
    async stop() {
      for (const c of clients) c.disconnect()
      if (child.exitCode !== null || child.signalCode !== null) return
      const exited = once(child, 'exit')
      const force = setTimeout(() => child.kill('SIGKILL'), 2000)
      child.kill('SIGTERM')
      await exited
      clearTimeout(force)
    },
  }
}

/**
 * Starts two nodes at once. If either fails to start, the other is stopped before the error is
 * thrown: a failed `beforeAll` leaves no process behind.
 */
export const startTwoNodes = async (env: Record<string, string>): Promise<[ClusterNode, ClusterNode]> => {
  const [first, second] = await Promise.allSettled([startNode(env), startNode(env)])
  if (first.status === 'fulfilled' && second.status === 'fulfilled') return [first.value, second.value]
  await Promise.all([first, second].map((r) => (r.status === 'fulfilled' ? r.value.stop() : undefined)))
  throw first.status === 'rejected' ? first.reason : second.status === 'rejected' ? second.reason : new Error('unreachable')
}
