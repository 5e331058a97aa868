// One line on stderr when tests are skipped for want of a service (Redis, Chromium). Jest swallows
// `console.*` output of a file whose tests are all skipped, and prints it with a stack frame
// otherwise; a plain stderr write shows in `npm test` output as the one line it is.
import { closeSync, openSync, readdirSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const MARKER = 'esio-skip-notice-'
const STALE_MS = 10 * 60_000

const isStale = (path: string): boolean => {
  try {
    return Date.now() - statSync(path).mtimeMs >= STALE_MS
  } catch {
    return false
  }
}

/**
 * Writes `line` to stderr once per jest run and `topic`, however many test files skip for the
 * same reason: the first file to create the topic's marker file prints. In a worker the run is
 * the parent (jest), in band it is this process. A marker older than ten minutes is left over from
 * an earlier run whose pid was reused.
 */
export const noticeOnce = (topic: string, line: string): void => {
  const runner = process.send === undefined ? process.pid : process.ppid
  const prefix = `${MARKER}${topic}-`
  const marker = join(tmpdir(), `${prefix}${runner}`)
  for (const name of readdirSync(tmpdir()))
    if (name.startsWith(prefix) && isStale(join(tmpdir(), name))) rmSync(join(tmpdir(), name), { force: true })
  try {
    closeSync(openSync(marker, 'wx'))
  } catch {
    return
  }
  process.stderr.write(`${line}\n`)
}
