// The tracker in real browsers: Chromium, Firefox ESR and WebKitGTK (test/support/engines.ts),
// each scenario written once and run in each engine, each engine launched once for the file.
// The page comes from one loopback origin (a static server on 127.0.0.1), the emulator is
// another (`http://my-project.localhost:{port}`), so every request is cross-origin as in
// production. The tracker is bundled from src/index.ts with esbuild as an IIFE global. No timed
// assertion: every wait polls for the expected state with a bounded deadline.
//
// What happens across a navigation is learned from the page itself: it writes its lifecycle
// events (`pagehide`, `pageshow`, `visibilitychange`) and the tracker's drops into
// sessionStorage, which the next page of the tab reads back (WebKitWebDriver has no console or
// network events to listen to). Where the engines differ, the test states what each one does
// (`OBSERVED`): docs/guide.md's table per engine is written from it.
import { build } from 'esbuild'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { TrackerStats } from '../../src/tracker/index.js'
import { startEmulator, type Emulator } from '../../src/emulator/index.js'
import { ENGINES, launchEngine, skipEngine, until, type Engine, type EngineName, type EnginePage } from '../support/engines.js'
import { root } from '../support/run.js'
import { serveStatic, type StaticServer } from '../support/static-server.js'

/** The test page; `prelude` runs before the tracker's bundle loads. */
const pageHtml = (prelude = '') => `<!doctype html><meta charset="utf-8"><title>tracker</title>
<script>${prelude}</script>
<script src="/tracker.js"></script>
<script>
  const journal = (entry) => {
    const list = JSON.parse(sessionStorage.getItem('journal') || '[]')
    list.push(entry)
    sessionStorage.setItem('journal', JSON.stringify(list))
  }
  addEventListener('pagehide', (e) => journal({ event: 'pagehide', persisted: e.persisted, visibility: document.visibilityState }))
  addEventListener('pageshow', (e) => journal({ event: 'pageshow', persisted: e.persisted }))
  document.addEventListener('visibilitychange', () => journal({ event: 'visibilitychange', visibility: document.visibilityState }))
  window.events = { errors: [], drops: [], sent: [] }
  window.makeTracker = (options) => {
    window.tracker = SlsWebtrack.createTracker({
      project: 'my-project', logstore: 'web', ...options,
      onError: (e, logs) => events.errors.push({ name: e.name, message: e.message, logs: logs.length }),
      onDrop: (count, reason) => {
        events.drops.push({ count, reason })
        journal({ event: 'drop', count, reason })
      },
      onSent: (info) => events.sent.push(info),
    })
    return true
  }
</script>`

const PAGE = pageHtml()

/**
 * An engine whose `fetch` has no keep-alive (Firefox before 133): `Request` has no `keepalive`,
 * and `fetch` ignores the flag (a request of an unloading page is cancelled). Each beacon the
 * page sends is written to the journal.
 */
const NO_KEEPALIVE = `
  delete Request.prototype.keepalive
  const ownFetch = fetch
  window.fetch = (input, init) => ownFetch(new Request(input, { ...init, keepalive: false }))
  const ownBeacon = navigator.sendBeacon.bind(navigator)
  navigator.sendBeacon = (url, data) => {
    journal({ event: 'beacon', url, type: data.type })
    return ownBeacon(url, data)
  }`

/** An engine with neither keep-alive `fetch` nor `sendBeacon`. */
const NO_KEEPALIVE_NO_BEACON = `${NO_KEEPALIVE}
  delete Navigator.prototype.sendBeacon
  delete navigator.sendBeacon`

const OTHER = `<!doctype html><meta charset="utf-8"><title>other</title><p>elsewhere</p>`

const WORKER = `importScripts('/tracker.js')
onmessage = async (event) => {
  const { options, count } = event.data
  const errors = []
  const tracker = SlsWebtrack.createTracker({ project: 'my-project', logstore: 'web', ...options, onError: (e) => errors.push(e.message) })
  for (let i = 0; i < count; i++) tracker.push({ i, where: 'worker' })
  await tracker.close()
  postMessage({ stats: tracker.stats(), errors, hasDocument: typeof document !== 'undefined' })
}`

