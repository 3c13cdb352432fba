// The tracker's settings: one table of defaults (the only place they are written; the option
// docs cite it), the range each numeric option accepts, and the one check that applies both.
// Module-level values are plain literals: esbuild keeps an unused object that holds arithmetic
// (`512 * 1024`) or a sum with a variable, in every bundle of the entry, client-only ones too.
import type { Connection } from '../request/connection.js'
import { checkOption, MAX_TIMER_MS } from '../check-option.js'
import type { Limits } from '../request/split.js'
import { retryPolicy, type RetryPolicy } from '../transport/retry.js'
import type { TrackerOptions } from './types.js'

/** Default of `maxQueueBytes`: 8 MiB. */
export const DEFAULT_MAX_QUEUE_BYTES = 8_388_608

/** Defaults of the tracker's numeric options (see `TrackerOptions` for what each means). */
export const TRACKER_DEFAULTS = {
  /** Logs per request: the service's maximum. */
  maxBatchLogs: 4096,
  /** Raw body bytes per request: 512 KiB, a sixth of the service's limit, quick to compress. */
  maxBatchBytes: 524_288,
  /** 1 s: a click and what follows it leave in one request. */
  lingerMs: 1000,
  /** Requests in flight, across topics. */
  concurrency: 2,
  /** 8 MiB of pending logs and topics. */
  maxQueueBytes: DEFAULT_MAX_QUEUE_BYTES,
  /** A one-minute outage of a topic loses nothing. */
  maxRetryMs: 60_000,
  /** `close()` without a timeout gives up after 10 s. */
  closeTimeoutMs: 10_000,
  /** The Node exit flush gives up after 5 s. */
  exitTimeoutMs: 5000,
  /** Keep-alive body bytes of the unload path: browsers allow 64 KiB per page, for all requests (the most allowed: 65,536). */
  unloadBudgetBytes: 60_000,
} as const

type NumericOption = keyof typeof TRACKER_DEFAULTS

/** A tracker's settings, resolved and checked once at creation. */
export type TrackerSettings = Record<NumericOption, number> & {
  readonly policy: RetryPolicy
  /** `maxBatchLogs` and `maxBatchBytes`, capped by the connection's `limits`, as the packing rule takes them. */
  batch: Limits
}

/**
 * Checks every numeric option and fills in the defaults. The ranges follow from the names:
 * times (`…Ms`) from 0 ms, counts and bytes from 1; `Infinity` is allowed (no bound, or no
 * deadline) except for the times that set a timer (`lingerMs`, `exitTimeoutMs`), at most
 * `MAX_TIMER_MS`, and `unloadBudgetBytes`, at most 65,536 (the keep-alive cap of Chromium and
 * WebKit); counts are whole numbers. Batch limits above the connection's `limits` are capped.
 * @throws ValidationError for NaN, a non-number or a value out of its range, stating the range.
 */
export function resolveSettings(options: TrackerOptions, conn: Connection): TrackerSettings {
  const s = { policy: retryPolicy(options.retry) } as TrackerSettings
  let name: NumericOption
  for (name in TRACKER_DEFAULTS) {
    const ms = name.endsWith('Ms')
    const max = name === 'lingerMs' || name === 'exitTimeoutMs' ? MAX_TIMER_MS : name === 'unloadBudgetBytes' ? 65_536 : Infinity
    // `unloadBudgetBytes`, the one maximum below 1e5, says why it is there.
    const unit = ms ? ' ms' : max < 1e5 ? ' bytes (the keep-alive cap of Chromium and WebKit)' : name.endsWith('Bytes') ? ' bytes' : ''
    s[name] = checkOption(name, options[name], TRACKER_DEFAULTS[name], ms ? 0 : 1, max, unit)
  }
  s.batch = { maxBytes: Math.min(s.maxBatchBytes, conn.limits.maxBytes), maxLogs: Math.min(s.maxBatchLogs, conn.limits.maxLogs) }
  return s
}
