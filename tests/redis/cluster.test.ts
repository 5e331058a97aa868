// Two independent nodes (child processes, each http + express + express-session + Socket.IO)
// sharing connect-redis on the real Redis and joined by @socket.io/redis-adapter.
import type { Socket as ClientSocket } from 'socket.io-client'
import { ask, connected } from '../support/app'
import { CHILD_SETUP_TIMEOUT_MS } from '../support/childServer'
import { type ClusterNode, startTwoNodes } from '../support/cluster/nodes'
import { REDIS_URL, RUN_PREFIX, connectRedis, deleteKeys, describeWith, probeRedis } from '../support/redis'
import { lostAndDisconnected } from '../support/handlers'

const describeRedis = describeWith(probeRedis())
const PREFIX = `${RUN_PREFIX}cluster:`

/** Every `news` message a client receives, in order. */
const inbox = (socket: ClientSocket): string[] => {
  const received: string[] = []
  socket.on('news', (message: string) => received.push(message))
  return received
}

const until = async (condition: () => boolean, what: string, ms = 3000): Promise<void> => {
  const deadline = Date.now() + ms
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}

describeRedis(`two nodes on ${REDIS_URL} (connect-redis + @socket.io/redis-adapter)`, () => {
  let node1: ClusterNode
  let node2: ClusterNode

  beforeAll(async () => {
    const env = { REDIS_URL, ESIO_PREFIX: PREFIX, ESIO_SECRET: 'shared cluster secret' }
    ;[node1, node2] = await startTwoNodes(env)
  }, CHILD_SETUP_TIMEOUT_MS)

  afterAll(async () => {
    await Promise.all([node1?.stop(), node2?.stop()])
    const { client } = await connectRedis()
    await deleteKeys(client, RUN_PREFIX)
    client.destroy()
  })

  it('a save on node 1 is seen by a socket of the same session on node 2 on its very next event, and back', async () => {
    const cookie = await node1.login('ada')
    const [on1, on2] = await Promise.all([connected(node1.connect(cookie)), connected(node2.connect(cookie))])
    expect(await ask(on1, 'note', 'written on node 1')).toBe('written on node 1')
    expect(await ask(on2, 'read')).toEqual({ user: 'ada', note: 'written on node 1' })
    expect(await ask(on2, 'inc')).toBe(1)
    expect(await ask(on1, 'read')).toEqual({ user: 'ada', note: 'written on node 1', count: 1 })
    // The seed API on node 2 reads the same store.
    const seed = await connected(node2.connect(cookie, '/seed'))
    expect(await ask(seed, 'read')).toEqual({ user: 'ada', note: 'written on node 1' })
  })

  it('HTTP on either node sees socket writes, and sockets on either node see HTTP writes', async () => {
    const cookie = await node2.login('grace')
    const [on1, on2] = await Promise.all([connected(node1.connect(cookie)), connected(node2.connect(cookie, '/ns'))])
    await ask(on1, 'note', 'socket on node 1')
    expect(await node2.readSession(cookie)).toEqual({ user: { name: 'grace' }, note: 'socket on node 1' })
    await ask(on2, 'note', 'socket on node 2')
    expect(await node1.readSession(cookie)).toEqual({ user: { name: 'grace' }, note: 'socket on node 2' })
    await node1.writeSession(cookie, { user: { name: 'grace hopper' } })
    expect(await ask(on2, 'read')).toEqual({ user: 'grace hopper', note: 'socket on node 2' })
  })

  it('broadcasts from node 1 (io.of(ns).emit, expressionIO.sockets.emit, expressionIO.of(ns).emit) reach clients on node 2', async () => {
    const cookie = await node1.login('listener')
    const [root2, ns2, root1] = await Promise.all([
      connected(node2.connect(cookie)),
      connected(node2.connect(cookie, '/ns')),
      connected(node1.connect(cookie)),
    ])
    const [rootNews2, nsNews2, rootNews1] = [inbox(root2), inbox(ns2), inbox(root1)]
    await node1.broadcast('io', '/', 'io root')
    await node1.broadcast('seed', '/ns', 'seed ns')
    await node1.broadcast('io', '/ns', 'io ns')
    await node1.broadcast('seed', '/', 'seed sockets')
    // One Redis connection carries them in order: once the last has arrived, a leak of the
    // `/ns` ones into `/` would have arrived too.
    await until(() => rootNews2.includes('seed sockets') && rootNews1.includes('seed sockets') && nsNews2.length === 2, 'the broadcasts')
    expect(rootNews2).toEqual(['io root', 'seed sockets'])
    expect(nsNews2).toEqual(['seed ns', 'io ns'])
    expect(rootNews1).toEqual(['io root', 'seed sockets'])
  })

  it('an HTTP logout on node 1 disconnects the session’s sockets on node 2 (every namespace), with session_lost first', async () => {
    const cookie = await node1.login('leaving')
    const stays = await node2.login('staying')
    const bystander = await connected(node2.connect(stays))
    const sockets = await Promise.all([
      connected(node2.connect(cookie)),
      connected(node2.connect(cookie, '/ns')),
      connected(node1.connect(cookie)),
    ])
    const outcomes = sockets.map(lostAndDisconnected)
    await node1.logout(cookie)
    for (const outcome of await Promise.all(outcomes))
      expect(outcome).toEqual([{ code: 'SessionNotFound', message: expect.any(String) }, 'io server disconnect'])
    expect(bystander.connected).toBe(true)
    expect(await ask(bystander, 'read')).toEqual({ user: 'staying' })
    expect(await node2.readSession(cookie)).toBeNull()
  })

  it('per-session serialization is per process: concurrent read-modify-write turns on two nodes can lose an update', async () => {
    const cookie = await node1.login('racer')
    const [a1, b1, on2] = await Promise.all([connected(node1.connect(cookie)), connected(node1.connect(cookie)), connected(node2.connect(cookie))])
    // Same node: the second turn waits for the first, nothing is lost.
    expect(await Promise.all([ask(a1, 'slowInc', 150), ask(b1, 'slowInc', 150)])).toEqual([1, 2])
    // Two nodes: both turns load count 2 before either saves; the last save wins.
    expect(await Promise.all([ask(a1, 'slowInc', 150), ask(on2, 'slowInc', 150)])).toEqual([3, 3])
    expect(await node2.readSession(cookie)).toMatchObject({ count: 3 })
  })
})