interface JournalEntry {
  event: 'pagehide' | 'pageshow' | 'visibilitychange' | 'drop' | 'beacon'
  url?: string
  type?: string
  persisted?: boolean
  visibility?: string
  count?: number
  reason?: string
}

/** What each engine was seen to do where engines differ; docs/guide.md's table is written from it. */
/**
 * What each engine does where engines differ, as these tests observe it (each is asserted
 * below); docs/guide.md's table per engine is written from it.
 * - `unloadVisible`, `unloadHidden`: the page's lifecycle events when it navigates away,
 *   visible or already hidden (`pagehide(persisted)`, `visibilitychange(state)`).
 * - `restoredInFlight`: logs still in flight when a page comes back from the back/forward cache,
 *   of the 100 its `pagehide` sent on keep-alive (all of them had arrived): a keep-alive request
 *   that Firefox froze with the page never settles; the attempt times out and is re-sent, so
 *   they arrive twice, counted as `retried`.
 */
const OBSERVED: Record<EngineName, { unloadVisible: string[]; unloadHidden: string[]; restoredInFlight: number }> = {
  chromium: {
    unloadVisible: ['pageshow(false)', 'pagehide(true)', 'visibilitychange(hidden)'],
    unloadHidden: ['pageshow(false)', 'visibilitychange(hidden)', 'pagehide(true)'],
    restoredInFlight: 0,
  },
  firefox: {
    unloadVisible: ['pageshow(false)', 'pagehide(false)', 'visibilitychange(hidden)'],
    unloadHidden: ['pageshow(false)', 'visibilitychange(hidden)', 'pagehide(false)'],
    restoredInFlight: 100,
  },
  webkit: {
    unloadVisible: ['pageshow(false)', 'pagehide(true)', 'visibilitychange(hidden)'],
    // WebKit reports the hidden state a second time after `pagehide`.
    unloadHidden: ['pageshow(false)', 'visibilitychange(hidden)', 'pagehide(true)', 'visibilitychange(hidden)'],
    restoredInFlight: 0,
  },
}

const range = (n: number, from = 0) => Array.from({ length: n }, (_, k) => from + k)
const arrivedIds = (emu: Emulator) => emu.logs().map((r) => Number(r.log.i))
const sortedIds = (emu: Emulator) => arrivedIds(emu).sort((a, b) => a - b)
/** The page's lifecycle events, in order, as `pagehide(persisted)`, `visibilitychange(hidden)`, `pageshow(…)`. */
const lifecycle = (journal: JournalEntry[]) =>
  journal
    .filter((e) => e.event !== 'drop' && e.event !== 'beacon')
    .map((e) => `${e.event}(${e.event === 'visibilitychange' ? e.visibility : e.persisted})`)

