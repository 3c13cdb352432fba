// The unload path, one topic at a time: a page that is hidden may be killed without another
// event, and one that is unloading cancels its regular requests, so pending logs leave now on
// keep-alive requests, which outlive the page, within the browsers' keep-alive budget (on
// beacons where `fetch` has no keep-alive: see attempt.ts).
import type { Batch, Entry, Topic } from './queue.js'

/** What the unload path needs from its tracker. */
export interface UnloadHost {
  /** Moves the logs of one request from the front of the topic's queue (or of `from`) into a new batch at the end of its heads. */
  take(t: Topic, budget: number, from?: Batch): Batch | undefined
  /** Starts an attempt to post a batch on keep-alive; returns its body bytes, `Infinity` when the browser refused it. */
  start(t: Topic, b: Batch): number
  /** Takes a batch out of flight, cancelling its request. */
  kill(b: Batch): void
}

/**
 * Hands one topic's pending logs to keep-alive requests, in order: batches waiting for a retry
 * and (`final`) the regular requests in flight, which unloading would cancel, then the queue.
 * Each leaves while `budget` lasts; once one does not fit, or the browser refuses one (which
 * spends the budget: no topic sends more), the rest stays (`final`: is returned as `lost`, for
 * the caller to drop). Returns the budget left.
 */
export function unloadTopic(t: Topic, budget: number, final: boolean | undefined, host: UnloadHost): { budget: number; lost: Entry[] } {
  let stop = false
  let lost: Entry[] = []
  // Batches taken from the front of `from` (or of the queue) leave while the budget lasts.
  const leave = (from?: Batch) => {
    for (let b; !stop && (b = host.take(t, budget, from));) budget -= host.start(t, b)
  }
  const runs = t.heads
  t.heads = []
  for (const b of runs) {
    if (b.op && (b.op.keepalive || !final)) {
      t.heads.push(b) // left alone, or already on keep-alive: it survives the page
    } else {
      host.kill(b) // re-sent on keep-alive: a duplicate is possible, counted as retried
      leave(b)
      if (b.logs.length) {
        stop = true
        t.heads.push(b)
      }
    }
  }
  leave()
  // Last resort: the page is going away and these did not leave (beyond the keep-alive budget,
  // or a beacon the browser refused).
  if (final) {
    lost = t.heads
      .filter((b) => !b.op)
      .flatMap((b) => b.logs)
      .concat(t.queue.splice(0))
    t.heads = t.heads.filter((b) => b.op)
    t.cost = 0
  }
  return { budget, lost }
}
