// The package as a user gets it: `npm pack` once, then small consumer projects
// (tests/package/fixtures) type-checked against the unpacked tarball with TypeScript 6 and 5.9,
// and the tarball run through @arethetypeswrong/cli and publint. No network: the tarball is
// unpacked next to symlinks to this repository's node_modules.
import { execFile, execFileSync } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import ts from 'typescript'
import { type Example, exemptBlocks, markdownExamples, sourceExamples, unaccountedBlocks } from './examples'

const root = join(__dirname, '..', '..')
const fixtures = join(__dirname, 'fixtures')
const bin = (pkg: string, path: string): string => join(root, 'node_modules', pkg, path)

// The TypeScript packages the consumers are checked with (tests/package/typescript5 holds 5.9).
const compilers: ReadonlyArray<readonly [string, string]> = [
  ['TypeScript 6', join(root, 'node_modules', 'typescript')],
  ['TypeScript 5.9', join(__dirname, 'typescript5', 'node_modules', 'typescript')],
]
const consumers = ['cjs-require', 'cjs-checkjs', 'esm-node16', 'bundler'] as const
const examples = sourceExamples(root)
// The code blocks of README.md and docs/*.md, checked in the same projects as the TSDoc examples.
const snippets = markdownExamples(root)
const checked = [...examples, ...snippets]

interface Outcome {
  readonly code: number
  readonly output: string
}

const run = (file: string, args: ReadonlyArray<string>, cwd: string): Promise<Outcome> =>
  new Promise((resolve) => {
    execFile(process.execPath, [file, ...args], { cwd, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : 1
      resolve({ code, output: `${stdout}${stderr}`.trim() })
    })
  })

type Job = () => Promise<ReadonlyArray<readonly [string, Outcome]>>

// Two at a time: the machine has two cores, and each job is one process.
const inPairs = async (jobs: ReadonlyArray<Job>): Promise<Map<string, Outcome>> => {
  const results = new Map<string, Outcome>()
  const queue = [...jobs]
  const lane = async (): Promise<void> => {
    for (let job = queue.shift(); job !== undefined; job = queue.shift()) for (const [name, outcome] of await job()) results.set(name, outcome)
  }
  await Promise.all([lane(), lane()])
  return results
}

const single =
  (name: string, file: string, args: ReadonlyArray<string>): Job =>
  async () => [[name, await run(file, args, work)]]

// All projects of one compiler in one process (tests/package/typecheck.cjs): an outcome each,
// named `${project} ${version}`.
const typecheck =
  (version: string, typescript: string, projects: ReadonlyArray<string>): Job =>
  async () => {
    const { code, output } = await run(join(__dirname, 'typecheck.cjs'), [typescript, work, ...projects], work)
    const parsed: unknown = code === 0 ? JSON.parse(output) : undefined
    const texts = new Map(typeof parsed === 'object' && parsed !== null ? Object.entries(parsed) : [])
    return projects.map((project) => {
      const text = texts.get(project)
      return [`${project} ${version}`, typeof text === 'string' ? { code: text === '' ? 0 : 2, output: text } : { code, output }]
    })
  }

let work = ''
let tarball = ''
let unpacked = ''
let results = new Map<string, Outcome>()
let inspected: Inspection = { missing: [], errors: [] }

// What `npm pack` needs (the package, and what its `prepack` build reads), copied so that the
// build does not race tests/package/entries.test.ts over the repository's own dist/.
const staged = ['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md', 'src', 'tsconfig.json', 'tsconfig.build.json']

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'expression.socket.io-consumers-'))
  const stage = join(work, 'stage')
  mkdirSync(stage)
  for (const name of staged) if (existsSync(join(root, name))) cpSync(join(root, name), join(stage, name), { recursive: true })
  symlinkSync(join(root, 'node_modules'), join(stage, 'node_modules'), 'dir')
  execFileSync('npm', ['pack', '--pack-destination', work, '--silent'], { cwd: stage, stdio: 'pipe' })
  const packed = readdirSync(work).find((f) => f.endsWith('.tgz'))
  if (packed === undefined) throw new Error('npm pack wrote no tarball')
  tarball = join(work, packed)

  // work/node_modules: the unpacked tarball, and a link to each of the repository's packages.
  const modules = join(work, 'node_modules')
  unpacked = join(modules, 'expression.socket.io')
  mkdirSync(unpacked, { recursive: true })
  execFileSync('tar', ['-xzf', tarball, '-C', unpacked, '--strip-components=1'])
  for (const name of readdirSync(join(root, 'node_modules')))
    if (!name.startsWith('.') && name !== 'expression.socket.io') symlinkSync(join(root, 'node_modules', name), join(modules, name), 'dir')
  for (const consumer of consumers) cpSync(join(fixtures, consumer), join(work, consumer), { recursive: true })

  // The TSDoc examples and the markdown code blocks: one project for all the server code, and one
  // of its own for each that augments a module (its declarations would leak into the others); one
  // for the browser code (fixtures/browser-examples: socket.io-client and the DOM, no Node).
  const examplesProject = (name: string, chosen: ReadonlyArray<Example>, fixture: string, withSessionData = false): string => {
    const dir = join(work, name)
    cpSync(join(fixtures, fixture), dir, { recursive: true })
    if (!withSessionData) rmSync(join(dir, 'sessionData.d.ts'), { force: true })
    for (const example of chosen) writeFileSync(join(dir, example.fileName), `${example.code}\n`)
    return name
  }
  const server = checked.filter((e) => e.runtime === 'node')
  const exampleProjects = [
    examplesProject('examples', server.filter((e) => !e.augments), 'examples', true),
    ...server.filter((e) => e.augments).map((e) => examplesProject(`examples-${e.fileName}`, [e], 'examples')),
    examplesProject('browser-examples', checked.filter((e) => e.runtime === 'browser'), 'browser-examples'),
  ]
  const checks: Job[] = compilers.map(([version, typescript], i) =>
    typecheck(version, typescript, i === 0 ? [...consumers, ...exampleProjects] : consumers),
  )
  checks.push(single('attw', bin('@arethetypeswrong/cli', 'dist/index.js'), [tarball, '--format', 'ascii']))
  checks.push(single('publint', bin('publint', 'src/cli.js'), ['run', tarball, '--strict']))
  const pending = inPairs(checks)
  inspected = inspectDeclarations(join(unpacked, 'dist'))
  results = await pending
}, 150_000)

