import * as E from 'fp-ts/Either'
import * as t from 'io-ts'
import { decodeSessionData } from '../../src/core/data/decode'
import { sessionNotFound } from '../../src/core/errors/errors'
import { createDeadlines } from '../../src/core/store/deadlines'
import { type LogChannel, type SessionLog, logOutcome } from '../../src/core/session/logPort'
import { asSessionId } from '../../src/core/cookie/sessionId'
import type { SessionStore } from '../../src/core/store/storePort'
import { runTurn } from '../../src/core/session/turn'
import { memoryStore, storedCookie, writeStored } from './stores'

const sid = asSessionId('sid-log')

/** A channel recording its lines; `enabled` can be switched. */
const channel = (enabled: boolean): LogChannel & { lines: string[]; enabled: boolean } => {
  const lines: string[] = []
  return Object.assign((format: string, ...args: unknown[]) => void lines.push([format, ...args].join(' ')), { lines, enabled })
}

const portWith = (enabled: boolean) => {
  const tags: string[] = []
  const log = { load: channel(enabled), save: channel(enabled), revalidate: channel(enabled) }
  const port: SessionLog = {
    ...log,
    tag: (id) => {
      tags.push(id)
      return 'TAG'
    },
  }
  return { port, log, tags }
}

const turnWith = (store: SessionStore, log: SessionLog) =>
  runTurn({
    store,
    deadlines: createDeadlines(100),
    now: Date.now,
    decode: decodeSessionData(t.partial({ count: t.number })),
    autoSave: false,
    touchDue: () => false,
    touched: () => undefined,
    log,
  })

describe('the core writes its steps through the SessionLog port it is given', () => {
  it('enabled: load, save, reload, revalidate and destroy, with the tag in place of the id', async () => {
    const store = memoryStore()
    await writeStored(store, sid, { count: 1, cookie: storedCookie(Date.now()) })
    const { port, log } = portWith(true)
    const result = await turnWith(store, port)(sid, async (loaded) => {
      if (E.isLeft(loaded)) throw new Error('no session')
      await loaded.right.save()
      await new Promise((r) => setTimeout(r, 1))
      await loaded.right.save()
      await loaded.right.reload()
      await loaded.right.destroy()
    })
    expect(result).toEqual({ loadError: undefined, failure: undefined })
    expect(log.load.lines).toEqual(['%s %s ok load TAG', '%s %s ok reload TAG'])
    expect(log.save.lines).toEqual(['%s %s ok save TAG', '%s %s ok save TAG', '%s %s ok destroy TAG'])
    // The first save ran in the load's own tick: no read was needed. The second one checked.
    expect(log.revalidate.lines).toEqual(['%s %s ok exists TAG'])
    expect(JSON.stringify(log)).not.toContain('sid-log')
  })

  it('a failure is written with its tag', () => {
    const lines = channel(true)
    logOutcome(lines, 'load', 'TAG', sessionNotFound)
    expect(lines.lines).toEqual(['%s %s failed: %s load TAG SessionNotFound'])
  })

  it('disabled: no line and no tag computed, the port is only asked whether it is enabled', async () => {
    const store = memoryStore()
    await writeStored(store, sid, { count: 1, cookie: storedCookie(Date.now()) })
    const { port, log, tags } = portWith(false)
    await turnWith(store, port)(sid, async (loaded) => {
      if (E.isRight(loaded)) {
        await new Promise((r) => setTimeout(r, 1))
        await loaded.right.save()
      }
    })
    expect([...log.load.lines, ...log.save.lines, ...log.revalidate.lines]).toEqual([])
    expect(tags).toEqual([])
  })
})
