// The per-topic queue: what a topic holds, when its next batch may leave (`ready`), how many
// logs it takes (`fit`, by the packing rule of request/split.ts), and what its logs count
// against `maxQueueBytes` (`cost`) — pure functions of a topic and the limits, unit-tested
// without timers (test/tracker/queue.test.ts).
// The waiting logs sit behind `TopicQueue` and `QueueStore`, whose one implementation here keeps
// them in memory; a persisted store (IndexedDB, a file) implements the same interfaces.
import type { Target } from '../request/connection.js'
import type { EncodedLog, Envelope } from '../request/encode.js'
import { fitsInRequest, type Limits } from '../request/split.js'
import type { Attempt } from './attempt.js'
import type { TimerHandle } from './lifecycle.js'

/** Bookkeeping bytes counted per log against `maxQueueBytes`, beyond its JSON text. */
export const LOG_OVERHEAD_BYTES = 32

/**
 * The least a log can count against `maxQueueBytes`; below this much room a log is dropped
 * unserialised. 34 = `{}` (2 bytes: no log's JSON is shorter) + `LOG_OVERHEAD_BYTES`, written
 * as a literal because esbuild keeps a module-level sum in client-only bundles (22 B).
 */
export const MIN_LOG_COST = 34

/**
 * Bytes counted against `maxQueueBytes` for each topic with logs pending, beyond its envelope's
 * UTF-8 length: the memory of its state (its record, target, queue and batch arrays, timers).
 * Measured in Node 20: about 0.9 KiB a topic holding one log and its linger timer. It bounds
 * the number of topics a tracker holds at once (test/tracker.topics.test.ts).
 */
export const TOPIC_OVERHEAD_BYTES = 1024

/** A queued log: serialised, with its number across topics (a flush waits for every log below a number). */
export interface Entry extends EncodedLog {
  readonly seq: number
}

/**
 * Where one topic's logs wait, oldest first. The tracker reads it synchronously (when a batch is
 * ready, what fits; the unload path cannot wait) and changes it only with `push` and
 * `splice(0, n)`, which takes the first `n` logs to leave in a batch. A plain array is the
 * memory store. A persisted store (IndexedDB, a file) is an array subclass that writes these
 * changes behind and keeps taken logs until `QueueStore.ack`, so that logs in flight survive a
 * crash.
 */
export type TopicQueue = Pick<Entry[], 'length' | 'push' | 'splice'> & Readonly<Record<number, Entry>>

/**
 * Where a tracker keeps its topics' queues: `memoryStore` by default, or a persisted store
 * (`fileStore` of `sls-webtrack/persist`). A store serves one tracker.
 */
export interface QueueStore {
  /** A new, empty queue for `topic`. */
  open(topic: string): TopicQueue
  /** Logs taken from the queue of `topic` are settled: sent, failed or dropped. */
  ack(topic: string, logs: readonly Entry[]): void
  /**
   * Called once by `createTracker`, with the tracker's internal state: a persisted store
   * queues the logs it holds from an earlier process (this package's stores only; the state
   * has no public shape).
   */
  attach?(tracker: unknown): void
  /**
   * Called when the tracker closes, and before it gives up on logs at `close` or at exit: a
   * persisted store keeps those, for the next tracker on it, and settles nothing after.
   */
  close?(): Promise<void>
}

/** The store of a tracker today: its queues are arrays in memory, gone once taken. */
export const memoryStore: QueueStore = { open: () => [], ack: () => {} }

/** Logs out of their queue and not yet settled: in flight, or waiting for a retry. */
export interface Batch {
  logs: Entry[]
  /** Attempts made. */
  tries: number
  /** Its request while in flight; cleared when it ends or is cancelled. */
  op?: Attempt | undefined
}

/** A topic with logs pending; forgotten (and its memory released) once it holds none. */
export interface Topic {
  readonly key: string
  readonly target: Target
  readonly env: Envelope
  readonly queue: TopicQueue
  /** What the logs in `queue` count against `maxQueueBytes`. */
  cost: number
  /** What the topic itself counts against `maxQueueBytes`. */
  readonly overhead: number
  /**
   * The head of the topic, older than `queue`: batches taken out of it, in order, in flight
   * (`op` set) or failed and waiting for a retry. A failed batch keeps its place here, so it
   * leaves again before anything newer.
   */
  heads: Batch[]
  /** Queued logs numbered below this leave without waiting for linger (its linger expired). */
  due: number
  linger?: TimerHandle | undefined
  backoff?: TimerHandle | undefined
  /** Retries made since the topic's last success (see `nextRetry`). */
  retries: number
  /** When the topic's current outage began: its first failure since its last success; unset while there is none. */
  since?: number | undefined
}

/** What logs count against `maxQueueBytes`. */
export const cost = (logs: readonly EncodedLog[]): number => logs.reduce((sum, log) => sum + log.bytes + LOG_OVERHEAD_BYTES, 0)

/**
 * Whether the topic's next batch may leave now: it is full (by the packing rule, not even a
 * log of 0 bytes could join it within `limits`, the tracker's batch limits), or `due`: queued
 * logs numbered below it need not wait for linger (a flush, an expired linger; `Infinity` at
 * exit).
 */
export function ready(t: Topic, limits: Limits, due: number): boolean {
  // One batch per topic in flight, so that a retried batch is never overtaken; a failed one
  // waits for its backoff, then leaves before the queue.
  if (t.backoff || t.heads.some((b) => b.op)) return false
  if (t.heads[0]) return true
  const q = t.queue
  return !!q[0] && (q[0].seq < due || !fitsInRequest(q.length, t.cost - q.length * LOG_OVERHEAD_BYTES, 0, t.env.bytes, limits))
}

/**
 * How many of the front `logs` go in one request, by the packing rule (`fitsInRequest`): within
 * the tracker's batch `limits` and `budget` bytes (the unload path's keep-alive bytes left). A
 * first log larger than `limits.maxBytes` still leaves, alone, within the budget (`push` made
 * sure it fits the service's limits). 0 when not even the first fits the budget.
 */
export function fit(logs: ArrayLike<EncodedLog>, env: Envelope, limits: Limits, budget = Infinity): number {
  // One rule call per log, in the tracker's hottest loop: the budget joins the limits once. The
  // first log is held to the budget alone. Every Limits object has the fields in the order of
  // the connection's, so that the rule sees one shape.
  const cap = budget < limits.maxBytes ? { maxBytes: budget, maxLogs: limits.maxLogs } : limits
  let n = 0
  let bytes = 0
  while (n < logs.length && fitsInRequest(n, bytes, logs[n]!.bytes, env.bytes, n ? cap : { maxBytes: budget, maxLogs: 1 })) {
    bytes += logs[n++]!.bytes
  }
  return n
}
