// withOffline in headless Debian Chromium (playwright-core), against the emulator: the network
// taken away through CDP (Network.emulateNetworkConditions, offline) for a stretch many times
// the tracker's retry window while logs are pushed, then given back: nothing lost, nothing
// counted as failed, no retry spent; and, with navigator.onLine still true, a run of network
// errors (a refused port) makes the tracker offline until its probe finds the emulator. The
// stretches are bounded by short simulated settings (retry window 200 ms); no timed assertion:
// every wait polls for a state with a bounded deadline.
import type { Browser, CDPSession, Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { startEmulator, type Emulator } from '../../src/emulator/index.js'
import type { TrackerStats } from '../../src/tracker/index.js'
import { launchChromium, skipBrowser } from '../support/browser.js'
import { browserBundle } from '../support/bundle.js'
import { serveStatic, type StaticServer } from '../support/static-server.js'

const skip = skipBrowser()

const ENTRY = `export { createTracker } from './src/index.ts'
export { indexedDBStore } from './src/persist/browser.ts'
export { withOffline } from './src/offline/index.ts'`

const PAGE = `<!doctype html><meta charset="utf-8"><title>offline</title>
<script src="/bundle.js"></script>
<script>
  window.events = { errors: [], drops: [], changes: [], retries: 0 }
  window.makeTracker = (options, offlineOptions) => {
    const { indexedDBStore, withOffline, createTracker } = SlsWebtrack
    window.store = withOffline(indexedDBStore({ name: 'offline' }), {
      ...offlineOptions, onChange: (offline) => events.changes.push(offline),
    })
    window.tracker = createTracker({
      project: 'my-project', logstore: 'web', store, ...options,
      onError: (e, logs) => events.errors.push({ name: e.name, message: e.message, logs: logs.length }),
      onDrop: (count, reason) => events.drops.push({ count, reason }),
      onRetry: () => events.retries++,
    })
    return true
  }
  window.pushed = 0
  window.pushMany = (n) => {
    for (let i = 0; i < n; i++) tracker.push({ i: String(pushed++) })
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

/** The retry window of the page's tracker; an offline stretch lasts many of them. */
const WINDOW_MS = 200
const fast = { lingerMs: 10, retry: { limit: 2, baseDelayMs: 20, maxDelayMs: 50 }, maxRetryMs: WINDOW_MS }

/** Pushes 20 logs every 50 ms until `ms` passed (a bounded loop: at most `ms / 50` rounds). */
async function pushFor(page: Page, ms: number): Promise<void> {
  for (let round = 0; round < ms / 50; round++) {
    await page.evaluate(() => (window as any).pushMany(20))
    await new Promise((r) => setTimeout(r, 50))
  }
}

describe.skipIf(skip)('withOffline in Chromium', () => {
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

  async function openPage(endpoint: string, options: object, offlineOptions: object = {}): Promise<Page> {
    const page = await (await browser!.newContext()).newPage()
    await page.goto(`${site!.origin}/`)
    await page.evaluate(([e, o, oo]) => (window as any).makeTracker({ endpoint: e, ...o }, oo), [
      endpoint,
      options,
      offlineOptions,
    ] as const)
    await page.evaluate(() => (window as any).store.flush())
    return page
  }
  const stats = (page: Page) => page.evaluate(() => (window as any).tracker.stats() as TrackerStats)
  const events = (page: Page) => page.evaluate(() => (window as any).events)
  const pushed = (page: Page) => page.evaluate(() => (window as any).pushed as number)
  const network = (cdp: CDPSession, offline: boolean) =>
    cdp.send('Network.emulateNetworkConditions', { offline, latency: 0, downloadThroughput: -1, uploadThroughput: -1 })

  /** Every log arrived once, in the order pushed (one topic). */
  function expectEachOnce(emu: Emulator, n: number): void {
    expect(emu.logs().map((r) => Number(r.log.i))).toEqual(Array.from({ length: n }, (_, i) => i))
  }

  it('CDP offline while pushing, for many retry windows, then online: nothing lost or failed, no retry spent', async () => {
    const emu = await emulator()
    const page = await openPage(emu.endpoint, fast)
    const cdp = await page.context().newCDPSession(page)
    await cdp.send('Network.enable')
    await page.evaluate(() => (window as any).pushMany(100))
    await until('the first 100 logs at the emulator', () => emu.logs().length >= 100)
    await network(cdp, true)
    await until('navigator.onLine false', async () => !(await page.evaluate(() => navigator.onLine)))
    const before = await stats(page)
    // Ten retry windows offline, pushing all along.
    await pushFor(page, 10 * WINDOW_MS)
    const offline = await stats(page)
    const n = await pushed(page)
    expect(offline).toMatchObject({ requests: before.requests, retried: 0, failed: 0, dropped: 0, sent: 100, queued: n - 100 })
    expect(emu.logs()).toHaveLength(100)
    await network(cdp, false)
    await until(`${n} logs at the emulator`, () => emu.logs().length >= n)
    expect(await page.evaluate(() => (window as any).tracker.flush())).toBe(true)
    expectEachOnce(emu, n)
    expect(await stats(page)).toMatchObject({ pushed: n, sent: n, retried: 0, failed: 0, dropped: 0 })
    const { errors, drops, changes, retries } = await events(page)
    expect({ errors, drops, changes, retries }).toEqual({ errors: [], drops: [], changes: [true, false], retries: 0 })
    await page.context().close()
  })

  it('network errors in a row, navigator.onLine true: offline until the probe reaches the service; nothing failed', async () => {
    const port = await freePort()
    const page = await openPage(`http://localhost:${port}`, fast, { offlineAfter: 2, probeMs: 100 })
    await page.evaluate(() => (window as any).pushMany(20))
    await until('offline by its own count', async () => (await events(page)).changes.length > 0)
    // Ten retry windows with the port refused, pushing all along: the probe keeps failing.
    await pushFor(page, 10 * WINDOW_MS)
    const n = await pushed(page)
    expect(await stats(page)).toMatchObject({ failed: 0, dropped: 0, sent: 0 })
    const emu = await emulator(port)
    await until(`${n} logs at the emulator`, () => emu.logs().length >= n)
    expect(await page.evaluate(() => (window as any).tracker.flush())).toBe(true)
    expectEachOnce(emu, n)
    expect(await stats(page)).toMatchObject({ pushed: n, sent: n, failed: 0, dropped: 0 })
    const { errors, drops, changes, retries } = await events(page)
    expect({ errors, drops, changes }).toEqual({ errors: [], drops: [], changes: [true, false] })
    // The policy's retry before the second network error; probes are no retry of the policy.
    expect(retries).toBeLessThanOrEqual(1)
    await page.context().close()
  })
})
