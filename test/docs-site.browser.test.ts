// The built docs site as a reader meets it: served under a subpath, the way a project site is
// hosted (https://owner.github.io/sls-webtrack/), and walked link by link in Chromium, Firefox
// ESR and WebKitGTK. Starting at the index, every internal link of every page is followed,
// once; any 404, failed request, page error or request leaving the server fails the walk. Links
// that only work at the root of a host (`href="/"`), or that count `../` from the wrong folder,
// show up here as 404s.
//
// What each engine can observe, and so what it checks:
// - Chromium (Playwright's launch): the page's console, its uncaught errors, every response and
//   every failed request as events, and every request through a route that blocks those
//   leaving the server.
// - Firefox and WebKit (test/support/engines.ts): WebKitWebDriver has no console or network
//   events, so both learn it the same way, from the server and from the page. The server is
//   told every path it was asked for: one it does not serve is a 404 there. Each HTML page is
//   served with a small script first in its <head> that records `console.error` calls, uncaught
//   errors and rejections, and the `error` event of an element that failed to load (a script,
//   a stylesheet, an image); after the load the walk reads it and the page's resource timing,
//   whose entries off the server are requests leaving it. Not seen there: what the browser
//   itself logs to its console (a CSP report, a deprecation), a failed request that neither
//   reaches the server nor has an element to fire `error` on (a `url()` of a stylesheet off the
//   server still shows in resource timing), and requests are not blocked, only reported. WebKit
//   has no resource timing entry for a request that failed (a fetch of an unresolvable host, as
//   seen with one planted); Firefox has. A planted console error, rejected promise, missing
//   image and broken link were each reported in both.
// Each engine also checks the DOM and its layout: a link back to the index and no code line
// that wraps on every page it loads (Chromium at 1280×800; Firefox and WebKit at their drivers'
// default window size), the navigation of
// every kind of page, TypeDoc's toolbar, and the guides in reading order.
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { extname, join, relative } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchChromium, skipBrowser } from './support/browser.js'
import { launchEngine, skipEngine, until, type Engine, type EnginePage } from './support/engines.js'
import { root, run } from './support/run.js'
import { contentType, serveStatic, type StaticFile, type StaticServer } from './support/static-server.js'

const BASE = '/sls-webtrack/'
/** The site has about 100 pages; the walk stops here whatever it finds. */
const MAX_PAGES = 500
/** Guides in reading order, as the index and the reference's sidebar must list them. */
const READING_ORDER = ['Getting started', 'Mini-programs', 'Migrating from the official browser SDK', 'Wire format', 'Benchmarks']

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

let built: Record<string, StaticFile> | undefined
/** The site, built once for the file by the first engine that needs it. */
function site(): Record<string, StaticFile> {
  if (!built) {
    rmSync(out, { recursive: true, force: true })
    const build = run('node', ['scripts/build-docs.mjs', '--out', out], { timeoutMs: 300_000 })
    expect(build.status, build.out).toBe(0)
    built = siteRoutes(out)
  }
  return built
}
afterAll(() => rmSync(out, { recursive: true, force: true }))

/** Loads a page of the walk: what it links to and the problems seen, or undefined when it is not an HTML page to read. */
type Visit = (url: string) => Promise<{ read: PageRead; problems: string[] } | undefined>

/**
 * Walks the site from `home`, following every internal link once (or those `follow` picks): the
 * pages reached, the links not followed, where each was first linked from, the problems seen (a
 * page with no way back home among them) and the code lines that wrap.
 */
