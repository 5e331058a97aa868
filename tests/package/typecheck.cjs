// Type-checks several TypeScript projects in one process with one TypeScript, as `tsc --noEmit -p`
// would, parsing each file under node_modules once for all of them (as `tsc -b` does across
// a solution): most of a small project's cost is parsing @types/node and friends.
//
//   node typecheck.cjs <path to a typescript package> <directory> <project>...
//
// Prints a JSON object: project -> tsc's diagnostics text ('' when it type-checks).
'use strict'
const { join } = require('node:path')

const [typescript, cwd, ...projects] = process.argv.slice(2)
if (typescript === undefined || cwd === undefined) throw new Error('usage: typecheck.cjs <typescript> <directory> <project>...')
const ts = require(typescript)

const shared = new Map()
const keyOf = (fileName, languageVersionOrOptions) =>
  typeof languageVersionOrOptions === 'object'
    ? `${fileName}|${languageVersionOrOptions.languageVersion}|${languageVersionOrOptions.impliedNodeFormat}`
    : `${fileName}|${languageVersionOrOptions}`

const formatHost = { getCanonicalFileName: (f) => f, getCurrentDirectory: () => cwd, getNewLine: () => '\n' }

const check = (project) => {
  const parsed = ts.getParsedCommandLineOfConfigFile(join(cwd, project, 'tsconfig.json'), {}, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => {
      throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'))
    },
  })
  if (parsed === undefined) throw new Error(`${project}: no tsconfig.json`)
  const host = ts.createCompilerHost(parsed.options)
  const own = host.getSourceFile.bind(host)
  host.getSourceFile = (fileName, languageVersionOrOptions, onError, shouldCreate) => {
    if (!fileName.includes('/node_modules/')) return own(fileName, languageVersionOrOptions, onError, shouldCreate)
    const key = keyOf(fileName, languageVersionOrOptions)
    const known = shared.get(key)
    if (known !== undefined) return known
    const file = own(fileName, languageVersionOrOptions, onError, shouldCreate)
    if (file !== undefined) shared.set(key, file)
    return file
  }
  const program = ts.createProgram({ rootNames: parsed.fileNames, options: parsed.options, host })
  const diagnostics = [...parsed.errors, ...ts.getPreEmitDiagnostics(program)]
  return ts.formatDiagnostics(diagnostics, formatHost).trim()
}

const results = {}
for (const project of projects) results[project] = check(project)
process.stdout.write(JSON.stringify(results))
