import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import session from 'express-session'
import { expressionSocketOptionNames, sessionAccessOptionNames } from '../../src/adapters/config/knownOptions'
import { sessionAccess, sessionErrorTags } from '../../src'

const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8')

/** A level-2 section of the README, from its heading to the next level-2 heading. */
const section = (heading: string): string => {
  const start = readme.indexOf(`\n${heading}\n`)
  if (start === -1) throw new Error(`the README has no "${heading}" heading`)
  const end = readme.indexOf('\n## ', start + heading.length + 1)
  return readme.slice(start, end === -1 ? undefined : end)
}

/** The first column of the README's option table. */
const documentedOptions = (): string[] => [...section('## Options').matchAll(/^\| `(\w+)`/gm)].map((m) => m[1] ?? '')

/** The tags listed in the README's error table. */
const documentedTags = (): string[] => [...section('## Errors').matchAll(/^\| `(\w+)` \|/gm)].map((m) => m[1] ?? '')

/** The first fenced block after `heading`. */
const firstCodeBlock = (heading: string): string => {
  const section = readme.slice(readme.indexOf(`\n${heading}\n`))
  const match = /```\w*\n([\s\S]*?)```/.exec(section)
  return match?.[1] ?? ''
}

/** Code with comments, whitespace and trailing commas dropped: what prettier may reflow. */
const codeOf = (source: string): string =>
  source
    .split('\n')
    .map((line) => line.replace(/(^|\s)\/\/.*$/, ''))
    .join('')
    .replace(/\s+/g, '')
    .replace(/,([)\]}])/g, '$1')

describe('the README matches the code', () => {
  it('shows a quick start taken from examples/quickstart/functional.ts, which the compiler checks', () => {
    const example = readFileSync(join(__dirname, '..', '..', 'examples', 'quickstart', 'functional.ts'), 'utf8')
    const file = codeOf(example.replace("from '../../src'", "from 'expression.socket.io'"))
    const lines = firstCodeBlock('## Quick start').split('\n').map(codeOf).filter((code) => code !== '')
    expect(lines.length).toBeGreaterThan(15)
    for (const line of lines) expect({ line, inFile: file.includes(line) }).toEqual({ line, inFile: true })
  })

  it('documents exactly the options the code takes', () => {
    // The lists the code refuses unknown options with (each checked by the compiler against the
    // options' types): every option either API takes.
    expect(documentedOptions().sort()).toEqual([...new Set([...sessionAccessOptionNames, ...expressionSocketOptionNames])].sort())
  })

  it('states the defaults the code applies', () => {
    const rows = new Map(
      [...section('## Options').matchAll(/^\| `(\w+)`(?: \(class\))? \| ([^|]+) \|/gm)].map((m) => [m[1] ?? '', (m[2] ?? '').trim()]),
    )
    expect(rows.get('key')).toBe("`'connect.sid'`")
    expect(rows.get('storeTimeoutMs')).toBe('`5000`')
    expect(rows.get('serialize')).toBe('`true`')
    expect(rows.get('autoSave')).toBe('`false`')
    expect(rows.get('rolling')).toBe('`false`')
    expect(rows.get('touchIntervalMs')).toBe('`60000`')
    expect(rows.get('onSessionLost')).toBe("`'keep'`")
    expect(rows.get('commit')).toBe("`'overwrite'`")
  })

  it('lists every error tag, each of which the library can produce', () => {
    expect(documentedTags().sort()).toEqual([...sessionErrorTags, 'HandlerFailure'].sort())
  })

  it('rejects a bad option with a TypeError naming it, as the README says', () => {
    const store = new session.MemoryStore()
    expect(() => sessionAccess({ store, secret: 's', touchIntervalMs: 0 })).toThrow(/"touchIntervalMs"/)
    expect(() => sessionAccess({ store, secret: [] })).toThrow(TypeError)
    // A config the types would refuse, as plain JavaScript callers can pass it.
    expect(() => Reflect.apply(sessionAccess, undefined, [{ store: { get: () => undefined }, secret: 's' }])).toThrow(/"store"/)
  })
})
