// `npx ts-node --transpile-only bench/instructions.ts ["case" ...]`: machine instructions per event of
// bench/micro.ts's cases (with `ESIO_MICRO_STORE=microtask`), counted by valgrind's callgrind in
// V8's `--predictable` mode (single-threaded, deterministic): on a quiet machine, the same count
// on every run to within a few instructions. Not on a busy one: a count here rose from 24,233 to
// 30,250 while `npm test` ran beside it (the clock still reaches the run, through the event loop
// and the store deadlines, and valgrind stretches it fifty-fold). Compare quiet-machine counts.
//
// Each case runs twice, with N and 2N events (6 runs of N each: a warm-up and 5 timed), and the
// difference divided by the extra events is the count per event, start-up and compilation
// cancelled out. A case is a prefix of micro.ts's case names. A tool for work on the hot path (a
// few minutes per case), not a benchmark of record (that is `npm run bench`). Needs valgrind.
// bench/serverInstructions.ts counts a whole server's event the same way.
import { spawnSync } from 'node:child_process'

const N = 20_000
const named = process.argv.slice(2)
const cases = named.length > 0 ? named : ['hand-written get +', 'turn + async', 'hand-written get (', 'turn + read']

/** Instructions the whole process ran for `events` events of the case. */
const instructions = (name: string, events: number): number => {
  const run = spawnSync(
    'valgrind',
    ['--tool=callgrind', '--callgrind-out-file=/dev/null', '--smc-check=all-non-file', process.execPath, '--predictable', '-r', 'ts-node/register/transpile-only', 'bench/micro.ts', String(events), name],
    { env: { ...process.env, ESIO_MICRO_STORE: 'microtask' }, encoding: 'utf8', maxBuffer: 1 << 24 },
  )
  const collected = /Collected : (\d+)/.exec(run.stderr ?? '')?.[1]
  if (run.status !== 0 || collected === undefined) throw new Error(`valgrind failed for "${name}": ${run.error?.message ?? run.stderr}`)
  return Number(collected)
}

for (const name of cases) {
  const perEvent = (instructions(name, 2 * N) - instructions(name, N)) / (6 * N)
  process.stdout.write(`${name.padEnd(22)} ${perEvent.toFixed(0).padStart(7)} instructions/event\n`)
}
