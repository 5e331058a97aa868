import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, rmSync } from 'node:fs'
import { join } from 'node:path'

const root = join(__dirname, '..', '..')

// Node resolves a package's own name through its "exports" from inside it: these run the
// built files exactly as a user's `require` / `import` would.
const run = (args: string[]): string => {
  const out = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8' })
  if (out.status !== 0) throw new Error(out.stderr)
  return out.stdout.trim()
}

beforeAll(() => {
  // From clean, as `npm run build` does: files left by an older layout must not pass for new ones.
  rmSync(join(root, 'dist'), { recursive: true, force: true })
  execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json', '--outDir', 'dist'], {
    cwd: root,
  })
}, 60_000)

describe('the built package', () => {
  it('emits declarations', () => {
    for (const file of ['dist/index.d.ts', 'dist/esm.d.mts', 'dist/core/errors/errors.d.ts', 'dist/adapters/functional/sessionAccess.d.ts'])
      expect(existsSync(join(root, file))).toBe(true)
  })

  it("require('expression.socket.io') is the ExpressionSocket constructor carrying every named export", () => {
    const out = run([
      '-e',
      `const E = require('expression.socket.io');
       console.log(JSON.stringify([typeof E, E.name, typeof E.sessionAccess, typeof E.readSessionCookie, E.readSessionCookie('k')('k=s%3Av')]))`,
    ])
    expect(JSON.parse(out)).toEqual(['function', 'ExpressionSocket', 'function', 'function', { _tag: 'Right', right: 's:v' }])
  })

  it('import gives the named exports and ExpressionSocket as default', () => {
    const out = run([
      '--input-type=module',
      '-e',
      `import ExpressionSocket, { sessionAccess, ExpressionSocket as Named, unsignSessionId } from 'expression.socket.io'
       console.log(JSON.stringify([ExpressionSocket === Named, typeof sessionAccess, unsignSessionId('s')('x')]))`,
    ])
    expect(JSON.parse(out)).toEqual([true, 'function', { _tag: 'Left', left: { _tag: 'UnsignedCookie' } }])
  })

  it('npm pack ships only dist, README, CHANGELOG, LICENSE and package.json', () => {
    const out = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8' })
    const parsed: unknown = JSON.parse(out.stdout)
    const files: string[] = []
    const first: unknown = Array.isArray(parsed) ? parsed[0] : undefined
    if (typeof first === 'object' && first !== null && 'files' in first && Array.isArray(first.files))
      for (const f of first.files) if (typeof f === 'object' && f !== null && 'path' in f) files.push(String(f.path))
    expect(files.length).toBeGreaterThan(10)
    for (const path of files) expect(path).toMatch(/^(dist\/.*\.(js|mjs|d\.ts|d\.mts)|README\.md|CHANGELOG\.md|package\.json|LICENSE)$/)
    expect(files.filter((path) => !path.startsWith('dist/')).sort()).toEqual(['CHANGELOG.md', 'LICENSE', 'README.md', 'package.json'])
  })
})
