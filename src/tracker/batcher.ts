// The batching core of a tracker (OpenTelemetry's `BatchLogRecordProcessorBase`: small named
// methods around a bounded queue): logs in through `push`, batches out through `pump`, one
// `attempt` each, outcomes back through `end`. Per-topic queues keep order within a topic; a
// failed batch is retried at the head of its queue; only topics that may be ready are visited
// (`woken`), so that the work per event does not grow with the number of topics.
//
// Accounting: every pushed log is, at any time, in exactly one of queued, inFlight, sent,
// failed, dropped, rejected or filtered (`pushed` is their sum). A log is serialised once, at
// push; the queue holds its JSON text and UTF-8 length, so byte accounting is exact.
import { target, type Connection } from '../request/connection.js'
import { isWebTrackError, reason, ValidationError, WebTrackError } from '../errors.js'
import type { LogInput } from '../request/normalize.js'
import { prepare, type PreparedLog } from '../request/prepare.js'
import { nextRetry } from '../transport/retry.js'
import { fitsInRequest, tooLarge } from '../request/split.js'
import { attempt, type Attempt } from './attempt.js'
import { timer, type TimerHandle } from './lifecycle.js'
import { MAX_TIMER_MS } from '../check-option.js'
import type { TrackerSettings } from './options.js'
import {
  cost,
  fit,
  LOG_OVERHEAD_BYTES,
  memoryStore,
  MIN_LOG_COST,
  ready,
  TOPIC_OVERHEAD_BYTES,
  type Batch,
  type Entry,
  type QueueStore,
  type Topic,
} from './queue.js'
import type { DropReason, FlushOptions, FlushSyncOptions, PushOptions, TrackerOptions, TrackerStats } from './types.js'
import { unloadTopic, type UnloadHost } from './unload.js'

/** Clears a timer; returns `undefined` for the handle's variable. */
// Returns `undefined`, so that a handle is cleared and reset in one assignment: `t.linger = clear(t.linger)`.
// eslint-disable-next-line @typescript-eslint/no-meaningless-void-operator -- see above
const clear = (t: TimerHandle | undefined): undefined => void clearTimeout(t)
const noop = () => {}

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

type Counts = Omit<TrackerStats, 'queuedBytes'>

/**
 * The state and steps of one tracker; `createTracker` wires it to the runtime and hands out its
 * public face. Fields are assigned in the constructor, not declared as class fields (see
 * errors.ts).
 */
export class Batcher implements UnloadHost {
  declare readonly conn: Connection
  declare readonly options: TrackerOptions
  declare readonly s: TrackerSettings
  declare readonly onError: (error: WebTrackError, logs: LogInput[]) => void
  /** Where the queues are kept: `options.store`, or memory. */
  declare readonly store: QueueStore
  /** Topics with logs pending, by key; a topic is forgotten once it holds none. */
  declare readonly topics: Map<string, Topic>
  /**
   * Topics that something may have made ready, in the order they are served (round robin): a
   * topic joins when its linger or backoff ends, its request ends, it is pushed to, or on a
   * flush; it leaves when served, or when found not ready.
   */
  declare readonly woken: Set<Topic>
  /** Pending flushes, each told of every log settled. */
  declare readonly waiters: Set<(logs: readonly Entry[]) => void>
  declare readonly counts: Counts
  /** Bytes counted against `maxQueueBytes`: pending logs and their topics; 0 exactly when nothing is pending. */
  declare held: number
  /** Logs pending: queued or in flight. */
  declare pending: number
  /** Logs in flight. */
  declare inFlight: number
  /** The next log's number. */
  declare seq: number
  /** Queued logs numbered below this leave without waiting for linger (a flush). */
  declare flushTo: number
  /** Requests in flight. */
  declare active: number
  /** Keep-alive body bytes in flight. */
  declare keepaliveBytes: number
  declare closed: boolean
  /** Set while the process drains at exit: the one timer that keeps it alive then. */
  declare exiting: TimerHandle | undefined

  constructor(options: TrackerOptions, conn: Connection, s: TrackerSettings) {
    this.options = options
    this.conn = conn
    this.s = s
    this.onError = options.onError ?? ((error, logs) => console.error(`[sls-webtrack] ${logs.length} log(s) not sent: ${error.message}`))
    this.store = options.store ?? memoryStore
    this.topics = new Map()
    this.woken = new Set()
    this.waiters = new Set()
    // `queued` and `inFlight` only keep the fields' order here: `stats()` fills them in.
    this.counts = {
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
    }
    this.held = this.pending = this.inFlight = this.seq = this.flushTo = this.active = this.keepaliveBytes = 0
    this.closed = false
  }

