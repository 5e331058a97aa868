// Test servers run in child processes (the two-node tests, the process-survival tests): spawned
// through ts-node, they print `{"port":N}` once listening. Starting one compiles its TypeScript,
// which takes seconds on a loaded 2-core machine (two of them starting at once, the test runner's
// workers and another process all busy), so the wait is generous; a child that does not start in
// time is killed, never left running after its test has failed.
import { type ChildProcess, type StdioOptions, spawn } from 'node:child_process'
import { once } from 'node:events'
import { createInterface } from 'node:readline'

/** How long a child may take to report its port. */
export const CHILD_START_MS = 60_000

/** For a `beforeAll` that starts children: their start, and some to spare. */
export const CHILD_SETUP_TIMEOUT_MS = CHILD_START_MS + 30_000

export interface StartedChild {
  readonly child: ChildProcess
  readonly port: number
  /** What the child wrote to stderr so far, when `stdio` pipes it (else ''). */
  stderr(): string
}

const portIn = (line: string): number | undefined => {
  try {
    const parsed: unknown = JSON.parse(line)
    return typeof parsed === 'object' && parsed !== null && 'port' in parsed && typeof parsed.port === 'number' ? parsed.port : undefined
  } catch {
    return undefined
  }
}

/**
 * Spawns `node -r ts-node/register/transpile-only script` and resolves with its port once it has
 * printed it. Rejects (the child killed) when it exits first, prints something else, or takes
 * longer than {@link CHILD_START_MS}; the error says what it was (`describe`) and what it wrote to
 * stderr, when piped.
 */
export const startChildServer = async (
  script: string,
  env: Record<string, string>,
  stdio: StdioOptions,
  describe: string,
): Promise<StartedChild> => {
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', script], {
    env: { ...process.env, ...env },
    stdio,
  })
  let written = ''
  child.stderr?.on('data', (chunk: Buffer) => (written += chunk.toString()))
  const output = (): string => written
  try {
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${describe} did not report its port within ${CHILD_START_MS / 1000} s\n${output()}`)), CHILD_START_MS)
      child.once('exit', (code) => {
        clearTimeout(timer)
        reject(new Error(`${describe} exited before listening (${String(code)})\n${output()}`))
      })
      if (child.stdout === null) return reject(new Error('no stdout'))
      const lines = createInterface({ input: child.stdout })
      lines.once('line', (line) => {
        clearTimeout(timer)
        child.removeAllListeners('exit')
        lines.close()
        const port = portIn(line)
        if (port !== undefined) resolve(port)
        else reject(new Error(`unexpected first line from ${describe}: ${line}\n${output()}`))
      })
    })
    return { child, port, stderr: output }
  } catch (err) {
    await killChild(child)
    throw err
  }
}

/** Ends `child` with SIGKILL (if it still runs) and resolves once it has exited. */
export const killChild = async (child: ChildProcess): Promise<void> => {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = once(child, 'exit')
  child.kill('SIGKILL')
  await exited
}
