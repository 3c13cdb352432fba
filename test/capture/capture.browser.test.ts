// sls-webtrack/capture in headless Debian Chromium (playwright-core): real thrown errors, real
// rejections, real console calls, a real CSP violation (a `<meta>` policy that allows images
// from the page's origin only) and a real 404 image; the logs arrive at the emulator, another
// origin, with the documented keys. The entry is bundled from src/capture/index.ts with
// esbuild as an IIFE global. No timed assertion: every wait polls with a bounded deadline.
import type { Browser, Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { CaptureStats } from '../../src/capture/index.js'
import { startEmulator, type Emulator } from '../../src/emulator/index.js'
import { launchChromium, skipBrowser } from '../support/browser.js'
import { browserBundle } from '../support/bundle.js'
import { serveStatic, type StaticServer } from '../support/static-server.js'

const skip = skipBrowser()

/** A page under `policy` (a CSP `<meta>`), with the capture bundle and a starter. */
const page = (policy: string) => `<!doctype html><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${policy}">
<title>capture</title>
<script src="/capture.js"></script>
<script>
  window.originals = { ...console }
  // Runs from this page's own script, so that errors name it as their file.
  window.scenario = (other) => {
    setTimeout(() => {
      throw new TypeError('boom in a timer')
    })
    void Promise.reject(new RangeError('nobody caught this'))
    void Promise.reject('a bare string')
    console.error('failed to save', { id: 7 })
    console.warn('slow response', 1200, 'ms')
    console.log('not forwarded: log is not among the default levels')
    const blocked = document.createElement('img')
    blocked.src = other + '/pixel.png' // another origin: img-src 'self' refuses it
    document.body.append(blocked)
    const missing = document.createElement('img')
    missing.src = '/missing.png' // same origin, 404
    document.body.append(missing)
  }
  window.start = (options) => {
    window.options = { project: 'my-project', logstore: 'web', lingerMs: 10, ...options }
    window.capture = SlsCapture.startCapture(window.options)
    return true
  }
</script>`

async function until(what: string, check: () => boolean | Promise<boolean>, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

describe.skipIf(skip)('capture in Chromium', () => {
  let site: StaticServer | undefined
  let browser: Browser | undefined
  let emu: Emulator
  const pages: Page[] = []

  beforeAll(async () => {
    const bundle = await browserBundle({ file: 'src/capture/index.ts' }, 'SlsCapture')
    site = await serveStatic({
      '/': { type: 'text/html', body: page("img-src 'self'") },
      // The tracker's own requests are blocked: each send is a CSP violation and a failure.
      '/closed.html': { type: 'text/html', body: page("connect-src 'self'") },
      '/capture.js': { type: 'text/javascript', body: bundle },
    })
    browser = await launchChromium()
  })
  afterAll(async () => {
    await browser?.close()
    await site?.close()
  })
  afterEach(async () => {
    await Promise.all(pages.splice(0).map((p) => p.close()))
    await emu.close()
  })

  async function open(options: Record<string, unknown> = {}, path = '/'): Promise<Page> {
    emu = await startEmulator({ port: 0, host: '127.0.0.1' })
    const p = await (browser!.contexts()[0] ?? (await browser!.newContext())).newPage()
    pages.push(p)
    await p.goto(`${site!.origin}${path}`)
    await p.evaluate(([e, o]) => (window as any).start({ endpoint: e, ...o }), [emu.endpoint, options] as const)
    return p
  }
  const stats = (p: Page) => p.evaluate(() => (window as any).capture.stats() as CaptureStats)
  const logs = () => emu.logs().map((r) => r.log)
  const byKind = (kind: string) => logs().filter((l) => l.kind === kind)

  it('errors, rejections, console calls, a CSP violation and failed image loads arrive with the documented keys', async () => {
    const p = await open()
    const url = `${site!.origin}/`
    await p.evaluate((other) => (window as any).scenario(other), emu.endpoint.replace('localhost', '127.0.0.2'))
    await until('8 logs', async () => (await stats(p)).sent >= 8)
    await p.evaluate(() => (window as any).capture.tracker.flush())
    await until('8 logs at the emulator', () => logs().length >= 8)
    expect(byKind('error')).toEqual([
      {
        __time__: expect.any(String),
        kind: 'error',
        level: 'error',
        message: 'Uncaught TypeError: boom in a timer',
        page_url: url,
        error_name: 'TypeError',
        stack: expect.stringMatching(/^TypeError: boom in a timer\n\s+at /),
        file: url,
        line: expect.stringMatching(/^[1-9]\d*$/),
        column: expect.stringMatching(/^[1-9]\d*$/),
      },
    ])
    const rejections = byKind('unhandledrejection')
    expect(rejections).toEqual([
      expect.objectContaining({
        level: 'error',
        message: 'nobody caught this',
        error_name: 'RangeError',
        stack: expect.stringContaining('RangeError'),
      }),
      expect.objectContaining({ level: 'error', message: 'a bare string' }),
    ])
    expect(rejections[1]).not.toHaveProperty('stack')
    expect(byKind('console')).toEqual([
      expect.objectContaining({ level: 'error', message: 'failed to save {"id":7}', page_url: url }),
      expect.objectContaining({ level: 'warn', message: 'slow response 1200 ms' }),
    ])
    expect(byKind('csp')).toEqual([
      expect.objectContaining({
        level: 'warn',
        blocked_uri: expect.stringContaining('127.0.0.2'),
        directive: 'img-src',
        disposition: 'enforce',
        message: expect.stringMatching(/^Refused http:\/\/127\.0\.0\.2.* \(img-src\)$/),
      }),
    ])
    // The refused image failed to load too: a `resource` log as well as the `csp` one.
    expect(byKind('resource')).toEqual([
      expect.objectContaining({ element: 'img', resource_url: expect.stringMatching(/^http:\/\/127\.0\.0\.2:\d+\/pixel\.png$/) }),
      expect.objectContaining({
        level: 'error',
        element: 'img',
        resource_url: `${site!.origin}/missing.png`,
        message: `Failed to load img ${site!.origin}/missing.png`,
      }),
    ])
    expect(logs()).toHaveLength(8)
    expect(await stats(p)).toMatchObject({ sent: 8, limited: 0, collapsed: 0, ignored: 0 })
  })

  it('the rate limit holds back the excess and counts it; repeats collapse into one log with their count', async () => {
    const p = await open({ maxPerMinute: 5, console: ['error', 'info'] })
    await p.evaluate(() => {
      for (let i = 0; i < 10; i++) console.info('same thing again')
      for (let i = 0; i < 20; i++) console.error(`distinct ${i}`)
    })
    expect(await stats(p)).toMatchObject({ seen: 30, collapsed: 9, limited: 17 })
    await p.evaluate(() => (window as any).capture.stop())
    // The first info, the run's count (`repeats`) and 3 distinct errors fill the window of 5; at
    // stop, one more log says how many it held back: the 17 other errors.
    const info = byKind('console').filter((l) => l.level === 'info')
    expect(info.map((l) => [l.message, l.repeats])).toEqual([
      ['same thing again', undefined],
      ['same thing again', '9'],
    ])
    expect(byKind('console').filter((l) => l.level === 'error')).toHaveLength(3)
    expect(byKind('capture')).toEqual([
      expect.objectContaining({ level: 'warn', limited: '17', message: '17 log(s) not captured: over 5 a minute' }),
    ])
    expect(await stats(p)).toMatchObject({ sent: 6, limited: 17 })
  })

  it('stop() puts back every console method and removes every listener', async () => {
    const p = await open({ console: ['error', 'warn', 'info', 'log', 'debug'] })
    const same = await p.evaluate(async () => {
      const w = window as any
      const before = w.originals
      await w.capture.stop()
      return ['error', 'warn', 'info', 'log', 'debug'].map((m) => (console as any)[m] === before[m])
    })
    expect(same).toEqual([true, true, true, true, true])
    await p.evaluate(() => {
      setTimeout(() => {
        throw new Error('after stop')
      })
      void Promise.reject(new Error('after stop'))
      console.error('after stop')
    })
    await new Promise((r) => setTimeout(r, 200)) // let the timer and the rejection happen
    expect(await stats(p)).toMatchObject({ seen: 0 })
    expect(logs()).toEqual([])
  })

  it("never captures the tracker's own output: its blocked requests, its console.error, errors thrown by its callbacks", async () => {
    const p = await open({ retry: false, console: ['error'] }, '/closed.html')
    await p.evaluate(() => {
      const w = window as any
      // Its onError writes to the console and throws: neither comes back as a log.
      w.capture.stop()
      w.capture = w.SlsCapture.startCapture({
        ...w.options,
        onError: () => {
          console.error('reporting a failure')
          throw new Error('from onError')
        },
      })
      console.error('one real error')
    })
    // The one log is sent, its request blocked by connect-src (a violation of the tracker's own
    // host), the failure reported to onError, which logs and throws: none of it is captured.
    await until(
      'the failure reported',
      async () => (await p.evaluate(() => (window as any).capture.tracker.stats().failed as number)) === 1,
    )
    await new Promise((r) => setTimeout(r, 200)) // the violation event follows the blocked fetch
    const s = await stats(p)
    expect(s.sent).toBe(1)
    expect(s.ignored).toBeGreaterThanOrEqual(2)
    expect(logs()).toEqual([])
  })
})