async function walk(home: string, origin: string, visit: Visit, follow: (url: string) => boolean = () => true) {
  const linkedFrom = new Map<string, string>([[home, '(start)']])
  const queue = [home]
  const visited = new Set<string>()
  const notFollowed: string[] = []
  const problems: string[] = []
  const wrapped: string[] = []
  while (queue.length > 0 && visited.size < MAX_PAGES) {
    const url = queue.shift()!
    visited.add(url)
    const seen = await visit(url)
    if (!seen) continue
    const { read } = seen
    problems.push(...seen.problems)
    if (url !== home && url !== `${home}index.html` && !read.backHome) problems.push(`${url}: no link back to the site's index (${home})`)
    wrapped.push(...read.codeLinesWrapped.map((line) => `${url}: a code line wraps: ${line}`))
    for (const link of read.links) {
      const target = link.split('#')[0]!
      if (!target.startsWith(`${origin}/`) || linkedFrom.has(target)) continue
      linkedFrom.set(target, url)
      if (follow(target)) queue.push(target)
      else notFollowed.push(target)
    }
  }
  const linked = (p: string) => {
    const url = /(?:HTTP \d+|404 at the server): (\S+)/.exec(p)?.[1]
    return url && linkedFrom.has(url) ? `${p} (linked from ${linkedFrom.get(url)})` : p
  }
  return { visited, notFollowed, linked, problems, wrapped }
}

// ---- Chromium: the browser's own events ------------------------------------------------------

describe.skipIf(skipBrowser())(`the docs site served under ${BASE}, in chromium`, () => {
  let server: StaticServer | undefined
  let browser: Browser | undefined
  let page: Page
  let home: string

  beforeAll(async () => {
    server = await serveStatic(site())
    home = server.origin + BASE
    browser = await launchChromium()
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } })
    // The API page is 2.5 MB of inlined Redoc: on a loaded 2-core runner its load takes a while.
    page.setDefaultTimeout(120_000)
  }, 360_000)

  afterAll(async () => {
    await browser?.close()
    await server?.close()
  })

  it('every internal link of every page resolves, with no failed request and no console error', async () => {
    const started = performance.now()
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
      if (url.startsWith(`${server!.origin}/`) || url.startsWith('data:')) return route.continue()
      problems.push(`${current}: request off the server: ${url}`)
      return route.abort('blockedbyclient')
    })

    const crawl = await walk(home, server!.origin, async (url) => {
      current = url
      const response = await page.goto(url, { waitUntil: 'load' })
      if (response?.status() !== 200) return undefined // reported by the response listener
      if (!(response.headers()['content-type'] ?? '').startsWith('text/html')) return undefined
      // TypeDoc fills its sidebar from navigation.js after the load: its links count too.
      await page.waitForFunction(() => !document.querySelector('#tsd-nav-container') || document.querySelector('#tsd-nav-container a'))
      return { read: await page.evaluate(readPage, home), problems: [] }
    })
    // A late error of the last page is still seen.
    await page.waitForTimeout(300)
    console.log(`chromium: ${crawl.visited.size} pages walked in ${((performance.now() - started) / 1000).toFixed(1)} s`)

    expect(crawl.visited.size, `the walk stopped at ${MAX_PAGES} pages`).toBeLessThan(MAX_PAGES)
    expect(crawl.visited.size, 'pages reached').toBeGreaterThan(50)
    expect([...crawl.problems, ...problems].map(crawl.linked)).toEqual([])
    expect(crawl.wrapped).toEqual([])
  }, 300_000)

  const driver = (): Driver => ({
    goto: async (url) => {
      await page.goto(url, { waitUntil: 'load' })
    },
    evaluate: (fn, arg) => page.evaluate(fn as (arg?: unknown) => unknown, arg) as never,
  })
  it(
    'the navigation of every kind of page leads to the site index, the HTTP API and the reference',
    () => checkNavigation(driver(), home),
    120_000,
  )
  it('lists the guides in reading order, Getting started first', () => checkReadingOrder(driver(), home), 60_000)
})

// ---- Firefox and WebKit: the server's log and the page's own record --------------------------

/**
 * How many pages of one folder Firefox and WebKit load (all of a smaller folder). A full walk
 * took 94 s in Firefox and 57 s in WebKit (181 pages; Chromium 90 s); most pages are TypeDoc's
 * pages of one reflection each, alike but for their text, so these engines load a few of each
 * kind and every other page the site has (index, HTTP API, guides, modules). A link to a page not
 * loaded is still checked: the server must serve its path.
 */