afterAll(() => {
  if (work !== '') rmSync(work, { recursive: true, force: true })
})

interface Inspection {
  /** Exports of the ES entry that the `require` declaration does not reach. */
  readonly missing: ReadonlyArray<string>
  /** Type errors in the package's own declaration files (checked as skipLibCheck: false would). */
  readonly errors: ReadonlyArray<string>
}

// The package's declarations, with TypeScript 6's API. Each export of the ES entry must be
// reachable from the `require` declaration: a value as a property of what `require` returns, a
// type as a member of its namespace.
const inspectDeclarations = (dist: string): Inspection => {
  const index = join(dist, 'index.d.ts')
  const cjs = join(dist, 'cjs.d.ts')
  const program = ts.createProgram([index, cjs, join(dist, 'esm.d.mts')], {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    strict: true,
    exactOptionalPropertyTypes: true,
    types: ['node'],
    noEmit: true,
  })
  const own = program.getSourceFiles().filter((file) => file.fileName.startsWith(dist))
  const errors = own
    .flatMap((file) => [...program.getSyntacticDiagnostics(file), ...program.getSemanticDiagnostics(file)])
    .map((d) => `${relative(dist, d.file?.fileName ?? '')}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`)
  if (own.length < 10) errors.push(`only ${own.length} declaration files found in ${dist}`)
  const checker = program.getTypeChecker()
  const moduleOf = (file: string): ts.Symbol => {
    const source = program.getSourceFile(file)
    const symbol = source === undefined ? undefined : checker.getSymbolAtLocation(source)
    if (symbol === undefined) throw new Error(`no module symbol for ${relative(work, file)}`)
    return symbol
  }
  const required = moduleOf(cjs)
  const exported = required.exports?.get(ts.InternalSymbolName.ExportEquals)
  if (exported === undefined) return { missing: ['dist/cjs.d.ts has no `export =`'], errors }
  const constructor = checker.getAliasedSymbol(exported)
  const values = new Set(checker.getPropertiesOfType(checker.getTypeOfSymbol(constructor)).map((s) => s.name))
  const meaning = (s: ts.Symbol): ts.SymbolFlags => (s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s).flags
  const types = new Set(checker.getExportsOfModule(required).filter((s) => meaning(s) & ts.SymbolFlags.Type).map((s) => s.name))
  const missing: string[] = values.size < 20 || types.size < 20 ? [`only ${values.size} values and ${types.size} types found`] : []
  for (const symbol of checker.getExportsOfModule(moduleOf(index))) {
    if (meaning(symbol) & ts.SymbolFlags.Value && !values.has(symbol.name)) missing.push(`value ${symbol.name}`)
    if (meaning(symbol) & ts.SymbolFlags.Type && !types.has(symbol.name))
      missing.push(`type ${symbol.name}: add \`export type ${symbol.name}<...> = api.${symbol.name}<...>\` to src/cjs.ts`)
  }
  return { missing, errors }
}

const outcome = (name: string): Outcome => results.get(name) ?? { code: -1, output: `${name} did not run` }

describe('consumer projects type-check against the packed tarball (strict, exactOptionalPropertyTypes)', () => {
  it.each(consumers.flatMap((consumer) => compilers.map(([version]) => [consumer, version] as const)))('%s with %s', (consumer, version) => {
    expect(outcome(`${consumer} ${version}`)).toEqual({ code: 0, output: '' })
  })
})

