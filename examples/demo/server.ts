// `npm start`: the demo on PORT (default 3000). Ctrl-C (SIGINT) or SIGTERM stops it cleanly.
import { startDemo } from './app'

const say = (line: string): void => void process.stdout.write(`${line}\n`)
const complain = (line: string): void => void process.stderr.write(`${line}\n`)

const parsePort = (raw: string | undefined): number | undefined => {
  if (raw === undefined || raw === '') return 3000
  const port = Number(raw)
  return Number.isInteger(port) && port >= 0 && port <= 65535 ? port : undefined
}

const main = async (): Promise<void> => {
  const port = parsePort(process.env['PORT'])
  if (port === undefined) {
    complain(`PORT must be a port number (0-65535), got "${process.env['PORT']}"`)
    process.exitCode = 1
    return
  }
  const secret = process.env['SESSION_SECRET']
  const demo = await startDemo({ port, ...(secret === undefined ? {} : { secret }), log: say })
  say('expression.socket.io demo: Express + express-session (MemoryStore) + Socket.IO, one session')
  say(`  open ${demo.url} in your browser`)
  say('  Ctrl-C to stop')
  say('')

  let stopping = false
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) {
      complain(`${signal} again: exiting now`)
      process.exit(1)
    }
    stopping = true
    say(`\n${signal}: closing sockets and the HTTP server…`)
    demo.close().then(
      () => {
        say('demo stopped')
        process.exitCode = 0
        // Nothing should be left open; if something is, do not hang the terminal.
        setTimeout(() => {
          complain('something kept the process alive after close: exiting')
          process.exit(0)
        }, 2000).unref()
      },
      (err: unknown) => {
        complain(`could not close cleanly: ${String(err)}`)
        process.exit(1)
      },
    )
  }
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
}

main().catch((err: unknown) => {
  const code = typeof err === 'object' && err !== null && 'code' in err ? err.code : undefined
  if (code === 'EADDRINUSE') complain(`port ${process.env['PORT'] ?? 3000} is already in use: try PORT=3001 npm start`)
  else complain(`the demo failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`)
  process.exitCode = 1
})
