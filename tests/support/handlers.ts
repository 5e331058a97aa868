import type { Socket as ClientSocket } from 'socket.io-client'
import type { DefaultSessionData, SessionAccess, SocketListener } from '../../src'

type Access = Pick<SessionAccess<DefaultSessionData>, 'withSession'>

/** `inc`: count++ then an awaited save, acked with the new count. */
export const incrementHandler = (access: Access): SocketListener<[ack: (count: number) => void]> =>
  access.withSession(async (s, ack: (count: number) => void) => {
    s.count = (s.count ?? 0) + 1
    await s.save()
    ack(s.count)
  })

/** `note`: stores the text in the session and acks it once saved. */
export const noteHandler = (access: Access): SocketListener<[note: string, ack: (saved: string) => void]> =>
  access.withSession(async (s, note: string, ack: (saved: string) => void) => {
    s.note = note
    await s.save()
    ack(note)
  })

/** `whoami`: acks the session's user name. */
export const whoamiHandler = (access: Access): SocketListener<[ack: (name: string | undefined) => void]> =>
  access.withSession((s, ack: (name: string | undefined) => void) => ack(s.user?.name))

/** Resolves with `[session_lost payload, disconnect reason]` when the client is disconnected. */
export const lostAndDisconnected = (socket: ClientSocket): Promise<unknown[]> =>
  new Promise((resolve) => {
    let lost: unknown
    socket.on('session_lost', (payload: unknown) => (lost = payload))
    socket.on('disconnect', (reason) => resolve([lost, reason]))
  })
