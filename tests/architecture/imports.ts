// The import graph of src/ (type-only imports included: a cycle of types is still a cycle to a
// reader), read from the sources with a regular expression: enough for this codebase's style.
import { readFileSync, readdirSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'

export const SRC = join(__dirname, '..', '..', 'src')

const sourceFiles = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []))

const IMPORT = /^(?:import|export)\s+(?:type\s+)?(?:[^'"]*?\sfrom\s+)?['"](\.[^'"]+)['"]/gm

/** Each file of src/ (relative, `core/turn.ts`) and the files of src/ it imports. */
export const importGraph = (): Map<string, string[]> => {
  const graph = new Map<string, string[]>()
  for (const file of sourceFiles(SRC)) {
    const text = readFileSync(file, 'utf8')
    const targets = [...text.matchAll(IMPORT)].map((m) => relative(SRC, resolve(dirname(file), `${m[1] ?? ''}.ts`)))
    graph.set(relative(SRC, file), [...new Set(targets)])
  }
  return graph
}

/** Every import cycle, each as the files around it (one rotation per cycle). */
export const cycles = (graph: Map<string, string[]>): string[][] => {
  const found = new Map<string, string[]>()
  const visit = (file: string, path: string[]): void => {
    const at = path.indexOf(file)
    if (at >= 0) {
      const cycle = path.slice(at)
      const key = [...cycle].sort().join(' ')
      if (!found.has(key)) found.set(key, cycle)
      return
    }
    if (path.length > 40) return
    for (const next of graph.get(file) ?? []) visit(next, [...path, file])
  }
  for (const file of graph.keys()) visit(file, [])
  return [...found.values()]
}
