// Every relative link of README.md and docs/*.md leads somewhere: the file exists, and a `#anchor`
// names a heading of the target (or of the same file), slugged as GitHub slugs it.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'

const root = join(__dirname, '..', '..')
const guides = readdirSync(join(root, 'docs'))
  .filter((name) => name.endsWith('.md'))
  .sort()
  .map((name) => join(root, 'docs', name))
const documents = [join(root, 'README.md'), ...guides]

/** The text outside fenced code blocks: code may hold `#` lines and `[x](y)` that are not markdown. */
const prose = (text: string): string => {
  const kept: string[] = []
  let fence: RegExp | undefined
  for (const line of text.split('\n')) {
    if (fence !== undefined) {
      if (fence.test(line)) fence = undefined
      kept.push('')
      continue
    }
    const open = /^ *(`{3,}|~{3,})/.exec(line)
    if (open?.[1] !== undefined) {
      fence = new RegExp(`^ *${open[1].charAt(0)}{${open[1].length},}\\s*$`)
      kept.push('')
    } else kept.push(line)
  }
  return kept.join('\n')
}

/**
 * GitHub's anchor for a heading (github-slugger): the rendered text lower-cased, every character
 * that is not a letter, digit, `-`, `_` or space dropped, each space turned into `-`.
 */
const slug = (heading: string): string =>
  heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1') // a link's text
    .replace(/<[^>]+>/g, '') // inline HTML
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc}\- ]/gu, '')
    .replace(/ /g, '-')

/** A file's headings by anchor; a repeated heading gets `-1`, `-2`..., as on GitHub. */
const headingsOf = (path: string): Map<string, string> => {
  const headings = new Map<string, string>()
  const seen = new Map<string, number>()
  for (const match of prose(readFileSync(path, 'utf8')).matchAll(/^ {0,3}#{1,6}[ \t]+(.+?)[ \t#]*$/gm)) {
    const heading = match[1] ?? ''
    const base = slug(heading)
    const count = seen.get(base) ?? 0
    seen.set(base, count + 1)
    headings.set(count === 0 ? base : `${base}-${count}`, heading)
  }
  return headings
}

interface Link {
  /** `docs/handlers.md:12` */
  readonly from: string
  readonly target: string
}

/** Markdown links and images, and HTML `href` / `src`, outside code. */
const linksOf = (path: string): Link[] => {
  const text = prose(readFileSync(path, 'utf8')).replace(/`[^`\n]*`/g, (code) => ' '.repeat(code.length))
  const lineAt = (index: number): number => text.slice(0, index).split('\n').length
  const where = relative(root, path)
  return [...text.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)|\b(?:href|src)="([^"]+)"/g)].map((m) => ({
    from: `${where}:${lineAt(m.index)}`,
    target: m[1] ?? m[2] ?? '',
  }))
}

const isRelative = (target: string): boolean => !/^[a-z][a-z0-9+.-]*:/i.test(target) && !target.startsWith('//')

/** What is wrong with one relative link, or `undefined`. */
const problemWith = (path: string, target: string): string | undefined => {
  const hash = target.indexOf('#')
  const file = hash === -1 ? target : target.slice(0, hash)
  const anchor = hash === -1 ? undefined : decodeURIComponent(target.slice(hash + 1))
  const destination = file === '' ? path : resolve(dirname(path), decodeURIComponent(file))
  if (!existsSync(destination)) return `${relative(root, destination)} does not exist`
  if (anchor === undefined) return undefined
  if (statSync(destination).isDirectory() || !destination.endsWith('.md')) return `#${anchor} on a file that is not markdown`
  const heading = headingsOf(destination).get(anchor)
  if (heading === undefined) return `${relative(root, destination)} has no heading #${anchor}`
  // `npm run docs` renders the guides too, and fails on a link from one guide to another whose
  // anchor TypeDoc slugs differently: TypeDoc leaves a heading's code spans out of its anchor and
  // collapses a run of dashes, GitHub does neither.
  const betweenGuides = file !== '' && guides.includes(path) && guides.includes(destination)
  if (betweenGuides && /`|--/.test(heading)) return `TypeDoc gives "${heading}" another anchor than GitHub: link to the guide without one`
  return undefined
}

const relativeLinks = documents.flatMap((path) =>
  linksOf(path)
    .filter((link) => isRelative(link.target))
    .map((link) => ({ ...link, path })),
)

describe('the README and the guides link to what exists', () => {
  it('slugs headings as GitHub does', () => {
    expect(slug('Demo: one session, shared by HTTP and Socket.IO')).toBe('demo-one-session-shared-by-http-and-socketio')
    expect(slug('Coming from express-socket.io-session')).toBe('coming-from-express-socketio-session')
    expect(slug("The seed's API (2012)")).toBe('the-seeds-api-2012')
    // Each space becomes a dash, none collapsed: `bench -- --flood` gives six.
    expect(slug('A flood: `npm run bench -- --flood`')).toBe('a-flood-npm-run-bench------flood')
    expect(slug("`onConflict: 'retry'`: conflicts resolved, not reported")).toBe('onconflict-retry-conflicts-resolved-not-reported')
    expect(slug('Bounded work: `maxQueuedEvents`, `handlerTimeoutMs` and clients that leave')).toBe(
      'bounded-work-maxqueuedevents-handlertimeoutms-and-clients-that-leave',
    )
    expect(slug('Set-up (this repository)')).toBe('set-up-this-repository')
    expect(slug('snake_case [and a link](x.md)')).toBe('snake_case-and-a-link')
  })

  it('found the documents and their links', () => {
    expect(guides.length).toBeGreaterThan(5)
    expect(relativeLinks.length).toBeGreaterThan(50)
    expect(relativeLinks.filter((l) => l.target.includes('#')).length).toBeGreaterThan(20)
  })

  it.each(documents.map((path) => [relative(root, path), path] as const))('%s: every relative link and anchor resolves', (_name, path) => {
    const broken = relativeLinks
      .filter((link) => link.path === path)
      .flatMap((link) => {
        const problem = problemWith(path, link.target)
        return problem === undefined ? [] : [`${link.from} (${link.target}): ${problem}`]
      })
    expect(broken).toEqual([])
  })

  it('the README links every guide under docs/', () => {
    const linked = new Set(
      linksOf(join(root, 'README.md'))
        .filter((link) => isRelative(link.target))
        .map((link) => resolve(root, link.target.split('#')[0] ?? '')),
    )
    expect(guides.filter((guide) => !linked.has(guide)).map((guide) => relative(root, guide))).toEqual([])
  })

  it('each guide has a title and links back to the README', () => {
    for (const guide of guides) {
      const text = readFileSync(guide, 'utf8')
      expect({ guide: relative(root, guide), title: /^# \S/.test(text), back: text.includes('](../README.md') }).toEqual({
        guide: relative(root, guide),
        title: true,
        back: true,
      })
    }
  })
})
