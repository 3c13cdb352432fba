/**
 * `sls-webtrack/otel`: a `LogRecordExporter` for `@opentelemetry/sdk-logs` (an optional peer
 * dependency; only its types are used, so this entry loads nothing of OpenTelemetry's). Logs
 * leave through the tracker: batched, compressed when given a codec, retried and bounded.
 *
 * @example
 * ```ts
 * import { BatchLogRecordProcessor, LoggerProvider } from '@opentelemetry/sdk-logs'
 * import { createExporter } from 'sls-webtrack/otel'
 *
 * const exporter = createExporter({ project: 'my-project', endpoint: 'cn-hangzhou.log.aliyuncs.com', logstore: 'otel' })
 * const provider = new LoggerProvider({ processors: [new BatchLogRecordProcessor({ exporter })] })
 * provider.getLogger('app').emit({ severityText: 'INFO', body: 'started' })
 * await provider.shutdown()
 * ```
 * @packageDocumentation
 */
export { createExporter } from './exporter.js'
export type { ExporterOptions, ExportResult, SlsLogRecordExporter } from './exporter.js'
export { toLog } from './map.js'
export type { LogMapping } from './map.js'
