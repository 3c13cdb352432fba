// The tracker in Chromium's workers (headless Debian Chromium through playwright-core), posting
// cross-origin to the emulator as a page does:
// - a dedicated worker: a long-lived tracker that delivers on its own timer, LZ4-compressed,
//   with no page events to attach to;
// - a service worker: no `pagehide`, no `visibilitychange`, and the browser may stop it as soon
//   as no event keeps it alive. The pattern the guide documents: push in an event's handler and
//   pass `tracker.flush()` to that event's `waitUntil`. The tracker's timer is set to a minute,
//   so the logs that arrive were delivered by those flushes and nothing else.
// No timed assertion: every wait polls for the expected state with a bounded deadline.
import type { Browser, Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { startEmulator, type Emulator } from '../../src/emulator/index.js'
import { launchChromium, skipBrowser } from '../support/browser.js'
import { browserBundle } from '../support/bundle.js'
import { serveStatic, type StaticServer } from '../support/static-server.js'

const skip = skipBrowser()

const PAGE = '<!doctype html><meta charset="utf-8"><title>workers</title><p>workers</p>'

// A tracker that lives as long as the worker; the page sends it logs to push.
const DEDICATED = `importScripts('/tracker.js')
let tracker
const errors = []
onmessage = (event) => {
  const { endpoint, count, from } = event.data
  tracker ??= SlsWebtrack.createTracker({
    project: 'my-project', logstore: 'web', endpoint, compression: 'lz4', lingerMs: 50,
    onError: (e) => errors.push(e.message),
  })
  for (let i = 0; i < count; i++) tracker.push({ i: from + i, where: 'dedicated' })
  postMessage({ stats: tracker.stats(), errors, hasDocument: typeof document !== 'undefined' })
}`

// The guide's pattern: every event that pushes keeps the worker alive until its logs are sent.
const SERVICE = `importScripts('/tracker.js')
const endpoint = new URL(location.href).searchParams.get('endpoint')
const errors = []
const tracker = SlsWebtrack.createTracker({
  project: 'my-project', logstore: 'web', endpoint, compression: 'lz4',
  lingerMs: 60000, // only the flushes below deliver in this test
  onError: (e) => errors.push(e.message),
})
let n = 0
const push = (kind) => tracker.push({ i: n++, kind })

addEventListener('install', (event) => {
  push('install')
  event.waitUntil(Promise.all([skipWaiting(), tracker.flush()]))
})
addEventListener('activate', (event) => {
  push('activate')
  event.waitUntil(Promise.all([clients.claim(), tracker.flush()]))
})
addEventListener('fetch', (event) => {
  const url = new URL(event.request.url)
  if (url.pathname !== '/ping') return
  push('fetch')
  event.respondWith(new Response('pong'))
  event.waitUntil(tracker.flush())
})
addEventListener('message', (event) => {
  for (let k = 0; k < event.data.count; k++) push('message')
  event.waitUntil(
    tracker.flush().then((flushed) =>
      event.source.postMessage({ flushed, stats: tracker.stats(), errors, hasPagehide: 'onpagehide' in self }),
    ),
  )
})`

/** Polls `check` until it holds; fails with `what` after `ms`. */
async function until(what: string, check: () => boolean | Promise<boolean>, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

const range = (n: number, from = 0) => Array.from({ length: n }, (_, k) => from + k)

describe.skipIf(skip)('the tracker in Chromium workers', () => {
  let site: StaticServer | undefined
  let browser: Browser | undefined
  const emulators: Emulator[] = []

  beforeAll(async () => {
    const bundle = await browserBundle({ file: 'src/index.ts' }, 'SlsWebtrack')
    const js = 'text/javascript'
    site = await serveStatic({
      '/': { type: 'text/html', body: PAGE },
      '/tracker.js': { type: js, body: bundle },
      '/dedicated.js': { type: js, body: DEDICATED },
      '/sw.js': { type: js, body: SERVICE },
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

  async function setUp(): Promise<{ emu: Emulator; page: Page }> {
    const emu = await startEmulator({ host: '127.0.0.1' })
    emulators.push(emu)
    // A context of its own: a service worker registered here dies with it.
    const context = await browser!.newContext()
    const page = await context.newPage()
    await page.goto(`${site!.origin}/`)
    return { emu, page }
  }

  it('a dedicated worker: a long-lived tracker delivers on its timer, LZ4-compressed, cross-origin', async () => {
    const { emu, page } = await setUp()
    const replies = await page.evaluate(async (endpoint) => {
      const worker = new Worker('/dedicated.js')
      ;(self as any).worker = worker
      const ask = (count: number, from: number) =>
        new Promise<any>((resolve, reject) => {
          worker.onmessage = (e) => resolve(e.data)
          worker.onerror = (e) => reject(new Error(e.message))
          worker.postMessage({ endpoint, count, from })
        })
      return [await ask(1500, 0), await ask(1500, 1500)]
    }, emu.endpoint)
    expect(replies[0].hasDocument).toBe(false)
    // Neither close() nor flush(): the tracker's own timer sends them.
    await until('3000 logs from the worker', () => emu.logs().length >= 3000)
    expect(
      emu
        .logs()
        .map((r) => Number(r.log.i))
        .sort((a, b) => a - b),
    ).toEqual(range(3000))
    expect(emu.requests().every((r) => r.status === 200 && r.compressType === 'lz4')).toBe(true)
    const last = await page.evaluate(
      () =>
        new Promise<any>((resolve) => {
          const worker = (self as any).worker as Worker
          worker.onmessage = (e) => resolve(e.data)
          worker.postMessage({ count: 0, from: 0 })
        }),
    )
    expect(last.errors).toEqual([])
    expect(last.stats).toMatchObject({ pushed: 3000, sent: 3000, failed: 0, dropped: 0 })
    await page.context().close()
  })

  it('a service worker: logs pushed in install, activate, fetch and message events arrive through event.waitUntil(tracker.flush())', async () => {
    const { emu, page } = await setUp()
    await page.evaluate(async (endpoint) => {
      await navigator.serviceWorker.register(`/sw.js?endpoint=${encodeURIComponent(endpoint)}`)
      await navigator.serviceWorker.ready
    }, emu.endpoint)
    await until('the service worker controls the page', () => page.evaluate(() => !!navigator.serviceWorker.controller))
    // install and activate: their waitUntil held the worker until their flushes ended.
    await until('the install and activate logs', () => emu.logs().length >= 2)
    // fetch: the page's request goes through the worker, whose flush keeps it alive.
    expect(await page.evaluate(() => fetch('/ping').then((r) => r.text()))).toBe('pong')
    await until('the fetch log', () => emu.logs().length >= 3)
    // message: 500 logs, and the answer once the flush that keeps the worker alive resolved.
    const reply = await page.evaluate(
      () =>
        new Promise<any>((resolve) => {
          navigator.serviceWorker.onmessage = (e) => resolve(e.data)
          navigator.serviceWorker.controller!.postMessage({ count: 500 })
        }),
    )
    expect(reply).toMatchObject({ flushed: true, errors: [], hasPagehide: false })
    expect(reply.stats).toMatchObject({ pushed: 503, sent: 503, failed: 0, dropped: 0 })
    const kinds = emu.logs().map((r) => r.log.kind)
    expect(kinds.slice(0, 3)).toEqual(['install', 'activate', 'fetch'])
    expect(kinds.filter((k) => k === 'message')).toHaveLength(500)
    expect(emu.logs().map((r) => Number(r.log.i))).toEqual(range(503))
    expect(emu.requests().every((r) => r.status === 200 && r.compressType === 'lz4')).toBe(true)
    await page.context().close()
  })
})
