// indexedDBStore in headless Debian Chromium (playwright-core), against the emulator: what a
// page leaves (reloaded, closed while hidden) the next page of the origin sends; two tabs on
// one store never send a log twice, with the emulator failing half the requests; IndexedDB
// missing or over quota falls back to memory, reported once; what the tracker drops at
// pagehide (beyond the keep-alive budget) before it was written stays for the next page. The
// page is served from one loopback origin, the emulator is another. No timed assertion: every
// wait polls for the expected state with a bounded deadline.
import type { Browser, Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { startEmulator, type Emulator } from '../../src/emulator/index.js'
import type { TrackerStats } from '../../src/tracker/index.js'
import { launchChromium, skipBrowser, startOwnChromium } from '../support/browser.js'
import { browserBundle } from '../support/bundle.js'
import { serveStatic, type StaticServer } from '../support/static-server.js'

const skip = skipBrowser()

// The page bundles the tracker and the persist entry's browser build (no node:fs in it).
const ENTRY = `export { createTracker } from './src/index.ts'
export { indexedDBStore, fileStore } from './src/persist/browser.ts'`

const PAGE = `<!doctype html><meta charset="utf-8"><title>store</title>
<script src="/bundle.js"></script>
<script>
  window.events = { errors: [], drops: [], sent: [], thrown: [] }
  window.makeTracker = (options, storeOptions) => {
    window.store = SlsWebtrack.indexedDBStore({ name: 'test', leaseMs: 300, ...storeOptions })
    window.tracker = SlsWebtrack.createTracker({
      project: 'my-project', logstore: 'web', store, ...options,
      onError: (e, logs) => events.errors.push({ name: e.name, message: e.message, logs: logs.length }),
      onDrop: (count, reason) => events.drops.push({ count, reason }),
      onSent: (info) => events.sent.push(info.logs),
    })
    return true
  }
  window.pushMany = (n, extra) => {
    for (let i = 0; i < n; i++) {
      try { tracker.push({ i: String(i), ...extra }) } catch (e) { events.thrown.push(String(e)) }
    }
  }
</script>`

/** Polls `check` until it holds; fails with `what` after `ms`. */
async function until(what: string, check: () => boolean | Promise<boolean>, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`)
    await new Promise((r) => setTimeout(r, 25))
  }
}

/** A port nothing listens on: connections to it are refused until an emulator takes it. */
async function freePort(): Promise<number> {
  const probe = await startEmulator({ port: 0, host: '127.0.0.1' })
  await probe.close()
  return probe.port
}

/** Every arrived log's `tab:i`, with how many times each arrived. */
function arrivals(emu: Emulator): Map<string, number> {
  const seen = new Map<string, number>()
  for (const { log } of emu.logs()) {
    const id = `${log.tab ?? ''}:${log.i}`
    seen.set(id, (seen.get(id) ?? 0) + 1)
  }
  return seen
}

const ids = (n: number, tab = '') => Array.from({ length: n }, (_, i) => `${tab}:${i}`).sort()
const fast = { lingerMs: 10, retry: { limit: Infinity, baseDelayMs: 20, maxDelayMs: 200 }, maxRetryMs: 600_000 }

describe.skipIf(skip)('indexedDBStore in Chromium', () => {
  let site: StaticServer | undefined
  let browser: Browser | undefined
  const emulators: Emulator[] = []

  beforeAll(async () => {
    const bundle = await browserBundle({ contents: ENTRY }, 'SlsWebtrack')
    site = await serveStatic({
      '/': { type: 'text/html', body: PAGE },
      '/bundle.js': { type: 'text/javascript', body: bundle },
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

  /** A page of a fresh context (an empty IndexedDB), or beside `on` (its context: the same IndexedDB). */
  async function openPage(on: Browser | Page, endpoint: string, options: object = {}, storeOptions: object = {}): Promise<Page> {
    const page = 'contexts' in on ? await (await on.newContext()).newPage() : await on.context().newPage()
    await page.goto(`${site!.origin}/`)
    await start(page, endpoint, options, storeOptions)
    return page
  }
  const start = (page: Page, endpoint: string, options: object = {}, storeOptions: object = {}) =>
    page.evaluate(([e, o, so]) => (window as any).makeTracker({ endpoint: e, ...o }, so), [endpoint, options, storeOptions] as const)
  const stats = (page: Page) => page.evaluate(() => (window as any).tracker.stats() as TrackerStats)
  const events = (page: Page) => page.evaluate(() => (window as any).events)
  const push = (page: Page, n: number, extra: object = {}) => page.evaluate(([k, x]) => (window as any).pushMany(k, x), [n, extra] as const)

  it('500 logs pushed with the emulator down, the page reloaded, the emulator up: all 500 arrive exactly once', async () => {
    const port = await freePort()
    const endpoint = `http://localhost:${port}`
    const page = await openPage(browser!, endpoint, fast)
    await push(page, 500)
    await until('requests refused', async () => (await stats(page)).requests >= 2)
    await page.evaluate(() => (window as any).store.flush())
    await page.reload()
    await start(page, endpoint, fast)
    const emu = await emulator(port)
    await until('500 logs at the emulator', () => emu.logs().length >= 500)
    expect(await page.evaluate(() => (window as any).tracker.flush())).toBe(true)
    const seen = arrivals(emu)
    expect([...seen.keys()].sort()).toEqual(ids(500))
    expect([...seen.values()].every((n) => n === 1)).toBe(true)
    // One topic: in the order pushed.
    expect(emu.logs().map((r) => Number(r.log.i))).toEqual(Array.from({ length: 500 }, (_, i) => i))
    // Each arrived log carries the time it was pushed.
    expect(emu.logs().every((r) => Number(r.log.pushed_at) > 0)).toBe(true)
    expect(await stats(page)).toMatchObject({ pushed: 500, sent: 500, failed: 0, dropped: 0 })
    await page.context().close()
  })

  // Both orders, the page closed the moment the last push returns: no wait lets the store's
  // own schedule (a frame, or 100 ms that a hidden page stretches to a second) write them.
  it.each([
    ['pushed, then hidden', true],
    ['hidden, then pushed', false],
  ] as const)(
    '300 logs %s, the page closed at once, a new page opened: all arrive',
    async (_, pushFirst) => {
      const port = await freePort()
      const endpoint = `http://localhost:${port}`
      const own = await startOwnChromium()
      try {
        const context = own.browser.contexts()[0]!
        const page = await context.newPage()
        await page.goto(`${site!.origin}/`)
        await start(page, endpoint, { ...fast, lingerMs: 60_000 })
        // Once the database is open (what is pushed before that lives in memory only): the
        // pushes are written by the store itself, never flushed by the test.
        await page.evaluate(() => (window as any).store.flush())
        if (pushFirst) await push(page, 300)
        // Hidden for real (the window minimised): the tracker's keep-alive flush meets a refused port.
        const cdp = await context.newCDPSession(page)
        const { windowId } = await cdp.send('Browser.getWindowForTarget')
        await cdp.send('Browser.setWindowBounds', { windowId, bounds: { windowState: 'minimized' } })
        await until('the page hidden', async () => (await page.evaluate(() => document.visibilityState)) === 'hidden')
        if (!pushFirst) await push(page, 300)
        await page.close({ runBeforeUnload: false })
        const emu = await emulator(port)
        const next = await context.newPage()
        await next.goto(`${site!.origin}/`)
        await start(next, endpoint, fast)
        // The new page claims the closed one's logs once its Web Lock is free: at start, or at
        // the next look (every leaseMs, 10 s) when the closed renderer is slow to go (a loaded machine).
        await until('300 logs at the emulator', () => emu.logs().length >= 300, 45_000)
        expect(await next.evaluate(() => (window as any).tracker.flush())).toBe(true)
        const seen = arrivals(emu)
        expect([...seen.keys()].sort()).toEqual(ids(300))
        expect([...seen.values()].every((n) => n === 1)).toBe(true)
        expect(await stats(next)).toMatchObject({ pushed: 300, sent: 300, failed: 0 })
      } finally {
        await own.close()
      }
    },
    90_000,
  )

  it('two tabs push 1,000 logs each into one store, the emulator failing half the requests: 2,000 arrive, none twice', async () => {
    const emu = await emulator()
    // Every other request fails with a 500: a fault is queued whenever the last one was used.
    let next = 0
    const injector = setInterval(() => {
      const n = emu.stats().requests
      if (n >= next) {
        emu.inject({ fail: 1, status: 500 })
        next = n + 2
      }
    }, 1)
    try {
      const a = await openPage(browser!, emu.endpoint, fast)
      const b = await openPage(a, emu.endpoint, fast)
      await Promise.all([push(a, 1000, { tab: 'a' }), push(b, 1000, { tab: 'b' })])
      await until('2,000 logs at the emulator', () => emu.logs().length >= 2000)
      expect(await a.evaluate(() => (window as any).tracker.flush())).toBe(true)
      expect(await b.evaluate(() => (window as any).tracker.flush())).toBe(true)
      const seen = arrivals(emu)
      expect([...seen.keys()].sort()).toEqual([...ids(1000, 'a'), ...ids(1000, 'b')].sort())
      expect([...seen.values()].filter((n) => n > 1)).toEqual([])
      const failed = emu.requests().filter((r) => r.status === 500).length
      expect(failed).toBeGreaterThan(emu.requests().length / 4)
      for (const page of [a, b]) expect(await stats(page)).toMatchObject({ pushed: 1000, sent: 1000, failed: 0 })
      await a.context().close()
    } finally {
      clearInterval(injector)
    }
  })

  it('a tab that dies holding logs: another tab of the store sends them, once', async () => {
    const port = await freePort()
    const endpoint = `http://localhost:${port}`
    const a = await openPage(browser!, endpoint, fast)
    const b = await openPage(a, endpoint, fast)
    await push(a, 200, { tab: 'a' })
    await until('requests refused', async () => (await stats(a)).requests >= 2)
    await a.evaluate(() => (window as any).store.flush())
    // The renderer crashes: no pagehide, nothing more written; its lock dies with it.
    const cdp = await a.context().newCDPSession(a)
    const crashed = new Promise((resolve) => a.once('crash', resolve))
    void cdp.send('Page.crash').catch(() => {})
    await crashed
    const emu = await emulator(port)
    await until('200 logs at the emulator', () => emu.logs().length >= 200)
    expect(await b.evaluate(() => (window as any).tracker.flush())).toBe(true)
    const seen = arrivals(emu)
    expect([...seen.keys()].sort()).toEqual(ids(200, 'a'))
    expect([...seen.values()].every((n) => n === 1)).toBe(true)
    expect(await stats(b)).toMatchObject({ pushed: 200, sent: 200 })
    await b.context().close()
  })

  it("logs the tracker drops at pagehide ('unload') before they were written stay for the next page", async () => {
    const port = await freePort()
    const endpoint = `http://localhost:${port}`
    // A keep-alive budget of a few logs: most of the 300 are dropped at pagehide.
    const options = { ...fast, lingerMs: 60_000, unloadBudgetBytes: 500 }
    const a = await openPage(browser!, endpoint, options)
    await a.evaluate(() => (window as any).store.flush())
    // In one task: pushed (not yet written: the store writes on the next frame), then the
    // page goes away. The event is dispatched by hand so that the page outlives it: without
    // the store's own pagehide listener, the tracker's 'unload' drops would delete the logs
    // from its pending writes (and, once written, from the database) before the page dies.
    const unloadDrops = await a.evaluate(() => {
      const w = window as any
      w.pushMany(300)
      dispatchEvent(new PageTransitionEvent('pagehide', { persisted: false }))
      return w.events.drops
        .filter((d: { reason: string }) => d.reason === 'unload')
        .reduce((n: number, d: { count: number }) => n + d.count, 0)
    })
    expect(unloadDrops).toBeGreaterThan(200)
    await a.evaluate(() => (window as any).store.flush())
    await a.close({ runBeforeUnload: false })
    const emu = await emulator(port)
    // A page of the same context (the same IndexedDB): it claims what the closed one left.
    const b = await openPage(a, endpoint, fast)
    await until('300 logs at the emulator', () => emu.logs().length >= 300, 10_000)
    expect(await b.evaluate(() => (window as any).tracker.flush())).toBe(true)
    const seen = arrivals(emu)
    expect([...seen.keys()].sort()).toEqual(ids(300))
    expect([...seen.values()].every((n) => n === 1)).toBe(true)
    await b.context().close()
  })

  it('logs sent on keep-alive as the page went away, the answer never seen: the next page sends them again, each copy counted as retried', async () => {
    const emu = await emulator()
    const a = await openPage(browser!, emu.endpoint, { ...fast, lingerMs: 60_000 })
    await a.evaluate(() => (window as any).store.flush())
    await push(a, 100)
    await a.evaluate(() => (window as any).store.flush())
    // pagehide: the tracker hands the 100 to keep-alive requests, which arrive; the page is
    // gone before their answers, so the store still holds them.
    await a.goto('about:blank')
    await until('100 logs at the emulator', () => emu.logs().length >= 100)
    const b = await openPage(a, emu.endpoint, fast)
    await b.evaluate(() => (window as any).store.flush())
    expect(await b.evaluate(() => (window as any).tracker.flush())).toBe(true)
    const seen = arrivals(emu)
    expect([...seen.keys()].sort()).toEqual(ids(100))
    const copies = [...seen.values()].reduce((n, k) => n + k - 1, 0)
    expect(copies).toBe(100)
    expect(await stats(b)).toMatchObject({ pushed: 100, sent: 100, retried: copies })
    await b.context().close()
  })

  it('records a version 1 store left (one log each) are read and sent by this version', async () => {
    const emu = await emulator()
    const page = await (await browser!.newContext()).newPage()
    await page.goto(`${site!.origin}/`)
    // The database as version 1 wrote it: a dead tab's two logs, one record each.
    await page.evaluate(
      () =>
        new Promise<void>((resolve, reject) => {
          const open = indexedDB.open('sls-webtrack:test', 1)
          open.onupgradeneeded = () => {
            open.result.createObjectStore('logs').createIndex('owner', 'owner')
            open.result.createObjectStore('tabs', { keyPath: 'id' })
          }
          open.onsuccess = () => {
            const tx = open.result.transaction('logs', 'readwrite')
            for (const i of [0, 1])
              tx.objectStore('logs').put({ owner: 'old', topic: '', at: Date.now(), json: `{"i":"${i}"}` }, ['old', i])
            tx.oncomplete = () => {
              open.result.close()
              resolve()
            }
            tx.onerror = () => reject(new Error(String(tx.error)))
          }
          open.onerror = () => reject(new Error(String(open.error)))
        }),
    )
    await start(page, emu.endpoint, fast)
    await until('2 logs at the emulator', () => emu.logs().length >= 2)
    expect(await page.evaluate(() => (window as any).tracker.flush())).toBe(true)
    expect([...arrivals(emu).keys()].sort()).toEqual(ids(2))
    expect(await stats(page)).toMatchObject({ pushed: 2, sent: 2, retried: 0 })
    await page.context().close()
  })

  it('IndexedDB missing: the tracker keeps its logs in memory, reported once, nothing thrown', async () => {
    const emu = await emulator()
    const page = await (await browser!.newContext()).newPage()
    await page.goto(`${site!.origin}/`)
    await page.evaluate(() => Object.defineProperty(window, 'indexedDB', { value: undefined }))
    await start(page, emu.endpoint, fast)
    await push(page, 100)
    expect(await page.evaluate(() => (window as any).tracker.flush())).toBe(true)
    const { errors, thrown } = await events(page)
    expect(thrown).toEqual([])
    expect(errors).toHaveLength(1)
    expect(errors[0]).toMatchObject({ logs: 0 })
    expect(errors[0].message).toMatch(/^indexedDBStore: logs are kept in memory only .*IndexedDB is not available/)
    expect(arrivals(emu).size).toBe(100)
    await page.context().close()
  })

  it('IndexedDB over quota: the tracker keeps its logs in memory, reported once, nothing thrown', async () => {
    const emu = await emulator()
    const context = await browser!.newContext()
    const page = await context.newPage()
    await page.goto(`${site!.origin}/`)
    const cdp = await context.newCDPSession(page)
    await cdp.send('Storage.overrideQuotaForOrigin', { origin: site!.origin, quotaSize: 1 })
    // Logs of 2 KiB: the first write is over the quota.
    await start(page, emu.endpoint, { ...fast, lingerMs: 200 })
    await push(page, 300, { pad: 'x'.repeat(2048) })
    await until('the fallback reported', async () => (await events(page)).errors.length > 0)
    await push(page, 300, { pad: 'y'.repeat(2048), tab: 'later' })
    expect(await page.evaluate(() => (window as any).tracker.flush())).toBe(true)
    const { errors, thrown } = await events(page)
    expect(thrown).toEqual([])
    expect(errors).toHaveLength(1)
    expect(errors[0].message).toMatch(/^indexedDBStore: logs are kept in memory only .*QuotaExceededError/)
    expect(arrivals(emu).size).toBe(600)
    expect(await stats(page)).toMatchObject({ pushed: 600, sent: 600, failed: 0 })
    await context.close()
  })

  it('fileStore in the browser build throws a plain error; indexedDBStore refuses a bad option', async () => {
    const page = await (await browser!.newContext()).newPage()
    await page.goto(`${site!.origin}/`)
    const messages = await page.evaluate(() =>
      [() => (window as any).SlsWebtrack.fileStore({ path: 'x' }), () => (window as any).SlsWebtrack.indexedDBStore({ maxAgeMs: -1 })].map(
        (f) => {
          try {
            f()
            return 'no error'
          } catch (e) {
            return (e as Error).message
          }
        },
      ),
    )
    expect(messages[0]).toMatch(/fileStore needs node:fs .* use indexedDBStore/)
    expect(messages[1]).toMatch(/maxAgeMs/)
    await page.context().close()
  })
})
