// The tracker in headless Debian Chromium (playwright-core): the page comes from one loopback
// origin (a static server on 127.0.0.1), the emulator is another (`http://my-project.localhost:{port}`),
// so every request is cross-origin as in production. The tracker is bundled from src/index.ts
// with esbuild as an IIFE global. No timed assertion: every wait polls for the expected state
// with a bounded deadline.
//
// Hidden pages: Playwright's launch() emulates focus, so a page never becomes hidden. For the
// tests that need a hidden page (3b, 3c) this file starts its own Chromium, connects over CDP with
// `noDefaults: true` (no focus emulation on the default context) and minimises the window
// with CDP `Browser.setWindowBounds` — a real visibility change, not a dispatched event.
import { join } from 'node:path'
import { build } from 'esbuild'
import type { Browser, Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { TrackerStats } from '../../src/tracker/index.js'
import { startEmulator, type Emulator } from '../../src/emulator/index.js'
import { launchChromium, skipBrowser, startOwnChromium } from '../support/browser.js'
import { root } from '../support/run.js'
import { serveStatic, type StaticServer } from '../support/static-server.js'

const skip = skipBrowser()

const PAGE = `<!doctype html><meta charset="utf-8"><title>tracker</title>
<script src="/tracker.js"></script>
<script>
  window.events = { errors: [], drops: [], sent: [] }
  window.makeTracker = (options) => {
    window.tracker = SlsWebtrack.createTracker({
      project: 'my-project', logstore: 'web', ...options,
      onError: (e, logs) => events.errors.push({ name: e.name, message: e.message, logs: logs.length }),
      onDrop: (count, reason) => events.drops.push({ count, reason }),
      onSent: (info) => events.sent.push(info),
    })
    return true
  }
</script>`

const WORKER = `importScripts('/tracker.js')
onmessage = async (event) => {
  const { options, count } = event.data
  const errors = []
  const tracker = SlsWebtrack.createTracker({ project: 'my-project', logstore: 'web', ...options, onError: (e) => errors.push(e.message) })
  for (let i = 0; i < count; i++) tracker.push({ i, where: 'worker' })
  await tracker.close()
  postMessage({ stats: tracker.stats(), errors, hasDocument: typeof document !== 'undefined' })
}`

/** Polls `check` until it holds; fails with `what` after `ms`. */
async function until(what: string, check: () => boolean | Promise<boolean>, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

const range = (n: number, from = 0) => Array.from({ length: n }, (_, k) => from + k)
const arrivedIds = (emu: Emulator) => emu.logs().map((r) => Number(r.log.i))

type PageStats = TrackerStats

describe.skipIf(skip)('the tracker in Chromium', () => {
  // Undefined in afterAll when beforeAll failed before them.
  let site: StaticServer | undefined
  let browser: Browser | undefined
  const emulators: Emulator[] = []

  beforeAll(async () => {
    const bundle = await build({
      entryPoints: [join(root, 'src/index.ts')],
      bundle: true,
      format: 'iife',
      globalName: 'SlsWebtrack',
      platform: 'browser',
      target: 'es2022',
      write: false,
      logLevel: 'silent',
    })
    const js = { type: 'text/javascript', body: bundle.outputFiles[0]!.text }
    site = await serveStatic({
      '/': { type: 'text/html', body: PAGE },
      '/other.html': { type: 'text/html', body: '<!doctype html><title>other</title><p>elsewhere</p>' },
      '/tracker.js': js,
      '/worker.js': { type: 'text/javascript', body: WORKER },
    })
    browser = await launchChromium()
  })

  afterAll(async () => {
    await browser?.close()
    await site?.close()
  })

  afterEach(async () => {
    await Promise.all(emulators.splice(0).map((e) => e.close()))
  })

  async function emulator(port = 0): Promise<Emulator> {
    const emu = await startEmulator({ port, host: '127.0.0.1' })
    emulators.push(emu)
    return emu
  }

  async function openPage(endpoint: string, options: Record<string, unknown> = {}, on: Browser = browser!): Promise<Page> {
    const page = await (on.contexts()[0] ?? (await on.newContext())).newPage()
    await page.goto(`${site!.origin}/`)
    await page.evaluate(([e, o]) => (window as any).makeTracker({ endpoint: e, ...o }), [endpoint, options] as const)
    return page
  }

  const stats = (page: Page) => page.evaluate(() => (window as any).tracker.stats() as PageStats)
  const push = (page: Page, count: number, from = 0, extra: Record<string, string> = {}) =>
    page.evaluate(
      ([n, f, x]) => {
        for (let i = 0; i < n; i++) (window as any).tracker.push({ i: f + i, ...x })
      },
      [count, from, extra] as const,
    )
  /** Minimises the window of a page of {@link startOwnChromium}'s browser and waits until the page is hidden. */
  async function hide(page: Page): Promise<void> {
    expect(await page.evaluate(() => document.visibilityState)).toBe('visible')
    const cdp = await page.context().newCDPSession(page)
    const { windowId } = await cdp.send('Browser.getWindowForTarget')
    await cdp.send('Browser.setWindowBounds', { windowId, bounds: { windowState: 'minimized' } })
    await until('the page hidden', async () => (await page.evaluate(() => document.visibilityState)) === 'hidden')
  }
  const flush = (page: Page) => page.evaluate(() => (window as any).tracker.flush() as Promise<boolean>)

  it('1. the CORS preflight passes and x-log-requestid is readable', async () => {
    const emu = await emulator()
    const page = await openPage(emu.endpoint, { lingerMs: 10 })
    await push(page, 5)
    expect(await flush(page)).toBe(true)
    // The headers form carries x-log-* headers: from another origin it only leaves after a passing preflight.
    const requests = emu.requests()
    expect(requests).toHaveLength(1)
    expect(requests[0]).toMatchObject({ form: 'headers', status: 200, project: 'my-project', logs: 5 })
    const sent = await page.evaluate(() => (window as any).events.sent)
    expect(sent).toHaveLength(1)
    expect(sent[0].requestId).toBe(requests[0]!.requestId)
    expect(arrivedIds(emu)).toEqual(range(5))
    await page.close()
  })

  it('2. 10,000 logs pushed from the page arrive exactly once', async () => {
    const emu = await emulator()
    const page = await openPage(emu.endpoint, { lingerMs: 20 })
    await push(page, 10_000, 0, { event: 'click', target: 'buy' })
    expect(await flush(page)).toBe(true)
    const ids = arrivedIds(emu)
    expect(ids).toHaveLength(10_000)
    expect(new Set(ids).size).toBe(10_000)
    expect(ids).toEqual(range(10_000)) // one topic: in order
    expect(await stats(page)).toMatchObject({ pushed: 10_000, sent: 10_000, failed: 0, dropped: 0, retried: 0 })
    await page.close()
  })

  it('3a. logs pushed right before the page navigates away arrive (pagehide, keep-alive)', async () => {
    const emu = await emulator()
    const page = await openPage(emu.endpoint, { lingerMs: 60_000 })
    await page.evaluate(() => {
      for (let i = 0; i < 200; i++) (window as any).tracker.push({ i, when: 'before-navigation' })
      setTimeout(() => location.assign('/other.html'), 0)
    })
    await page.waitForURL('**/other.html')
    await until('200 logs at the emulator', () => emu.logs().length >= 200)
    expect(arrivedIds(emu).sort((a, b) => a - b)).toEqual(range(200))
    expect(emu.requests().every((r) => r.form === 'headerless' && r.status === 200)).toBe(true)
    expect(emu.requests().reduce((n, r) => n + r.rawBytes, 0)).toBeLessThanOrEqual(60_000)
    await page.close()
  })

  /**
   * Logs 0..49 go out in a regular request that the stalled emulator holds; the page is then
   * hidden (when `hidden`), pushes 50..69 and navigates away. Checks that the cancelled request
   * was never stored and that every log arrives once the stall is released (at least once: the
   * tracker's promise).
   */
  async function inFlightAtNavigation(emu: Emulator, page: Page, hidden: boolean): Promise<void> {
    await push(page, 50)
    await until('the first request held by the emulator', () => emu.pending() === 1)
    if (hidden) await hide(page) // not final: the regular request in flight is left alone
    await page.evaluate(() => {
      for (let i = 50; i < 70; i++) (window as any).tracker.push({ i })
      setTimeout(() => location.assign('/other.html'), 0)
    })
    await page.waitForURL('**/other.html')
    // The regular request was cancelled while held: the emulator never processed it.
    const cancelled = () => emu.requests().filter((r) => r.form === 'headers')
    await until('the cancelled request recorded by the emulator', () => cancelled().length > 0)
    expect(cancelled()).toEqual([expect.objectContaining({ status: 0, fault: 'stall', logs: 0 })])
    emu.inject({ stall: false })
    // If no path rescues logs 0..49, they never arrive: the assertion below shows which are missing.
    await until('logs 0..69 at the emulator', () => new Set(arrivedIds(emu)).size === 70, 8_000).catch(() => {})
    expect([...new Set(arrivedIds(emu))].sort((a, b) => a - b)).toEqual(range(70))
  }

  it('3b. a request in flight when the page navigates away is re-sent on keep-alive: every log arrives', async () => {
    // Chromium cancels a page's regular requests as it unloads it, and fires `visibilitychange`
    // (hidden) after `pagehide`: in a visible page that second flush would re-send the cancelled
    // request (by then failed, waiting for a retry) whatever `pagehide` did. So the page is
    // hidden first (as in 3c): unloading it fires no `visibilitychange`, and the in-flight
    // request arrives only if the `pagehide` flush re-sends it on keep-alive.
    const emu = await emulator()
    emu.inject({ stall: true }) // requests are held unread: nothing is stored yet
    const own = await startOwnChromium()
    try {
      await inFlightAtNavigation(emu, await openPage(emu.endpoint, { lingerMs: 0 }, own.browser), true)
      expect(
        emu
          .requests()
          .filter((r) => r.status === 200)
          .every((r) => r.form === 'headerless'),
      ).toBe(true)
    } finally {
      await own.close()
    }
  })

  it('3b2. the same in a visible page: the cancelled request is never stored, yet every log arrives', async () => {
    // Playwright's page stays visible: unloading it fires `pagehide` (final), then
    // `visibilitychange`. Whichever path rescues the cancelled request (the re-send at
    // `pagehide`, or its retry sent on keep-alive by the later flush), no log may be lost.
    const emu = await emulator()
    emu.inject({ stall: true })
    const page = await openPage(emu.endpoint, { lingerMs: 0 })
    await inFlightAtNavigation(emu, page, false)
    await page.close()
  })

  it('3c. logs pushed right before the page is hidden arrive (window minimised over CDP)', async () => {
    const emu = await emulator()
    const own = await startOwnChromium()
    try {
      const page = await openPage(emu.endpoint, { lingerMs: 60_000 }, own.browser)
      await push(page, 100, 0, { when: 'before-hidden' })
      await hide(page)
      await until('100 logs at the emulator', () => emu.logs().length >= 100)
      expect(arrivedIds(emu)).toEqual(range(100))
      expect(emu.requests().every((r) => r.form === 'headerless')).toBe(true)
      // The page lives on: the keep-alive requests are answered and accounted for.
      await until('sent counted', async () => (await stats(page)).sent === 100)
      expect(await stats(page)).toMatchObject({ queued: 0, inFlight: 0, dropped: 0 })
    } finally {
      await own.close()
    }
  })

  it('4. the emulator fails with 500, then recovers: all logs arrive', async () => {
    const emu = await emulator()
    emu.inject({ fail: 4, status: 500 })
    const page = await openPage(emu.endpoint, { lingerMs: 10, maxBatchLogs: 100, retry: { limit: 5, baseDelayMs: 10, maxDelayMs: 50 } })
    await push(page, 500)
    expect(await flush(page)).toBe(true)
    expect(arrivedIds(emu)).toEqual(range(500))
    expect(emu.requests().filter((r) => r.status === 500)).toHaveLength(4)
    const s = await stats(page)
    expect(s).toMatchObject({ sent: 500, failed: 0 })
    expect(s.retried).toBeGreaterThan(0)
    await page.close()
  })

  it('5. the emulator down, then up: the logs within the queue bound arrive after recovery', async () => {
    const probe = await startEmulator({ port: 0, host: '127.0.0.1' })
    const port = probe.port
    await probe.close() // down: connections to the port are refused
    const page = await openPage(`http://localhost:${port}`, {
      lingerMs: 10,
      maxQueueBytes: 32 * 1024,
      retry: { limit: 2, baseDelayMs: 20, maxDelayMs: 100 },
      maxRetryMs: 120_000,
    })
    await push(page, 2000, 0, { event: 'view' })
    await until('retries while down', async () => (await stats(page)).requests >= 4)
    const down = await stats(page)
    expect(down.dropped).toBeGreaterThan(0)
    expect(down.failed).toBe(0)
    expect(down.queued + down.inFlight + down.dropped).toBe(2000)
    const emu = await emulator(port) // up again, same origin
    expect(await flush(page)).toBe(true)
    const kept = 2000 - down.dropped
    expect(arrivedIds(emu)).toEqual(range(kept))
    expect(await stats(page)).toMatchObject({ sent: kept, failed: 0, dropped: down.dropped })
    const drops = await page.evaluate(() => (window as any).events.drops)
    expect(drops.every((d: { reason: string }) => d.reason === 'queue-full')).toBe(true)
    await page.close()
  })

  it('works in a web worker (no window, no document)', async () => {
    const emu = await emulator()
    const page = await (browser!.contexts()[0] ?? (await browser!.newContext())).newPage()
    await page.goto(`${site!.origin}/`)
    const result = await page.evaluate(
      (endpoint) =>
        new Promise<any>((resolve, reject) => {
          const worker = new Worker('/worker.js')
          worker.onmessage = (e) => resolve(e.data)
          worker.onerror = (e) => reject(new Error(e.message))
          worker.postMessage({ options: { endpoint, lingerMs: 10 }, count: 300 })
        }),
      emu.endpoint,
    )
    expect(result.hasDocument).toBe(false)
    expect(result.errors).toEqual([])
    expect(result.stats).toMatchObject({ pushed: 300, sent: 300 })
    expect(arrivedIds(emu)).toEqual(range(300))
    await page.close()
  })
})
