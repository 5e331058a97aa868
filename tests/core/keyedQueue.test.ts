import fc from 'fast-check'
import { createKeyedQueue } from '../../src/core/util/keyedQueue'
import { flush } from './stores'

interface Deferred<A> {
  readonly promise: Promise<A>
  resolve(value: A): void
  reject(err: unknown): void
}

const deferred = <A>(): Deferred<A> => {
  let resolve: (value: A) => void = () => undefined
  let reject: (err: unknown) => void = () => undefined
  const promise = new Promise<A>((res, rej) => {
    resolve = res
    reject = rej
  })
  return { promise, resolve, reject }
}

/** Resolves after `ticks` microtask hops: a delay that does not depend on the clock. */
const hops = async (ticks: number): Promise<void> => {
  for (let i = 0; i < ticks; i += 1) await Promise.resolve()
}

describe('createKeyedQueue', () => {
  it('gives back what each task resolves to', async () => {
    const queue = createKeyedQueue()
    await expect(Promise.all([queue.run('a', async () => 1), queue.run('a', async () => 'two')])).resolves.toStrictEqual([1, 'two'])
  })

  it('does not start a task before the previous one on its key has finished', async () => {
    const queue = createKeyedQueue()
    const log: string[] = []
    const first = deferred<void>()
    const a = queue.run('k', async () => {
      log.push('first:start')
      await first.promise
      log.push('first:end')
    })
    const b = queue.run('k', async () => {
      log.push('second:start')
    })
    await flush()
    expect(log).toStrictEqual(['first:start'])
    first.resolve()
    await Promise.all([a, b])
    expect(log).toStrictEqual(['first:start', 'first:end', 'second:start'])
  })

  it('runs the tasks of one key in the order they were queued, whatever their durations', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.nat({ max: 20 }), { minLength: 1, maxLength: 12 }), async (durations) => {
        const queue = createKeyedQueue()
        const finished: number[] = []
        await Promise.all(
          durations.map((d, i) =>
            queue.run('k', async () => {
              await hops(d)
              finished.push(i)
            }),
          ),
        )
        expect(finished).toStrictEqual(durations.map((_d, i) => i))
      }),
      { numRuns: 100 },
    )
  })

  it('lets different keys run at the same time', async () => {
    const queue = createKeyedQueue()
    const blockA = deferred<void>()
    const log: string[] = []
    const a = queue.run('a', async () => {
      await blockA.promise
      log.push('a')
    })
    await queue.run('b', async () => {
      log.push('b')
    })
    expect(log).toStrictEqual(['b'])
    blockA.resolve()
    await a
    expect(log).toStrictEqual(['b', 'a'])
  })

  it('counts the keys with work and returns to 0 once idle', async () => {
    const queue = createKeyedQueue()
    expect(queue.size()).toBe(0)
    const gateA = deferred<void>()
    const gateB = deferred<void>()
    const runs = [
      queue.run('a', () => gateA.promise),
      queue.run('a', () => gateA.promise),
      queue.run('b', () => gateB.promise),
    ]
    expect(queue.size()).toBe(2)
    gateB.resolve()
    await runs[2]
    await flush()
    expect(queue.size()).toBe(1)
    gateA.resolve()
    await Promise.all(runs)
    await flush()
    expect(queue.size()).toBe(0)
  })

  it('does not let a rejecting task block the next one on its key', async () => {
    const queue = createKeyedQueue()
    const failed = queue.run('k', async () => {
      throw new Error('task failed')
    })
    const next = queue.run('k', async () => 'still runs')
    await expect(failed).rejects.toThrow('task failed')
    await expect(next).resolves.toBe('still runs')
    await flush()
    expect(queue.size()).toBe(0)
  })

  it('turns a task that throws synchronously into a rejection of its own run only', async () => {
    const queue = createKeyedQueue()
    const failed = queue.run('k', () => {
      throw new Error('sync throw')
    })
    const next = queue.run('k', async () => 2)
    await expect(failed).rejects.toThrow('sync throw')
    await expect(next).resolves.toBe(2)
  })

  it('starts a task on an idle key without waiting for another key', async () => {
    const queue = createKeyedQueue()
    const never = deferred<void>()
    void queue.run('stuck', () => never.promise)
    await expect(queue.run('free', async () => 'done')).resolves.toBe('done')
    expect(queue.size()).toBe(1)
    never.resolve()
    await flush()
    expect(queue.size()).toBe(0)
  })

  it('keeps queues separate between queue instances', async () => {
    const one = createKeyedQueue()
    const two = createKeyedQueue()
    const gate = deferred<void>()
    void one.run('k', () => gate.promise)
    await expect(two.run('k', async () => 'not blocked')).resolves.toBe('not blocked')
    gate.resolve()
  })
})
