// The batching tracker: push a log, forget it, and trust that it arrives — or that it is
// reported. The shape is OpenTelemetry's batch processor (a bounded queue that drops and counts
// when full; a batch leaves when it is full or its linger time is up; timers never keep a
// process alive), with per-topic queues so that order holds within a topic, retries that put a
// failed batch back at the head of its queue, and a synchronous keep-alive path for page
// unload (the events themselves are wired in tracker-lifecycle.ts).
//
// Accounting: every pushed log is, at any time, in exactly one of queued, inFlight, sent,
// failed, dropped, rejected or filtered (`pushed` is their sum). A log is serialised once, at push; the
// queue holds its JSON text and UTF-8 length, so byte accounting is exact.
import { compressBody } from './compress/policy.js'
import { connect, target, type ClientOptions, type Target } from './connect.js'
import { bodySize, encodeBody, type EncodedLog } from './encode.js'
import { isWebTrackError, ValidationError, WebTrackError } from './errors.js'
import type { LogInput } from './normalize.js'
import { prepare, type PreparedLog } from './prepare.js'
import { retryDelay, retryPolicy } from './retry.js'
import { post } from './send.js'
import { tooLarge } from './split.js'
import { attachLifecycle, refTimer, unrefTimer, type TimerHandle } from './tracker-lifecycle.js'

/** Why logs were dropped: the queue was full, the tracker was closed, or the page unloaded and they did not fit the keep-alive budget. */
export type DropReason = 'queue-full' | 'closed' | 'unload'

/** Options of `createTracker`: those of `createClient` (except `sleep`) plus the batching ones. */
export interface TrackerOptions extends Omit<ClientOptions, 'sleep'> {
  /** Most logs per request. Default 4096, capped by `limits.maxLogs`. */
  maxBatchLogs?: number
  /**
   * Most raw (uncompressed) body bytes per request, envelope included. Default 512 KiB, capped
   * by `limits.maxBytes`. A single log larger than this is sent alone.
   */
  maxBatchBytes?: number
  /** How long a partial batch waits for more logs before it is sent, in ms. Default 1000. */
  lingerMs?: number
  /**
   * Most requests in flight at once, across topics. Default 2. Within one topic a single batch
   * is in flight at a time, so that a retried batch can never be overtaken by a later one: order
   * holds within a topic, and `concurrency` is spent on different topics.
   */
  concurrency?: number
  /**
   * Bound of the memory held by queued and in-flight logs, in bytes: each log counts as its
   * UTF-8 JSON length plus 32 bytes of bookkeeping. When a log does not fit, it is dropped,
   * counted and reported through `onDrop`. Default 8 MiB.
   */
  maxQueueBytes?: number
  /**
   * How long a failing batch is held at the head of its queue and retried, in ms from its first
   * attempt. A batch that failed with a retryable error (5xx, 429, the 403 quota codes, network
   * errors, timeouts) is retried while it has retries left in the `retry` policy OR this time
   * has not yet passed; the waits follow the policy's backoff (capped at its `maxDelayMs`, or
   * the server's `Retry-After`). Then its logs go to `onError` and count as failed.
   * Default 60 000 (a one-minute outage loses nothing); `Infinity` holds batches as long as the
   * tracker lives; `0` gives up when the policy's retries are spent. With `retry: false`
   * nothing is ever retried.
   */
  maxRetryMs?: number
  /**
   * Node: send pending logs when the event loop empties (`beforeExit`; not on
   * `process.exit()` or a signal). Default `true`. While it drains, its timers keep the process
   * alive, for at most `exitTimeoutMs`.
   */
  flushOnExit?: boolean
  /** Node: how long the exit flush may take, in ms; then what is left goes to `onError`. Default 5000. */
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
   * Total bytes of keep-alive request bodies the unload path may have in flight. Browsers cap
   * keep-alive bodies at 64 KiB per page, all requests together; default 60 000 leaves room
   * for others.
   */
  unloadBudgetBytes?: number
  /**
   * Called with each error and the logs it concerns: a log refused at `push` (a
   * `ValidationError`, with the log as pushed) or a batch given up after its retries (the
   * service's or the network's error, with the normalised logs). If it throws, the tracker
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
   * it out (counted in `filtered`; sampling is `() => Math.random() < 0.1 ? log : false`). If it
   * throws, the log is rejected and the error goes to `onError`.
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
  /** Sent by the keep-alive, header-less unload path. */
  readonly keepalive: boolean
}