// tsc's output, one entry per diagnostic (its first line names the file).
const diagnostics = (output: string): string[] => output.split(/\n(?=\S)/).filter((d) => d.trim() !== '')

const examplesOutcome = (project: string): Outcome => outcome(`${project} ${compilers[0]?.[0] ?? ''}`)
const shared = (): string[] => diagnostics(examplesOutcome('examples').output)
const browser = (): string[] => diagnostics(examplesOutcome('browser-examples').output)

// The diagnostics of one example: its lines in the shared project (the server's or the
// browser's), or its own project's.
const diagnosticsOf = (example: Example): string[] =>
  example.runtime === 'browser'
    ? browser().filter((d) => d.includes(`${example.fileName}(`))
    : example.augments
      ? diagnostics(examplesOutcome(`examples-${example.fileName}`).output)
      : shared().filter((d) => d.includes(`${example.fileName}(`))

describe('TSDoc @example blocks type-check against the package', () => {
  it.each(examples.map((e) => [e.origin, e] as const))('%s', (_origin, example) => {
    expect(diagnosticsOf(example)).toEqual([])
  })

  it('found the examples, and the examples project has no error of its own', () => {
    expect(examples.length).toBeGreaterThan(15)
    expect(shared().filter((d) => !checked.some((e) => d.includes(`${e.fileName}(`)))).toEqual([])
    expect(examplesOutcome('examples').code === 0).toBe(shared().length === 0)
  })
})

// Every ```ts and ```js block (JavaScript under checkJs), one file each named after its origin;
// a block the line before marks `<!-- browser -->` as page code, against socket.io-client; none
// skipped but those marked `<!-- not type-checked: reason -->`, listed below with their reason.
describe('README.md and docs/*.md code blocks type-check against the package', () => {
  it.each(snippets.map((e) => [`${e.origin}${e.runtime === 'browser' ? ' (browser)' : ''}`, e] as const))('%s', (_origin, example) => {
    expect(diagnosticsOf(example)).toEqual([])
  })

  it.each(exemptBlocks(root).map((e) => [e.origin, e.reason] as const))('%s is not type-checked: %s', (_origin, reason) => {
    expect(reason.length).toBeGreaterThan(20)
  })

  it('leaves no block unaccounted for: ts and js are checked or say why not, sh, text and nginx are not code', () => {
    expect(unaccountedBlocks(root)).toEqual([])
  })

  it("found the blocks, the README's among them, and the browser project has no error of its own", () => {
    expect(snippets.length).toBeGreaterThan(20)
    expect(snippets.filter((e) => e.origin.startsWith('README.md:')).length).toBeGreaterThan(1)
    expect(snippets.filter((e) => e.runtime === 'browser').length).toBeGreaterThan(0)
    expect(new Set(checked.map((e) => e.fileName)).size).toBe(checked.length)
    expect(browser().filter((d) => !checked.some((e) => d.includes(`${e.fileName}(`)))).toEqual([])
    expect(examplesOutcome('browser-examples').code === 0).toBe(browser().length === 0)
  })
})

describe("the package's declarations", () => {
  // `require` returns the constructor carrying every named export.
  it('the CommonJS one reaches every value and type that dist/index.d.ts exports', () => {
    expect(inspected.missing).toEqual([])
  })

  it('type-check themselves (strict, exactOptionalPropertyTypes, no skipLibCheck)', () => {
    expect(inspected.errors).toEqual([])
  })
})

describe('the tarball', () => {
  it('passes @arethetypeswrong/cli (node10, node16 from CJS and ESM, bundler)', () => {
    const { code, output } = outcome('attw')
    expect({ code, problems: output.includes('No problems found') }).toEqual({ code: 0, problems: true })
  })

  it('passes publint --strict', () => {
    expect(outcome('publint')).toEqual({ code: 0, output: expect.stringContaining('All good!') })
  })

  it('ships no source map, and no file points at one', () => {
    const files = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)]))
    const shipped = files(unpacked)
    expect(shipped.filter((f) => f.endsWith('.map'))).toEqual([])
    expect(shipped.filter((f) => /\.(m?js|d\.m?ts)$/.test(f) && readFileSync(f, 'utf8').includes('sourceMappingURL'))).toEqual([])
  })

  it('declares runtime dependencies as ^ ranges and no side effects', () => {
    const manifest: unknown = JSON.parse(readFileSync(join(unpacked, 'package.json'), 'utf8'))
    const fields = new Map(typeof manifest === 'object' && manifest !== null ? Object.entries(manifest) : [])
    const dependencies = fields.get('dependencies')
    const ranges = typeof dependencies === 'object' && dependencies !== null ? Object.values(dependencies) : []
    expect(ranges.length).toBeGreaterThan(0)
    for (const range of ranges) expect(range).toMatch(/^\^\d/)
    expect(fields.get('sideEffects')).toBe(false)
  })
})