for (const name of ENGINES)
  describe.skipIf(skipEngine(name))(`the tracker in ${name}`, () => {
    // Undefined in afterAll when beforeAll failed before them.
    let site: StaticServer | undefined
    let engine: Engine | undefined
    let page: EnginePage | undefined
    const emulators: Emulator[] = []

    beforeAll(async () => {
      const bundle = await build({
        entryPoints: [`${root}src/index.ts`],
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
        // The same page, allowed into the back/forward cache (no `no-store`, which keeps Firefox's
        // and WebKit's out of it).
        '/cached.html': { type: 'text/html', body: PAGE, headers: { 'cache-control': 'no-cache' } },
        '/no-keepalive.html': { type: 'text/html', body: pageHtml(NO_KEEPALIVE) },
        '/no-keepalive-no-beacon.html': { type: 'text/html', body: pageHtml(NO_KEEPALIVE_NO_BEACON) },
        '/other.html': { type: 'text/html', body: OTHER },
        '/tracker.js': js,
        '/worker.js': { type: 'text/javascript', body: WORKER },
      })
      engine = await launchEngine(name)
    }, 120_000)

    afterAll(async () => {
      await engine?.close()
      await site?.close()
    })

    afterEach(async () => {
      await page?.close()
      page = undefined
      await Promise.all(emulators.splice(0).map((e) => e.close()))
    })

    async function emulator(port = 0): Promise<Emulator> {
      const emu = await startEmulator({ port, host: '127.0.0.1' })
      emulators.push(emu)
      return emu
    }

    /** A new page at `path` of the site, with a tracker for `endpoint`. */
    async function openPage(endpoint: string, options: Record<string, unknown> = {}, path = '/'): Promise<EnginePage> {
      page = await engine!.newPage()
      await page.goto(`${site!.origin}${path}`)
      await page.evaluate(([e, o]) => (window as any).makeTracker({ endpoint: e, ...o }), [endpoint, options] as const)
      return page
    }

    const stats = (p: EnginePage) => p.evaluate(() => (window as any).tracker.stats() as TrackerStats)
    const push = (p: EnginePage, count: number, from = 0, extra: Record<string, string> = {}) =>
      p.evaluate(
        ([n, f, x]) => {
          for (let i = 0; i < n; i++) (window as any).tracker.push({ i: f + i, ...x })
        },
        [count, from, extra] as const,
      )
    const flush = (p: EnginePage) => p.evaluate(() => (window as any).tracker.flush() as Promise<boolean>)
    const journal = (p: EnginePage) => p.evaluate(() => JSON.parse(sessionStorage.getItem('journal') ?? '[]') as JournalEntry[])

    /** Pushes logs `from`.. `from + count - 1`, then navigates to /other.html in the same task, and waits until it is there. */
    async function pushAndLeave(p: EnginePage, count: number, from = 0, extra: Record<string, string> = {}): Promise<void> {
      await p.evaluate(
        ([n, f, x]) => {
          for (let i = 0; i < n; i++) (window as any).tracker.push({ i: f + i, ...x })
          setTimeout(() => location.assign('/other.html'), 0)
        },
        [count, from, extra] as const,
      )
      await p.waitForPath('/other.html')
    }

    it('the CORS preflight passes and x-log-requestid is readable', async () => {
      const emu = await emulator()
      const p = await openPage(emu.endpoint, { lingerMs: 10 })
      await push(p, 5)
      expect(await flush(p)).toBe(true)
      // The headers form carries x-log-* headers: from another origin it only leaves after a passing preflight.
      const requests = emu.requests()
      expect(requests).toHaveLength(1)
      expect(requests[0]).toMatchObject({ form: 'headers', status: 200, project: 'my-project', logs: 5 })
      const sent = await p.evaluate(() => (window as any).events.sent)
      expect(sent).toHaveLength(1)
      expect(sent[0].requestId).toBe(requests[0]!.requestId)
      expect(arrivedIds(emu)).toEqual(range(5))
    })

    it('10,000 logs pushed from the page arrive exactly once, in order', async () => {
      const emu = await emulator()
      const p = await openPage(emu.endpoint, { lingerMs: 20 })
      await push(p, 10_000, 0, { event: 'click', target: 'buy' })
      expect(await flush(p)).toBe(true)
      expect(arrivedIds(emu)).toEqual(range(10_000)) // one topic: in order, none twice
      expect(await stats(p)).toMatchObject({ pushed: 10_000, sent: 10_000, failed: 0, dropped: 0, retried: 0 })
    })

    it('logs pushed right before the page navigates away arrive once, on keep-alive', async () => {
      const emu = await emulator()
      const p = await openPage(emu.endpoint, { lingerMs: 60_000 })
      await pushAndLeave(p, 300, 0, { when: 'before-navigation' })
      await until('300 logs at the emulator', () => emu.logs().length >= 300)
      expect(sortedIds(emu)).toEqual(range(300))
      expect(emu.requests().every((r) => r.form === 'headerless' && r.status === 200)).toBe(true)
      expect(emu.requests().reduce((n, r) => n + r.rawBytes, 0)).toBeLessThanOrEqual(60_000)
      const events = await journal(p)
      expect(events.filter((e) => e.event === 'drop')).toEqual([])
      expect(lifecycle(events)).toEqual(OBSERVED[name].unloadVisible)
    })

    it('logs pushed right before the page is hidden arrive once, on keep-alive', async () => {
      const emu = await emulator()
      const p = await openPage(emu.endpoint, { lingerMs: 60_000 })
      await push(p, 200, 0, { when: 'before-hidden' })
      await p.hide()
      await until('200 logs at the emulator', () => emu.logs().length >= 200)
      expect(arrivedIds(emu)).toEqual(range(200))
      expect(emu.requests().every((r) => r.form === 'headerless')).toBe(true)
      // The page lives on: the keep-alive requests are answered and accounted for.
      await until('sent counted', async () => (await stats(p)).sent === 200)
      expect(await stats(p)).toMatchObject({ queued: 0, inFlight: 0, dropped: 0 })
      expect(lifecycle(await journal(p))).toEqual(['pageshow(false)', 'visibilitychange(hidden)'])
    })

    it('logs pushed while hidden, then navigated away, arrive once', async () => {
      const emu = await emulator()
      const p = await openPage(emu.endpoint, { lingerMs: 60_000 })
      await p.hide()
      await pushAndLeave(p, 300, 0, { when: 'hidden' })
      await until('300 logs at the emulator', () => emu.logs().length >= 300)
      expect(sortedIds(emu)).toEqual(range(300))
      expect(emu.requests().every((r) => r.form === 'headerless' && r.status === 200)).toBe(true)
      expect(lifecycle(await journal(p))).toEqual(OBSERVED[name].unloadHidden)
    })

    /**
     * Logs 0..49 go out in a regular request that the stalled emulator holds; the page is then
     * hidden (when `hidden`), pushes 50..69 and navigates away. The tracker's `pagehide` flush
     * cancels the regular request and re-sends its logs on keep-alive: the cancelled request is
     * never stored, and every log arrives exactly once when the stall is released.
     */
    async function inFlightAtNavigation(hidden: boolean): Promise<void> {
      const emu = await emulator()
      emu.inject({ stall: true }) // requests are held unread: nothing is stored yet
      const p = await openPage(emu.endpoint, { lingerMs: 0 })
      await push(p, 50)
      await until('the first request held by the emulator', () => emu.pending() === 1)
      if (hidden) await p.hide() // not final: the regular request in flight is left alone
      await pushAndLeave(p, 20, 50)
      const cancelled = () => emu.requests().filter((r) => r.form === 'headers')
      await until('the cancelled request recorded by the emulator', () => cancelled().length > 0)
      expect(cancelled()).toEqual([expect.objectContaining({ status: 0, fault: 'stall', logs: 0 })])
      emu.inject({ stall: false })
      // If no path rescues logs 0..49, they never arrive: the assertion below shows which are missing.
      await until('logs 0..69 at the emulator', () => emu.logs().length >= 70, 8_000).catch(() => {})
      expect(sortedIds(emu)).toEqual(range(70))
      expect(
        emu
          .requests()
          .filter((r) => r.status === 200)
          .every((r) => r.form === 'headerless'),
      ).toBe(true)
    }

    it('a request in flight when a visible page navigates away is re-sent on keep-alive', () => inFlightAtNavigation(false))

    it('a request in flight when a hidden page navigates away is re-sent on keep-alive', () => inFlightAtNavigation(true))

    it('more than the keep-alive budget at unload: what fits arrives once, the rest is dropped and reported', async () => {
      const emu = await emulator()
      const p = await openPage(emu.endpoint, { lingerMs: 60_000 })
      // About 200 KB of logs against the 60,000-byte default budget.
      await pushAndLeave(p, 1000, 0, { pad: 'x'.repeat(180) })
      const events = await journal(p)
      const dropped = events.filter((e) => e.event === 'drop')
      expect(dropped).toEqual([{ event: 'drop', count: expect.any(Number), reason: 'unload' }])
      const kept = 1000 - dropped[0]!.count!
      await until(`${kept} logs at the emulator`, () => emu.logs().length >= kept)
      // The first logs, in order, within the budget; nothing twice.
      expect(sortedIds(emu)).toEqual(range(kept))
      expect(emu.requests().every((r) => r.form === 'headerless' && r.status === 200)).toBe(true)
      expect(emu.requests().reduce((n, r) => n + r.rawBytes, 0)).toBeLessThanOrEqual(60_000)
      expect(kept).toBeGreaterThan(200)
    })

    it("the largest budget allowed (the engines' 64 KiB keep-alive cap): every log arrives or is reported dropped", async () => {
      const emu = await emulator()
      const p = await openPage(emu.endpoint, { lingerMs: 60_000, unloadBudgetBytes: 65_536, maxBatchBytes: 16_000 })
      // Above it, the tracker is refused at creation (Chromium and WebKit would refuse the requests, unreported).
      const refused = await p.evaluate(() => {
        try {
          return (window as any).makeTracker({ endpoint: 'http://localhost:1', unloadBudgetBytes: 65_537 }) as boolean
        } catch (error) {
          return (error as Error).name
        }
      })
      expect(refused).toBe('ValidationError')
      // About 200 KB in requests of 16 KB, all started in the `pagehide` listener.
      await pushAndLeave(p, 1000, 0, { pad: 'x'.repeat(180) })
      const dropped = (await journal(p)).filter((e) => e.event === 'drop').reduce((n, e) => n + e.count!, 0)
      expect(dropped).toBeGreaterThan(0)
      // Full batches may have left on regular requests while the logs were pushed; one that the
      // emulator answered before the page saw the answer is re-sent at `pagehide` (counted as
      // retried), and one cancelled at `pagehide` may still have been stored: ids are counted once.
      const arrived = () => new Set(arrivedIds(emu)).size
      await until('every log not dropped at the emulator', () => arrived() + dropped >= 1000)
      const keptAlive = emu.requests().filter((r) => r.form === 'headerless' && r.status === 200)
      expect(keptAlive.reduce((n, r) => n + r.rawBytes, 0)).toBeLessThanOrEqual(65_536)
    })

    it('no keep-alive fetch (Firefox before 133): logs pushed right before the page navigates away arrive once, on beacons', async () => {
      const emu = await emulator()
      const p = await openPage(emu.endpoint, { lingerMs: 60_000 }, '/no-keepalive.html')
      await pushAndLeave(p, 300, 0, { when: 'before-navigation' })
      await until('300 logs at the emulator', () => emu.logs().length >= 300)
      expect(sortedIds(emu)).toEqual(range(300))
      expect(emu.requests().every((r) => r.form === 'headerless' && r.status === 200)).toBe(true)
      expect(emu.requests().reduce((n, r) => n + r.rawBytes, 0)).toBeLessThanOrEqual(60_000)
      const events = await journal(p)
      expect(events.filter((e) => e.event === 'drop')).toEqual([])
      // The tracker's requests were its beacons: the header-less URL, a text/plain body (no preflight).
      const beacons = events.filter((e) => e.event === 'beacon')
      expect(beacons).toHaveLength(emu.requests().length)
      for (const b of beacons)
        expect(b).toMatchObject({ url: expect.stringMatching(/\/logstores\/web\/track\?APIVersion=0\.6\.0$/), type: 'text/plain' })
    })

    it('no keep-alive fetch: logs pushed right before the page is hidden leave on beacons, counted as sent', async () => {
      const emu = await emulator()
      const p = await openPage(emu.endpoint, { lingerMs: 60_000 }, '/no-keepalive.html')
      await push(p, 200, 0, { when: 'before-hidden' })
      await p.hide()
      await until('200 logs at the emulator', () => emu.logs().length >= 200)
      expect(arrivedIds(emu)).toEqual(range(200))
      expect((await journal(p)).filter((e) => e.event === 'beacon')).toHaveLength(emu.requests().length)
      // A beacon has no answer: one the browser accepted is settled as sent at once, so the page
      // that lives on holds nothing in flight, and a flush resolves.
      expect(await stats(p)).toMatchObject({ sent: 200, queued: 0, inFlight: 0, dropped: 0 })
      expect(await flush(p)).toBe(true)
      const sent = await p.evaluate(() => (window as any).events.sent as { keepalive: boolean; requestId?: string }[])
      expect(sent.every((info) => info.keepalive && info.requestId == null)).toBe(true)
    })

    it('neither keep-alive fetch nor sendBeacon: the logs that cannot leave at unload are dropped and reported', async () => {
      const emu = await emulator()
      const p = await openPage(emu.endpoint, { lingerMs: 60_000 }, '/no-keepalive-no-beacon.html')
      await pushAndLeave(p, 300, 0, { when: 'before-navigation' })
      const events = await journal(p)
      expect(events.filter((e) => e.event === 'drop')).toEqual([{ event: 'drop', count: 300, reason: 'unload' }])
    })

    it('the emulator fails with 500, then recovers: every log arrives once', async () => {
      const emu = await emulator()
      emu.inject({ fail: 4, status: 500 })
      const p = await openPage(emu.endpoint, {
        lingerMs: 10,
        maxBatchLogs: 100,
        retry: { limit: 5, baseDelayMs: 10, maxDelayMs: 50 },
      })
      await push(p, 500)
      expect(await flush(p)).toBe(true)
      expect(arrivedIds(emu)).toEqual(range(500))
      expect(emu.requests().filter((r) => r.status === 500)).toHaveLength(4)
      const s = await stats(p)
      expect(s).toMatchObject({ sent: 500, failed: 0 })
      expect(s.retried).toBeGreaterThan(0)
    })

    it('the receiver down, then up: the logs within the queue bound arrive after recovery', async () => {
      const probe = await startEmulator({ port: 0, host: '127.0.0.1' })
      const port = probe.port
      await probe.close() // down: connections to the port are refused
      const p = await openPage(`http://localhost:${port}`, {
        lingerMs: 10,
        maxQueueBytes: 32 * 1024,
        retry: { limit: 2, baseDelayMs: 20, maxDelayMs: 100 },
        maxRetryMs: 120_000,
      })
      await push(p, 2000, 0, { event: 'view' })
      await until('retries while down', async () => (await stats(p)).requests >= 4)
      const down = await stats(p)
      expect(down.dropped).toBeGreaterThan(0)
      expect(down.failed).toBe(0)
      expect(down.queued + down.inFlight + down.dropped).toBe(2000)
      const emu = await emulator(port) // up again, same origin
      expect(await flush(p)).toBe(true)
      const kept = 2000 - down.dropped
      expect(arrivedIds(emu)).toEqual(range(kept))
      expect(await stats(p)).toMatchObject({ sent: kept, failed: 0, dropped: down.dropped })
      const drops = await p.evaluate(() => (window as any).events.drops as { reason: string }[])
      expect(drops.every((d) => d.reason === 'queue-full')).toBe(true)
    })

    it('a page restored from the back/forward cache keeps tracking: every log arrives, any duplicate is counted', async () => {
      const emu = await emulator()
      // A short attempt timeout: a keep-alive request frozen with the page may never settle.
      const options = { lingerMs: 60_000, timeoutMs: 2000 }
      const p = await openPage(emu.endpoint, options, '/cached.html')
      await pushAndLeave(p, 100)
      await until('100 logs at the emulator', () => emu.logs().length >= 100)
      await p.evaluate(() => setTimeout(() => history.back(), 0))
      await p.waitForPath('/cached.html')
      // Restored, in every engine: the same tracker, its listeners and timers alive.
      expect(lifecycle(await journal(p)).at(-1)).toBe('pageshow(true)')
      const { restoredInFlight } = OBSERVED[name]
      expect(await stats(p)).toMatchObject({ sent: 100 - restoredInFlight, inFlight: restoredInFlight })
      await push(p, 100, 100)
      expect(await flush(p)).toBe(true)
      // Every log arrives; the ones sent twice are those the tracker counted as retried.
      expect([...new Set(arrivedIds(emu))].sort((a, b) => a - b)).toEqual(range(200))
      expect(arrivedIds(emu).length - 200).toBe(restoredInFlight)
      const s = await stats(p)
      expect(s).toMatchObject({ pushed: 200, sent: 200, retried: restoredInFlight, dropped: 0, queued: 0, inFlight: 0 })
      // Its waits are bounded on their own; WebKit's navigation back through WebDriver once took
      // the file's whole 20 s on a fresh CI machine (1 run of 3).
    }, 45_000)

    it('works in a web worker (no window, no document)', async () => {
      const emu = await emulator()
      page = await engine!.newPage()
      await page.goto(`${site!.origin}/other.html`)
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
    })
  })
