// The built docs site as a reader meets it: served under a subpath, the way a project site is
// hosted (https://owner.github.io/sls-webtrack/), and walked link by link in Chromium. Starting
// at the index, every internal link of every page is followed, once; any 404, failed request,
// console error or request leaving the server fails the walk. Links that only work at the root
// of a host (`href="/"`), or that count `../` from the wrong folder, show up here as 404s.
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { extname, join, relative } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchChromium, skipBrowser } from './support/browser.js'
import { root, run } from './support/run.js'
import { contentType, serveStatic, type StaticFile, type StaticServer } from './support/static-server.js'

const BASE = '/sls-webtrack/'
/** The site has about 100 pages; the walk stops here whatever it finds. */
const MAX_PAGES = 500
/** Guides in reading order, as the index and the reference's sidebar must list them. */
const READING_ORDER = ['Getting started', 'Migrating from the official browser SDK', 'Wire format', 'Benchmarks']

const out = join(root, '.tmp', `docs-site-${process.pid}`)

/** Every file of `dir` under `BASE`, a folder's index.html also under the folder's own URL. */
function siteRoutes(dir: string): Record<string, StaticFile> {
  const routes: Record<string, StaticFile> = {}
  const walk = (folder: string) => {
    for (const name of readdirSync(folder)) {
      const file = join(folder, name)
      if (statSync(file).isDirectory()) {
        walk(file)
        continue
      }
      const path = relative(dir, file).split('\\').join('/')
      const route = { type: contentType(extname(name)), body: readFileSync(file, 'utf8') }
      routes[BASE + path] = route
      if (name === 'index.html') routes[BASE + path.slice(0, -'index.html'.length)] = route
    }
  }
  walk(dir)
  return routes
}

