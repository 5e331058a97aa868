// Running many async tasks with a bound on how many are in flight at once.

/**
 * Calls `task(0)` … `task(count - 1)`, at most `limit` at a time; resolves with their results in
 * index order, or rejects with the first failure (tasks already started still run to their end).
 */
export const mapLimit = async <T>(count: number, limit: number, task: (i: number) => Promise<T>): Promise<T[]> => {
  const results = new Array<T>(count)
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < count) {
      const i = next++
      results[i] = await task(i)
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, count) }, worker))
  return results
}
