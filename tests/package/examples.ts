// Pulls the TSDoc `@example` blocks out of src/, so that tests/package/consumers.test.ts can
// type-check each one against the packed package, as a user would paste it.
import { readFileSync, readdirSync } from 'node:fs'
import { join, relative } from 'node:path'

export interface Example {
  /** Where it is written, `src/core/cookie.ts:14`. */
  readonly origin: string
  /** A file name for it: `core-cookie-14.mts`, or `.cjs` for a `require` example. */
  readonly fileName: string
  readonly code: string
  /** It augments a module (`declare module`): checked in a program of its own. */
  readonly augments: boolean
}

const DOC_COMMENT = /\/\*\*[\s\S]*?\*\//g

const lineOf = (text: string, index: number): number => text.slice(0, index).split('\n').length

const commentLines = (comment: string): string[] =>
  comment
    .replace(/^\/\*\*/, '')
    .replace(/\*\/$/, '')
    .split('\n')
    .map((line) => line.replace(/^\s*\* ?/, ''))

// TSDoc: an `@example` block runs to the next block tag; a fenced block inside it is the code,
// else the whole block is (TypeDoc renders it the same way).
const blocksIn = (lines: ReadonlyArray<string>): Array<{ readonly offset: number; readonly code: string }> => {
  const blocks: Array<{ readonly offset: number; readonly code: string }> = []
  let current: { offset: number; lines: string[] } | undefined
  const close = (): void => {
    if (current === undefined) return
    const fenced = current.lines.join('\n').match(/```\w*\n([\s\S]*?)```/)
    blocks.push({ offset: current.offset, code: (fenced?.[1] ?? current.lines.join('\n')).trim() })
    current = undefined
  }
  lines.forEach((line, i) => {
    if (/^@\w+/.test(line.trim())) {
      close()
      if (line.trim().startsWith('@example')) current = { offset: i, lines: [] }
    } else current?.lines.push(line)
  })
  close()
  return blocks
}

export const examplesIn = (root: string, path: string): Example[] => {
  const text = readFileSync(path, 'utf8')
  const where = relative(root, path)
  return [...text.matchAll(DOC_COMMENT)].flatMap((match) =>
    blocksIn(commentLines(match[0])).map(({ offset, code }) => {
      const line = lineOf(text, match.index) + offset
      const base = relative(join(root, 'src'), path).replace(/\.m?ts$/, '').replaceAll('/', '-')
      const cjs = /\brequire\(/.test(code)
      return {
        origin: `${where}:${line}`,
        fileName: `${base}-${line}.${cjs ? 'cjs' : 'mts'}`,
        code,
        augments: /^declare module /m.test(code),
      }
    }),
  )
}

const sourceFiles = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sourceFiles(join(dir, entry.name)) : /\.m?ts$/.test(entry.name) ? [join(dir, entry.name)] : [],
  )

/** Every `@example` block under `root/src`, in file order. */
export const sourceExamples = (root: string): Example[] =>
  sourceFiles(join(root, 'src'))
    .sort()
    .flatMap((file) => examplesIn(root, file))
