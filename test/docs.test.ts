// The docs site: `scripts/build-docs.mjs` builds it (into a temporary folder here), a tiny
// static server serves it on loopback, and headless Chromium reads it as a reader would. Every
// page must render with no console error, no failed request, no HTTP error and no request
// leaving the loopback server (the site has to work offline: nothing from a CDN).
import { createReadStream, existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { extname, join, resolve, sep } from 'node:path'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchChromium, skipBrowser } from './support/browser.js'
import { root, run } from './support/run.js'
import { contentType } from './support/static-server.js'

const out = join(root, '.tmp', `docs-${process.pid}`)
const site = join(out, 'site')

const ERROR_CODES = [
  'PostBodyInvalid',
  'PostBodyTooLarge',
  'PostBodyUncompressError',
  'InvalidTimestamp',
  'InvalidEncoding',
  'InvalidKey',
  'ProjectNotExist',
  'LogStoreNotExist',
  'InternalServerError',
]
const TRACK = '/logstores/{logstore}/track'
/** Each browser test opens several pages; generous for a loaded 2-core runner. */
const BROWSER_TEST_MS = 60_000

/** Title of each guide in docs/, from its front matter, as the index page lists it. */
const guides = readdirSync(join(root, 'docs'))
  .filter((f) => f.endsWith('.md'))
  .map((f) => /^title:\s*(.+)$/m.exec(readFileSync(join(root, 'docs', f), 'utf8'))?.[1]?.trim() ?? f)

let build: { status: number | null; out: string }

beforeAll(() => {
  rmSync(out, { recursive: true, force: true })
  build = run('node', ['scripts/build-docs.mjs', '--out', site], { timeoutMs: 180_000 })
}, 200_000)

afterAll(() => rmSync(out, { recursive: true, force: true }))

