// Any unhandled rejection or uncaught exception during a test file fails that file: the library
// promises that nothing it does escapes into the process.
const seen: unknown[] = []
const record = (err: unknown): void => {
  seen.push(err)
}

beforeAll(() => {
  process.on('unhandledRejection', record)
  process.on('uncaughtException', record)
})

afterEach(() => {
  const escaped = seen.splice(0)
  if (escaped.length > 0) throw new Error(`Unhandled rejection or exception during the test: ${String(escaped[0])}`)
})

afterAll(() => {
  process.off('unhandledRejection', record)
  process.off('uncaughtException', record)
})
