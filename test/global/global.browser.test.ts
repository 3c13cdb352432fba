// The script-tag build in headless Debian Chromium (playwright-core): the loader snippet, taken
// as it is from docs/guide.md ("Script tag"), on a page whose script the test server holds back
// until the page has pushed logs and made its context and consent calls. Once the test lets the
// script through, the calls are made in order: the logs arrive at the emulator, in order, with
// the context of their moment, and consent not granted holds them. The script is built from
// src/global/index.ts as tsup builds dist/sls-webtrack.global.js (IIFE, minified, es2020). No
// timed assertion: the server waits on a promise the test settles, and every wait polls with a
// bounded deadline.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { build, transform } from 'esbuild'
import type { Browser, Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { startEmulator, type Emulator } from '../../src/emulator/index.js'
import { launchChromium, skipBrowser } from '../support/browser.js'
import { root } from '../support/run.js'
import { serveStatic, type StaticServer } from '../support/static-server.js'

const skip = skipBrowser()

const guide = () => readFileSync(join(root, 'docs/guide.md'), 'utf8')

/** The guide's snippet: the whole ```html block of "Script tag", and its loader part alone. */
function guideSnippet(): { block: string; loader: string } {
  const text = guide()
  const section = text.slice(text.indexOf('\n## Script tag\n'))
  const block = /```html\n([\s\S]*?)```/.exec(section)![1]!
  const loader = /<script>\n([\s\S]*?)\n\n {2}SLS_WEBTRACK\.init\(/.exec(block)![1]!
  return { block, loader }
}

const SCRIPT_PATH = '/js/sls-webtrack.global.js'
const GUIDE_ENDPOINT = "'cn-hangzhou.log.aliyuncs.com'"

async function until(what: string, check: () => boolean | Promise<boolean>, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

describe('the loader snippet in docs/guide.md', () => {
  it('loads the path the test serves, and is a few hundred bytes minified (as the guide says)', async () => {
    const { block, loader } = guideSnippet()
    expect(loader).toContain(`s.src = '${SCRIPT_PATH}'`)
    expect(block).toContain(GUIDE_ENDPOINT)
    const bytes = Buffer.byteLength((await transform(loader, { minify: true, target: 'es5' })).code.trim())
    expect(/is (\d+) bytes minified/.exec(guide().slice(guide().indexOf('\n## Script tag\n')))?.[1]).toBe(String(bytes))
    expect(bytes).toBeLessThan(400)
  })
})

describe.skipIf(skip)('the script-tag build in Chromium, its script held back', () => {
  let site: StaticServer | undefined
  let browser: Browser | undefined
  let emu: Emulator | undefined
  let release: () => void = () => {}
  let gate: Promise<void>
  const pages: Page[] = []
  const errors: string[] = []

  beforeAll(async () => {
    const bundle = await build({
      entryPoints: [join(root, 'src/global/index.ts')],
      bundle: true,
      format: 'iife',
      minify: true,
      platform: 'browser',
      target: 'es2020',
      write: false,
      logLevel: 'silent',
    })
    emu = await startEmulator({ port: 0, host: '127.0.0.1' })
    const { block, loader } = guideSnippet()
    const endpoint = `'${emu.endpoint}'`
    const html = (body: string) => ({ type: 'text/html', body: `<!doctype html><meta charset="utf-8"><title>script tag</title>\n${body}` })
    site = await serveStatic({
      // The guide's block as it is, the emulator for its endpoint; then the page's own calls.
      '/': html(`${block.replace(GUIDE_ENDPOINT, endpoint)}<script>
  SLS_WEBTRACK.setContext('user', 'u-1')
  SLS_WEBTRACK.push({ event: 'click' })
  SLS_WEBTRACK.removeContext('page')
  SLS_WEBTRACK.push([{ event: 'a' }, { event: 'b' }])
  SLS_WEBTRACK.flush()
</script>`),
      // The loader alone; consent asked for, the page's calls before and after `init`.
      '/consent.html': html(`<script>
${loader}
  SLS_WEBTRACK.push({ event: 'before-init' })
  SLS_WEBTRACK.setContext('__topic__', 'reserved: reported, and the calls after it still made')
  SLS_WEBTRACK.init({ project: 'my-project', endpoint: ${endpoint}, logstore: 'consent', lingerMs: 10, trackingConsent: 'not-granted' })
  SLS_WEBTRACK.setContext('user', 'u-2')
  SLS_WEBTRACK.push({ event: 'x' })
  SLS_WEBTRACK.onReady(function (t) { window.tracker = t })
</script>`),
      '/favicon.ico': { type: 'image/x-icon', body: '' },
      [SCRIPT_PATH]: { type: 'text/javascript', body: bundle.outputFiles[0]!.text, hold: () => gate },
    })
    browser = await launchChromium()
  })
  afterAll(async () => {
    release()
    await browser?.close()
    await site?.close()
    await emu?.close()
  })
  beforeEach(() => {
    gate = new Promise<void>((resolve) => (release = resolve))
  })
  afterEach(async () => {
    release()
    await Promise.all(pages.splice(0).map((p) => p.close()))
    emu!.clear()
    errors.length = 0
  })

  async function open(path: string): Promise<Page> {
    const p = await (browser!.contexts()[0] ?? (await browser!.newContext())).newPage()
    pages.push(p)
    p.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text())
    })
    // Not `load`: the page's load event waits for the async script, which the server holds.
    await p.goto(`${site!.origin}${path}`, { waitUntil: 'domcontentloaded' })
    return p
  }
  const queued = (p: Page) => p.evaluate(() => (window as any).SLS_WEBTRACK.q?.length as number | undefined)
  const logs = (logstore: string) =>
    emu!
      .logs()
      .filter((r) => r.logstore === logstore)
      .map((r) => r.log)

  it("delivers the guide's calls and the page's, made before the script arrived, in order with the context of their moment", async () => {
    const p = await open('/')
    // The script has not arrived: the snippet's stub holds every call, and nothing has left.
    expect(await queued(p)).toBe(8)
    // The snippet's request for the script may reach the server a moment after the page loads.
    await until('the script requested', () => site!.hits.includes(SCRIPT_PATH))
    expect(logs('web')).toEqual([])
    release()
    await until('4 logs at the emulator', () => logs('web').length >= 4)
    const session = expect.stringMatching(/\S/)
    const time = expect.any(String)
    expect(logs('web')).toEqual([
      { __time__: time, release: '1.4.2', session_id: session, page: '/', event: 'page_view' },
      { __time__: time, release: '1.4.2', session_id: session, page: '/', user: 'u-1', event: 'click' },
      { __time__: time, release: '1.4.2', session_id: session, user: 'u-1', event: 'a' },
      { __time__: time, release: '1.4.2', session_id: session, user: 'u-1', event: 'b' },
    ])
    // The stub is gone; calls now go straight to the tracker.
    expect(await queued(p)).toBeUndefined()
    await p.evaluate(() => {
      const g = (window as any).SLS_WEBTRACK
      g.push({ event: 'after-load' })
      return g.flush()
    })
    await until('the log pushed after the script arrived', () => logs('web').length >= 5)
    expect(logs('web')[4]).toMatchObject({ release: '1.4.2', user: 'u-1', event: 'after-load' })
    expect(errors).toEqual([])
  })

  it('holds the logs while consent is not granted, and sends them, in order, once it is', async () => {
    const p = await open('/consent.html')
    expect(await queued(p)).toBe(6)
    release()
    await until('the script', async () => (await queued(p)) === undefined && (await p.evaluate(() => !!(window as any).tracker)))
    const stats = () => p.evaluate(() => (window as any).tracker.stats() as { held: number; sent: number })
    expect(await stats()).toMatchObject({ held: 2, sent: 0 })
    // A flush sends nothing held: nothing leaves before consent.
    await p.evaluate(() => (window as any).SLS_WEBTRACK.flush())
    expect(logs('consent')).toEqual([])
    // The reserved key was refused, on the console, and the calls after it were made.
    expect(errors).toEqual([expect.stringMatching(/^\[sls-webtrack\] .*__topic__/)])
    await p.evaluate(() => {
      const g = (window as any).SLS_WEBTRACK
      g.push({ event: 'y' })
      g.setTrackingConsent('granted')
      g.push({ event: 'z' })
    })
    await until('4 logs at the emulator', () => logs('consent').length >= 4)
    // `before-init` was pushed at `init`, before the context had `user`.
    expect(logs('consent').map(({ __time__, ...log }) => log)).toEqual([
      { event: 'before-init' },
      { user: 'u-2', event: 'x' },
      { user: 'u-2', event: 'y' },
      { user: 'u-2', event: 'z' },
    ])
  })
})
