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
import { bodySize, encodeBody, type EncodedLog, type Envelope } from './encode.js'
import { isWebTrackError, ValidationError, WebTrackError } from './errors.js'
import type { LogInput } from './normalize.js'
import { prepare, type PreparedLog } from './prepare.js'
import { retryDelay, retryPolicy } from './retry.js'
import { post } from './send.js'
import { tooLarge } from './split.js'
import { attachLifecycle, timer, type TimerHandle } from './tracker-lifecycle.js'

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

/** A queued log: serialised, with its number across topics (flushes wait for every log below a number). */
interface Entry extends EncodedLog {
  readonly seq: number
}

/** Logs out of their queue and not yet settled: in flight, or waiting for a retry. */
interface Batch {
  logs: Entry[]
  /** Attempts made. */
  tries: number
  /** When the first attempt started. */
  since?: number
  /** The controller of its request while in flight; replaced or cleared, it tells the request's handlers their outcome is ignored. */
  ctl?: AbortController | undefined
  /** Body bytes when sent on keep-alive, else 0; counted in `keepaliveBytes` while in flight. */
  ka?: number
}

interface Topic {
  readonly key: string
  readonly target: Target
  readonly env: Envelope
  /** Logs waiting, oldest first. */
  readonly queue: Entry[]
  /** What the logs in `queue` count against `maxQueueBytes`. */
  cost: number
  /**
   * The head of the topic, older than `queue`: batches taken out of it, in order, in flight
   * (`ctl` set) or failed and waiting for a retry. A failed batch keeps its place here, so it
   * leaves again before anything newer.
   */
  heads: Batch[]
  /** Queued logs numbered below this leave without waiting for linger (its linger expired). */
  due: number
  linger?: TimerHandle | undefined
  backoff?: TimerHandle | undefined
}

/** What logs count against `maxQueueBytes`. */
const cost = (logs: readonly EncodedLog[]): number => logs.reduce((sum, log) => sum + log.bytes + LOG_OVERHEAD_BYTES, 0)
/** Clears a timer; returns `undefined` for the handle's variable. */
const clear = (t: TimerHandle | undefined): undefined => void clearTimeout(t)