describe('npm run docs (scripts/build-docs.mjs)', () => {
  it('builds the API page, the reference, the guides and the index', () => {
    expect(build.status, build.out).toBe(0)
    for (const file of ['index.html', 'api/index.html', 'reference/index.html']) expect(existsSync(join(site, file)), file).toBe(true)
    expect(build.out).toMatch(/Built .* in [\d.]+ s/)
    for (const title of guides) expect(build.out).toContain(`guide: ${title}`)
  })

  it('inlines Redoc: the API page needs no CDN', () => {
    const html = readFileSync(join(site, 'api/index.html'), 'utf8')
    // Matches only (never the 2.5 MB page) in a failure message.
    expect(/<script[^>]+src=["']https?:[^>]*>/.exec(html)?.[0]).toBeUndefined()
    expect(/.{0,60}cdn\.redoc\.ly.{0,60}/.exec(html)?.[0]).toBeUndefined()
  })
})

describe.skipIf(skipBrowser())('the docs site in Chromium', () => {
  let server: Server
  let origin: string
  let browser: Browser
  let context: BrowserContext

  beforeAll(async () => {
    expect(build.status, build.out).toBe(0)
    server = await serveStatic(site)
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    browser = await launchChromium()
    context = await browser.newContext({ viewport: { width: 1400, height: 1000 } })
  }, 60_000)

  afterAll(async () => {
    await browser.close()
    await new Promise((done) => server.close(done))
  })

  /** Opens `path` in a fresh page that records every console error and failed or foreign request. */
  async function open(path: string): Promise<{ page: Page; problems: string[] }> {
    const page = await context.newPage()
    const problems: string[] = []
    page.on('console', (m) => m.type() === 'error' && problems.push(`console error: ${m.text()}`))
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`))
    page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} (${r.failure()?.errorText})`))
    page.on('response', (r) => r.status() >= 400 && problems.push(`HTTP ${r.status()}: ${r.url()}`))
    await page.route('**/*', (route) => {
      const url = route.request().url()
      if (url.startsWith(`${origin}/`)) return route.continue()
      problems.push(`blocked request off the loopback server: ${url}`)
      return route.abort('blockedbyclient')
    })
    await page.goto(origin + path, { waitUntil: 'networkidle' })
    // Redoc hydrates after the load: give late requests (such as its logo) time to show.
    await page.waitForTimeout(500)
    // With routing on, Chromium skips its /favicon.ico request, which a reader's browser makes
    // (a 404 and a console error) unless the page names its icon: check that it does.
    const icon = await page.$$eval('link[rel~="icon"]', (links) => (links[0] as HTMLLinkElement | undefined)?.href)
    if (!icon) problems.push('no <link rel="icon">: browsers request /favicon.ico')
    else if (!icon.startsWith('data:') && (await page.request.get(icon)).status() !== 200) problems.push(`icon ${icon} does not resolve`)
    return { page, problems }
  }

  async function text(page: Page): Promise<string> {
    return page.evaluate(() => document.body.innerText)
  }

  it(
    'index: links the API page, the reference and every guide, and every link resolves',
    async () => {
      const { page, problems } = await open('/')
      const links = await page.$$eval('a[href]', (as) =>
        as.map((a) => ({ text: a.textContent.trim(), href: (a as HTMLAnchorElement).href })),
      )
      const hrefs = links.map((l) => l.href)
      expect(hrefs).toContain(`${origin}/api/index.html`)
      expect(hrefs).toContain(`${origin}/reference/index.html`)
      for (const title of guides)
        expect(
          links.some((l) => l.text === title && l.href.includes('/reference/documents/')),
          title,
        ).toBe(true)
      // In reading order, the README's: Getting started first.
      const listed = await page.$$eval('#guides li > a', (as) => as.map((a) => a.textContent.trim()))
      expect(listed).toEqual(readmeGuides())
      expect(listed[0]).toBe('Getting started')
      for (const href of new Set(hrefs)) {
        expect(href.startsWith(`${origin}/`), `${href} leaves the site`).toBe(true)
        expect((await page.request.get(href)).status(), href).toBe(200)
      }
      expect(problems).toEqual([])
      await page.close()
    },
    BROWSER_TEST_MS,
  )

  it(
    'API page: shows the /track operation and every documented error code',
    async () => {
      const { page, problems } = await open('/api/index.html')
      expect(problems, 'on load').toEqual([])
      // Its top is the spec's description, written for users of the API: no contributor's commands.
      const overview = await text(page)
      expect(overview).toContain('Web tracking writes logs')
      expect(overview).not.toMatch(/npm run|generated\//)
      await page.getByRole('link', { name: 'WebTracking', exact: true }).first().click()
      await page.locator('a', { hasText: TRACK }).filter({ hasText: /post/i }).first().click()
      await expect.poll(() => text(page)).toContain('Write a batch of logs of one topic')
      const seen = new Set<string>()
      // Redoc renders one response at a time and folds long enums: open each response tab and
      // unfold, keeping what was rendered.
      const tabs = page.getByRole('tab', { name: /^\d{3}$/ })
      // The tabs can render after the description: on a busy machine, counting them at once gave 0.
      await expect.poll(() => tabs.count()).toBeGreaterThanOrEqual(4)
      for (let i = 0; i < (await tabs.count()); i++) {
        await tabs.nth(i).click()
        for (const more of await page.getByRole('button', { name: /^\+\d+ more$/ }).all()) await more.click()
        for (const code of ERROR_CODES) if ((await text(page)).includes(code)) seen.add(code)
      }
      const rendered = await text(page)
      expect(rendered).toContain(TRACK)
      expect(rendered).toMatch(/POST\s*\/logstores\/\{logstore\}\/track/)
      expect([...seen].sort()).toEqual([...ERROR_CODES].sort())

      // The embedded spec carries an example of every code under its documented status.
      const examples = await embeddedErrorExamples(page)
      const expected: Record<string, string[]> = {
        '400': ['PostBodyInvalid', 'PostBodyTooLarge', 'PostBodyUncompressError', 'InvalidTimestamp', 'InvalidEncoding', 'InvalidKey'],
        '404': ['ProjectNotExist', 'LogStoreNotExist'],
        '500': ['InternalServerError'],
      }
      for (const [status, codes] of Object.entries(expected)) expect(examples[status], status).toEqual(expect.arrayContaining(codes))
      expect(problems).toEqual([])
      await page.close()
    },
    BROWSER_TEST_MS,
  )

  it(
    'reference: shows the main entry points of the wrapper',
    async () => {
      // The reference's home page is the README; its module index lists every entry point.
      const home = await open('/reference/index.html')
      expect(await text(home.page)).toContain('sls-webtrack')
      await home.page.close()
      const { page, problems } = await open('/reference/modules.html')
      const modules = await text(page)
      for (const entry of ['sls-webtrack', 'sls-webtrack/core', 'sls-webtrack/lz4', 'sls-webtrack/deflate'])
        expect(modules).toContain(entry)
      problems.push(...home.problems)
      await page.close()

      // The tracker was written alongside the docs: it is checked once the main entry exports it.
      const main = await import('../src/index.js')
      const names = ['createClient', 'ServiceError', 'ValidationError', 'SendError', 'lz4', 'deflate']
      if ('createTracker' in main) names.push('createTracker')
      const mod = await open('/reference/modules/sls-webtrack.html')
      const listed = await mod.page.$$eval('a[href]', (as) =>
        as.map((a) => ({ text: a.textContent.trim(), href: (a as HTMLAnchorElement).href })),
      )
      for (const name of names) {
        const link = listed.find((l) => l.text === name)
        expect(link, `${name} on the sls-webtrack module page`).toBeDefined()
        expect((await mod.page.request.get(link!.href)).status(), link!.href).toBe(200)
      }
      // The page of createClient itself renders, with its signature.
      const fn = await open('/reference/functions/sls-webtrack.createClient.html')
      expect(await text(fn.page)).toMatch(/createClient\(options: ClientOptions\): Client/)
      expect([...problems, ...mod.problems, ...fn.problems]).toEqual([])
      await mod.page.close()
      await fn.page.close()
    },
    BROWSER_TEST_MS,
  )

  it(
    'guides: every docs/*.md is rendered, reachable from the index',
    async () => {
      const { page: index } = await open('/')
      for (const title of guides) {
        const href = await index.locator('#guides').getByRole('link', { name: title, exact: true }).getAttribute('href')
        const { page, problems } = await open(`/${href}`)
        expect(await page.title()).toContain(title)
        expect(await page.locator('h1').first().innerText()).toBe(title)
        expect(problems).toEqual([])
        await page.close()
      }
      await index.close()
    },
    BROWSER_TEST_MS,
  )
})

describe('README.md, the landing page of users', () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8')
  const intro = readme.slice(0, readme.indexOf('\n## '))
  const blocks = [...readme.matchAll(/```(\w*)\n([\s\S]*?)```/g)].map((m) => ({ lang: m[1]!, code: m[2]! }))

  it('starts with the install command and a short example, then links the guide', () => {
    expect(blocks[0]).toEqual({ lang: 'sh', code: 'npm install sls-webtrack\n' })
    expect(blocks[1]!.lang).toBe('ts')
    expect(blocks[1]!.code.trimEnd().split('\n').length).toBeLessThanOrEqual(10)
    expect(intro).toContain(blocks[1]!.code) // before any section
    expect(intro).toMatch(/\[Getting started\]\(docs\/guide\.md\)/)
  })

  it("keeps contributor set-up under its own heading, after the users' sections", () => {
    const contributing = readme.indexOf('\n## Contributing\n')
    expect(contributing).toBeGreaterThan(0)
    for (const command of ['npm ci && npm run demo', 'npm test']) {
      expect(readme.indexOf(command), command).toBeGreaterThan(contributing)
    }
  })

  it('lists the guides in reading order, each one once, Getting started first', () => {
    expect(readmeGuides()[0]).toBe('Getting started')
    expect([...readmeGuides()].sort()).toEqual([...guides].sort())
  })

  it('has no code line longer than 80 characters, in the README or the guides', () => {
    // docs/benchmarks.md is left out: its Reproduce block is the bench runner's to change.
    const docs = [
      'README.md',
      ...readdirSync(join(root, 'docs'))
        .filter((f) => f.endsWith('.md') && f !== 'benchmarks.md')
        .map((f) => `docs/${f}`),
    ]
    const long = docs.flatMap((doc) =>
      [...readFileSync(join(root, doc), 'utf8').matchAll(/```\w*\n([\s\S]*?)```/g)]
        .flatMap((m) => m[1]!.split('\n'))
        .filter((line) => Array.from(line).length > 80)
        .map((line) => `${doc}: ${line}`),
    )
    expect(long).toEqual([])
  })
})