const PER_FOLDER = 3

/** Picks the pages to load: the first `PER_FOLDER` of each folder, in the order the walk finds them. */
function sampler(): (url: string) => boolean {
  const perFolder = new Map<string, number>()
  return (url) => {
    const folder = new URL(url).pathname.replace(/[^/]*$/, '')
    const count = perFolder.get(folder) ?? 0
    perFolder.set(folder, count + 1)
    return count < PER_FOLDER
  }
}

/** First in each HTML page's <head>: records what the page would have logged as an error. */
const PROBE = `<script>(() => {
  const seen = (window.__problems = [])
  const error = console.error
  console.error = (...args) => (seen.push('console error: ' + args.join(' ')), error.apply(console, args))
  addEventListener('error', (e) => {
    const el = e.target
    if (el && el !== window) seen.push('failed to load: <' + el.localName + '> ' + (el.src || el.href || ''))
    else seen.push('page error: ' + e.message)
  }, true)
  addEventListener('unhandledrejection', (e) => seen.push('unhandled rejection: ' + e.reason))
})()</script>`

/** The site with `PROBE` first in each HTML page's <head>. */
function probedSite(): Record<string, StaticFile> {
  return Object.fromEntries(
    Object.entries(site()).map(([path, file]) => [
      path,
      file.type.startsWith('text/html') ? { ...file, body: file.body.replace(/<head[^>]*>/i, (head) => head + PROBE) } : file,
    ]),
  )
}

for (const name of ['firefox', 'webkit'] as const)
  describe.skipIf(skipEngine(name))(`the docs site served under ${BASE}, in ${name}`, () => {
    let server: StaticServer | undefined
    let engine: Engine | undefined
    let page: EnginePage
    let routes: Record<string, StaticFile>
    let home: string

    beforeAll(async () => {
      routes = probedSite()
      server = await serveStatic(routes)
      home = server.origin + BASE
      engine = await launchEngine(name)
      page = await engine.newPage()
    }, 360_000)

    afterAll(async () => {
      await engine?.close()
      await server?.close()
    })

    /** Paths asked of the server since `from` (an index into its log) that it does not serve: 404s there. */
    const missing = (from: number) => server!.hits.slice(from).filter((path) => !routes[path])

    it('every internal link of every page resolves, with no 404, no failed request and no page error', async () => {
      const started = performance.now()
      const crawl = await walk(
        home,
        server!.origin,
        async (url) => {
          const from = server!.hits.length
          const route = routes[new URL(url).pathname]
          // A file that is not a page (a spec to download) exists when the server has it.
          if (route && !route.type.startsWith('text/html')) return undefined
          await page.goto(url)
          if (!route) return undefined // the server's 404, counted below
          await until(
            `TypeDoc's sidebar of ${url}`,
            () => page.evaluate(() => !document.querySelector('#tsd-nav-container') || !!document.querySelector('#tsd-nav-container a')),
            60_000,
          )
          const read = await page.evaluate(readPage, home)
          const { seen, offServer } = await page.evaluate(readProbe)
          const problems = [
            ...seen,
            ...offServer.map((u) => `request off the server: ${u}`),
            ...missing(from).map((p) => `404 at the server: ${server!.origin}${p}`),
          ]
          return { read, problems: problems.map((p) => `${url}: ${p}`) }
        },
        sampler(),
      )
      const seconds = (performance.now() - started) / 1000
      console.log(
        `${name}: ${crawl.visited.size} pages loaded in ${seconds.toFixed(1)} s, ${crawl.notFollowed.length} more checked by path`,
      )
      const unserved = crawl.notFollowed.filter((url) => !routes[new URL(url).pathname])

      expect(crawl.visited.size, `the walk stopped at ${MAX_PAGES} pages`).toBeLessThan(MAX_PAGES)
      expect(crawl.visited.size, 'pages loaded').toBeGreaterThan(25)
      expect(crawl.visited.size + crawl.notFollowed.length, 'pages reached').toBeGreaterThan(50)
      // Every path the walk asked for, attributed to a page or not (a late request of the last one).
      const all = [...missing(0).map((p) => server!.origin + p), ...unserved].map((url) => `404 at the server: ${url}`)
      const late = [...new Set(all)].filter((a) => !crawl.problems.some((p) => p.endsWith(`: ${a}`)))
      expect([...crawl.problems, ...late].map(crawl.linked)).toEqual([])
      expect(crawl.wrapped).toEqual([])
    }, 600_000)

    const driver = (): Driver => ({ goto: (url) => page.goto(url), evaluate: (fn, arg) => page.evaluate(fn, arg) })
    it(
      'the navigation of every kind of page leads to the site index, the HTTP API and the reference',
      () => checkNavigation(driver(), home),
      180_000,
    )
    it('lists the guides in reading order, Getting started first', () => checkReadingOrder(driver(), home), 60_000)
  })

