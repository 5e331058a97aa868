// Waiting in tests: for a time (only to let something that must NOT happen have its chance), or
// until a condition holds (for anything that must happen, however loaded the machine).

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

/**
 * Resolves once `holds()` is true, checking every 5 ms; rejects after `timeoutMs` with `what`.
 * For conditions the test cannot be told of by an event (the library's `stats()`, say).
 */
export const eventually = async (what: string, holds: () => boolean, timeoutMs = 5000): Promise<void> => {
  const until = performance.now() + timeoutMs
  while (!holds()) {
    if (performance.now() > until) throw new Error(`still not true after ${timeoutMs} ms: ${what}`)
    await sleep(5)
  }
}
