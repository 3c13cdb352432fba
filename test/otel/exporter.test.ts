// sls-webtrack/otel in Node: logs emitted through the OpenTelemetry API, batched by the real
// BatchLogRecordProcessor of @opentelemetry/sdk-logs, arrive at the emulator with the keys of
// the documented table; forceFlush and shutdown are honoured; and an export is answered
// SUCCESS only when every log of it arrived (the processor reports the others as failed).
import { context, trace, TraceFlags } from '@opentelemetry/api'
import { SeverityNumber } from '@opentelemetry/api-logs'
import { ExportResultCode, setGlobalErrorHandler } from '@opentelemetry/core'
import { resourceFromAttributes } from '@opentelemetry/resources'
import { BatchLogRecordProcessor, LoggerProvider, type ReadableLogRecord } from '@opentelemetry/sdk-logs'
import { build } from 'esbuild'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { startEmulator, type Emulator } from '../../src/emulator/index.js'
import { createExporter, type ExporterOptions, type ExportResult, type SlsLogRecordExporter } from '../../src/otel/index.js'
import { root } from '../support/run.js'

let emu: Emulator
const providers: LoggerProvider[] = []
const exporters: SlsLogRecordExporter[] = []
const handled: unknown[] = []

beforeEach(async () => {
  emu = await startEmulator({ logstores: ['otel'] })
  handled.length = 0
  setGlobalErrorHandler((error) => handled.push(error))
})
afterEach(async () => {
  await Promise.all(providers.splice(0).map((p) => p.shutdown()))
  await Promise.all(exporters.splice(0).map((e) => e.shutdown()))
  await emu.close()
})

function exporter(options: Partial<ExporterOptions> = {}): SlsLogRecordExporter {
  const e = createExporter({
    project: 'my-project',
    endpoint: emu.endpoint,
    logstore: 'otel',
    fetch: emu.fetch,
    flushOnExit: false,
    ...options,
  })
  exporters.push(e)
  return e
}

/** A provider with the real batch processor; it exports only when flushed or shut down. */
function provider(e: SlsLogRecordExporter, attributes = { 'service.name': 'checkout', 'service.version': '1.2.0' }): LoggerProvider {
  const p = new LoggerProvider({
    resource: resourceFromAttributes(attributes),
    processors: [new BatchLogRecordProcessor({ exporter: e, scheduledDelayMillis: 60_000 })],
  })
  providers.push(p)
  return p
}

/** Calls `export` directly, as a processor does; resolves with its answer. */
const exportNow = (e: SlsLogRecordExporter, records: ReadableLogRecord[]) =>
  new Promise<ExportResult>((resolve) => e.export(records, resolve))

/** Records as the SDK makes them: emitted through a provider whose processor hands them over. */
function records(n: number, from = 0): ReadableLogRecord[] {
  const out: ReadableLogRecord[] = []
  const p = new LoggerProvider({ processors: [{ onEmit: (r) => void out.push(r), forceFlush: async () => {}, shutdown: async () => {} }] })
  for (let i = from; i < from + n; i++) p.getLogger('t').emit({ body: `log ${i}`, attributes: { i } })
  return out
}

describe('the mapping, on the wire', () => {
  it('severity, body, attributes, trace ids, scope, resource and time arrive under the documented keys', async () => {
    const p = provider(exporter())
    const span = { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: TraceFlags.SAMPLED }
    const logger = p.getLogger('app', '0.1.0')
    logger.emit({
      severityNumber: SeverityNumber.WARN,
      severityText: 'WARN',
      body: 'payment slow',
      timestamp: new Date(1_733_400_000_123),
      context: trace.setSpanContext(context.active(), span),
      attributes: {
        'http.request.method': 'GET',
        retries: 3,
        ok: true,
        user: { id: 'u1', tags: ['a', 'b'] },
        __source__: 'x',
        body: 'shadowed',
      },
    })
    logger.emit({ body: { order: 42, items: ['a'] }, eventName: 'order.placed' })
    await p.forceFlush()

    const [first, second] = emu.logs().map((r) => r.log)
    expect(first).toEqual({
      __time__: expect.stringMatching(/^\d+$/),
      time_unix_nano: '1733400000123000000',
      observed_time_unix_nano: expect.stringMatching(/^\d{19}$/),
      severity_number: '13',
      severity_text: 'WARN',
      body: 'payment slow',
      trace_id: span.traceId,
      span_id: span.spanId,
      trace_flags: '1',
      'otel.scope.name': 'app',
      'otel.scope.version': '0.1.0',
      'http.request.method': 'GET',
      retries: '3',
      ok: 'true',
      'user.id': 'u1',
      'user.tags': '["a","b"]',
      source__: 'x',
      'resource.service.name': 'checkout',
      'resource.service.version': '1.2.0',
    })
    expect(second).toMatchObject({ body: '{"order":42,"items":["a"]}', event_name: 'order.placed' })
    expect(second).not.toHaveProperty('trace_id')
    // The only reserved key is the one the service stamps at receipt.
    for (const log of [first!, second!]) expect(Object.keys(log).filter((k) => k.startsWith('__'))).toEqual(['__time__'])
  })

  it('attributePrefix, resourcePrefix and topicFrom change the keys and the topic', async () => {
    const p = provider(exporter({ attributePrefix: 'attributes.', resourcePrefix: false, topicFrom: 'service.name' }))
    p.getLogger('app').emit({ body: 'x', attributes: { body: 'kept' } })
    await p.forceFlush()
    const [record] = emu.logs()
    expect(record!.topic).toBe('checkout')
    expect(record!.log).toMatchObject({ body: 'x', 'attributes.body': 'kept' })
    expect(Object.keys(record!.log).some((k) => k.startsWith('resource.'))).toBe(false)
  })
})