// ---- DOM checks, written once ------------------------------------------------------------------

/** The two things the DOM checks need of any engine's page. */
interface Driver {
  /** Loads `url` and waits for its `load` event. */
  goto(url: string): Promise<void>
  evaluate: EnginePage['evaluate']
}

async function checkNavigation(page: Driver, home: string): Promise<void> {
  const pages = [
    'index.html',
    'api/index.html',
    'reference/index.html',
    'reference/modules/sls-webtrack.html',
    'reference/functions/sls-webtrack.createClient.html',
    'reference/documents/Getting_started.html',
  ]
  for (const path of pages) {
    await page.goto(home + path)
    const hrefs = await page.evaluate(() => [...document.querySelectorAll<HTMLAnchorElement>('a[href]')].map((a) => a.href.split('#')[0]!))
    for (const target of ['index.html', 'api/index.html', 'reference/index.html']) {
      if (target === path) continue
      const ok = hrefs.some((h) => h === home + target || (target === 'index.html' && h === home))
      expect(ok, `${path} links to ${target}`).toBe(true)
    }
  }
  // TypeDoc's toolbar: "Docs home" is the site's index, not the reference's.
  await page.goto(`${home}reference/classes/sls-webtrack.ServiceError.html`)
  const toolbar = await page.evaluate(() =>
    [...document.querySelectorAll<HTMLAnchorElement>('#tsd-toolbar-links a')].map((a) => [a.textContent.trim(), a.href]),
  )
  expect(toolbar).toEqual([
    ['Docs home', `${home}index.html`],
    ['Guides', `${home}index.html#guides`],
    ['HTTP API', `${home}api/index.html`],
  ])
}

async function checkReadingOrder(page: Driver, home: string): Promise<void> {
  await page.goto(home)
  expect(await page.evaluate(() => [...document.querySelectorAll('#guides li > a')].map((a) => a.textContent.trim()))).toEqual(
    READING_ORDER,
  )
  await page.goto(`${home}reference/index.html`)
  // TypeDoc builds its sidebar from navigation.js after the load.
  const sidebar = () => page.evaluate(() => [...document.querySelectorAll('#tsd-nav-container a')].map((a) => a.textContent.trim()))
  await until('TypeDoc sidebar', async () => (await sidebar()).length > 0)
  expect((await sidebar()).filter((t) => READING_ORDER.includes(t))).toEqual(READING_ORDER)
}

interface PageRead {
  links: string[]
  backHome: boolean
  codeLinesWrapped: string[]
}

/**
 * Runs in the page: its links (resolved), whether one leads to the site's index, and each code
 * line that the browser wraps onto a second line.
 */
function readPage(home: string): PageRead {
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

/** Runs in a page served with `PROBE`: what the probe recorded, and the resources loaded from anywhere but the page's origin. */
function readProbe(): { seen: string[]; offServer: string[] } {
  const offServer = performance
    .getEntriesByType('resource')
    .map((e) => e.name)
    .filter((u) => !u.startsWith(`${location.origin}/`) && !u.startsWith('data:'))
  return { seen: [...((window as any).__problems ?? ['the probe did not run'])], offServer }
}