  // ---- push -------------------------------------------------------------------------------

  push(input: LogInput | readonly LogInput[], opts: PushOptions = {}): void {
    const list: readonly LogInput[] = Array.isArray(input) ? input : [input as LogInput]
    const n = list.length
    this.counts.pushed += n
    if (this.closed || !n) return this.drop(n, 'closed')
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-conversion -- a topic from JavaScript may be a number
    const key = String(opts.topic ?? this.options.topic ?? '')
    let t = this.topics.get(key)
    if (!t) {
      try {
        t = this.open(key)
      } catch (error) {
        return this.reject(error, 'topic', [...list])
      }
    }
    // A topic that did not fit `maxQueueBytes` is not registered: its logs are dropped.
    const kept = this.topics.get(key) === t
    const max = this.s.maxQueueBytes
    let dropped = 0
    for (let i = 0; i < n; i++) {
      const prepared = this.admit(list[i]!, i, t, kept && this.held + MIN_LOG_COST <= max)
      if (prepared === undefined) continue
      const logCost = prepared && prepared.bytes + LOG_OVERHEAD_BYTES
      if (logCost && this.held + logCost <= max) {
        this.held += logCost
        this.pending++
        t.cost += logCost
        // A literal, not a spread of `prepared`: V8 gives spread copies a much larger layout (the heap test: 2.5 times the memory).
        t.queue.push({ json: prepared.json, bytes: prepared.bytes, seq: this.seq++ })
      } else dropped++
    }
    this.drop(dropped, 'queue-full')
    // A push can only make its own topic ready, or (nothing queued) idle.
    if (!t.queue.length && !t.heads.length) return this.settle(t)
    // Linger only delays the front log (see `arm`): a timer armed while the queue is ready anyway changes nothing.
    this.arm(t)
    this.wake(t)
  }

  /** A new topic's state, registered (its memory counted) when it fits `maxQueueBytes`. */
  open(key: string): Topic {
    const topicTarget = target(this.conn, { topic: key })
    const env = topicTarget.envelope
    const overhead = TOPIC_OVERHEAD_BYTES + env.bytes
    const t: Topic = { key, target: topicTarget, env, queue: this.store.open(key), cost: 0, overhead, heads: [], due: 0, retries: 0 }
    if (this.held + t.overhead + MIN_LOG_COST <= this.s.maxQueueBytes) {
      this.held += t.overhead
      this.topics.set(key, t)
    }
    return t
  }

  /**
   * One pushed log through `beforeSend` and `prepare`: the prepared log; `null` when there is
   * no `room` (it is dropped unserialised, so that a burst against a dead server stays cheap);
   * `undefined` when it was filtered or rejected (counted and reported here).
   */
  admit(log: LogInput, i: number, t: Topic, room: boolean): PreparedLog | null | undefined {
    const hook = this.options.beforeSend
    let inHook = !!hook // what beforeSend throws is wrapped
    try {
      if (hook) {
        const kept = hook(log, t.key)
        if (!kept) {
          this.counts.filtered++
          return
        }
        inHook = false
        if (typeof (kept as Partial<PromiseLike<unknown>>).then === 'function') {
          // Not awaited (push is synchronous); its rejection, if any, must not go unhandled.
          ;(kept as unknown as PromiseLike<unknown>).then(noop, noop)
          throw new ValidationError('beforeSend', 'must return the log or false, not a promise')
        }
        log = kept
      }
      if (!room) return null
      const prepared = prepare(log, i)
      if (!fitsInRequest(0, 0, prepared.bytes, t.env.bytes, this.conn.limits)) {
        throw tooLarge(`logs[${i}]`, prepared.bytes, t.env.bytes, this.conn.limits)
      }
      this.counts.omitted += prepared.omitted
      return prepared
    } catch (error) {
      this.reject(inHook ? new WebTrackError(`beforeSend threw: ${reason(error)}`, { cause: error }) : error, `logs[${i}]`, [log])
    }
  }

  // ---- batching ---------------------------------------------------------------------------

  /** Something may have made the topic ready: it joins the line (once), and the line moves. */
  wake(t: Topic): void {
    this.woken.add(t)
    this.pump()
  }