describe('forceFlush, shutdown and export results', () => {
  it('forceFlush sends what the processor holds; shutdown sends the rest, and export then fails at once', async () => {
    const e = exporter({ lingerMs: 60_000 })
    const p = provider(e)
    p.getLogger('app').emit({ body: 'one' })
    await p.forceFlush()
    expect(emu.logs().map((r) => r.log.body)).toEqual(['one'])
    p.getLogger('app').emit({ body: 'two' })
    await p.shutdown()
    expect(emu.logs().map((r) => r.log.body)).toEqual(['one', 'two'])
    expect(handled).toEqual([])
    const after = await exportNow(e, records(1))
    expect(after.code).toBe(ExportResultCode.FAILED)
    expect(after.error?.message).toMatch(/shut down/)
    expect(emu.logs()).toHaveLength(2)
  })

  it('a refused request makes the export FAILED with its error, and the processor reports it', async () => {
    const errors: unknown[] = []
    const p = provider(exporter({ onError: (error) => errors.push(error) }))
    emu.inject({ fail: 1, status: 400, errorCode: 'PostBodyInvalid' })
    p.getLogger('app').emit({ body: 'lost' })
    await p.forceFlush()
    expect(emu.logs()).toEqual([])
    expect(handled).toHaveLength(1)
    expect(handled[0]).toBe(errors[0])
    expect(handled[0]).toMatchObject({ name: 'ServiceError', status: 400 })
  })

  it('each export answers for its own logs: a failed request fails only the exports whose logs it carried', async () => {
    const e = exporter({ maxBatchLogs: 2, retry: false })
    emu.inject({ fail: 1, status: 500 })
    const answers = await Promise.all([exportNow(e, records(2, 0)), exportNow(e, records(2, 2)), exportNow(e, records(1, 4))])
    expect(answers.map((a) => a.code)).toEqual([ExportResultCode.FAILED, ExportResultCode.SUCCESS, ExportResultCode.SUCCESS])
    expect(emu.logs().map((r) => r.log.i)).toEqual(['2', '3', '4'])
    expect(e.stats()).toMatchObject({ pushed: 5, sent: 3, failed: 2 })
  })

  it('no export is answered SUCCESS unless every log of it arrived, whatever fails (40 exports, random faults)', async () => {
    const e = exporter({ maxBatchLogs: 3, retry: { limit: 1, baseDelayMs: 1, maxDelayMs: 2 }, maxRetryMs: 0, lingerMs: 5 })
    let seed = 7
    const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31
    const exports: { ids: number[]; answer: Promise<ExportResult> }[] = []
    let next = 0
    for (let k = 0; k < 40; k++) {
      if (random() < 0.3) emu.inject({ fail: 1 + Math.floor(random() * 2), status: random() < 0.5 ? 400 : 503 })
      const batch = records(1 + Math.floor(random() * 4), next)
      exports.push({ ids: batch.map((r) => r.attributes.i as number), answer: exportNow(e, batch) })
      next += batch.length
      if (random() < 0.5) await exports.at(-1)!.answer
    }
    const answers = await Promise.all(exports.map((x) => x.answer))
    const arrived = new Set(emu.logs().map((r) => Number(r.log.i)))
    exports.forEach(({ ids }, k) => {
      const all = ids.every((i) => arrived.has(i))
      // SUCCESS exactly when all of it arrived (the logs are all different, so each loss is traced).
      expect(answers[k]!.code, `export ${k} (${ids.join(',')})`).toBe(all ? ExportResultCode.SUCCESS : ExportResultCode.FAILED)
    })
    expect(answers.filter((a) => a.code === ExportResultCode.FAILED).length).toBeGreaterThan(0)
    expect(answers.filter((a) => a.code === ExportResultCode.SUCCESS).length).toBeGreaterThan(0)
    const s = e.stats()
    expect(s.sent + s.failed).toBe(next)
  })
})

describe('the entry', () => {
  it('loads nothing of OpenTelemetry at run time', async () => {
    const out = await build({
      entryPoints: [`${root}/src/otel/index.ts`],
      bundle: true,
      write: false,
      metafile: true,
      platform: 'neutral',
      format: 'esm',
      logLevel: 'silent',
    })
    const inputs = Object.keys(out.metafile.inputs)
    expect(inputs.some((f) => f.includes('src/tracker/'))).toBe(true)
    expect(inputs.filter((f) => f.includes('@opentelemetry'))).toEqual([])
  })
})
