/**
 * Runs tasks one after another per key, in the order they were queued; different keys do not
 * wait for each other. An entry exists only while its key has work queued, so idle keys cost
 * nothing.
 * @since 1.0.0
 * @category concurrency
 */
export interface KeyedQueue {
  run<A>(key: string, task: () => Promise<A>): Promise<A>
  /** How many keys have work queued or running. */
  size(): number
}

/**
 * @example
 * import { createKeyedQueue } from 'expression.socket.io'
 * const queue = createKeyedQueue()
 * await Promise.all([queue.run('a', slowTask), queue.run('a', nextTask)]) // nextTask starts after slowTask
 * @category concurrency
 */
export const createKeyedQueue = (): KeyedQueue => {
  const tails = new Map<string, Promise<unknown>>()
  return {
    run(key, task) {
      const previous = tails.get(key)
      // An idle key starts its task at once; a busy one after the last queued task settles.
      const result = previous === undefined ? start(task) : previous.then(task, task)
      const release = (): void => {
        if (tails.get(key) === tail) tails.delete(key)
      }
      const tail: Promise<void> = result.then(release, release)
      tails.set(key, tail)
      return result
    },
    size: () => tails.size,
  }
}

const start = <A>(task: () => Promise<A>): Promise<A> => {
  try {
    return task()
  } catch (err) {
    return Promise.reject(err)
  }
}
