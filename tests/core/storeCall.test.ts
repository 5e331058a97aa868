import * as E from 'fp-ts/Either'
import { storeFailure, storeTimeout } from '../../src/core/errors/errors'
import { callStore } from '../../src/core/store/storeCall'
import { flush } from './stores'

type Callback = (err?: unknown, value?: number) => void

describe('callStore', () => {
  afterEach(() => {
    jest.useRealTimers()
  })

  it('gives the value of a synchronous callback', async () => {
    expect(await callStore<number>(50, (cb) => cb(null, 42))()).toStrictEqual(E.right(42))
  })

  it('gives the value of a later callback', async () => {
    expect(await callStore<number>(50, (cb) => setImmediate(() => cb(undefined, 7)))()).toStrictEqual(E.right(7))
  })

  it('gives undefined when the store calls back with nothing', async () => {
    expect(await callStore<number>(50, (cb) => cb())()).toStrictEqual(E.right(undefined))
  })

  it('is lazy: the store is called only when the task runs, and again on each run', async () => {
    let calls = 0
    const task = callStore<number>(50, (cb) => {
      calls += 1
      cb(null, calls)
    })
    await flush()
    expect(calls).toBe(0)
    expect(await task()).toStrictEqual(E.right(1))
    expect(await task()).toStrictEqual(E.right(2))
    expect(calls).toBe(2)
  })

  it('turns an error argument into a StoreFailure with that cause', async () => {
    const cause = new Error('ECONNRESET')
    expect(await callStore<number>(50, (cb) => setImmediate(() => cb(cause)))()).toStrictEqual(E.left(storeFailure(cause)))
  })

  it('turns a synchronous throw into a StoreFailure instead of an exception', async () => {
    const cause = new TypeError('store.get is broken')
    const task = callStore<number>(50, () => {
      throw cause
    })
    await expect(task()).resolves.toStrictEqual(E.left(storeFailure(cause)))
  })

  it('turns a rejected promise (a promise-style store) into a StoreFailure', async () => {
    const cause = new Error('redis down')
    expect(await callStore<number>(50, () => Promise.reject(cause))()).toStrictEqual(E.left(storeFailure(cause)))
  })

  it('takes the callback of a store that both calls back and returns a promise', async () => {
    expect(
      await callStore<number>(50, (cb) => {
        cb(null, 3)
        return Promise.resolve('ignored')
      })(),
    ).toStrictEqual(E.right(3))
  })

  it.each([30, 50])('gives StoreTimeout(%i) when the store never calls back', async (ms) => {
    const started = Date.now()
    const result = await callStore<number>(ms, () => undefined)()
    expect(result).toStrictEqual(E.left(storeTimeout(ms)))
    expect(Date.now() - started).toBeGreaterThanOrEqual(ms - 5)
  })

  it('times out exactly at the limit, not before', async () => {
    jest.useFakeTimers()
    let outcome: unknown = 'pending'
    void callStore<number>(1000, () => undefined)().then((r) => (outcome = r))
    await jest.advanceTimersByTimeAsync(999)
    expect(outcome).toBe('pending')
    await jest.advanceTimersByTimeAsync(1)
    expect(outcome).toStrictEqual(E.left(storeTimeout(1000)))
  })

  it('leaves no timer behind once the store answered: the shared one fires once and is not re-armed', async () => {
    jest.useFakeTimers()
    const call = callStore<number>(1000, (cb) => cb(null, 1))
    await call()
    await call()
    expect(jest.getTimerCount()).toBe(1)
    await jest.advanceTimersByTimeAsync(1000)
    expect(jest.getTimerCount()).toBe(0)
  })

  it.each<{ name: string; calls: (cb: Callback) => void; expected: E.Either<unknown, number | undefined> }>([
    {
      name: 'value then error',
      calls: (cb) => {
        cb(null, 1)
        cb(new Error('late'))
      },
      expected: E.right(1),
    },
    {
      name: 'error then value',
      calls: (cb) => {
        cb('first')
        cb(null, 2)
      },
      expected: E.left(storeFailure('first')),
    },
    {
      name: 'value then value',
      calls: (cb) => {
        cb(null, 1)
        setImmediate(() => cb(null, 2))
      },
      expected: E.right(1),
    },
    {
      name: 'value then throw',
      calls: (cb) => {
        cb(null, 1)
        throw new Error('after the callback')
      },
      expected: E.right(1),
    },
  ])('keeps the first outcome when the store answers twice ($name)', async ({ calls, expected }) => {
    expect(await callStore<number>(50, calls)()).toStrictEqual(expected)
    await flush()
  })

  it('ignores a callback that comes after the timeout', async () => {
    let late: Callback | undefined
    const result = await callStore<number>(20, (cb) => {
      late = cb
    })()
    expect(result).toStrictEqual(E.left(storeTimeout(20)))
    expect(() => late?.(null, 1)).not.toThrow()
    expect(() => late?.(new Error('late'))).not.toThrow()
  })

  it('ignores a rejection that comes after the callback', async () => {
    const result = await callStore<number>(50, (cb) => {
      cb(null, 5)
      return Promise.reject(new Error('late rejection'))
    })()
    expect(result).toStrictEqual(E.right(5))
    await flush()
  })
})
