// The hostile events sent to tests/support/hostile/server.ts, and what each must be answered with.
// Shared by the MemoryStore and the connect-redis runs of the process test.
import type { Socket as ClientSocket } from 'socket.io-client'
import { ask } from '../app'
import type { HostileServer } from './spawn'

const codeOf = (answer: unknown): unknown =>
  typeof answer === 'object' && answer !== null && 'error' in answer && typeof answer.error === 'object' && answer.error !== null && 'code' in answer.error
    ? answer.error.code
    : answer

/** Each event, and the answer (or error code) the client must get: every ack answered, once. */
export const HOSTILE_EVENTS: ReadonlyArray<readonly [event: string, expected: unknown]> = [
  ['autoCircularAsync', 'UnserializableSession'],
  ['autoCircularSync', 'UnserializableSession'],
  ['autoBigInt', 'UnserializableSession'],
  ['explicitCircular', 'UnserializableSession'],
  // Its save, not awaited, was refused before the handler acked (nothing was in flight): the
  // handler's own answer stands, and onError is told of the refusal.
  ['explicitCircularNoAwait', 'sent'],
  ['ackCircular', 'HandlerFailure'],
  ['ackCircularAuto', 'HandlerFailure'],
  ['ackBigInt', 'HandlerFailure'],
  ['thenable', 'HandlerFailure'],
  ['throw', 'HandlerFailure'],
  ['hang', 'HandlerTimeout'],
  ['hangErrorFirst', 'HandlerTimeout'],
  ['codec', 'InvalidSession'],
  ['reloadCircular', 'reloaded'],
]

/** Sends every hostile event on `socket`, in order; returns what came back, by event. */
export const sendHostileEvents = async (socket: ClientSocket): Promise<Array<readonly [string, unknown]>> => {
  const got: Array<readonly [string, unknown]> = []
  for (const [event] of HOSTILE_EVENTS) got.push([event, codeOf(await ask(socket, event))])
  return got
}

/** A stored `__proto__` key, then an autoSave read-only event and an increment. */
export const protoScenario = async (server: HostileServer, cookie: string, socket: ClientSocket): Promise<unknown[]> => {
  await server.post('/raw', cookie, { json: '{"__proto__":{"isAdmin":true},"user":{"name":"ada"},"count":1}' })
  return [await ask(socket, 'autoRead'), await ask(socket, 'inc')]
}

/**
 * The whole check of a process test, on a server from `startHostileServer`: every hostile event
 * answered once with its tag, the stored `__proto__` scenario, then the process still running,
 * answering, and with nothing uncaught on its stderr.
 */
export const expectToSurvive = async (server: HostileServer): Promise<void> => {
  const cookie = await server.login()
  const socket = await server.connect(cookie)
  expect(await sendHostileEvents(socket)).toEqual(HOSTILE_EVENTS)
  expect(await protoScenario(server, cookie, socket)).toEqual([{ count: 1 }, 2])
  expect(await ask(socket, 'ping')).toBe('pong')
  expect(server.exit()).toBeNull()
  expect(server.stderr()).not.toMatch(/Uncaught|Unhandled|TypeError|RangeError/)
}
