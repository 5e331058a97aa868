import session from 'express-session'
import * as t from 'io-ts'
import * as v from 'valibot'
import * as z from 'zod'
import { type AccessFailure, type SessionCodec, sessionAccess } from '../../src'
import { type TestApp, ask, connected, refused, startApp } from '../support/app'

interface Profile {
  readonly user: { readonly name: string }
  count?: number | undefined
}

const codecs: ReadonlyArray<{ readonly library: string; readonly codec: SessionCodec<Profile> }> = [
  { library: 'io-ts', codec: t.type({ user: t.type({ name: t.string }), count: t.union([t.number, t.undefined]) }) },
  { library: 'zod', codec: z.object({ user: z.object({ name: z.string() }), count: z.number().optional() }) },
  { library: 'valibot', codec: v.object({ user: v.object({ name: v.string() }), count: v.optional(v.number()) }) },
]

let app: TestApp | undefined
let failures: AccessFailure[]

/** A real server whose `inc` handler runs with the session decoded by `codec` (`authorize` first, unless told). */
const serve = async <A extends Profile>(codec: SessionCodec<A>, { authorize: checkHandshake = true } = {}): Promise<TestApp> => {
  const started = await startApp()
  app = started
  failures = []
  const { withSession, authorize } = sessionAccess({
    store: started.store,
    secret: started.secret,
    codec,
    onError: (e) => failures.push(e),
  })
  if (checkHandshake) started.io.use(authorize)
  started.io.on('connection', (socket) => {
    socket.on(
      'inc',
      withSession(async (s, ack: (r: unknown) => void) => {
        s.count = (s.count ?? 0) + 1
        await s.save()
        ack({ name: s.user.name.toUpperCase(), count: s.count })
      }),
    )
  })
  return started
}

afterEach(async () => {
  await app?.close()
  app = undefined
})

const onlyFailure = (): AccessFailure => {
  expect(failures).toHaveLength(1)
  const [failure] = failures
  if (failure === undefined) throw new Error('no failure reported')
  return failure
}

describe.each(codecs)('a $library codec', ({ codec }) => {
  it('hands valid data to the handler, typed, and saves it back with the fields the codec does not know', async () => {
    const server = await serve(codec)
    const cookie = await server.login('ada')
    await server.writeSession(cookie, { note: 'kept' })
    const client = await connected(server.connect(cookie))
    expect(await ask(client, 'inc')).toEqual({ name: 'ADA', count: 1 })
    expect(await ask(client, 'inc')).toEqual({ name: 'ADA', count: 2 })
    expect(await server.readSession(cookie)).toMatchObject({ note: 'kept', count: 2, user: { name: 'ada' } })
    expect(failures).toEqual([])
  })

  it('data that fails is InvalidSession with io-ts-style paths, before the handler runs, values never printed', async () => {
    const server = await serve(codec)
    const cookie = await server.login('ada')
    const client = await connected(server.connect(cookie))
    await server.writeSession(cookie, { count: 'seven', user: { name: 42 } })
    expect(await ask(client, 'inc')).toEqual({ error: { code: 'InvalidSession', message: expect.stringContaining('user.name') } })
    const failure = onlyFailure()
    if (failure._tag !== 'InvalidSession') throw new Error(`expected InvalidSession, got ${failure._tag}`)
    expect(failure.errors).toEqual(
      expect.arrayContaining(['user.name: expected string, got number', expect.stringMatching(/^count: expected .*number.*, got string$/)]),
    )
    expect(failure.errors.join(' ')).not.toMatch(/seven|42/)
    expect(await server.readSession(cookie)).toMatchObject({ count: 'seven' })
  })
})

