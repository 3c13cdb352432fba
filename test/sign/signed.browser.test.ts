// Signed writes in headless Debian Chromium (playwright-core): the page on one loopback origin,
// the emulator (with credentials, its Logstore secured) on another, so every signed request is
// cross-origin and preflighted (Authorization, Content-MD5, x-log-*, x-acs-security-token), as
// in production. The signed tracker is bundled from src/sign/index.ts. Checks: batches and a
// retry, STS credentials from a provider, a 401 that asks the provider again, a skewed clock
// (the `Date` header is not exposed to the page: the offset comes from the message), logs
// pushed right before a navigation (the unload path signs synchronously, keep-alive with a
// preflight), and the typed refusals. No timed assertion: every wait polls with a deadline.
import type { Browser, Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { startEmulator, type Emulator, type EmulatorOptions } from '../../src/emulator/index.js'
import { launchChromium, skipBrowser } from '../support/browser.js'
import { browserBundle } from '../support/bundle.js'
import { serveStatic, type StaticServer } from '../support/static-server.js'

const skip = skipBrowser()
const KEY = { accessKeyId: 'LTAI5tBrowserKey01', accessKeySecret: 'browser-Secret-0123456789' }
const STS = { accessKeyId: 'STS.NUbrowser01', accessKeySecret: 'sts-browser/Secret+=', securityToken: 'CAIS-browser-token+/=' }
const HOUR = 3_600_000

const PAGE = `<!doctype html><meta charset="utf-8"><title>signed</title>
<script src="/sign.js"></script>
<script>
  window.events = { errors: [], providerCalls: 0 }
  const sts = ${JSON.stringify(STS)}
  window.provider = (token) => async () => {
    events.providerCalls++
    return { ...sts, securityToken: events.providerCalls === 1 && token ? token : sts.securityToken, expiration: Date.now() + ${HOUR} }
  }
  window.makeTracker = (options) => {
    window.tracker = SlsSign.createTracker({
      project: 'my-project', logstore: 'web', ...options,
      credentials: options.credentials ?? provider(options.firstToken),
      onError: (e, logs) => events.errors.push({ name: e.name, status: e.status, errorCode: e.errorCode, logs: logs.length }),
    })
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
const range = (n: number) => Array.from({ length: n }, (_, k) => k)
const ids = (emu: Emulator) =>
  emu
    .logs()
    .map((r) => Number(r.log.i))
    .sort((a, b) => a - b)

describe.skipIf(skip)('signed writes in Chromium', () => {
  let site: StaticServer | undefined
  let browser: Browser | undefined
  const emulators: Emulator[] = []
  let offsetMs = 0

  beforeAll(async () => {
    const bundle = await browserBundle({ file: 'src/sign/index.ts' }, 'SlsSign')
    site = await serveStatic({
      '/': { type: 'text/html', body: PAGE },
      '/other.html': { type: 'text/html', body: '<!doctype html><title>other</title><p>elsewhere</p>' },
      '/sign.js': { type: 'text/javascript', body: bundle },
    })
    browser = await launchChromium()
  })
  afterAll(async () => {
    await browser?.close()
    await site?.close()
  })
  afterEach(async () => {
    offsetMs = 0
    await Promise.all(emulators.splice(0).map((e) => e.close()))
  })

  async function emulator(extra: EmulatorOptions = {}): Promise<Emulator> {
    const emu = await startEmulator({
      host: '127.0.0.1',
      secured: ['web'],
      // Valid past the skewed clock of the skew test, too.
      credentials: [KEY, { ...STS, expiration: Date.now() + 3 * HOUR }],
      now: () => Date.now() + offsetMs,
      ...extra,
    })
    emulators.push(emu)
    return emu
  }
  async function openPage(emu: Emulator, options: Record<string, unknown> = {}): Promise<Page> {
    const page = await (browser!.contexts()[0] ?? (await browser!.newContext())).newPage()
    await page.goto(`${site!.origin}/`)
    await page.evaluate(([e, o]) => (window as any).makeTracker({ endpoint: e, ...o }), [emu.endpoint, options] as const)
    return page
  }
  const push = (page: Page, n: number) =>
    page.evaluate((count) => {
      for (let i = 0; i < count; i++) (window as any).tracker.push({ i, msg: `第${i}条` })
    }, n)
  const close = (page: Page) => page.evaluate(() => (window as any).tracker.close() as Promise<void>)
  const events = (page: Page) => page.evaluate(() => (window as any).events as { errors: unknown[]; providerCalls: number })

  it('batches and a retry go signed (LZ4 and uncompressed), with STS credentials asked once', async () => {
    const emu = await emulator()
    emu.inject({ fail: 1, status: 503, errorCode: 'InternalServerError' })
    const page = await openPage(emu, { maxBatchLogs: 400, retry: { baseDelayMs: 1, maxDelayMs: 5 } })
    await push(page, 1000)
    await close(page)
    expect(ids(emu)).toEqual(range(1000))
    const requests = emu.requests()
    expect(requests.every((r) => r.form === 'signed')).toBe(true)
    expect(requests.map((r) => r.status)).toEqual([503, 200, 200, 200])
    expect(requests.some((r) => r.compressType === 'lz4')).toBe(true)
    expect(await events(page)).toEqual({ errors: [], providerCalls: 1 })
    await page.close()
  })

  it('a 401 asks the provider again; a skewed clock is corrected from the refusal', async () => {
    const emu = await emulator()
    offsetMs = 2 * HOUR
    const page = await openPage(emu, { firstToken: 'revoked-token' })
    await push(page, 10)
    await close(page)
    expect(ids(emu)).toEqual(range(10))
    expect(emu.requests().map((r) => `${r.status} ${r.errorCode ?? ''}`.trim())).toEqual([
      '400 RequestTimeExpired',
      '401 Unauthorized',
      '200',
    ])
    expect((await events(page)).providerCalls).toBe(2)
    await page.close()
  })

  it('logs pushed right before the page navigates away arrive, signed on keep-alive', async () => {
    const emu = await emulator()
    const page = await openPage(emu, { lingerMs: 60_000 })
    // Credentials first: the unload path signs with what it holds.
    await push(page, 1)
    await page.evaluate(() => (window as any).tracker.flush())
    await page.evaluate(() => {
      for (let i = 1; i < 200; i++) (window as any).tracker.push({ i, when: 'before-navigation' })
      setTimeout(() => location.assign('/other.html'), 0)
    })
    await page.waitForURL('**/other.html')
    await until('200 logs at the emulator', () => emu.logs().length >= 200)
    expect(ids(emu)).toEqual(range(200))
    expect(emu.requests().every((r) => r.form === 'signed' && r.status === 200)).toBe(true)
    await page.close()
  })

  it('refusals reach onError typed: wrong secret, expired token, missing token, anonymous write', async () => {
    const emu = await emulator({ credentials: [KEY, { ...STS, expiration: Date.now() - 1 }] })
    const cases = [
      [{ credentials: { ...KEY, accessKeySecret: 'wrong' } }, 401, 'SignatureNotMatch'],
      [{}, 401, 'Unauthorized'],
      [{ credentials: { accessKeyId: STS.accessKeyId, accessKeySecret: STS.accessKeySecret } }, 401, 'Unauthorized'],
    ] as const
    for (const [options, status, errorCode] of cases) {
      const page = await openPage(emu, { ...options, retry: false })
      await push(page, 3)
      await close(page)
      expect((await events(page)).errors).toEqual([{ name: 'ServiceError', status, errorCode, logs: 3 }])
      await page.close()
    }
    expect(emu.logs()).toEqual([])
  })
})
