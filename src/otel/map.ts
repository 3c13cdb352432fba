// One OpenTelemetry log record to one SLS log: a flat object of strings, the form the service
// stores. The table of keys is in `toLog`'s TSDoc and in the guide ("OpenTelemetry").
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs'
import type { Log } from '../request/normalize.js'

/** How records become logs; see `toLog`. */
export interface LogMapping {
  /**
   * Put before each log attribute's key. Default `''`: attributes are keys of their own
   * (`http.request.method`), as SLS queries name them. An attribute named like one of the
   * record's keys (`body`, `severity_text`, …) then yields to it: set a prefix such as
   * `'attributes.'` to keep both.
   */
  attributePrefix?: string
  /**
   * Put before each resource attribute's key, or `false` to leave the resource out (for
   * example when it is given once per request as the tracker's `tags`). Default
   * `'resource.'` (`resource.service.name`).
   */
  resourcePrefix?: string | false
  /**
   * A resource attribute whose value becomes the `__topic__` of the record's request (for
   * example `'service.name'`); a record whose resource lacks it goes to the tracker's `topic`.
   * Default: none, every record goes to the tracker's `topic`.
   */
  topicFrom?: string
}

type Value = ReadableLogRecord['body']

/** Nested maps deeper than this are written as JSON text (and a cycle cannot recurse forever). */
const MAX_DEPTH = 8

/** Bytes as base64, as OTLP/JSON writes them. */
function base64(bytes: Uint8Array): string {
  let s = ''
  for (const byte of bytes) s += String.fromCharCode(byte)
  return btoa(s)
}

/** A value as text: strings as they are, numbers and booleans in decimal, the rest as JSON. */
export function text(value: Value): string {
  if (typeof value === 'string') return value
  if (typeof value !== 'object' || value === null) return String(value)
  if (value instanceof Uint8Array) return base64(value)
  try {
    return JSON.stringify(value, (_, v: unknown) => (v instanceof Uint8Array ? base64(v) : v))
  } catch (error) {
    // A cycle, or a BigInt from JavaScript: the log still goes, saying why its value did not.
    return `[not serialisable: ${(error as Error).message}]`
  }
}

/**
 * Writes one value under `key` unless the log has it already (earlier keys take precedence).
 * Nested maps are flattened with dots (`a: { b: 1 }` → `a.b`); arrays and bytes are text.
 * A key beginning with `__` (reserved by the service) loses its leading underscores.
 */
function put(log: Log, key: string, value: Value, depth = 0): void {
  if (value === null || value === undefined) return
  if (typeof value === 'object' && !Array.isArray(value) && !(value instanceof Uint8Array) && depth < MAX_DEPTH) {
    for (const k in value) put(log, `${key}.${k}`, value[k], depth + 1)
    return
  }
  if (key.charCodeAt(0) === 95 && key.charCodeAt(1) === 95) key = key.replace(/^_+/, '')
  if (key && !(key in log)) log[key] = text(value)
}

/** An `HrTime` (`[seconds, nanoseconds]`) as decimal nanoseconds since the epoch. */
export function nanos([s, ns]: ReadableLogRecord['hrTime']): string {
  return s ? `${s}${String(ns).padStart(9, '0')}` : String(ns)
}

/**
 * One record as a log. Keys, in this order and precedence (a key already written is kept):
 *
 * | record | key | value |
 * |---|---|---|
 * | `hrTime` | `time_unix_nano` | decimal nanoseconds (the service's `__time__` is the time of receipt) |
 * | `hrTimeObserved` | `observed_time_unix_nano` | decimal nanoseconds |
 * | `severityNumber` | `severity_number` | decimal, `1`–`24` |
 * | `severityText` | `severity_text` | as given |
 * | `body` | `body` | a string as it is; a map or an array as JSON; bytes as base64 |
 * | `eventName` | `event_name` | as given |
 * | `spanContext` | `trace_id`, `span_id`, `trace_flags` | hex, hex, decimal |
 * | `instrumentationScope` | `otel.scope.name`, `otel.scope.version` | as given |
 * | `droppedAttributesCount` | `otel.dropped_attributes_count` | decimal, when not 0 |
 * | `attributes` | `attributePrefix` + key | flattened with dots; arrays as JSON |
 * | `resource.attributes` | `resourcePrefix` + key | as attributes |
 *
 * Absent values are left out. No key is reserved (`__…__`): a key beginning with `__` loses its
 * leading underscores.
 */
export function toLog(record: ReadableLogRecord, mapping: LogMapping = {}): Log {
  const log: Log = Object.create(null) as Log
  put(log, 'time_unix_nano', nanos(record.hrTime))
  put(log, 'observed_time_unix_nano', nanos(record.hrTimeObserved))
  put(log, 'severity_number', record.severityNumber)
  put(log, 'severity_text', record.severityText)
  // A structured body is one value: JSON text, not flattened.
  if (record.body !== null && record.body !== undefined) log.body = text(record.body)
  put(log, 'event_name', record.eventName)
  const span = record.spanContext
  if (span) {
    put(log, 'trace_id', span.traceId)
    put(log, 'span_id', span.spanId)
    put(log, 'trace_flags', span.traceFlags)
  }
  const scope = record.instrumentationScope
  put(log, 'otel.scope.name', scope.name)
  put(log, 'otel.scope.version', scope.version)
  if (record.droppedAttributesCount) put(log, 'otel.dropped_attributes_count', record.droppedAttributesCount)
  const prefix = mapping.attributePrefix ?? ''
  for (const key in record.attributes) put(log, prefix + key, record.attributes[key])
  const resourcePrefix = mapping.resourcePrefix ?? 'resource.'
  if (resourcePrefix !== false) {
    const attributes = record.resource.attributes
    for (const key in attributes) put(log, resourcePrefix + key, attributes[key])
  }
  return log
}

/** The record's `__topic__` by `mapping.topicFrom`, or `undefined` for the tracker's own. */
export function topicOf(record: ReadableLogRecord, mapping: LogMapping): string | undefined {
  const value = mapping.topicFrom === undefined ? undefined : record.resource.attributes[mapping.topicFrom]
  return value === undefined ? undefined : String(value)
}