describe('a codec that throws or answers late', () => {
  it.each<{ readonly library: string; readonly codec: SessionCodec<Profile> }>([
    {
      library: 'zod (a refinement that throws: zod rejects its validate Promise)',
      codec: z.object({ user: z.object({ name: z.string() }) }).refine(() => {
        throw new Error('refinement exploded')
      }),
    },
    {
      library: 'valibot (a check that throws inside validate)',
      codec: v.pipe(
        v.object({ user: v.object({ name: v.string() }) }),
        v.check(() => {
          throw new Error('check exploded')
        }),
      ),
    },
    {
      library: 'io-ts (a type whose validate throws)',
      codec: new t.Type<Profile, Profile, unknown>(
        'Exploding',
        (u): u is Profile => false,
        () => {
          throw new Error('decoder exploded')
        },
        (a) => a,
      ),
    },
  ])('$library ends as InvalidSession, with the error as cause, and no crash', async ({ codec }) => {
    const server = await serve(codec, { authorize: false })
    const client = await connected(server.connect(await server.login('ada')))
    expect(await ask(client, 'inc')).toEqual({
      error: { code: 'InvalidSession', message: 'The stored session is invalid: session: the codec threw Error' },
    })
    const failure = onlyFailure()
    expect(failure).toMatchObject({ _tag: 'InvalidSession', cause: expect.any(Error) })
    // The socket is still usable: the next event is answered the same way.
    expect(await ask(client, 'inc')).toMatchObject({ error: { code: 'InvalidSession' } })
  })

  it('a zod 4 schema, which also has a throwing decode method, is used as a Standard Schema', async () => {
    const Zod = z.object({ user: z.object({ name: z.string() }), count: z.number().optional() })
    expect(typeof Zod.decode).toBe('function')
    expect(() => Zod.decode({ user: { name: 42 } } as never)).toThrow()
    const server = await serve(Zod)
    const cookie = await server.login('ada')
    const client = await connected(server.connect(cookie))
    await server.writeSession(cookie, { user: { name: 42 } })
    expect(await ask(client, 'inc')).toMatchObject({ error: { code: 'InvalidSession' } })
    expect(onlyFailure()).toEqual({ _tag: 'InvalidSession', errors: ['user.name: expected string, got number'] })
  })

  it('an async validator (zod with an async refinement) is awaited: valid data passes, invalid is InvalidSession', async () => {
    const known = new Set(['ada'])
    const Async = z
      .object({ user: z.object({ name: z.string() }), count: z.number().optional() })
      .refine(async (s) => known.has(s.user.name), { message: 'unknown user', path: ['user', 'name'] })
    const server = await serve(Async)
    const ada = await connected(server.connect(await server.login('ada')))
    expect(await ask(ada, 'inc')).toEqual({ name: 'ADA', count: 1 })
    // authorize awaits it too: the handshake is refused.
    expect((await refused(server.connect(await server.login('eve')))).message).toBe('InvalidSession')
    expect(onlyFailure()).toEqual({ _tag: 'InvalidSession', errors: ['user.name: unknown user, got string'] })
  })

  it('an async validator applies to session.reload() too', async () => {
    const Async = z.object({ user: z.object({ name: z.string() }), count: z.number().optional() }).refine(async () => true)
    const started = await startApp()
    app = started
    failures = []
    const { withSession, authorize } = sessionAccess({ store: started.store, secret: started.secret, codec: Async, onError: (e) => failures.push(e) })
    started.io.use(authorize)
    started.io.on('connection', (socket) => {
      socket.on(
        'reload',
        withSession(async (s, ack: (r: unknown) => void) => {
          await started.writeSession(cookie, { count: 41 })
          await s.reload()
          ack(s.count)
        }),
      )
    })
    const cookie = await started.login('ada')
    const client = await connected(started.connect(cookie))
    expect(await ask(client, 'reload')).toBe(41)
    expect(failures).toEqual([])
  })
})

describe('the codec option', () => {
  it('refuses anything that is neither an io-ts codec nor a Standard Schema validator, naming the option', () => {
    const config = { store: new session.MemoryStore(), secret: 's', codec: { parse: (u: unknown) => u } }
    expect(() => Reflect.apply(sessionAccess, undefined, [config])).toThrow(
      new TypeError('expression.socket.io: option "codec" must be an io-ts codec or a Standard Schema validator'),
    )
  })
})
