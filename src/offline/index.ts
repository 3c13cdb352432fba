// Offline as a state, not a failure (issue 13): `withOffline` wraps a store so that, while the
// device is offline, its tracker sends nothing, spends no retries and counts nothing as failed.
// It reaches into the tracker's state from here, through the store's `attach` (as restore.ts
// does), replacing four of the tracker's steps on that one tracker: `pump` (nothing leaves
// while offline), `end` (a batch that failed for want of a network is parked at the head of its
// queue, as if never sent), `flushSync` (the hidden-page path waits too; the unload path does
// not) and the store's `close`. So the tracker's size rows, and the stores' own, carry none of
// it. The state, its events and its probe: docs/guide.md, "Never lose a log".
import { checkOption, MAX_TIMER_MS } from '../check-option.js'
import type { WebTrackError } from '../errors.js'
import type { Attempt } from '../tracker/attempt.js'
import { timer, type TimerHandle } from '../tracker/lifecycle.js'
import type { Batch, QueueStore, Topic } from '../tracker/queue.js'
import type { FlushSyncOptions } from '../tracker/types.js'
import type { Batcher } from '../tracker/batcher.js'

/** Options of `withOffline`. */
export interface OfflineOptions {
  /**
   * Network errors in a row (requests that got no answer at all) after which the tracker
   * counts itself offline, even where `navigator.onLine` says otherwise (or, as in Node, does
   * not exist). `Infinity`: only `navigator.onLine` and its `offline` event. Default 3.
   */
  offlineAfter?: number
  /**
   * While offline by its own count (not by `navigator.onLine`), how often the tracker tries
   * the network again, in ms: one request, the oldest batch waiting. Default 30,000.
   */
  probeMs?: number
  /** Called when the tracker goes offline (`true`) and back online (`false`). */
  onChange?: (offline: boolean) => void
}

const g = globalThis as unknown as {
  navigator?: { onLine?: boolean }
  addEventListener?: (type: string, fn: () => void, options?: { signal: AbortSignal }) => void
}

/** The runtime says there is no network: `navigator.onLine` is `false` (browsers, workers). */
const noNetwork = () => g.navigator?.onLine === false

/** The offline state of one tracker, and the steps of it that it replaced. */
class OfflineGuard {
  declare readonly b: Batcher
  declare readonly options: OfflineOptions
  declare readonly after: number
  declare readonly probeMs: number
  declare readonly pump: () => void
  declare readonly end: Batcher['end']
  declare readonly flushSync: Batcher['flushSync']
  declare readonly listeners: AbortController
  /** Since when the tracker is offline; unset while online. */
  declare since: number | undefined
  /** Network errors in a row. */
  declare errors: number
  declare probe: TimerHandle | undefined

  constructor(b: Batcher, options: OfflineOptions, after: number, probeMs: number) {
    this.b = b
    this.options = options
    this.after = after
    this.probeMs = probeMs
    this.errors = 0
    // The tracker's own steps, kept; the instance's replace them (the prototype's stay as they are).
    this.pump = b.pump.bind(b)
    this.end = b.end.bind(b)
    this.flushSync = b.flushSync.bind(b)
    b.pump = () => {
      if (this.since === undefined) this.pump()
    }
    b.end = (t, batch, op, requestId, error) => this.ended(t, batch, op, requestId, error)
    b.flushSync = (o?: FlushSyncOptions) => {
      // Hidden: nothing can leave now, and the store holds it. Unloading: the tracker does
      // what it always does (what does not fit the keep-alive budget is dropped, and counted).
      if (this.since === undefined || o?.final) this.flushSync(o)
    }
    this.listeners = new AbortController()
    const signal = this.listeners.signal
    g.addEventListener?.('offline', () => this.off(), { signal })
    g.addEventListener?.('online', () => this.on(), { signal })
    if (noNetwork()) this.off()
  }