/** Calls a user callback; what it throws is reported (`reportError` where it exists) but never reaches the tracker. */
function call<A extends unknown[]>(fn: ((...args: A) => void) | undefined, ...args: A): void {
  try {
    fn?.(...args)
  } catch (error) {
    try {
      ;((globalThis as { reportError?: (e: unknown) => void }).reportError ?? console.error)(error)
    } catch {
      // Nowhere left to report it.
    }
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
  // A numeric option, or its default: a number, above `min` (or equal to it when `orEqual`).
  const num = (name: keyof TrackerOptions, fallback: number, orEqual?: boolean, min = 0): number => {
    const value = options[name] ?? fallback
    if (typeof value !== 'number' || !(value > min || (orEqual && value === min))) throw new ValidationError(name, `must be a number ${orEqual ? '≥' : '>'} ${min}, got ${String(value)}`)
    return value
  }
  const maxBatchLogs = Math.min(Math.floor(num('maxBatchLogs', 4096, true, 1)), conn.limits.maxLogs)
  const maxBatchBytes = Math.min(num('maxBatchBytes', 512 * 1024), conn.limits.maxBytes)
  const lingerMs = num('lingerMs', 1000, true)
  const concurrency = Math.max(1, Math.floor(num('concurrency', 2)))
  const maxQueueBytes = num('maxQueueBytes', DEFAULT_MAX_QUEUE_BYTES)
  const maxRetryMs = num('maxRetryMs', 60_000, true)
  const exitTimeoutMs = num('exitTimeoutMs', 5000, true)
  const unloadBudget = num('unloadBudgetBytes', 60_000)
  const policy = retryPolicy(options.retry)
  const headerless = options.headerless === true
  const defaultTopic = options.topic ?? ''
  const onError = options.onError ?? ((error: WebTrackError, logs: LogInput[]) => console.error(`[sls-webtrack] ${logs.length} log(s) not sent: ${error.message}`))
  // The Logstore is checked now: a tracker without one fails at start-up, not at every push.
  target(conn, { topic: defaultTopic })

  // Topics with logs pending; an idle topic is forgotten, so that one-off topics do not accumulate.
  const topics = new Map<string, Topic>()
  /** Pending flushes, each checking whether it is done. */
  const waiters = new Set<() => void>()
  // `queued` and `inFlight` are read off the topics by `stats()` (here they only keep the fields' order), `queuedBytes` is `held`.
  const counts = { pushed: 0, queued: 0, inFlight: 0, sent: 0, retried: 0, failed: 0, dropped: 0, rejected: 0, filtered: 0, omitted: 0, requests: 0 }
  let held = 0 // bytes counted against maxQueueBytes (queued and in-flight logs): 0 exactly when nothing is pending
  let seq = 0 // the next log's number
  let flushTo = 0 // queued logs numbered below this leave without waiting for linger (a flush)
  let active = 0 // requests in flight
  let keepaliveBytes = 0 // keep-alive body bytes in flight
  let closed = false
  let closing: Promise<void> | undefined
  // Set while the process drains at exit: the one timer that keeps it alive.
  let exitTimer: TimerHandle | undefined

  // Refuses logs at push: what went wrong is a ValidationError unless it already is one of ours.
  const reject = (error: unknown, path: string, logs: LogInput[]) => {
    counts.rejected += logs.length
    call(onError, isWebTrackError(error) ? error : new ValidationError(path, String(error)), logs)
  }
  const drop = (n: number, reason: DropReason) => {
    if (n) {
      counts.dropped += n
      call(options.onDrop, n, reason)
    }
  }
  function fail(logs: readonly Entry[], error: WebTrackError): void {
    counts.failed += logs.length
    held -= cost(logs)
    call(
      onError,
      error,
      logs.map((log) => JSON.parse(log.json) as LogInput),
    )
  }

  // ---- batching -------------------------------------------------------------------------

  /** Truthy when the topic's next batch may leave now (callers only test it). */
  function ready(t: Topic): unknown {
    // One batch per topic in flight, so that a retried batch is never overtaken; a failed one
    // waits for its backoff, then leaves before the queue. (Closing flushes: everything is due.)
    if (t.backoff || t.heads.some((b) => b.ctl)) return false
    const q = t.queue
    return t.heads[0] || (q[0] && (q[0].seq < t.due || q[0].seq < flushTo || exitTimer || q.length >= maxBatchLogs || bodySize(t.env, q.length, t.cost - q.length * LOG_OVERHEAD_BYTES) >= maxBatchBytes))
  }

  /** Arms the linger timer of a topic that has logs waiting; when it fires, the next batch is due. */
  function arm(t: Topic): void {
    if (t.queue.length && !t.linger) {
      t.linger = timer(lingerMs, () => {
        t.linger = undefined
        // The queue is never empty here (emptying it clears the timer); were it so, NaN makes nothing due.
        t.due = t.queue[0]?.seq! + 1
        pump()
      })
    }
  }

  /**
   * Moves the logs of one request from the front of the queue (or of the batch `from`, split
   * on unload) into a new batch, last in `heads`: at most `maxBatchLogs`, a body within
   * `maxBatchBytes` (a first log alone may be larger: `push` made sure it fits a request) and
   * within `budget`.
   * Returns nothing when not even one log fits.
   */
  function take(t: Topic, budget = Infinity, from?: Batch): Batch | undefined {
    const source = from ? from.logs : t.queue
    let n = 0
    for (let bytes = 0, size; n < Math.min(source.length, maxBatchLogs); bytes += source[n++]!.bytes) {
      size = bodySize(t.env, n + 1, bytes + source[n]!.bytes)
      if (size > budget || (n && size > maxBatchBytes)) break
    }
    if (!n) return
    const logs = source.splice(0, n)
    if (!from) {
      t.cost -= cost(logs)
      if (!t.queue.length) t.linger = clear(t.linger)
    }
    const b: Batch = { tries: 0, ...from, logs }
    t.heads.push(b)
    return b
  }

  function pump(): void {
    // No re-entry guard is needed: a request's state is set before `fetch` is called, and
    // `fetch` (even one that pushes synchronously) re-enters a consistent tracker.
    for (let t; active < concurrency && (t = [...topics.values()].find(ready)); ) {
      // Round robin: the topic served goes to the back of the line.
      topics.delete(t.key)
      topics.set(t.key, t)
      start(t, (t.heads[0] ?? take(t))!, false)
      arm(t)
    }
  }

  // ---- sending --------------------------------------------------------------------------

  /** Sends a batch (one attempt: retries are the tracker's, so that a failed batch waits at the head of its queue); returns its raw body size. */
  function start(t: Topic, b: Batch, keepalive: boolean): number {
    const logs = b.logs
    const n = logs.length
    const raw = encodeBody(t.env, logs)
    // The header-less form skips compression, so that `fetch` is called synchronously, which
    // the unload path relies on.
    const hl = keepalive || headerless
    const ctl = (b.ctl = new AbortController())
    if (b.tries++) counts.retried += n
    else b.since = Date.now()
    counts.requests++
    active++
    keepaliveBytes += b.ka = keepalive ? raw.length : 0
    let wireBytes = raw.length
    const end = (requestId: string | undefined, error?: WebTrackError) => {
      if (b.ctl !== ctl) return // killed: re-sent by the unload path, or given up
      kill(b) // done with it (the request is over: its abort does nothing)
      if (error?.retryable && policy.limit > 0 && (b.tries <= policy.limit || Date.now() - b.since! < maxRetryMs)) {
        // The batch keeps its place at the head of the queue until its backoff is over.
        const delayMs = retryDelay(error, policy, b.tries - 1)
        clear(t.backoff)
        t.backoff = timer(delayMs, () => {
          t.backoff = undefined
          pump()
        })
        call(options.onRetry, { error, retry: b.tries, delayMs })
      } else {
        t.heads.splice(t.heads.indexOf(b), 1)
        if (error) fail(logs, error)
        else {
          counts.sent += n
          held -= cost(logs)
          call(options.onSent, { topic: t.key, logs: n, requestId, attempts: b.tries, rawBytes: raw.length, wireBytes, keepalive })
        }
      }
      settled()
    }
    ;(async () => {
      const body = hl ? { bytes: raw } : await compressBody(raw, options.compression)
      wireBytes = body.bytes.length
      return post(conn, t.target, body, raw.length, { signal: ctl.signal, keepalive, headerless: hl })
    })().then(end, (reason: unknown) => end(undefined, isWebTrackError(reason) ? reason : new WebTrackError(`send failed: ${(reason as Error)?.message ?? reason}`, { cause: reason })))
    return raw.length
  }

  /**
   * Takes a batch out of flight, if it is, aborting its request: its outcome, if any, is then
   * ignored (the batch is re-sent on unload, or given up).
   */
  function kill(b: Batch, reason?: unknown): void {
    const ctl = b.ctl
    if (ctl) {
      active--
      keepaliveBytes -= b.ka!
      b.ctl = undefined
      ctl.abort(reason)
    }
  }

  /** After logs settled: forget idle topics, wake flushes, send what is next, end an exit drain that is done. */
  function settled(): void {
    for (const t of topics.values()) {
      if (!t.queue.length && !t.heads.length) {
        clear(t.linger)
        clear(t.backoff)
        topics.delete(t.key)
      }
    }
    for (const check of waiters) check()
    pump()
    if (!held) exitTimer = clear(exitTimer)
  }

  // ---- flush ------------------------------------------------------------------------------

  function flush({ timeoutMs }: FlushOptions = {}): Promise<boolean> {
    const until = (flushTo = seq)
    return new Promise<boolean>((resolve) => {
      // Done when the oldest log pending is not older than the flush (heads, then the queue,
      // hold a topic's logs in order), or `late` when the timeout passed first.
      const check = (late?: boolean) => {
        let oldest = until
        for (const t of topics.values()) oldest = Math.min(oldest, (t.heads[0]?.logs[0] ?? t.queue[0])?.seq ?? until)
        if (late || oldest >= until) {
          waiters.delete(check)
          clear(timeout)
          resolve(!late)
        }
      }
      const timeout = timeoutMs === undefined ? undefined : timer(timeoutMs, () => check(true))
      waiters.add(check)
      check()
      pump()
    })
  }

  /** Gives up on everything not yet sent: in-flight requests are aborted; all goes to `onError`. */
  function abandon(why: string, ms?: number): void {
    const error = new WebTrackError(`${why}: not sent within ${ms} ms`)
    for (const t of topics.values()) {
      const logs = t.heads.flatMap((b) => (kill(b, error), b.logs)).concat(t.queue.splice(0))
      t.heads = [] // idle now: forgotten by settled()
      if (logs.length) fail(logs, error)
    }
    settled()
  }

  // ---- push ---------------------------------------------------------------------------------

  function push(input: LogInput | readonly LogInput[], opts: PushOptions = {}): void {
    const list: readonly LogInput[] = Array.isArray(input) ? input : [input as LogInput]
    const n = list.length
    counts.pushed += n
    if (closed || !n) return drop(n, 'closed')
    const key = String(opts.topic ?? defaultTopic)
    let t = topics.get(key)
    if (!t) {
      try {
        const tg = target(conn, { topic: key })
        t = { key, target: tg, env: tg.envelope, queue: [], cost: 0, heads: [], due: 0 }
      } catch (error) {
        return reject(error, 'topic', [...list])
      }
      topics.set(key, t)
    }
    const room = conn.limits.maxBytes - t.env.bytes
    let dropped = 0
    for (let i = 0; i < n; i++) {
      let log = list[i]!
      let p: PreparedLog | undefined
      let hook = true // in beforeSend: what it throws is wrapped
      try {
        if (options.beforeSend) {
          const kept = options.beforeSend(log, key)
          if (!kept) {
            counts.filtered++
            continue
          }
          log = kept
        }
        hook = false
        // A full queue drops without serialising (34: the cost of `{}`): a burst against a dead server stays cheap.
        if (held + 34 <= maxQueueBytes) {
          p = prepare(log, i)
          if (p.bytes > room) throw tooLarge(`logs[${i}]`, p.bytes, room)
          counts.omitted += p.omitted
        }
      } catch (error) {
        reject(hook ? new WebTrackError(`beforeSend threw: ${(error as Error)?.message ?? String(error)}`, { cause: error }) : error, `logs[${i}]`, [log])
        continue
      }
      const c = p && p.bytes + LOG_OVERHEAD_BYTES
      if (c && held + c <= maxQueueBytes) {
        held += c
        t.cost += c
        // A literal, not a spread of `p`: V8 gives spread copies a much larger layout (the heap test: 2.5 times the memory).
        t.queue.push({ json: p!.json, bytes: p!.bytes, seq: seq++ })
      } else dropped++
    }
    drop(dropped, 'queue-full')
    // A push can only make its own topic ready (or, when nothing was queued, idle): the rest of
    // `settled` would scan every topic on every push (24 µs a push with 1,000 topics).
    if (!t.queue.length && !t.heads.length) return settled()
    // Linger only delays the front log (see `arm`): a timer armed while the queue is ready anyway changes nothing.
    arm(t)
    if (ready(t)) pump()
  }

  // ---- the unload path ----------------------------------------------------------------------

  function flushSync({ final }: FlushSyncOptions = {}): void {
    let budget = unloadBudget - keepaliveBytes
    for (const t of topics.values()) {
      // Runs in order: batches waiting for a retry and (final) the regular requests in flight,
      // which unloading would cancel; then the queue. Each leaves on keep-alive while the budget
      // lasts; once one does not fit, the rest stays (final: is dropped).
      let stop = false
      let lost: Entry[] = []
      const send = (from?: Batch) => {
        for (let b; !stop && (b = take(t, budget, from)); ) budget -= start(t, b, true)
      }
      const runs = t.heads
      t.heads = []
      t.backoff = clear(t.backoff)
      for (const b of runs) {
        if (b.ctl && (b.ka || !final)) {
          t.heads.push(b) // left alone, or already on keep-alive: it survives the page
        } else {
          kill(b) // re-sent on keep-alive: a duplicate is possible, counted as retried
          send(b)
          if (b.logs.length) {
            stop = true
            if (final) lost = lost.concat(b.logs)
            else t.heads.push(b)
          }
        }
      }
      send()
      if (final) {
        // Last resort: the page is going away and these do not fit the keep-alive budget.
        lost = lost.concat(t.queue.splice(0))
        t.cost = 0
        t.linger = clear(t.linger)
        held -= cost(lost)
        drop(lost.length, 'unload')
      } else arm(t)
    }
    settled()
  }

  // ---- lifecycle --------------------------------------------------------------------------

  // The event loop emptied with logs pending: send everything now (`ready` while `exitTimer`
  // is set) and keep the process alive with a ref'd timer until all is settled or
  // `exitTimeoutMs` passed. The other timers stay unref'd: they run while the process lives.
  function onExit(): void {
    if (!held) return
    exitTimer ??= setTimeout(() => {
      exitTimer = undefined
      abandon('process exiting', exitTimeoutMs)
    }, exitTimeoutMs)
    pump()
  }

  const detach = attachLifecycle((final) => flushSync({ final }), options.flushOnHide !== false, options.flushOnExit !== false && onExit)

  function close(opts: FlushOptions = {}): Promise<void> {
    closed = true
    return (closing ??= (async () => {
      if (!(await flush(opts))) abandon('tracker closed', opts.timeoutMs)
      detach()
    })())
  }

  return {
    push,
    flush,
    flushSync,
    close,
    stats: () => {
      let queued = 0
      let inFlight = 0
      for (const t of topics.values()) {
        queued += t.queue.length
        for (const b of t.heads) b.ctl ? (inFlight += b.logs.length) : (queued += b.logs.length)
      }
      return { ...counts, queued, inFlight, queuedBytes: held }
    },
    get closed() {
      return closed
    },
    [Symbol.asyncDispose ?? (Symbol.for('Symbol.asyncDispose') as typeof Symbol.asyncDispose)]: close,
  }
}
