// The batching tracker: push a log, forget it, and trust that it arrives — or that it is
// reported. The shape is OpenTelemetry's batch processor (a bounded queue that drops and counts
// when full; a batch leaves when it is full or its linger time is up; timers never keep a
// process alive, except while a flush, a close or the exit drain waits), with per-topic queues
// so that order holds within a topic, retries that put a failed batch back at the head of its
// queue, and a synchronous keep-alive path for page unload. This file wires the parts:
//   options.ts   the defaults and the checks of the options
//   queue.ts     the per-topic queue: ready, fit, cost; the store behind it
//   batcher.ts   the state and steps: push, pump, end, settle, flush
//   attempt.ts   one request of one batch
//   unload.ts    the unload path, per topic
//   lifecycle.ts the runtime's events: page hide and unload, Node's beforeExit
import { resolveConnection, target } from '../request/connection.js'
import { Batcher } from './batcher.js'
import { attachLifecycle } from './lifecycle.js'
import { resolveSettings } from './options.js'
import type { FlushOptions, Tracker, TrackerOptions } from './types.js'

export { DEFAULT_MAX_QUEUE_BYTES, TRACKER_DEFAULTS } from './options.js'
export { LOG_OVERHEAD_BYTES, TOPIC_OVERHEAD_BYTES } from './queue.js'
export type { DropReason, FlushOptions, FlushSyncOptions, PushOptions, SentInfo, Tracker, TrackerOptions, TrackerStats } from './types.js'
export type { Entry, QueueStore, TopicQueue } from './queue.js'

/**
 * Creates a batching tracker: `push` logs and forget them; they leave in batches (by count,
 * bytes and linger time), are retried at the head of their queue, and every log that cannot
 * be sent is reported through `onError` or `onDrop` — never silently lost. Defaults: see
 * {@link TRACKER_DEFAULTS}; `flushOnExit` and `flushOnHide` are on.
 *
 * @throws ValidationError for a bad project, endpoint, Logstore or option, at creation.
 * @example
 * const tracker = createTracker({ project: 'my-project', endpoint: 'cn-hangzhou.log.aliyuncs.com', logstore: 'web' })
 * tracker.push({ event: 'click', target: 'buy' })
 * await tracker.close()
 */
export function createTracker(options: TrackerOptions): Tracker {
  const conn = resolveConnection(options)
  const s = resolveSettings(options, conn)
  // The Logstore is checked now: a tracker without one fails at start-up, not at every push.
  target(conn, { topic: options.topic })
  const b = new Batcher(options, conn, s)
  // A persisted store queues what it holds now (or throws: it serves another tracker).
  b.store.attach?.(b)
  const detach = attachLifecycle(
    (final) => b.flushSync({ final }),
    options.flushOnHide !== false,
    options.flushOnExit !== false && (() => b.drainAtExit()),
  )
  let closing: Promise<void> | undefined
  const close = ({ timeoutMs = s.closeTimeoutMs }: FlushOptions = {}): Promise<void> => {
    b.closed = true
    closing ??= (async () => {
      await b.flush({ timeoutMs })
      // What is left, if anything, is given up; the store is closed.
      await b.abandon('tracker closed', timeoutMs)
      detach()
    })()
    return closing
  }
  // The public face: bound methods (they may be passed around, as closures could), none of the state.
  return {
    push: b.push.bind(b),
    flush: b.flush.bind(b),
    flushSync: b.flushSync.bind(b),
    close,
    stats: b.stats.bind(b),
    get closed() {
      return b.closed
    },
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- engines before 2025 have no Symbol.asyncDispose
    [Symbol.asyncDispose ?? (Symbol.for('Symbol.asyncDispose') as typeof Symbol.asyncDispose)]: close,
  }
}