  /** A batch's request ended: parked while offline, else the tracker's own step. */
  ended(t: Topic, batch: Batch, op: Attempt, requestId: string | undefined, error?: WebTrackError): void {
    // Cancelled (re-sent on keep-alive, given up): the tracker ignores it.
    if (batch.op !== op) return
    this.errors = error?.name === 'NetworkError' ? this.errors + 1 : 0
    if (error?.retryable && (this.since !== undefined || noNetwork() || this.errors >= this.after)) {
      // Out of flight, at the head of its queue, its retries and the topic's outage untouched:
      // it leaves first once online. Not a retry, not a failure.
      this.b.kill(batch)
      this.off()
      return
    }
    // An answer, or another error: there is a network.
    if (!noNetwork()) this.on()
    this.end(t, batch, op, requestId, error)
  }

  /** Goes offline (once), and arms the probe. */
  off(): void {
    if (this.since === undefined) {
      this.since = Date.now()
      this.tell(true)
    }
    this.probe ??= timer(this.probeMs, () => this.tryNetwork())
  }

  /** Back online: each topic's outage window is moved past the time offline; everything may leave. */
  on(): void {
    const since = this.since
    if (since === undefined) return
    this.since = undefined
    this.errors = 0
    clearTimeout(this.probe)
    this.probe = undefined
    const offlineMs = Date.now() - since
    for (const t of this.b.topics.values()) if (t.since !== undefined) t.since += offlineMs
    this.tell(false)
    this.b.wakeAll()
  }

  /** The probe: the oldest batch waiting goes alone; its outcome says whether there is a network. */
  tryNetwork(): void {
    this.probe = undefined
    if (this.since === undefined) return
    if (noNetwork()) return this.off() // the runtime knows: its `online` event resumes
    for (const t of this.b.topics.values()) {
      const head = t.heads[0]
      if (head && !head.op) {
        this.b.start(t, head, false)
        return
      }
    }
    // Nothing parked to try with: resume; the next requests tell.
    this.on()
  }

  tell(offline: boolean): void {
    try {
      this.options.onChange?.(offline)
    } catch {
      // The tracker carries on, as it does when its own callbacks throw.
    }
  }

  close(): void {
    this.listeners.abort()
    clearTimeout(this.probe)
  }
}

/**
 * Wraps `store` (default: a memory store) so that its tracker treats being offline as a state,
 * not a failure. While `navigator.onLine` is `false` (browsers, workers), or after
 * `offlineAfter` network errors in a row (any runtime), the tracker sends nothing: it spends
 * no retries and counts no log as failed; a batch whose request failed for want of a network
 * waits at the head of its queue. It resumes on the `online` event, or when a probe (one
 * request every `probeMs`, the oldest batch waiting; counted in `requests` and `retried`) gets
 * any answer. A topic's `maxRetryMs` counts only time online. Logs still wait within the
 * bounds: `maxQueueBytes`, and the store's `maxStoreBytes` and `maxAgeMs` for the next page or
 * process. Returns the same store, its `attach` and `close` wrapped.
 * @throws ValidationError for a bad option.
 * @example
 * const tracker = createTracker({ project, endpoint, logstore, store: withOffline(indexedDBStore()) })
 */
export function withOffline<S extends QueueStore = QueueStore>(store?: S, options: OfflineOptions = {}): S {
  const after = checkOption('offlineAfter', options.offlineAfter, 3, 1, Infinity)
  const probeMs = checkOption('probeMs', options.probeMs, 30_000, 100, MAX_TIMER_MS, ' ms')
  const s = store ?? ({ open: () => [], ack: () => {} } as QueueStore as S)
  const attach = s.attach?.bind(s)
  const close = s.close?.bind(s)
  let guard: OfflineGuard | undefined
  s.attach = (tracker: unknown) => {
    // First: a store's attach may queue logs it holds, and those wait while offline too.
    guard = new OfflineGuard(tracker as Batcher, options, after, probeMs)
    attach?.(tracker)
  }
  s.close = () => {
    guard?.close()
    return close ? close() : Promise.resolve()
  }
  return s
}
