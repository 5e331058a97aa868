// Redis for the tests: a load-time availability gate (fail under CI, skip with one line
// elsewhere), a key prefix unique to the run with cleanup of only those keys, and a private
// redis-server the fault tests can stop, kill and restart.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createClient } from 'redis'
import { noticeOnce } from './skipNotice'

export const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379'
export const IN_CI = process.env['CI'] === 'true'

/**
 * A node-redis client for the tests: short connect timeout, reconnecting every 100 ms. Its
 * errors must be listened to (see {@link connectRedis}): an unheard 'error' event crashes.
 */
export const newRedisClient = (url: string = REDIS_URL) =>
  createClient({ url, socket: { connectTimeout: 1000, reconnectStrategy: 100 } })

export type RedisClient = ReturnType<typeof newRedisClient>

/**
 * Every key and channel this run touches starts with this: parallel runs and the developer's
 * own data on the same Redis are never read, overwritten or deleted.
 */
export const RUN_PREFIX = `esio-test:${process.pid}-${randomBytes(4).toString('hex')}:`

// Connects with a 1 s budget and expects a RESP reply to PING ('+PONG', or '-NOAUTH...' from a
// server that wants a password: still a Redis). A child process, because the answer is needed
// synchronously, while the test file is being loaded, to pick describe or describe.skip.
const PROBE = `
const net = require('node:net')
const [host, port, tls] = process.argv.slice(1)
const done = (ok) => process.exit(ok ? 0 : 1)
setTimeout(() => done(false), 1000)
const socket = net.connect({ host, port: Number(port) })
socket.on('error', () => done(false))
socket.on('connect', () => (tls === 'tls' ? done(true) : socket.write('PING\\r\\n')))
socket.on('data', (d) => done(/^[+-]/.test(d.toString())))
`

/** Why Redis at `url` cannot be used, or `undefined` when it answers. */
export const probeRedis = (url: string = REDIS_URL): string | undefined => {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return `REDIS_URL is not a URL: ${url}`
  }
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1') || '127.0.0.1'
  const port = parsed.port === '' ? '6379' : parsed.port
  const probe = spawnSync(process.execPath, ['-e', PROBE, host, port, parsed.protocol === 'rediss:' ? 'tls' : 'plain'], {
    timeout: 3000,
    stdio: 'ignore',
  })
  return probe.status === 0 ? undefined : `Redis not reachable at ${url}`
}

/** Why a private `redis-server` cannot be started, or `undefined` when the binary runs. */
export const probeRedisServerBinary = (): string | undefined => {
  const run = spawnSync('redis-server', ['--version'], { timeout: 3000, stdio: 'ignore' })
  return run.status === 0 ? undefined : 'redis-server is not on the PATH'
}

type DescribeBody = () => void

/**
 * `describe` when `unavailable` is `undefined`. Otherwise, under `CI=true`, a suite whose
 * `beforeAll` throws the reason (a Redis test never skips in CI); elsewhere `describe.skip`,
 * with one line on stderr saying why and how to make it fail instead.
 */
export const describeWith =
  (unavailable: string | undefined) =>
  (name: string, body: DescribeBody): void => {
    if (unavailable === undefined) return describe(name, body)
    if (IN_CI)
      return describe(name, () => {
        beforeAll(() => {
          throw new Error(`${unavailable}, and CI=true: Redis tests never skip in CI`)
        })
        it('has Redis to run against', () => undefined)
      })
    noticeOnce('redis', `${unavailable}: skipping Redis tests (set CI=true to make this fail)`)
    describe.skip(name, body)
  }

/** A connected node-redis client whose errors are collected instead of crashing the process. */
export const connectRedis = async (url: string = REDIS_URL): Promise<{ client: RedisClient; errors: unknown[] }> => {
  const errors: unknown[] = []
  const client = newRedisClient(url)
  client.on('error', (err: unknown) => errors.push(err))
  await client.connect()
  return { client, errors }
}

/** Deletes every key starting with `prefix` (SCAN MATCH prefix*, then DEL): never FLUSHALL. */
export const deleteKeys = async (client: RedisClient, prefix: string): Promise<number> => {
  let deleted = 0
  for await (const keys of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 200 }))
    if (keys.length > 0) deleted += await client.del(keys)
  return deleted
}

/** Keys starting with `prefix`. */
export const keysWith = async (client: RedisClient, prefix: string): Promise<string[]> => {
  const found: string[] = []
  for await (const keys of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 200 })) found.push(...keys)
  return found
}

/** A TCP port nobody listens on right now (the kernel's pick). */
export const freePort = async (): Promise<number> => {
  const server = createServer()
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const address = server.address()
  server.close()
  if (address === null || typeof address === 'string') throw new Error('no TCP address')
  return address.port
}

/** A redis-server of the test's own, on a private port, that the test may stop, kill and restart. */
export interface PrivateRedis {
  readonly port: number
  readonly url: string
  /** SIGSTOP: connections stay open, nothing is answered. */
  pause(): void
  /** SIGCONT. */
  resume(): void
  /** SIGKILL, resolved once the process is gone. */
  kill(): Promise<void>
  /** Starts a new server on the same port and directory (the append-only file survives). */
  restart(): Promise<void>
  /** Kills the server and removes its directory. */
  close(): Promise<void>
}

const waitReady = (child: ChildProcess, port: number): Promise<void> =>
  new Promise((resolve, reject) => {
    let output = ''
    const timer = setTimeout(() => fail(new Error(`redis-server on port ${port} not ready after 5 s:\n${output}`)), 5000)
    const fail = (err: Error): void => {
      clearTimeout(timer)
      reject(err)
    }
    child.once('error', fail)
    child.once('exit', (code) => fail(new Error(`redis-server on port ${port} exited (${String(code)}):\n${output}`)))
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString()
      if (output.includes('Ready to accept connections')) {
        clearTimeout(timer)
        child.removeAllListeners('exit')
        child.removeAllListeners('error')
        // A signal that cannot be delivered later must not become an uncaught 'error'.
        child.on('error', () => undefined)
        resolve()
      }
    })
  })

/**
 * Starts `redis-server` on a free 127.0.0.1 port in a temporary directory. With
 * `appendFsyncAlways`, every acknowledged write is on disk before the reply, so a SIGKILL loses
 * nothing that was saved (without it: `--save '' --appendonly no`, nothing survives a restart).
 */
export const startPrivateRedis = async ({ appendFsyncAlways = false }: { readonly appendFsyncAlways?: boolean } = {}): Promise<PrivateRedis> => {
  const port = await freePort()
  const dir = mkdtempSync(join(tmpdir(), 'esio-redis-'))
  const persistence = appendFsyncAlways ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no']
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', ...persistence]
  let child: ChildProcess | undefined
  const killNow = (): void => {
    if (child !== undefined && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  }
  // A test runner that exits without running afterAll must not leave the server behind.
  process.once('exit', killNow)
  const start = async (): Promise<void> => {
    const started = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'inherit'] })
    child = started
    await waitReady(started, port)
    started.stdout?.resume()
  }
  const kill = async (): Promise<void> => {
    const running = child
    if (running === undefined || running.exitCode !== null || running.signalCode !== null) return
    const exited = once(running, 'exit')
    running.kill('SIGKILL')
    await exited
  }
  await start()
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    pause: () => void child?.kill('SIGSTOP'),
    resume: () => void child?.kill('SIGCONT'),
    kill,
    restart: start,
    async close() {
      await kill()
      process.off('exit', killNow)
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