describe.skipIf(skipBrowser())(`the docs site served under ${BASE}`, () => {
  let server: StaticServer
  let browser: Browser
  let page: Page
  let home: string

  beforeAll(async () => {
    rmSync(out, { recursive: true, force: true })
    const build = run('node', ['scripts/build-docs.mjs', '--out', out], { timeoutMs: 300_000 })
    expect(build.status, build.out).toBe(0)
    server = await serveStatic(siteRoutes(out))
    home = server.origin + BASE
    browser = await launchChromium()
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } })
    // The API page is 2.5 MB of inlined Redoc: on a loaded 2-core runner its load takes a while.
    page.setDefaultTimeout(120_000)
  }, 360_000)

  afterAll(async () => {
    await browser.close()
    await server.close()
    rmSync(out, { recursive: true, force: true })
  })

  it('every internal link of every page resolves, with no failed request and no console error', async () => {
    const problems: string[] = []
    let current = ''
    page.on('console', (m) => m.type() === 'error' && problems.push(`${m.location().url || current}: console error: ${m.text()}`))
    page.on('pageerror', (e) => problems.push(`${current}: page error: ${e.message}`))
    // Leaving a page cancels what it still loads (its icon, say): net::ERR_ABORTED is that, not a
    // broken link. A missing file is an HTTP 404, below.
    page.on(
      'requestfailed',
      (r) =>
        r.failure()?.errorText !== 'net::ERR_ABORTED' &&
        problems.push(`${current}: request failed: ${r.url()} (${r.failure()?.errorText})`),
    )
    page.on('response', (r) => r.status() >= 400 && problems.push(`${current}: HTTP ${r.status()}: ${r.url()}`))
    // The site works offline: a request for anything off the server is a problem, and blocked.
    await page.route('**/*', (route) => {
      const url = route.request().url()
      if (url.startsWith(`${server.origin}/`) || url.startsWith('data:')) return route.continue()
      problems.push(`${current}: request off the server: ${url}`)
      return route.abort('blockedbyclient')
    })

    const linkedFrom = new Map<string, string>([[home, '(start)']])
    const queue = [home]
    const visited = new Set<string>()
    const wrapped: string[] = []
    while (queue.length > 0 && visited.size < MAX_PAGES) {
      const url = queue.shift()!
      visited.add(url)
      current = url
      const response = await page.goto(url, { waitUntil: 'load' })
      if (response?.status() !== 200) continue // reported by the response listener
      if (!(response.headers()['content-type'] ?? '').startsWith('text/html')) continue
      // TypeDoc fills its sidebar from navigation.js after the load: its links count too.
      await page.waitForFunction(() => !document.querySelector('#tsd-nav-container') || document.querySelector('#tsd-nav-container a'))
      const { links, backHome, codeLinesWrapped } = await page.evaluate(readPage, home)
      if (url !== home && url !== `${home}index.html` && !backHome) problems.push(`${url}: no link back to the site's index (${home})`)
      wrapped.push(...codeLinesWrapped.map((line) => `${url}: a code line wraps: ${line}`))
      for (const link of links) {
        const target = link.split('#')[0]!
        if (!target.startsWith(`${server.origin}/`) || linkedFrom.has(target)) continue
        linkedFrom.set(target, url)
        queue.push(target)
      }
    }
    // A late error of the last page is still seen.
    await page.waitForTimeout(300)

    const broken = problems.map((p) => {
      const url = /HTTP \d+: (\S+)/.exec(p)?.[1]
      return url && linkedFrom.has(url) ? `${p} (linked from ${linkedFrom.get(url)})` : p
    })
    expect(visited.size, `the walk stopped at ${MAX_PAGES} pages`).toBeLessThan(MAX_PAGES)
    expect(visited.size, 'pages reached').toBeGreaterThan(50)
    expect(broken).toEqual([])
    expect(wrapped).toEqual([])
  }, 300_000)

  it('the navigation of every kind of page leads to the site index, the HTTP API and the reference', async () => {
    const pages = [
      'index.html',
      'api/index.html',
      'reference/index.html',
      'reference/modules/sls-webtrack.html',
      'reference/functions/sls-webtrack.createClient.html',
      'reference/documents/Getting_started.html',
    ]
    for (const path of pages) {
      await page.goto(home + path, { waitUntil: 'load' })
      const hrefs = await page.$$eval('a[href]', (as) => as.map((a) => (a as HTMLAnchorElement).href.split('#')[0]))
      for (const target of ['index.html', 'api/index.html', 'reference/index.html']) {
        if (target === path) continue
        const ok = hrefs.some((h) => h === home + target || (target === 'index.html' && h === home))
        expect(ok, `${path} links to ${target}`).toBe(true)
      }
    }
    // TypeDoc's toolbar: "Docs home" is the site's index, not the reference's.
    await page.goto(`${home}reference/classes/sls-webtrack.ServiceError.html`, { waitUntil: 'load' })
    const toolbar = await page.$$eval('#tsd-toolbar-links a', (as) => as.map((a) => [a.textContent.trim(), (a as HTMLAnchorElement).href]))
    expect(toolbar).toEqual([
      ['Docs home', `${home}index.html`],
      ['Guides', `${home}index.html#guides`],
      ['HTTP API', `${home}api/index.html`],
    ])
  }, 60_000)

  it('lists the guides in reading order, Getting started first', async () => {
    await page.goto(home, { waitUntil: 'load' })
    expect(await page.$$eval('#guides li > a', (as) => as.map((a) => a.textContent.trim()))).toEqual(READING_ORDER)
    await page.goto(`${home}reference/index.html`, { waitUntil: 'load' })
    // TypeDoc builds its sidebar from navigation.js after the load.
    const sidebar = page.locator('#tsd-nav-container a')
    await expect.poll(() => sidebar.count()).toBeGreaterThan(0)
    const titles = (await sidebar.allTextContents()).map((t) => t.trim()).filter((t) => READING_ORDER.includes(t))
    expect(titles).toEqual(READING_ORDER)
  }, 60_000)
})

/**
 * Runs in the page: its links (resolved), whether one leads to the site's index, and each code
 * line that the browser wraps onto a second line.
 */
function readPage(home: string): { links: string[]; backHome: boolean; codeLinesWrapped: string[] } {
  const links = [...document.querySelectorAll<HTMLAnchorElement | HTMLAreaElement>('a[href], area[href]')].map((a) => a.href)
  const backHome = links.some((l) => l.split('#')[0] === home || l.split('#')[0] === `${home}index.html`)
  const codeLinesWrapped: string[] = []
  for (const pre of document.querySelectorAll('pre')) {
    if (pre.getClientRects().length === 0) continue // hidden (a tab not shown)
    const code = pre.querySelector('code') ?? pre // not the copy button beside it
    const lines = code.innerText.replace(/\n$/, '').split('\n')
    // A wrapped line makes more line boxes than the text has lines: count distinct line tops.
    const range = document.createRange()
    range.selectNodeContents(code)
    const tops = new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top)))
    if (tops.size > lines.length) codeLinesWrapped.push(lines.reduce((a, b) => (b.length > a.length ? b : a)))
  }
  return { links, backHome, codeLinesWrapped }
}
