// Pulls the TSDoc `@example` blocks out of src/, and the fenced code blocks out of README.md and
// docs/*.md, so that tests/package/consumers.test.ts can type-check each one against the packed
// package, as a user would paste it.
import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { join, relative } from 'node:path'

export interface Example {
  /** Where it is written, `src/core/cookie.ts:14`. */
  readonly origin: string
  /**
   * A file name for it: `core-cookie-14.mts`, or `.cjs` for a `require` example; `readme-24.mts`,
   * `docs-handlers-40.mts` for a markdown block (`.cjs` for JavaScript that `require`s, `.cts` for
   * TypeScript's `import x = require(...)`).
   */
  readonly fileName: string
  readonly code: string
  /** It augments a module (`declare module`): checked in a program of its own. */
  readonly augments: boolean
  /**
   * `node`: server code, checked with the package and `fixtures/examples/prelude.d.ts`;
   * `browser`: a page's code, checked with socket.io-client and the DOM's types
   * (`fixtures/browser-examples/prelude.d.ts`).
   */
  readonly runtime: 'node' | 'browser'
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
        runtime: 'node' as const,
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

// A fenced block, possibly indented under a list item: its language, and its lines with the
// fence's indentation taken off.
const FENCE = /^( *)(`{3,}|~{3,})\s*([\w-]*)[^\n]*$/
// The line before a fence may say how its code is checked (an HTML comment: GitHub and TypeDoc
// show nothing of it).
const EXEMPT = /^\s*<!--\s*not type-checked:\s*(\S[\s\S]*?)\s*-->\s*$/
const BROWSER = /^\s*<!--\s*browser\s*-->\s*$/

export interface Fenced {
  /** The line of the opening fence, 1-based. */
  readonly line: number
  readonly lang: string
  readonly code: string
  /** Why it is not checked: the line before the fence is `<!-- not type-checked: reason -->`. */
  readonly exempt: string | undefined
  /** The line before the fence is `<!-- browser -->`: code of a page, not of the server. */
  readonly browser: boolean
}

/** Every fenced block of a markdown text, in order. */
export const fencedBlocks = (text: string): Fenced[] => {
  const lines = text.split('\n')
  const blocks: Fenced[] = []
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i] ?? '')
    if (open === null) continue
    const [, indent = '', fence = '', lang = ''] = open
    const closing = new RegExp(`^ *${fence.charAt(0)}{${fence.length},}\\s*$`)
    const body: string[] = []
    let j = i + 1
    for (; j < lines.length && !closing.test(lines[j] ?? ''); j++) {
      const line = lines[j] ?? ''
      body.push(line.startsWith(indent) ? line.slice(indent.length) : line.trimStart())
    }
    const before = lines[i - 1] ?? ''
    blocks.push({
      line: i + 1,
      lang: lang.toLowerCase(),
      code: body.join('\n'),
      exempt: EXEMPT.exec(before)?.[1],
      browser: BROWSER.test(before),
    })
    i = j
  }
  return blocks
}

const TYPESCRIPT = new Set(['ts', 'typescript'])
const JAVASCRIPT = new Set(['js', 'javascript'])
/** Languages that are not code to type-check: commands, output, configuration of other tools. */
export const NOT_CODE: ReadonlySet<string> = new Set(['sh', 'bash', 'console', 'text', 'nginx'])

/** Where a checked block of a markdown file comes from, and what it is. */
interface Located extends Fenced {
  /** `README.md:24`, `docs/handlers.md:56`: the file and the line of the opening fence. */
  readonly origin: string
}

const blocksOf = (root: string, path: string): Located[] => {
  const where = relative(root, path)
  return fencedBlocks(readFileSync(path, 'utf8')).map((block) => ({ ...block, origin: `${where}:${block.line}` }))
}

/**
 * The code blocks of one markdown file to type-check: every `ts` and `js` block (JavaScript under
 * `checkJs`), but those the line before marks `<!-- not type-checked: reason -->`. A block marked
 * `<!-- browser -->` is page code: checked against socket.io-client with the DOM's types instead
 * of the server's prelude.
 */
export const markdownExamplesIn = (root: string, path: string): Example[] => {
  const base = relative(root, path).replace(/\.md$/i, '').replaceAll('/', '-').toLowerCase()
  return blocksOf(root, path)
    .filter((b) => b.exempt === undefined && (TYPESCRIPT.has(b.lang) || JAVASCRIPT.has(b.lang)))
    .map(({ origin, line, lang, code, browser }) => {
      const requires = /\brequire\(/.test(code)
      const extension = TYPESCRIPT.has(lang) ? (requires ? 'cts' : 'mts') : requires ? 'cjs' : 'mjs'
      return {
        origin,
        fileName: `${base}-${line}.${extension}`,
        code: code.trim(),
        augments: /^declare module /m.test(code),
        runtime: browser ? 'browser' : 'node',
      }
    })
}

/** The markdown files whose code is checked: README.md and docs/*.md. */
export const markdownFiles = (root: string): string[] => [
  join(root, 'README.md'),
  ...(existsSync(join(root, 'docs'))
    ? readdirSync(join(root, 'docs'))
        .filter((name) => name.endsWith('.md'))
        .sort()
        .map((name) => join(root, 'docs', name))
    : []),
]

/** Every checked code block of README.md and docs/*.md, in file order. */
export const markdownExamples = (root: string): Example[] => markdownFiles(root).flatMap((file) => markdownExamplesIn(root, file))

/** The `ts` and `js` blocks of README.md and docs/*.md that are not checked, each with its stated reason. */
export const exemptBlocks = (root: string): Array<{ readonly origin: string; readonly reason: string }> =>
  markdownFiles(root)
    .flatMap((file) => blocksOf(root, file))
    .flatMap(({ origin, exempt }) => (exempt === undefined ? [] : [{ origin, reason: exempt }]))

/**
 * What no rule covers, so that nothing is skipped silently: a block whose language is neither
 * checked (`ts`, `js`) nor {@link NOT_CODE} (no language at all included), and a marker on a block
 * it does not apply to.
 */
export const unaccountedBlocks = (root: string): string[] =>
  markdownFiles(root)
    .flatMap((file) => blocksOf(root, file))
    .flatMap(({ origin, lang, exempt, browser }) => {
      const code = TYPESCRIPT.has(lang) || JAVASCRIPT.has(lang)
      if (!code && !NOT_CODE.has(lang)) return [`${origin}: a \`${lang === '' ? '(no language)' : lang}\` block is neither checked nor known not to be code`]
      if (!code && (exempt !== undefined || browser)) return [`${origin}: a marker on a \`${lang}\` block, which is never checked`]
      if (exempt !== undefined && browser) return [`${origin}: marked both browser and not type-checked`]
      return []
    })
