// The tracker's public types. Defaults are not repeated here: each option cites its entry of
// TRACKER_DEFAULTS (options.ts), the one place they are written.
import type { ClientOptions } from '../request/connection.js'
import type { WebTrackError } from '../errors.js'
import type { LogInput } from '../request/normalize.js'
import type { QueueStore } from './queue.js'

/**
 * Why logs were dropped: the queue was full (`maxQueueBytes`, which also counts each topic's
 * memory), the tracker was closed, or the page unloaded and they could not leave (past the
 * keep-alive budget, a beacon the browser refused, or no keep-alive `fetch` nor `sendBeacon`). A persisted store, loading what an earlier process left, drops logs older than its
 * `maxAgeMs` (`'expired'`) and the oldest beyond its `maxStoreBytes` (`'store-full'`).
 */
export type DropReason = 'queue-full' | 'closed' | 'unload' | 'expired' | 'store-full'

/**
 * Options of `createTracker`: those of `createClient` (except `sleep`) plus the batching ones.
 * Every numeric one is checked at creation (`ValidationError` naming its range); its default is
 * in {@link TRACKER_DEFAULTS}.
 */
export interface TrackerOptions extends Omit<ClientOptions, 'sleep'> {
  /** Most logs per request, capped by `limits.maxLogs`. Default: `TRACKER_DEFAULTS.maxBatchLogs`. */
  maxBatchLogs?: number
  /**
   * Most raw (uncompressed) body bytes per request, envelope included, capped by
   * `limits.maxBytes`. A single log larger than this is sent alone. Default:
   * `TRACKER_DEFAULTS.maxBatchBytes`.
   */
  maxBatchBytes?: number
  /** How long a partial batch waits for more logs before it is sent, in ms. Default: `TRACKER_DEFAULTS.lingerMs`. */
  lingerMs?: number
  /**
   * Most requests in flight at once, across topics. Within one topic a single batch is in
   * flight at a time, so that a retried batch can never be overtaken by a later one: order
   * holds within a topic, and `concurrency` is spent on different topics. Default:
   * `TRACKER_DEFAULTS.concurrency`.
   */
  concurrency?: number
  /**
   * Bound of the memory held by pending logs, in bytes: each log counts as its UTF-8 JSON length
   * plus `LOG_OVERHEAD_BYTES`, and each topic with logs pending as its envelope's length plus
   * `TOPIC_OVERHEAD_BYTES`. A log that does not fit is dropped, counted and reported through
   * `onDrop` (`'queue-full'`). Default: `TRACKER_DEFAULTS.maxQueueBytes`.
   */
  maxQueueBytes?: number
  /**
   * The outage window of a topic, in ms. An outage starts when the topic's head batch first
   * fails with a retryable error (5xx, 429, the 403 quota codes, network errors, timeouts) and
   * ends at the topic's next success. A failed batch stays at the head of its queue and is
   * retried, after the `retry` policy's backoff (or the server's `Retry-After`), while the
   * outage has had fewer retries than the policy's `limit` OR began less than `maxRetryMs` ago.
   * Then the batch goes to `onError` (counted as failed), and so does each next batch of the
   * topic that fails while the outage lasts, after one attempt: against a dead server a
   * topic's whole queue is reported within about one window, not one window per batch.
   * `Infinity` holds logs as long as the tracker lives; `0` leaves only the policy's count.
   * With `retry: false` nothing is retried. Default: `TRACKER_DEFAULTS.maxRetryMs`.
   */
  maxRetryMs?: number
  /**
   * How long `close()` waits for pending logs when it is given no `timeoutMs`, in ms; then what
   * is left goes to `onError`. `Infinity` waits until everything is settled. Default:
   * `TRACKER_DEFAULTS.closeTimeoutMs`.
   */
  closeTimeoutMs?: number
  /**
   * Node: send pending logs when the event loop empties (`beforeExit`; not on
   * `process.exit()` or a signal). Default `true`. While it drains, one timer keeps the process
   * alive, for at most `exitTimeoutMs`.
   */
  flushOnExit?: boolean
  /**
   * Node: how long the exit flush may take, in ms; then what is left goes to `onError`.
   * Default: `TRACKER_DEFAULTS.exitTimeoutMs`.
   */
  exitTimeoutMs?: number
  /** Browsers: send on `visibilitychange` to hidden and on `pagehide`. Default `true`. */
  flushOnHide?: boolean
  /**
   * Send every batch in the header-less form (`?APIVersion=0.6.0`, `text/plain`): no CORS
   * preflight, at the cost of compression. Worth it for pages that send a few small batches
   * over slow links, where a preflight's round trip costs more than the bytes LZ4 saves.
   * Default `false` (the unload path is always header-less).
   */
  headerless?: boolean
  /**
   * Total bytes of keep-alive request bodies (or beacons) the unload path may have in flight,
   * from 1 to 65,536: Chromium and WebKit refuse keep-alive bodies beyond 64 KiB per page, all
   * requests together, after the page is gone and unreported, so a larger budget is refused at
   * creation. The default leaves room for others. Default: `TRACKER_DEFAULTS.unloadBudgetBytes`.
   */
  unloadBudgetBytes?: number
  /**
   * Where pending logs wait. Default: memory, gone with the process. `fileStore` of
   * `sls-webtrack/persist` (Node, Bun, Deno) keeps them in a file until the service accepts
   * them: logs an earlier process left there are queued first, at creation, in their order
   * within each topic, and count in `pushed` and against `maxQueueBytes`. A store serves one
   * tracker.
   */
  store?: QueueStore
  /**
   * Called with each error and the logs it concerns: a log refused at `push` (a
   * `ValidationError`, or the error of `beforeSend`, with the log as pushed) or logs given up
   * (after their retries, or when `close` or the exit flush timed out: the service's, the
   * network's or the tracker's error, with the normalised logs). If it throws, the tracker
   * carries on. Default: `console.error`.
   */
  onError?: (error: WebTrackError, logs: LogInput[]) => void
  /** Called when logs are dropped, with how many and why. */
  onDrop?: (count: number, reason: DropReason) => void
  /** Called after each accepted request. */
  onSent?: (info: SentInfo) => void
  /**
   * Sees each log at `push`, before it is checked and queued: return the log (or a changed
   * copy, e.g. with personal data scrubbed) to keep it, or `false`/`null`/`undefined` to leave
   * it out (counted in `filtered`; sampling is `() => Math.random() < 0.1 ? log : false`). It
   * must answer synchronously: if it throws or returns a promise, the log is rejected and the
   * error goes to `onError`.
   */
  beforeSend?: (log: LogInput, topic: string) => LogInput | false | null | undefined
}

