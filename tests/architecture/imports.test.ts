// The folders show the architecture, and imports go one way: no import cycle anywhere in src/
// (type-only imports included), src/core knows nothing of Socket.IO or the adapters, and the
// adapters' folders depend on each other in one direction.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { SRC, cycles, importGraph } from './imports'

const graph = importGraph()

/** The top folder of a file under src/: `core/session`, `adapters/runtime`, or `index.ts`. */
const areaOf = (file: string): string => file.split('/').slice(0, 2).join('/')

describe('the import graph of src/', () => {
  it('has no cycle', () => {
    expect(cycles(graph).map((cycle) => cycle.join(' -> '))).toEqual([])
  })

  it('keeps src/core free of Socket.IO, express-session and the adapters', () => {
    const offending: string[] = []
    for (const [file, targets] of graph) {
      if (!file.startsWith('core/')) continue
      for (const target of targets) if (!target.startsWith('core/')) offending.push(`${file} imports ${target}`)
      // Type-only imports of express-session's types are fine: they leave nothing at run time.
      for (const line of readFileSync(join(SRC, file), 'utf8').split('\n'))
        if (/^import\s(?!type\s).*from '(socket\.io|express-session|express)'/.test(line)) offending.push(`${file}: ${line}`)
    }
    expect(offending).toEqual([])
  })

  // Each adapters folder may use the ones listed after it, never the reverse.
  const layers: Record<string, ReadonlyArray<string>> = {
    'adapters/functional': ['adapters/runtime', 'adapters/config', 'adapters/redis'],
    'adapters/seed': ['adapters/runtime', 'adapters/config', 'adapters/redis'],
    'adapters/runtime': ['adapters/config', 'adapters/redis'],
    'adapters/config': ['adapters/redis'],
    'adapters/redis': [],
  }

  it('has the adapters folders depend on each other in one direction', () => {
    const offending: string[] = []
    for (const [file, targets] of graph) {
      const from = areaOf(file)
      const allowed = layers[from]
      if (allowed === undefined) continue
      for (const target of targets) {
        const to = areaOf(target)
        if (to === from || to.startsWith('core/')) continue
        if (!allowed.includes(to)) offending.push(`${file} (${from}) imports ${target} (${to})`)
      }
    }
    expect(offending).toEqual([])
  })
})
