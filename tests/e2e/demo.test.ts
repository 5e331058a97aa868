// The `npm start` demo in a real headless Chromium: HTTP and the socket share one live session.
import { existsSync, mkdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type Browser, type BrowserContext, type Page, chromium } from 'playwright-core'
import { type Demo, startDemo } from '../../examples/demo/app'
import { noticeOnce } from '../support/skipNotice'

const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium'
// The README's screenshots are refreshed only on request (UPDATE_SCREENSHOTS=1); otherwise they go
// to a scratch folder, so a test run never changes the working tree.
const SCREENSHOTS =
  process.env['UPDATE_SCREENSHOTS'] === '1' ? join(__dirname, '..', '..', 'docs') : join(tmpdir(), 'expression.socket.io-screenshots')
const hasChromium = existsSync(CHROMIUM)
// Under CI the browser test must run (.ci/run installs chromium); elsewhere it may be skipped.
const mustRun = process.env['CI'] === 'true'
if (!hasChromium && !mustRun)
  noticeOnce('chromium', `${CHROMIUM} not found: skipping the demo browser test (apt-get install chromium to run it; CI=true makes this fail)`)
const describeInBrowser = hasChromium || mustRun ? describe : describe.skip

const WAIT = { timeout: 5000 }

let browser: Browser | undefined
let demo: Demo | undefined
const contexts: BrowserContext[] = []
const pageErrors: string[] = []

const newContext = async (): Promise<BrowserContext> => {
  if (browser === undefined) throw new Error('no browser')
  const context = await browser.newContext({ viewport: { width: 820, height: 700 }, deviceScaleFactor: 2 })
  contexts.push(context)
  return context
}

/** A page that records its script errors and console errors (CSP violations, failed loads). */
const openPage = async (context: BrowserContext): Promise<Page> => {
  const page = await context.newPage()
  page.on('pageerror', (e) => pageErrors.push(`pageerror: ${e.message}`))
  page.on('console', (m) => {
    if (m.type() === 'error') pageErrors.push(`console: ${m.text()}`)
  })
  if (demo === undefined) throw new Error('no demo')
  await page.goto(demo.url)
  return page
}

const logIn = async (page: Page, name: string): Promise<void> => {
  await page.locator('#name').fill(name)
  await page.locator('#login-button').click()
  await page.locator('#user-name').waitFor(WAIT)
}

const screenshot = async (page: Page, name: string): Promise<void> => {
  mkdirSync(SCREENSHOTS, { recursive: true })
  await page.screenshot({ path: join(SCREENSHOTS, name) })
}

const text = async (page: Page, selector: string): Promise<string> => (await page.locator(selector).textContent(WAIT)) ?? ''

/** Waits until the socket panel reports `state` and the socket's count reads `count`. */
const panelShows = async (page: Page, state: string, count?: number): Promise<void> => {
  await page.locator(`#panel[data-state="${state}"]`).waitFor(WAIT)
  if (count !== undefined) await page.locator('#socket-count').filter({ hasText: new RegExp(`^${count}$`) }).waitFor(WAIT)
}

describeInBrowser('demo app in headless Chromium', () => {
  beforeAll(async () => {
    if (!hasChromium) throw new Error(`CI=true: the browser test must run, but ${CHROMIUM} is missing`)
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    })
    demo = await startDemo({ port: 0, host: '127.0.0.1' })
  })

  afterEach(async () => {
    for (const context of contexts.splice(0)) await context.close()
    const errors = pageErrors.splice(0)
    expect(errors).toEqual([])
  })

  afterAll(async () => {
    await browser?.close()
    await demo?.close()
  })

  it('one session for HTTP and socket: the count saved over the socket is rendered on reload and reaches a second tab', async () => {
    const context = await newContext()
    const first = await openPage(context)
    await logIn(first, 'Ada Lovelace')
    await panelShows(first, 'connected', 0)
    expect(await text(first, '#status')).toContain('Connected as Ada Lovelace')

    // Increments over the socket, each saved to the store.
    for (let i = 0; i < 3; i += 1) await first.locator('#inc').click()
    await panelShows(first, 'connected', 3)

    // A plain reload: HTTP renders the count the socket saved, and the new socket reads the same.
    await first.reload()
    expect(await text(first, '#http-count')).toBe('3')
    await panelShows(first, 'connected', 3)

    // A second tab of the same session sees a count changed elsewhere on its next event.
    const second = await openPage(context)
    expect(await text(second, '#http-count')).toBe('3')
    await panelShows(second, 'connected', 3)
    await first.locator('#inc').click()
    await panelShows(first, 'connected', 4)
    expect(await text(second, '#socket-count')).toBe('3')
    await second.locator('#whoami').click()
    await panelShows(second, 'connected', 4)
  })

  it('a logout in one tab ends the session in the other at once, and a login in one tab reconnects the other', async () => {
    const context = await newContext()
    const first = await openPage(context)
    await logIn(first, 'Ada Lovelace')
    for (let i = 0; i < 4; i += 1) await first.locator('#inc').click()
    await panelShows(first, 'connected', 4)
    const second = await openPage(context)
    await panelShows(second, 'connected', 4)
    await first.locator('#log li').nth(5).waitFor(WAIT)
    await screenshot(first, 'demo-before-logout.png')

    // Logout over HTTP in the second tab: the route's disconnectSession reaches the first tab's
    // socket, which turns to "Session ended" without being clicked.
    await second.locator('#logout').click()
    await second.locator('#login').waitFor(WAIT)
    await panelShows(first, 'lost')
    expect(await text(first, '#status')).toContain('Session ended (SessionNotFound)')
    await first.locator('#log li', { hasText: 'socket disconnected (io server disconnect)' }).waitFor(WAIT)
    expect(await first.locator('#inc').isDisabled()).toBe(true)
    expect(await text(first, '#socket-count')).toBe('4')
    await screenshot(first, 'demo-after-logout.png')

    // A third tab opened now gets the login form: the session is gone for HTTP too.
    const third = await openPage(context)
    await third.locator('#login').waitFor(WAIT)

    // A login in the second tab: the first tab's socket reconnects with the new session's cookie,
    // and the third tab, on the login form, shows the logged-in page.
    await logIn(second, 'Grace Hopper')
    await panelShows(first, 'connected', 0)
    expect(await text(first, '#status')).toContain('Connected as Grace Hopper')
    expect(await text(first, '#user-name')).toBe('Grace Hopper')
    await third.locator('#app').waitFor(WAIT)
    expect(await text(third, '#user-name')).toBe('Grace Hopper')

    // The reconnected socket works on the new session, which HTTP then renders.
    await first.locator('#inc').click()
    await panelShows(first, 'connected', 1)
    await third.reload()
    expect(await text(third, '#http-count')).toBe('1')
  })

  it('a name with HTML in it is rendered as text, by the server and by the client script', async () => {
    const name = '<img src=x onerror=alert(1)>Eve & "Co"' // within the form's 40 characters
    const page = await openPage(await newContext())
    await logIn(page, name)
    expect(await text(page, '#user-name')).toBe(name)
    expect(await page.locator('#user-name img').count()).toBe(0)
    await panelShows(page, 'connected', 0)
    expect(await text(page, '#status')).toContain(`Connected as ${name}`)
    expect(await page.locator('#log img').count()).toBe(0)
  })
})