/** The guides the README lists (a numbered list of links to docs/*.md), by title, in its order. */
function readmeGuides(): string[] {
  const readme = readFileSync(join(root, 'README.md'), 'utf8')
  return [...readme.matchAll(/^\d+\. \[([^\]]+)\]\(docs\/[\w-]+\.md\)/gm)].map((m) => m[1]!)
}

/** Example error codes of `POST /track`, by status, read from the spec Redoc embeds in the page. */
async function embeddedErrorExamples(page: Page): Promise<Record<string, string[]>> {
  const scripts = await page.$$eval('script:not([src])', (s) => s.map((e) => e.textContent))
  const source = scripts.find((s) => s.includes('__redoc_definition'))
  const json = source && /const __redoc_definition = (\{[\s\S]*?\});\s*\n/.exec(source)?.[1]
  if (!json) throw new Error('no __redoc_definition in the API page')
  const spec = JSON.parse(json)
  const deref = (node: { $ref?: string }): any =>
    node.$ref
      ? deref(
          node.$ref
            .slice(2)
            .split('/')
            .reduce((o: any, k: string) => o[k], spec),
        )
      : node
  const byStatus: Record<string, string[]> = {}
  for (const [status, response] of Object.entries(spec.paths[TRACK].post.responses)) {
    const examples = deref(response as object).content?.['application/json']?.examples ?? {}
    byStatus[status] = Object.values(examples).map((e: any) => deref(e).value?.errorCode)
  }
  return byStatus
}

/** Serves `dir` on 127.0.0.1, a free port: files, a folder's index.html, 404 for anything else. */
function serveStatic(dir: string): Promise<Server> {
  const base = resolve(dir)
  const server = createServer((req, res) => {
    let file: string
    try {
      file = resolve(base, `.${decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)}`)
    } catch {
      file = ''
    }
    if (file && (file === base || file.startsWith(base + sep)) && existsSync(file) && statSync(file).isDirectory())
      file = join(file, 'index.html')
    if (!file || !(file === base || file.startsWith(base + sep)) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found')
      return
    }
    res.writeHead(200, { 'content-type': contentType(extname(file)) })
    createReadStream(file).pipe(res)
  })
  return new Promise((done) => server.listen(0, '127.0.0.1', () => done(server)))
}
