// `npx ts-node --transpile-only bench/serverInstructions.ts [--inflight K] [--events N] [--warmup W] variant...`:
// machine instructions per event of a whole bench server (bench/server.ts on a MemoryStore:
// Socket.IO, express-session's store, the handler, the library), at steady state, counted by
// valgrind's callgrind in V8's `--predictable` mode. Where bench/instructions.ts counts the turn
// alone, this counts everything an `inc` event costs the server, so that variants compare as the
// timed bench compares them, without its noise.
//
// For each variant, two servers run the same W warm-up cells (4 clients × N events, K in flight
// each), then one of them 1 more cell and the other 3; the difference, divided by the extra
// events, is the count per event, start-up and warm-up cancelled out. V8's optimizing compiler
// is listed apart: it still compiles now and then after the warm-up, at moments that differ from
// run to run, so "without the compiler" is the figure to compare. The garbage collector's share
// is printed too: a full collection that falls inside the measured cells or not moves a figure
// by several thousand instructions, so run a comparison twice. A tool for work on the hot path (about 4 minutes per variant, two processes
// at a time), not a benchmark of record (that is `npm run bench`). Needs valgrind.
// Like bench/instructions.ts, compare counts taken on a quiet machine.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { runCell } from './client'
import { isVariant } from './variants'

const args = process.argv.slice(2)
const option = (name: string, fallback: number): number => {
  const i = args.indexOf(name)
  if (i < 0) return fallback
  const value = Number(args.splice(i, 2)[1])
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} takes a positive integer`)
  return value
}
const inFlight = option('--inflight', 1)
const events = option('--events', 300)
const warmup = option('--warmup', 16)
const clients = 4
const variants = args.length > 0 ? args : ['hand-written', 'ours']
const dir = mkdtempSync(join(tmpdir(), 'esio-server-instructions-'))

const isCompiler = (fn: string): boolean => /compiler::|maglev|turboshaft/i.test(fn)
/** V8's garbage collector (young and full collections, run on the main thread in this mode). */
const isCollector = (fn: string): boolean => /Scaveng|MarkCompact|Sweeper|Marking|Evacuat|heap::|MinorMS|Heap::/.test(fn)

interface Counts {
  readonly total: number
  readonly compiler: number
  readonly collector: number
}

/** Instructions of the run's callgrind output: in all, in V8's optimizing compiler, in its collector. */
const counted = (file: string): Counts => {
  const annotated = spawnSync('callgrind_annotate', ['--threshold=100', '--inclusive=no', file], { encoding: 'utf8', maxBuffer: 1 << 28 })
  if (annotated.status !== 0) throw new Error(`callgrind_annotate failed: ${annotated.stderr}`)
  let total = 0
  let compiler = 0
  let collector = 0
  for (const line of annotated.stdout.split('\n')) {
    const match = /^\s*([\d,]+)\s+\([^)]*\)\s+(.*)$/.exec(line)
    if (match === null) continue
    const ir = Number(match[1]?.replaceAll(',', ''))
    const fn = match[2] ?? ''
    if (fn.startsWith('PROGRAM TOTALS')) total = ir
    else if (isCompiler(fn)) compiler += ir
    else if (isCollector(fn)) collector += ir
  }
  return { total, compiler, collector }
}

const untilReady = (child: ChildProcess): Promise<string> =>
  new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)))
    if (child.stdout === null) return reject(new Error('no stdout'))
    createInterface({ input: child.stdout }).on('line', (line) => {
      const match = /^READY (\d+)$/.exec(line)
      if (match !== null) resolve(`http://127.0.0.1:${match[1]}`)
    })
  })

/** One server under callgrind: warm-up cells, then `cells` more; its counts. */
const run = async (variant: string, cells: number): Promise<Counts> => {
  const file = join(dir, `${variant}.${cells}.out`)
  const child = spawn(
    'valgrind',
    ['--tool=callgrind', `--callgrind-out-file=${file}`, '--dump-instr=no', '--smc-check=all-non-file', process.execPath, '--predictable', '-r', 'ts-node/register/transpile-only', 'bench/server.ts', variant, 'memory', 'esio-instructions:'],
    { stdio: ['pipe', 'pipe', 'ignore'] },
  )
  try {
    const url = await untilReady(child)
    for (let i = 0; i < warmup + cells; i++) {
      const result = await runCell(url, { clients, events, inFlight })
      // Lost updates are not checked: hand-written loses some with K > 1, and a read-only variant writes nothing.
      if (result.errors !== 0) throw new Error(`${variant}: ${result.errors} events answered with an error`)
    }
  } finally {
    const exited = new Promise((resolve) => child.once('exit', resolve))
    child.kill('SIGTERM')
    await exited
  }
  return counted(file)
}

const main = async (): Promise<void> => {
  process.stdout.write(`K=${inFlight}, ${clients} clients × ${events} events per cell, ${warmup} warm-up cells; instructions per event:\n`)
  for (const variant of variants) {
    if (!isVariant(variant)) throw new Error(`unknown variant ${variant}`)
    const [one, three] = await Promise.all([run(variant, 1), run(variant, 3)])
    const extra = 2 * clients * events
    const perEvent = (key: keyof Counts): number => (three[key] - one[key]) / extra
    const all = perEvent('total')
    const compiler = perEvent('compiler')
    const collector = perEvent('collector')
    process.stdout.write(
      `${variant.padEnd(20)} ${(all - compiler).toFixed(0).padStart(8)} without the compiler, of which the collector ${collector.toFixed(0)}  (${all.toFixed(0)} in all)\n`,
    )
  }
}

main()
  .catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`)
    process.exitCode = 1
  })
  .finally(() => rmSync(dir, { recursive: true, force: true }))