  /** Starts the next batch of woken topics that are ready, while `concurrency` allows. */
  pump(): void {
    // No re-entry guard is needed: a batch's state is set before `fetch` is called, and
    // `fetch` (even one that pushes synchronously) re-enters a consistent tracker.
    for (const t of this.woken) {
      if (this.active >= this.s.concurrency) return
      this.woken.delete(t)
      if (ready(t, this.s.batch, this.exiting ? Infinity : Math.max(t.due, this.flushTo))) {
        this.start(t, t.heads[0] ?? this.take(t, Infinity)!, false)
        this.arm(t)
      }
    }
  }

  /** Arms the linger timer of a topic that has logs waiting; when it fires, the next batch is due. */
  arm(t: Topic): void {
    const q = t.queue
    if (q.length && !t.linger) {
      t.linger = timer(this.s.lingerMs, () => {
        t.linger = undefined
        // The queue is never empty here (emptying it clears the timer); were it so, NaN makes nothing due.
        t.due = (q[0]?.seq ?? NaN) + 1
        this.wake(t)
      })
    }
  }

  take(t: Topic, budget: number, from?: Batch): Batch | undefined {
    const n = fit(from ? from.logs : t.queue, t.env, this.s.batch, budget)
    if (!n) return
    const b: Batch = { logs: (from ? from.logs : t.queue).splice(0, n), tries: from ? from.tries : 0 }
    if (!from) {
      t.cost -= cost(b.logs)
      if (!t.queue.length) t.linger = clear(t.linger)
    }
    t.heads.push(b)
    return b
  }

  // ---- attempts ---------------------------------------------------------------------------

  /** Starts one attempt to post a batch (attempt.ts); returns its raw body size. */
  start(t: Topic, b: Batch, keepalive = true): number {
    const n = b.logs.length
    if (b.tries++) this.counts.retried += n
    this.counts.requests++
    this.active++
    this.inFlight += n
    const op = attempt(this.conn, t.target, b, keepalive, this.options.headerless === true, (requestId, error) =>
      this.end(t, b, op, requestId, error),
    )
    this.keepaliveBytes += op.keepalive
    // A beacon the browser refused is out of flight at once (the unload path's budget is spent).
    if (op.raw == Infinity) this.kill(b)
    return op.raw
  }

  /** The outcome of a batch's request: sent, retried after a backoff, or given up. */
  end(t: Topic, b: Batch, op: Attempt, requestId: string | undefined, error?: WebTrackError): void {
    if (b.op !== op) return // cancelled: re-sent by the unload path, or given up
    this.kill(b) // done with it (the request is over: its abort does nothing)
    // The topic's outage window starts at its first failure and ends at its next success.
    const now = Date.now()
    const since = t.since ?? now
    const delayMs = error ? nextRetry(error, this.s.policy, t.retries, undefined, this.s.maxRetryMs, now - since) : -1
    if (delayMs >= 0) {
      // The batch keeps its place at the head of the queue until its backoff is over.
      t.since = since
      clear(t.backoff)
      t.backoff = timer(delayMs, () => {
        t.backoff = undefined
        this.wake(t)
      })
      call(this.options.onRetry, { error: error!, retry: ++t.retries, delayMs })
    } else {
      t.heads.splice(t.heads.indexOf(b), 1)
      if (error) this.fail(t, b.logs, error)
      else {
        t.since = undefined
        t.retries = 0
        this.counts.sent += b.logs.length
        this.release(t, b.logs)
        call(this.options.onSent, {
          topic: t.key,
          logs: b.logs.length,
          requestId,
          attempts: b.tries,
          rawBytes: op.raw,
          wireBytes: op.wire,
          keepalive: op.keepalive > 0,
        })
      }
    }
    this.wake(t)
    this.settle(t)
  }

  /** Takes a batch out of flight, if it is, cancelling its request: its outcome, if any, is then ignored. */
  kill(b: Batch, reason?: unknown): void {
    const op = b.op
    if (op) {
      this.active--
      this.inFlight -= b.logs.length
      this.keepaliveBytes -= op.keepalive
      b.op = undefined
      op.controller.abort(reason)
    }
  }

  // ---- settling -----------------------------------------------------------------------------

  /** Logs leave the tracker's care (sent, failed, dropped on unload): their memory, their flushes. */
  release(t: Topic, logs: readonly Entry[]): void {
    this.held -= cost(logs)
    this.pending -= logs.length
    this.store.ack(t.key, logs)
    for (const told of this.waiters) told(logs)
  }

