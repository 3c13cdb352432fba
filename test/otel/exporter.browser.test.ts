// sls-webtrack/otel in headless Debian Chromium: the real BatchLogRecordProcessor of
// @opentelemetry/sdk-logs (its browser build, as a bundler picks it) batches records emitted on
// a page into the exporter, and the logs arrive at the emulator, another origin, with the keys
// of the documented table; forceFlush and shutdown answer once they are sent. The page's
// bundle is made with esbuild from src/otel/index.ts and the SDK. No timed assertion.
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { startEmulator, type Emulator } from '../../src/emulator/index.js'
import { launchChromium, skipBrowser } from '../support/browser.js'
import { root } from '../support/run.js'
import { browserBundle } from '../support/bundle.js'
import { serveStatic, type StaticServer } from '../support/static-server.js'

const skip = skipBrowser()

const ENTRY = `
import { BatchLogRecordProcessor, LoggerProvider } from '@opentelemetry/sdk-logs'
import { resourceFromAttributes } from '@opentelemetry/resources'
import { createExporter } from ${JSON.stringify(join(root, 'src/otel/index.ts'))}
export function start(endpoint) {
  const exporter = createExporter({ project: 'my-project', endpoint, logstore: 'otel' })
  const provider = new LoggerProvider({
    resource: resourceFromAttributes({ 'service.name': 'shop-web' }),
    processors: [new BatchLogRecordProcessor({ exporter, scheduledDelayMillis: 60_000 })],
  })
  return { exporter, provider, logger: provider.getLogger('page', '0.3.0') }
}`

describe.skipIf(skip)('the OpenTelemetry exporter in Chromium', () => {
  let site: StaticServer | undefined
  let browser: Browser | undefined
  let emu: Emulator | undefined
  let page: Page | undefined

  beforeAll(async () => {
    const bundle = await browserBundle({ contents: ENTRY, loader: 'js' }, 'SlsOtel')
    site = await serveStatic({
      '/': { type: 'text/html', body: '<!doctype html><meta charset="utf-8"><title>otel</title><script src="/otel.js"></script>' },
      '/otel.js': { type: 'text/javascript', body: bundle },
    })
    browser = await launchChromium()
  })
  afterAll(async () => {
    await browser?.close()
    await site?.close()
  })
  afterEach(async () => {
    await page?.close()
    await emu?.close()
  })

  it('records batched by the real BatchLogRecordProcessor arrive with the documented keys; forceFlush and shutdown send them', async () => {
    emu = await startEmulator({ port: 0, host: '127.0.0.1', logstores: ['otel'] })
    page = await (browser!.contexts()[0] ?? (await browser!.newContext())).newPage()
    await page.goto(`${site!.origin}/`)
    const stats = await page.evaluate(async (endpoint) => {
      const w = window as any
      const { exporter, provider, logger } = w.SlsOtel.start(endpoint)
      logger.emit({ severityNumber: 13, severityText: 'WARN', body: 'slow paint', attributes: { 'ui.route': '/cart', ms: 830 } })
      await provider.forceFlush()
      const afterFlush = exporter.stats().sent
      logger.emit({ severityNumber: 9, severityText: 'INFO', body: { clicked: 'buy' } })
      await provider.shutdown()
      return { afterFlush, ...exporter.stats() }
    }, emu.endpoint)
    expect(stats).toMatchObject({ afterFlush: 1, sent: 2, failed: 0, dropped: 0 })
    const logs = emu.logs().map((r) => r.log)
    expect(logs).toEqual([
      {
        __time__: expect.any(String),
        time_unix_nano: expect.stringMatching(/^\d{19}$/),
        observed_time_unix_nano: expect.stringMatching(/^\d{19}$/),
        severity_number: '13',
        severity_text: 'WARN',
        body: 'slow paint',
        'otel.scope.name': 'page',
        'otel.scope.version': '0.3.0',
        'ui.route': '/cart',
        ms: '830',
        'resource.service.name': 'shop-web',
        ...Object.fromEntries(
          Object.keys(logs[0]!)
            .filter((k) => k.startsWith('resource.') && k !== 'resource.service.name')
            .map((k) => [k, expect.any(String)]),
        ),
      },
      expect.objectContaining({
        severity_number: '9',
        severity_text: 'INFO',
        body: '{"clicked":"buy"}',
        'resource.service.name': 'shop-web',
      }),
    ])
  })
})
