// Loading a persisted store into a tracker being created: the logs an earlier process left are
// queued first, topic by topic, in their order, as if pushed now (counted in `pushed`, against
// `maxQueueBytes`), but without `beforeSend` or a second check: they passed both when first
// pushed. This reaches into the tracker's state (src/tracker/batcher.ts) from here, so that the
// code lives in the persist entry and adds nothing to the tracker's size rows.
import { checkOption } from '../check-option.js'
import { ValidationError, type WebTrackError } from '../errors.js'
import { utf8Length } from '../request/encode.js'
import { keyProblem, type LogInput } from '../request/normalize.js'
import type { Batcher } from '../tracker/batcher.js'
import { LOG_OVERHEAD_BYTES, type Entry, type Topic } from '../tracker/queue.js'
import type { DropReason } from '../tracker/types.js'

/** Defaults of the options every store shares (`fileStore`, `indexedDBStore`). */
export const STORE_DEFAULTS = {
  maxStoreBytes: 4_194_304,
  maxAgeMs: 604_800_000,
  timeField: 'pushed_at',
} as const

/** Checks the options every store shares; throws `ValidationError` for a bad one. */
export function checkStoreOptions(options: { maxAgeMs?: number; maxStoreBytes?: number; timeField?: string | false }): void {
  checkOption('maxAgeMs', options.maxAgeMs, STORE_DEFAULTS.maxAgeMs, 0, Infinity, ' ms')
  checkOption('maxStoreBytes', options.maxStoreBytes, STORE_DEFAULTS.maxStoreBytes, 0, Infinity, ' bytes')
  // Checked as a value: a JavaScript caller may pass anything.
  const field: unknown = options.timeField
  const problem = typeof field === 'string' ? keyProblem(field) : field === undefined || field === false ? undefined : 'not a string'
  if (problem) throw new ValidationError('timeField', `must be a key the service accepts, or false (${problem}: ${JSON.stringify(field)})`)
}

/** A log a store kept: its JSON text as the tracker made it, when it was pushed, and the store's own key for it. */
export interface StoredLog {
  readonly json: string
  readonly at: number
  readonly key: number
}

/** The tracker as a store sees it: what `QueueStore.attach` is given. */
export type StoreHost = Batcher

/**
 * Queues `logs` of `topic` in the tracker `b`, oldest first. `place` puts each entry in the
 * topic's queue without writing it again (the store holds it already). Returns the logs that
 * did not fit `maxQueueBytes` (or whose topic the tracker now refuses), already counted and
 * reported: the store drops them.
 */
export function restore(
  b: StoreHost,
  topic: string,
  logs: readonly StoredLog[],
  place: (t: Topic, entry: Entry, log: StoredLog) => void,
): StoredLog[] {
  b.counts.pushed += logs.length
  let t: Topic
  try {
    t = b.topics.get(topic) ?? b.open(topic)
  } catch (error) {
    // The topic was valid when pushed; options changed since (another Logstore, say).
    b.reject(
      error,
      'topic',
      logs.map((log) => JSON.parse(log.json) as LogInput),
    )
    return logs.slice()
  }
  const kept = b.topics.get(topic) === t
  const max = b.s.maxQueueBytes
  let n = 0
  for (const log of logs) {
    const bytes = utf8Length(log.json)
    const logCost = bytes + LOG_OVERHEAD_BYTES
    if (!kept || b.held + logCost > max) break
    b.held += logCost
    b.pending++
    t.cost += logCost
    place(t, { json: log.json, bytes, seq: b.seq++ }, log)
    n++
  }
  drop(b, logs.length - n, 'queue-full')
  if (n) {
    b.arm(t)
    b.wake(t)
  } else b.settle(t)
  return logs.slice(n)
}

/** Counts and reports `n` logs a store drops: they count as pushed (if not yet) and dropped. */
export function drop(b: StoreHost, n: number, reason: DropReason, pushed = false): void {
  if (pushed) b.counts.pushed += n
  b.drop(n, reason)
}

/** Reports a store's failure through the tracker's `onError`, with no logs: none is lost by it. */
export function report(b: StoreHost, error: WebTrackError): void {
  try {
    b.onError(error, [])
  } catch {
    // The tracker carries on, as it does when onError throws elsewhere.
  }
}

/** Adds the time it was pushed to a log's JSON text, unless it has the field already. */
export function stamp(json: string, field: string, at: number): string {
  const log = JSON.parse(json) as Record<string, unknown>
  if (field in log) return json
  log[field] = String(at)
  return JSON.stringify(log)
}