/** Options of one `push`. */
export interface PushOptions {
  /** `__topic__` of these logs; each topic has its own queue and requests. Default: the tracker's `topic`. */
  topic?: string
}

/** Options of `flush` and `close`. */
export interface FlushOptions {
  /** Give up waiting after this many ms. Default: wait until everything is settled. */
  timeoutMs?: number
}

/** Options of `flushSync`. */
export interface FlushSyncOptions {
  /**
   * The page is going away (`pagehide`): requests in flight are re-sent on keep-alive (they
   * would be cancelled; a duplicate is possible and counted as retried), and logs that do not
   * fit the keep-alive budget are dropped with reason `'unload'`. Default `false`: what does
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
  /** Given up after their retries, reported to `onError`. */
  failed: number
  /** Never sent: the queue was full, the tracker closed, or they did not fit the unload budget; reported to `onDrop`. */
  dropped: number
  /** Refused at `push` by validation, reported to `onError`. */
  rejected: number
  /** Left out by `beforeSend`. */
  filtered: number
  /** Values left out of logs because they cannot be sent (functions, symbols, `__time__`). */
  omitted: number
  /** Requests made, retries included. */
  requests: number
  /** Memory counted against `maxQueueBytes` (queued and in-flight logs), in bytes. */
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
   * `timeoutMs` passed first (the logs stay queued).
   */
  flush(options?: FlushOptions): Promise<boolean>
  /**
   * The synchronous unload path: hands queued logs, in order, to `keepalive` header-less
   * requests (`?APIVersion=0.6.0`, `text/plain`: no CORS preflight), split to fit
   * `unloadBudgetBytes`. Called on `pagehide` (`final`) and when the page is hidden. Here
   * delivery takes precedence over order: a topic's queued logs may leave while an earlier
   * batch of it is still in flight.
   */
  flushSync(options?: FlushSyncOptions): void
  /**
   * Refuses new logs (they count as dropped, reason `'closed'`), flushes, and detaches from
   * the lifecycle events. After `timeoutMs`, requests still in flight are aborted and every
   * log not yet sent goes to `onError` and counts as failed. Idempotent.
   */
  close(options?: FlushOptions): Promise<void>
  /** A snapshot of the counters. */
  stats(): TrackerStats
  /** True once `close` was called. */
  readonly closed: boolean
}

/** Bookkeeping bytes counted per log against `maxQueueBytes`, beyond its JSON text. */
export const LOG_OVERHEAD_BYTES = 32

/** Default of `maxQueueBytes`: 8 MiB. */
export const DEFAULT_MAX_QUEUE_BYTES = 8 * 1024 * 1024

interface Batch {
  readonly topic: Topic
  /** Position of the first log within the topic (0 for the first log ever queued). */
  readonly seq: number
  readonly logs: EncodedLog[]
  /** Sum of the logs' bytes. */
  readonly bytes: number
  attempts: number
  firstAttemptAt: number
  controller?: AbortController | undefined
  keepaliveBytes: number
  /** Replaced (unload) or abandoned (close timeout): its outcome is ignored. */
  dead: boolean
}

interface Topic {
  readonly key: string
  readonly target: Target
  /** Prepared logs waiting, oldest first. */
  readonly queue: EncodedLog[]
  /** Sum of the bytes of the logs in `queue`. */
  queuedBytes: number
  /** Batches that failed and wait for a retry, oldest first: the head of the queue. */
  readonly heads: Batch[]
  readonly inFlight: Set<Batch>
  /** Logs ever queued; the next log's `seq`. */
  enqueued: number
  /** Logs ever taken out of `queue`; the `seq` of its first log. */
  taken: number
  /** Send logs up to this `seq` without waiting for linger (a pending flush). */
  flushTo: number
  due: boolean
  lingerTimer?: TimerHandle | undefined
  backoffTimer?: TimerHandle | undefined
}

interface FlushWaiter {
  readonly targets: Map<Topic, number>
  readonly resolve: (settled: boolean) => void
  timer?: TimerHandle | undefined
}

const bytesOf = (logs: readonly EncodedLog[]): number => logs.reduce((sum, log) => sum + log.bytes, 0)
const count = (batches: readonly Batch[]): number => batches.reduce((sum, b) => sum + b.logs.length, 0)
const bySeq = (a: Batch, b: Batch): number => a.seq - b.seq

