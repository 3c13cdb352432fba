// The exporter: each `export` pushes its records to a tracker (which batches, compresses,
// retries and bounds them) and answers once every one of them is settled. What the tracker
// reports lost (`onError`, `onDrop`) is traced back to the exports it came from, so that no
// export is answered SUCCESS for a log that did not arrive.
import type { LogRecordExporter, ReadableLogRecord } from '@opentelemetry/sdk-logs'
import { createTracker, WebTrackError, type LogInput, type Tracker, type TrackerOptions, type TrackerStats } from '../core.js'
import { toLog, topicOf, type LogMapping } from './map.js'

/** What `export` answers: OpenTelemetry's `ExportResult`, as the SDK in use defines it. */
export type ExportResult = Parameters<Parameters<LogRecordExporter['export']>[1]>[0]

// `ExportResultCode` of @opentelemetry/core, by value: importing the enum would make this entry
// load @opentelemetry/core at run time. Its values are part of the protocol: SUCCESS 0, FAILED 1.
// eslint-disable-next-line @typescript-eslint/no-unsafe-enum-assignment -- by value, on purpose (above)
const SUCCESS = 0 as ExportResult['code']
// eslint-disable-next-line @typescript-eslint/no-unsafe-enum-assignment -- as SUCCESS
const FAILED = 1 as ExportResult['code']

/** Options of `createExporter`: the tracker's (`project`, `endpoint`, `logstore`, `compression`…) and the mapping's. */
export interface ExporterOptions extends TrackerOptions, LogMapping {}

/** A `LogRecordExporter` for `@opentelemetry/sdk-logs` that sends through a tracker. */
export interface SlsLogRecordExporter extends LogRecordExporter {
  /** The tracker's counters (see `TrackerStats`). */
  stats(): TrackerStats
}

/** One `export` call not yet answered. */
interface Pending {
  readonly logs: LogInput[]
  /** Its logs by JSON text, with how many of each are not yet claimed as lost; built on the first loss. */
  keys?: Map<string, number>
  /** The first loss among its logs, if any. */
  error?: Error
}

/**
 * Whose logs were lost: each lost log is claimed by the oldest pending export holding one of
 * the same content (copies are interchangeable). Returns `false` if one of them is nobody's.
 */
function claim(pending: Iterable<Pending>, lost: readonly LogInput[], error: Error): boolean {
  outer: for (const log of lost) {
    const key = JSON.stringify(log)
    for (const p of pending) {
      p.keys ??= count(p.logs)
      const n = p.keys.get(key)
      if (n) {
        p.keys.set(key, n - 1)
        p.error ??= error
        continue outer
      }
    }
    return false
  }
  return true
}

function count(logs: readonly LogInput[]): Map<string, number> {
  const keys = new Map<string, number>()
  for (const log of logs) {
    const key = JSON.stringify(log)
    keys.set(key, (keys.get(key) ?? 0) + 1)
  }
  return keys
}

/** Groups the records' logs by `__topic__` (`undefined`: the tracker's own). */
function byTopic(records: readonly ReadableLogRecord[], mapping: LogMapping, logs: LogInput[]): Map<string | undefined, LogInput[]> {
  const groups = new Map<string | undefined, LogInput[]>()
  for (const record of records) {
    const log = toLog(record, mapping)
    const topic = topicOf(record, mapping)
    const group = groups.get(topic)
    if (group) group.push(log)
    else groups.set(topic, [log])
    logs.push(log)
  }
  return groups
}

/**
 * Creates a `LogRecordExporter` that sends OpenTelemetry log records to SLS web tracking
 * through a tracker made from `options` (see `createTracker`: batching, `compression`,
 * retries and `maxQueueBytes` are the tracker's). Records become logs as `toLog` says.
 *
 * - `export` pushes the records and flushes; it answers SUCCESS (0) once all of them were
 *   accepted by the service (or left out by `beforeSend`), and FAILED (1), with the error, when
 *   any was reported to `onError` or `onDrop` (refused, given up after retries, dropped).
 * - `forceFlush` is the tracker's `flush`; `shutdown` its `close`. After `shutdown`, `export`
 *   answers FAILED at once.
 * - `onError` and `onDrop`, when given, are still called; without them nothing is printed, as
 *   the processor reports a failed export.
 *
 * @example
 * const exporter = createExporter({ project: 'my-project', endpoint: 'cn-hangzhou.log.aliyuncs.com', logstore: 'otel' })
 * const provider = new LoggerProvider({ processors: [new BatchLogRecordProcessor({ exporter })] })
 */
export function createExporter(options: ExporterOptions): SlsLogRecordExporter {
  const pending = new Set<Pending>() // in the order the exports began
  let pushing: Pending | undefined
  let shut = false
  const tracker: Tracker = createTracker({
    ...options,
    onError(error, logs) {
      if (!claim(pending, logs, error)) for (const p of pending) p.error ??= error
      options.onError?.(error, logs)
    },
    onDrop(n, reason) {
      // Drops at push are the pushing export's; any other (page unload) may be anyone's.
      const error = new WebTrackError(`${n} log(s) dropped (${reason})`)
      for (const p of pushing ? [pushing] : pending) p.error ??= error
      options.onDrop?.(n, reason)
    },
  })
  return {
    export(records, done) {
      if (shut) {
        done({ code: FAILED, error: new WebTrackError('the exporter is shut down: no log was sent') })
        return
      }
      const p: Pending = { logs: [] }
      pending.add(p)
      pushing = p
      try {
        for (const [topic, logs] of byTopic(records, options, p.logs)) tracker.push(logs, topic === undefined ? undefined : { topic })
      } catch (error) {
        p.error ??= error as Error
      } finally {
        pushing = undefined
      }
      void tracker.flush().then(() => {
        pending.delete(p)
        done(p.error ? { code: FAILED, error: p.error } : { code: SUCCESS })
      })
    },
    async forceFlush() {
      await tracker.flush()
    },
    shutdown() {
      shut = true
      return tracker.close()
    },
    stats: () => tracker.stats(),
  }
}
