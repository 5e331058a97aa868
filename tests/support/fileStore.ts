import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import session from 'express-session'
import createFileStore from 'session-file-store'

/**
 * A real session-file-store in a new temporary directory, without read retries (its default
 * waits out five on a missing file) and without its reaper timer; `close` removes the directory.
 */
export const openFileStore = async (): Promise<{ store: session.Store; close: () => Promise<void> }> => {
  const path = await mkdtemp(join(tmpdir(), 'esio-file-store-'))
  const FileStore = createFileStore(session)
  const store = new FileStore({ path, retries: 0, reapInterval: -1, logFn: () => undefined })
  return { store, close: () => rm(path, { recursive: true, force: true }) }
}
