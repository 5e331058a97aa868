import { createDeadlines } from '../../src/core/store/deadlines'

describe('createDeadlines: one timer for every pending deadline', () => {
  afterEach(() => jest.useRealTimers())

  it('expires each deadline exactly timeoutMs after it started, in start order', async () => {
    jest.useFakeTimers()
    const deadlines = createDeadlines(100)
    const expired: string[] = []
    deadlines.start(() => expired.push('a'))
    await jest.advanceTimersByTimeAsync(30)
    deadlines.start(() => expired.push('b'))
    await jest.advanceTimersByTimeAsync(69)
    expect(expired).toStrictEqual([])
    await jest.advanceTimersByTimeAsync(1)
    expect(expired).toStrictEqual(['a'])
    await jest.advanceTimersByTimeAsync(29)
    expect(expired).toStrictEqual(['a'])
    await jest.advanceTimersByTimeAsync(1)
    expect(expired).toStrictEqual(['a', 'b'])
    expect(deadlines.pending()).toBe(0)
  })

  it('never runs a cancelled deadline, wherever it sits in the list', async () => {
    jest.useFakeTimers()
    const deadlines = createDeadlines(50)
    const expired: number[] = []
    const started = [0, 1, 2, 3, 4].map((i) => deadlines.start(() => expired.push(i)))
    started[0]?.cancel()
    started[2]?.cancel()
    started[4]?.cancel()
    started[4]?.cancel() // twice: nothing more happens
    expect(deadlines.pending()).toBe(2)
    await jest.advanceTimersByTimeAsync(50)
    expect(expired).toStrictEqual([1, 3])
    started[1]?.cancel() // after expiry: nothing happens
    expect(deadlines.pending()).toBe(0)
  })

  it('creates one timer per timeout period however many deadlines start and stop', async () => {
    jest.useFakeTimers()
    const deadlines = createDeadlines(1000)
    const created = jest.spyOn(globalThis, 'setTimeout')
    for (let i = 0; i < 500; i++) deadlines.start(() => undefined).cancel()
    expect(created).toHaveBeenCalledTimes(1)
    await jest.advanceTimersByTimeAsync(1000)
    expect(jest.getTimerCount()).toBe(0)
    deadlines.start(() => undefined)
    expect(created).toHaveBeenCalledTimes(2)
    created.mockRestore()
  })

  it('re-arms for the next pending deadline after expiring the due ones', async () => {
    jest.useFakeTimers()
    const deadlines = createDeadlines(100)
    const expired: string[] = []
    deadlines.start(() => expired.push('early')).cancel()
    await jest.advanceTimersByTimeAsync(60)
    deadlines.start(() => expired.push('late'))
    await jest.advanceTimersByTimeAsync(40) // the timer armed for the cancelled one fires: nothing due
    expect(expired).toStrictEqual([])
    await jest.advanceTimersByTimeAsync(60)
    expect(expired).toStrictEqual(['late'])
  })
})