  fail(t: Topic, logs: readonly Entry[], error: WebTrackError): void {
    this.counts.failed += logs.length
    this.release(t, logs)
    call(
      this.onError,
      error,
      logs.map((log) => JSON.parse(log.json) as LogInput),
    )
  }

  /** Forgets a topic that holds nothing: its timers, its place in line, its memory. */
  settle(t: Topic): void {
    if (!t.queue.length && !t.heads.length && this.topics.get(t.key) === t) {
      clear(t.linger)
      clear(t.backoff)
      this.topics.delete(t.key)
      this.woken.delete(t)
      this.held -= t.overhead
      // Nothing pending: an exit drain is done.
      if (!this.held) this.exiting = clear(this.exiting)
    }
  }

  // Refuses logs at push: what went wrong is a ValidationError unless it already is one of ours.
  reject(error: unknown, path: string, logs: LogInput[]): void {
    this.counts.rejected += logs.length
    call(this.onError, isWebTrackError(error) ? error : new ValidationError(path, String(error)), logs)
  }

  drop(n: number, reason: DropReason): void {
    if (n) {
      this.counts.dropped += n
      call(this.options.onDrop, n, reason)
    }
  }

  // ---- flush, unload, give up ---------------------------------------------------------------

  /** Every topic with logs may be ready now (a flush, the exit drain): all join the line. */
  wakeAll(): void {
    for (const t of this.topics.values()) this.woken.add(t)
    this.pump()
  }

  /**
   * Resolves `true` once every log pending now is settled, `false` after `timeoutMs`; in the
   * meantime one ref'd timer keeps a Node process alive.
   */
  flush({ timeoutMs }: FlushOptions = {}): Promise<boolean> {
    const until = (this.flushTo = this.seq)
    let left = this.pending // all of them numbered below `until`
    const done = new Promise<boolean>((resolve) => {
      if (!left) return resolve(true)
      const end = (settled: boolean) => {
        this.waiters.delete(told)
        clearTimeout(keep)
        resolve(settled)
      }
      const told = (logs: readonly Entry[]) => {
        for (const log of logs) if (log.seq < until) left--
        if (!left) end(true)
      }
      // Ref'd, unlike the other timers: it keeps a Node process alive while the flush waits.
      // Without a deadline (or beyond setTimeout's range, where it would fire at once) it is an
      // interval that never ends the wait.
      const ms = timeoutMs ?? Infinity
      const keep = ms > MAX_TIMER_MS ? setInterval(noop, MAX_TIMER_MS) : setTimeout(end, ms, false)
      this.waiters.add(told)
    })
    this.wakeAll()
    return done
  }

  /** The synchronous unload path (see `Tracker.flushSync`). */
  flushSync({ final }: FlushSyncOptions = {}): void {
    let budget = this.s.unloadBudgetBytes - this.keepaliveBytes
    for (const t of this.topics.values()) {
      t.backoff = clear(t.backoff)
      const r = unloadTopic(t, budget, final, this)
      budget = r.budget
      if (final) {
        this.release(t, r.lost)
        this.drop(r.lost.length, 'unload')
      } else this.arm(t)
      this.woken.add(t)
      this.settle(t)
    }
    this.pump()
  }

  /** The event loop emptied with logs pending (Node): send everything now, for at most `exitTimeoutMs`. */
  drainAtExit(): void {
    if (!this.held) return
    // The one ref'd timer keeps the process alive until all is settled (see `settle`) or it fires.
    const ms = this.s.exitTimeoutMs
    this.exiting ??= setTimeout(() => {
      this.exiting = undefined
      void this.abandon('process exiting', ms)
    }, ms)
    this.wakeAll()
  }

  /**
   * Gives up on everything not yet sent: in-flight requests are aborted; all goes to `onError`.
   * The store is closed first, so that a persisted one keeps these logs for the next tracker;
   * resolves once it is closed.
   */
  abandon(why: string, ms: number): Promise<void> | undefined {
    const closed = this.store.close?.()
    const error = new WebTrackError(`${why}: not sent within ${ms} ms`)
    for (const t of this.topics.values()) {
      for (const b of t.heads) this.kill(b, error)
      const logs = t.heads.flatMap((b) => b.logs).concat(t.queue.splice(0))
      t.heads = []
      this.fail(t, logs, error)
      this.settle(t)
    }
    return closed
  }

  stats(): TrackerStats {
    return { ...this.counts, queued: this.pending - this.inFlight, inFlight: this.inFlight, queuedBytes: this.held }
  }
}