function defaultOnError(error: WebTrackError, logs: LogInput[]): void {
  console.error(`[sls-webtrack] ${logs.length} log(s) not sent: ${error.message}`)
}

/** Reports an exception thrown by a user callback without letting it reach the tracker. */
function reportCallbackError(error: unknown): void {
  const report = (globalThis as { reportError?: (e: unknown) => void }).reportError
  try {
    if (typeof report === 'function') report(error)
    else console.error('[sls-webtrack] a tracker callback threw:', error)
  } catch {
    // Nowhere left to report it.
  }
}

/**
 * Creates a batching tracker: `push` logs and forget them; they leave in batches (by count,
 * bytes and linger time), are retried at the head of their queue, and every log that cannot
 * be sent is reported through `onError` or `onDrop` — never silently lost.
 *
 * Defaults: `maxBatchLogs` 4096, `maxBatchBytes` 512 KiB (both capped by the client's
 * `limits`), `lingerMs` 1000, `concurrency` 2 (one batch per topic in flight), `maxQueueBytes`
 * 8 MiB, `maxRetryMs` 60 000, `unloadBudgetBytes` 60 000, `flushOnExit` and `flushOnHide` on,
 * `exitTimeoutMs` 5000.
 *
 * @throws ValidationError for a bad project, endpoint, Logstore or option, at creation.
 * @example
 * const tracker = createTracker({ project: 'my-project', endpoint: 'cn-hangzhou.log.aliyuncs.com', logstore: 'web' })
 * tracker.push({ event: 'click', target: 'buy' })
 * await tracker.close()
 */