/** What `onSent` learns about one accepted request. */
export interface SentInfo {
  /** `__topic__` of the request. */
  readonly topic: string
  /** Logs in the request. */
  readonly logs: number
  /** The `x-log-requestid` of the answer (readable cross-origin only if the service exposes it). */
  readonly requestId: string | undefined
  /** Attempts this batch took, 1 when it went through at once. */
  readonly attempts: number
  /** Uncompressed body bytes. */
  readonly rawBytes: number
  /** Body bytes on the wire (compressed where compressed). */
  readonly wireBytes: number
  /**
   * Sent by the keep-alive, header-less unload path: a keep-alive request, or a beacon where
   * `fetch` has no keep-alive (a beacon has no answer: sent means the browser took it, and
   * `requestId` is `undefined`).
   */
  readonly keepalive: boolean
}

/** Options of one `push`. */
export interface PushOptions {
  /** `__topic__` of these logs; each topic has its own queue and requests. Default: the tracker's `topic`. */
  topic?: string
}

/** Options of `flush` and `close`. */
export interface FlushOptions {
  /**
   * Give up waiting after this many ms. Default: `flush` waits until everything is settled,
   * `close` waits `closeTimeoutMs`.
   */
  timeoutMs?: number
}

/** Options of `flushSync`. */
export interface FlushSyncOptions {
  /**
   * The page is going away (`pagehide`): requests in flight are re-sent on keep-alive (they
   * would be cancelled; a duplicate is possible and counted as retried), and logs that cannot
   * leave (past the keep-alive budget, a beacon the browser refused, no way to send at all) are
   * dropped with reason `'unload'`. Default `false`: what does
   * not fit stays queued and in-flight requests are left alone.
   */
  final?: boolean
}

/** Counters of a tracker. Logs unless said otherwise; `pushed` = queued + inFlight + sent + failed + dropped + rejected + filtered. */
export interface TrackerStats {
  /** Logs given to `push`. */
  pushed: number
  /** Waiting to be sent, including batches waiting to be retried. */
  queued: number
  /** In requests not yet answered. */
  inFlight: number
  /** Accepted by the service. */
  sent: number
  /** Sent again after a failed or unanswered attempt. A lost acknowledgement means the service may hold them twice. */
  retried: number
  /** Given up after their retries, or when `close` or the exit flush timed out; reported to `onError`. */
  failed: number
  /** Never sent: the queue was full, the tracker closed, or they did not fit the unload budget; reported to `onDrop`. */
  dropped: number
  /** Refused at `push` by validation or by `beforeSend`, reported to `onError`. */
  rejected: number
  /** Left out by `beforeSend`. */
  filtered: number
  /** Values left out of logs because they cannot be sent (functions, symbols, `__time__`). */
  omitted: number
  /** Requests made, retries included. */
  requests: number
  /** Memory counted against `maxQueueBytes` (pending logs and their topics), in bytes. */
  queuedBytes: number
}

/** A batching tracker; see `createTracker`. */
export interface Tracker extends AsyncDisposable {
  /**
   * Queues one log or an array of logs. Synchronous; never throws. Each log is validated and
   * serialised now: an invalid one goes to `onError` and counts as rejected, without touching
   * the others; when the queue is full, logs are dropped and reported through `onDrop`.
   */
  push(logs: LogInput | readonly LogInput[], options?: PushOptions): void
  /**
   * Sends everything queued now, without waiting for linger, and resolves `true` once every
   * log pushed before the call is settled (sent, failed or dropped), or `false` when
   * `timeoutMs` passed first (the logs stay queued). While it waits, it keeps a Node process
   * alive.
   */
  flush(options?: FlushOptions): Promise<boolean>
  /**
   * The synchronous unload path: hands queued logs, in order, to `keepalive` header-less
   * requests (`?APIVersion=0.6.0`, `text/plain`: no CORS preflight), split to fit
   * `unloadBudgetBytes`; in a page whose `fetch` has no keep-alive (Firefox before 133), to
   * `navigator.sendBeacon` with the same URL and body. Called on `pagehide` (`final`) and when the page is hidden. Here
   * delivery takes precedence over order: a topic's queued logs may leave while an earlier
   * batch of it is still in flight.
   */
  flushSync(options?: FlushSyncOptions): void
  /**
   * Refuses new logs (they count as dropped, reason `'closed'`), flushes, and detaches from
   * the lifecycle events. After `timeoutMs` (default `closeTimeoutMs`), requests still in
   * flight are aborted and every log not yet sent goes to `onError` and counts as failed. While
   * it waits, it keeps a Node process alive, so that every log ends sent or reported.
   * Idempotent.
   */
  close(options?: FlushOptions): Promise<void>
  /** A snapshot of the counters. */
  stats(): TrackerStats
  /** True once `close` was called. */
  readonly closed: boolean
}
