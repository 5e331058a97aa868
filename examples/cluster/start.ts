// Starts NODES (default 2) cluster nodes against REDIS_URL with one command, on ports PORT,
// PORT+1, ... (default 3001): each is its own process running examples/cluster/node.ts.
//
//   npx ts-node --transpile-only examples/cluster/start.ts
//   NODES=3 PORT=4000 REDIS_URL=redis://10.0.0.5:6379 npx ts-node --transpile-only examples/cluster/start.ts
//
// Ctrl-C stops them all; if one dies, the others are stopped too.
import { type ChildProcess, spawn } from 'node:child_process'
import { join } from 'node:path'
import { createInterface } from 'node:readline'

const count = Number(process.env['NODES'] ?? 2)
const basePort = Number(process.env['PORT'] ?? 3001)
const say = (line: string): void => void process.stdout.write(`${line}\n`)

if (!Number.isInteger(count) || count < 1 || !Number.isInteger(basePort) || basePort < 1 || basePort + count > 65536) {
  process.stderr.write('NODES must be a positive integer and PORT a port number\n')
  process.exit(1)
}

say(`starting ${count} nodes against ${process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379'}`)

const nodes: ChildProcess[] = Array.from({ length: count }, (_, i) => {
  const name = `node ${i + 1}`
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', join(__dirname, 'node.ts')], {
    env: { ...process.env, PORT: String(basePort + i), NODE_NAME: name },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  for (const stream of [child.stdout, child.stderr])
    if (stream !== null) createInterface({ input: stream }).on('line', (line) => say(`[${name}] ${line}`))
  child.on('exit', (code, signal) => {
    if (stopping) return
    // A node exits 0 only when told to stop (Ctrl-C reaches the whole process group).
    if (code !== 0) say(`[${name}] exited (${signal ?? String(code)}): stopping the others`)
    stop(code === 0 ? 0 : 1)
  })
  return child
})

let stopping = false
const stop = (exitCode: number): void => {
  if (stopping) return
  stopping = true
  const running = nodes.filter((n) => n.exitCode === null && n.signalCode === null)
  let left = running.length
  if (left === 0) process.exit(exitCode)
  for (const node of running) {
    node.once('exit', () => {
      left -= 1
      if (left === 0) process.exit(exitCode)
    })
    node.kill('SIGTERM')
  }
  setTimeout(() => {
    for (const node of running) node.kill('SIGKILL')
    process.exit(exitCode)
  }, 3000).unref()
}

process.on('SIGINT', () => stop(0))
process.on('SIGTERM', () => stop(0))