export function createTracker(options: TrackerOptions): Tracker {
  const conn = connect(options)
  const limits = conn.limits
  // A numeric option, or its default: a number, above `min` (or equal to it when `orEqual`).
  const num = (name: keyof TrackerOptions, fallback: number, min = 0, orEqual?: boolean): number => {
    const value = options[name] ?? fallback
    if (typeof value !== 'number' || !(value > min || (orEqual && value === min))) throw new ValidationError(name, `must be a number ${orEqual ? '≥' : '>'} ${min}, got ${String(value)}`)
    return value
  }
  const maxBatchLogs = Math.min(Math.floor(num('maxBatchLogs', 4096, 1, true)), limits.maxLogs)
  const maxBatchBytes = Math.min(num('maxBatchBytes', 512 * 1024), limits.maxBytes)
  const lingerMs = num('lingerMs', 1000, 0, true)
  const concurrency = Math.max(1, Math.floor(num('concurrency', 2)))
  const maxQueueBytes = num('maxQueueBytes', DEFAULT_MAX_QUEUE_BYTES)
  const maxRetryMs = num('maxRetryMs', 60_000, 0, true)
  const exitTimeoutMs = num('exitTimeoutMs', 5000, 0, true)
  const unloadBudget = num('unloadBudgetBytes', 60_000)
  const policy = retryPolicy(options.retry)
  const headerless = options.headerless === true
  const defaultTopic = options.topic ?? ''
  const onError = options.onError ?? defaultOnError
  // The Logstore is checked now: a tracker without one fails at start-up, not at every push.
  target(conn, { topic: defaultTopic })

  const topics = new Map<string, Topic>()
  const waiters: FlushWaiter[] = []
  const timers = new Set<TimerHandle>()
  const counts: TrackerStats = {
    pushed: 0,
    queued: 0,
    inFlight: 0,
    sent: 0,
    retried: 0,
    failed: 0,
    dropped: 0,
    rejected: 0,
    filtered: 0,
    omitted: 0,
    requests: 0,
    queuedBytes: 0,
  }
  let requests = 0 // requests in flight
  let keepaliveBytes = 0 // keep-alive body bytes in flight
  let closed = false
  let closing: Promise<void> | undefined
  let exiting = false
  let exitTimer: TimerHandle | undefined
  let pumping = false
  let cursor = 0 // round-robin start among topics

  // Timers never keep a process alive, except while the process is draining at exit.
  function timer(ms: number, fn: () => void): TimerHandle {
    const t = setTimeout(() => {
      timers.delete(t)
      fn()
    }, ms)
    if (!exiting) unrefTimer(t)
    timers.add(t)
    return t
  }
  function clearTimer(t: TimerHandle | undefined): undefined {
    if (t !== undefined) {
      clearTimeout(t)
      timers.delete(t)
    }
    return undefined
  }

  function callback<A extends unknown[]>(fn: ((...args: A) => void) | undefined, ...args: A): void {
    if (!fn) return
    try {
      fn(...args)
    } catch (error) {
      reportCallbackError(error)
    }
  }
  const reportError = (error: WebTrackError, logs: LogInput[]) => callback(onError, error, logs)
  const reportDrop = (count: number, reason: DropReason) => {
    if (count > 0) callback(options.onDrop, count, reason)
  }

  const cost = (count: number, bytes: number) => bytes + count * LOG_OVERHEAD_BYTES

  function topicFor(key: string): Topic {
    let topic = topics.get(key)
    if (!topic) {
      topic = {
        key,
        target: target(conn, { topic: key }),
        queue: [],
        queuedBytes: 0,
        heads: [],
        inFlight: new Set(),
        enqueued: 0,
        taken: 0,
        flushTo: 0,
        due: false,
      }
      topics.set(key, topic)
    }
    return topic
  }

  const idle = (t: Topic) => t.queue.length === 0 && t.heads.length === 0 && t.inFlight.size === 0
  const pending = () => counts.queued + counts.inFlight > 0

  /** Forgets a topic with nothing pending, so that one-off topics do not accumulate. */
  function retire(t: Topic): void {
    if (!idle(t) || topics.get(t.key) !== t) return
    t.lingerTimer = clearTimer(t.lingerTimer)
    t.backoffTimer = clearTimer(t.backoffTimer)
    topics.delete(t.key)
  }

  // ---- batching -------------------------------------------------------------------------

  const full = (t: Topic) =>
    t.queue.length >= maxBatchLogs || bodySize(t.target.envelope, t.queue.length, t.queuedBytes) >= maxBatchBytes

  function ready(t: Topic): boolean {
    if (t.inFlight.size > 0 || t.backoffTimer !== undefined) return false
    if (t.heads.length > 0) return true
    if (t.queue.length === 0) return false
    return t.due || exiting || closed || t.taken < t.flushTo || full(t)
  }

  /** How many logs from the front of the queue make the next batch (at least one). */
  function batchLength(t: Topic): number {
    const env = t.target.envelope
    let count = 0
    let bytes = 0
    const n = Math.min(t.queue.length, maxBatchLogs)
    while (count < n) {
      const size = t.queue[count]!.bytes
      if (count > 0 && bodySize(env, count + 1, bytes + size) > maxBatchBytes) break
      count++
      bytes += size
    }
    return count
  }

  function takeFromQueue(t: Topic, n: number): Batch {
    const seq = t.taken
    const batch = newBatch(t, seq, t.queue.splice(0, n))
    t.taken += n
    t.queuedBytes -= batch.bytes
    if (t.queue.length === 0) t.lingerTimer = clearTimer(t.lingerTimer)
    return batch
  }

  function newBatch(t: Topic, seq: number, logs: EncodedLog[], from?: Batch): Batch {
    return {
      topic: t,
      seq,
      logs,
      bytes: bytesOf(logs),
      attempts: from?.attempts ?? 0,
      firstAttemptAt: from?.firstAttemptAt ?? 0,
      keepaliveBytes: 0,
      dead: false,
    }
  }

  /** Arms the linger timer of a topic that has a partial batch waiting. */
  function arm(t: Topic): void {
    if (t.queue.length === 0 || t.due || t.lingerTimer !== undefined) return
    t.lingerTimer = timer(lingerMs, () => {
      t.lingerTimer = undefined
      t.due = true
      pump()
    })
  }

  function pump(): void {
    if (pumping) return
    pumping = true
    try {
      while (requests < concurrency) {
        const list = [...topics.values()]
        let next: Topic | undefined
        for (let i = 0; i < list.length; i++) {
          const t = list[(cursor + i) % list.length]!
          if (ready(t)) {
            next = t
            cursor = (cursor + i + 1) % list.length
            break
          }
        }
        if (!next) break
        let batch: Batch
        if (next.heads.length > 0) {
          batch = next.heads.shift()!
        } else {
          batch = takeFromQueue(next, batchLength(next))
          next.due = false
          arm(next)
        }
        start(batch, false)
      }
    } finally {
      pumping = false
    }
  }

  // ---- sending --------------------------------------------------------------------------

  function start(batch: Batch, keepalive: boolean): void {
    const t = batch.topic
    const n = batch.logs.length
    batch.attempts++
    if (batch.attempts === 1) batch.firstAttemptAt = Date.now()
    else counts.retried += n
    counts.requests++
    counts.queued -= n
    counts.inFlight += n
    requests++
    t.inFlight.add(batch)
    if (keepalive) {
      batch.keepaliveBytes = bodySize(t.target.envelope, n, batch.bytes)
      keepaliveBytes += batch.keepaliveBytes
    }
    const controller = new AbortController()
    batch.controller = controller
    // Attempts are the tracker's (so that a failed batch goes back to the head of its queue
    // between them): one request per call. The header-less form skips compression, so that
    // `fetch` is called synchronously, which the unload path relies on.
    const raw = encodeBody(t.target.envelope, batch.logs)
    const hl = keepalive || headerless
    let wireBytes = raw.length
    const sending = (async () => {
      const body = hl ? { bytes: raw, compressType: undefined } : await compressBody(raw, options.compression)
      wireBytes = body.bytes.length
      return post(conn, t.target, body, raw.length, { signal: controller.signal, keepalive, headerless: hl })
    })()
    sending.then(
      (requestId) => {
        if (batch.dead) return
        release(batch)
        counts.sent += n
        counts.queuedBytes -= cost(n, batch.bytes)
        callback(options.onSent, {
          topic: t.key,
          logs: n,
          requestId,
          attempts: batch.attempts,
          rawBytes: raw.length,
          wireBytes,
          keepalive,
        })
        settled(t)
      },
      (reason: unknown) => {
        if (batch.dead) return
        release(batch)
        const error = isWebTrackError(reason) ? reason : new WebTrackError(`send failed: ${(reason as Error)?.message ?? reason}`, { cause: reason })
        if (error.retryable && policy.limit > 0 && (batch.attempts <= policy.limit || Date.now() - batch.firstAttemptAt < maxRetryMs)) {
          requeue(batch)
          const delayMs = retryDelay(error, policy, batch.attempts - 1)
          t.backoffTimer = clearTimer(t.backoffTimer)
          t.backoffTimer = timer(delayMs, () => {
            t.backoffTimer = undefined
            pump()
          })
          callback(options.onRetry, { error, retry: batch.attempts, delayMs })
          pump()
        } else {
          fail(batch.logs, error)
          settled(t)
        }
      },
    )
  }

  /** A batch is no longer in flight (its outcome decides where its logs go). */
  function release(batch: Batch): void {
    const t = batch.topic
    if (!t.inFlight.delete(batch)) return
    requests--
    counts.inFlight -= batch.logs.length
    keepaliveBytes -= batch.keepaliveBytes
    batch.keepaliveBytes = 0
    batch.controller = undefined
  }

  /** Ends a batch in flight whose outcome no longer matters (it is re-sent or given up); returns its logs. */
  function kill(batch: Batch, reason?: unknown): EncodedLog[] {
    batch.dead = true
    const controller = batch.controller
    release(batch)
    controller?.abort(reason)
    return batch.logs
  }

  /** Puts a batch back at the head of its topic's queue, keeping order. */
  function requeue(batch: Batch): void {
    const heads = batch.topic.heads
    let i = heads.length
    while (i > 0 && heads[i - 1]!.seq > batch.seq) i--
    heads.splice(i, 0, batch)
    counts.queued += batch.logs.length
  }

  function fail(logs: readonly EncodedLog[], error: WebTrackError): void {
    counts.failed += logs.length
    counts.queuedBytes -= cost(logs.length, bytesOf(logs))
    reportError(
      error,
      logs.map((log) => JSON.parse(log.json) as LogInput),
    )
  }

  /** After logs of a topic settled: wake flushes, send what is next, forget idle topics. */
  function settled(t: Topic): void {
    checkWaiters()
    pump()
    retire(t)
    if (exiting && !pending()) drained()
  }

  function drained(): void {
    exitTimer = clearTimer(exitTimer)
    exiting = false
    for (const t of timers) unrefTimer(t)
  }

  // ---- flush ------------------------------------------------------------------------------

  /** The `seq` of the oldest log of the topic not yet settled. */
  function oldestPending(t: Topic): number {
    let oldest = t.queue.length > 0 ? t.taken : t.enqueued
    for (const b of t.heads) oldest = Math.min(oldest, b.seq)
    for (const b of t.inFlight) oldest = Math.min(oldest, b.seq)
    return oldest
  }

  function checkWaiters(): void {
    for (let i = waiters.length - 1; i >= 0; i--) {
      const w = waiters[i]!
      let done = true
      for (const [t, target] of w.targets) {
        if (oldestPending(t) < target) {
          done = false
          break
        }
      }
      if (done) {
        waiters.splice(i, 1)
        clearTimer(w.timer)
        w.resolve(true)
      }
    }
  }

  function flush(opts: FlushOptions = {}): Promise<boolean> {
    const targets = new Map<Topic, number>()
    for (const t of topics.values()) {
      if (oldestPending(t) < t.enqueued) {
        targets.set(t, t.enqueued)
        t.flushTo = Math.max(t.flushTo, t.enqueued)
      }
    }
    if (targets.size === 0) return Promise.resolve(true)
    return new Promise<boolean>((resolve) => {
      const waiter: FlushWaiter = { targets, resolve }
      waiters.push(waiter)
      if (opts.timeoutMs !== undefined) {
        waiter.timer = timer(opts.timeoutMs, () => {
          const i = waiters.indexOf(waiter)
          if (i >= 0) waiters.splice(i, 1)
          resolve(false)
        })
      }
      pump()
    })
  }

  /** Gives up on everything not yet sent: in-flight requests are aborted; all goes to `onError`. */
  function abandonAll(error: WebTrackError): void {
    for (const t of [...topics.values()]) {
      counts.queued -= count(t.heads) + t.queue.length
      const logs: EncodedLog[] = []
      for (const b of [...t.inFlight, ...t.heads].sort(bySeq)) logs.push(...kill(b, error))
      t.heads.length = 0
      t.backoffTimer = clearTimer(t.backoffTimer)
      logs.push(...takeFromQueue(t, t.queue.length).logs)
      if (logs.length > 0) fail(logs, error)
      retire(t)
    }
    checkWaiters()
    if (exiting) drained()
  }

  // ---- push ---------------------------------------------------------------------------------

  const MIN_COST = cost(1, 2) // `{}`

  function push(input: LogInput | readonly LogInput[], opts: PushOptions = {}): void {
    const list: readonly LogInput[] = Array.isArray(input) ? input : [input as LogInput]
    const n = list.length
    counts.pushed += n
    if (n === 0) return
    if (closed) {
      counts.dropped += n
      reportDrop(n, 'closed')
      return
    }
    const key = opts.topic ?? defaultTopic
    let t: Topic
    try {
      t = topicFor(typeof key === 'string' ? key : String(key))
    } catch (error) {
      counts.rejected += n
      reportError(isWebTrackError(error) ? error : new WebTrackError(String(error), { cause: error }), [...list])
      return
    }
    const room = limits.maxBytes - t.target.envelope.bytes
    let dropped = 0
    const topicKey = t.key
    for (let i = 0; i < n; i++) {
      let log = list[i]!
      if (options.beforeSend) {
        try {
          const kept = options.beforeSend(log, topicKey)
          if (!kept) {
            counts.filtered++
            continue
          }
          log = kept
        } catch (error) {
          counts.rejected++
          reportError(new WebTrackError(`beforeSend threw: ${(error as Error)?.message ?? String(error)}`, { cause: error }), [log])
          continue
        }
      }
      // A full queue drops without serialising: a burst against a dead server stays cheap.
      if (counts.queuedBytes + MIN_COST > maxQueueBytes) {
        dropped++
        continue
      }
      let prepared: PreparedLog
      try {
        prepared = prepare(log, i)
        if (prepared.bytes > room) throw tooLarge(`logs[${i}]`, prepared.bytes, room)
      } catch (error) {
        counts.rejected++
        reportError(isWebTrackError(error) ? error : new ValidationError(`logs[${i}]`, String(error)), [log])
        continue
      }
      counts.omitted += prepared.omitted
      const c = cost(1, prepared.bytes)
      if (counts.queuedBytes + c > maxQueueBytes) {
        dropped++
        continue
      }
      t.queue.push({ json: prepared.json, bytes: prepared.bytes })
      t.queuedBytes += prepared.bytes
      t.enqueued++
      counts.queued++
      counts.queuedBytes += c
    }
    if (dropped > 0) {
      counts.dropped += dropped
      reportDrop(dropped, 'queue-full')
    }
    if (ready(t)) pump()
    else arm(t)
    retire(t)
  }

  // ---- the unload path ----------------------------------------------------------------------

  function flushSync(opts: FlushSyncOptions = {}): void {
    const final = opts.final === true
    let budget = unloadBudget - keepaliveBytes
    for (const t of [...topics.values()]) {
      const env = t.target.envelope
      // Runs in order: (final) the requests in flight, which unloading would cancel; batches
      // waiting for a retry; then the queue.
      const runs: Batch[] = []
      if (final) {
        for (const b of [...t.inFlight].sort(bySeq)) {
          if (b.keepaliveBytes > 0) continue // already on keep-alive: it survives the page
          kill(b)
          counts.queued += b.logs.length
          runs.push(b)
        }
      }
      runs.push(...t.heads)
      t.heads.length = 0
      t.backoffTimer = clearTimer(t.backoffTimer)

      let stop = false
      const leftovers: Batch[] = []
      for (const run of runs) {
        let at = 0
        for (let n; !stop && (n = fit(env, budget, run.logs, at)); at += n) {
          const batch = newBatch(t, run.seq + at, run.logs.slice(at, at + n), run)
          budget -= bodySize(env, n, batch.bytes)
          start(batch, true)
        }
        if (at < run.logs.length) {
          stop = true
          leftovers.push(newBatch(t, run.seq + at, run.logs.slice(at), run))
        }
      }
      for (let n; !stop && t.queue.length > 0; ) {
        n = fit(env, budget, t.queue, 0)
        if (!n) break
        const batch = takeFromQueue(t, n)
        budget -= bodySize(env, n, batch.bytes)
        start(batch, true)
      }
      t.due = false
      if (final) {
        // Last resort: the page is going away and these do not fit the keep-alive budget.
        const lost = leftovers.flatMap((b) => b.logs).concat(takeFromQueue(t, t.queue.length).logs)
        const n = lost.length
        if (n > 0) {
          counts.queued -= n
          counts.dropped += n
          counts.queuedBytes -= cost(n, bytesOf(lost))
          reportDrop(n, 'unload')
        }
      } else {
        t.heads.push(...leftovers)
        arm(t)
      }
      retire(t)
    }
    checkWaiters()
    pump()
  }

  /** How many logs from `at` on fit in one keep-alive request within `budget` bytes. */
  function fit(env: Target['envelope'], budget: number, logs: readonly EncodedLog[], at: number): number {
    const max = Math.min(logs.length - at, maxBatchLogs)
    let n = 0
    let bytes = 0
    while (n < max) {
      const next = bodySize(env, n + 1, bytes + logs[at + n]!.bytes)
      if (next > budget || next > (n === 0 ? limits.maxBytes : maxBatchBytes)) break
      bytes += logs[at + n++]!.bytes
    }
    return n
  }

  // ---- lifecycle --------------------------------------------------------------------------

  // The event loop emptied with logs pending: send everything now and keep the process alive
  // (ref'd timers) until it is settled or `exitTimeoutMs` passed. Once drained, timers are
  // unref'd again, in case the process lives on.
  function onExit(): void {
    if (!pending()) return
    if (!exiting) {
      exiting = true
      for (const t of timers) refTimer(t)
    }
    exitTimer ??= timer(exitTimeoutMs, () => {
      exitTimer = undefined
      abandonAll(new WebTrackError(`process exiting: not sent within exitTimeoutMs (${exitTimeoutMs} ms)`))
    })
    pump()
  }

  const detach = attachLifecycle(
    {
      hidden: () => flushSync(),
      pagehide: () => flushSync({ final: true }),
      beforeExit: onExit,
    },
    { page: options.flushOnHide !== false, exit: options.flushOnExit !== false },
  )

  function close(opts: FlushOptions = {}): Promise<void> {
    closed = true
    closing ??= (async () => {
      const done = await flush(opts)
      if (!done) abandonAll(new WebTrackError(`tracker closed: not sent within ${opts.timeoutMs} ms`))
      detach()
      for (const t of [...timers]) clearTimer(t)
      exitTimer = undefined
      for (const t of topics.values()) {
        t.lingerTimer = undefined
        t.backoffTimer = undefined
      }
    })()
    return closing
  }

  const asyncDispose: typeof Symbol.asyncDispose = Symbol.asyncDispose ?? (Symbol.for('Symbol.asyncDispose') as typeof Symbol.asyncDispose)

  return {
    push,
    flush,
    flushSync,
    close,
    stats: () => ({ ...counts }),
    get closed() {
      return closed
    },
    [asyncDispose]: () => close(),
  }
}
