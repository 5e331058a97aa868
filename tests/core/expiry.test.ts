import session from 'express-session'
import * as E from 'fp-ts/Either'
import type { SessionDeps } from '../../src/core/session/liveSession'
import { createDeadlines } from '../../src/core/store/deadlines'
import { isExpired } from '../../src/core/store/expiry'
import { asSessionId } from '../../src/core/cookie/sessionId'
import { loadLiveSession } from '../../src/core/session/turn'
import type { SessionStore, StoredSession } from '../../src/core/store/storePort'

const NOW = Date.parse('2026-06-01T12:00:00.000Z')

describe('isExpired: a stored cookie past its expires', () => {
  it.each<[string, StoredSession, boolean]>([
    ['an ISO string in the past', { cookie: { expires: '2026-06-01T11:59:59.999Z' } }, true],
    ['an ISO string exactly now (express-session: expires <= now)', { cookie: { expires: '2026-06-01T12:00:00.000Z' } }, true],
    ['an ISO string in the future', { cookie: { expires: '2026-06-01T12:00:00.001Z' } }, false],
    ['a Date in the past', { cookie: { expires: new Date(NOW - 1) } }, true],
    ['a Date in the future', { cookie: { expires: new Date(NOW + 60_000) } }, false],
    ['a browser-session cookie (expires null)', { cookie: { expires: null } }, false],
    ['no expires at all', { cookie: {} }, false],
    ['no cookie at all', {}, false],
    ['an expires that does not parse', { cookie: { expires: 'tomorrow' } }, false],
  ])('%s', (_name, stored, expected) => {
    expect(isExpired(stored, NOW)).toBe(expected)
  })
})

describe('loading an expired session', () => {
  // A store that returns what it holds, as stores that purge only by TTL or by a sweep do.
  const keepingStore = (data: StoredSession): SessionStore => ({
    get: (_sid, cb) => cb(null, data),
    set: (_sid, _data, cb) => cb?.(),
    destroy: (_sid, cb) => cb?.(),
  })
  const deps = (store: SessionStore): SessionDeps<StoredSession> => ({
    store,
    deadlines: createDeadlines(1000),
    now: () => NOW,
    decode: (s: StoredSession) => E.right(s),
    trackChanges: false,
  })

  it('is SessionNotFound whatever the store returned', async () => {
    const loaded = await loadLiveSession(deps(keepingStore({ cookie: { expires: '2026-06-01T11:00:00.000Z' }, user: 'ada' })))(asSessionId('sid'))()
    expect(loaded).toEqual(E.left({ _tag: 'SessionNotFound' }))
  })

  it('a session still in date loads', async () => {
    const loaded = await loadLiveSession(deps(keepingStore({ cookie: { expires: '2026-06-01T13:00:00.000Z' }, user: 'ada' })))(asSessionId('sid'))()
    expect(E.isRight(loaded) && loaded.right.session['user']).toBe('ada')
  })
})

describe('reloading an expired session', () => {
  it('fails with SessionNotFound, as loading it does', async () => {
    let clock = NOW
    const store = new session.MemoryStore()
    const port: SessionStore = store
    // MemoryStore purges on its own clock (real time): this session is far from expired for it.
    const data = { cookie: { originalMaxAge: 3_600_000, expires: new Date(Date.now() + 3_600_000).toISOString() }, n: 1 }
    port.set('sid', data)
    const deps: SessionDeps<StoredSession> = {
      store,
      deadlines: createDeadlines(1000),
      now: () => clock,
      decode: (s: StoredSession) => E.right(s),
    }
    clock = Date.now()
    const loaded = await loadLiveSession(deps)(asSessionId('sid'))()
    if (E.isLeft(loaded)) throw new Error('expected a session')
    clock += 2 * 3_600_000
    await expect(loaded.right.session.reload()).rejects.toMatchObject({ code: 'SessionNotFound' })
  })
})
