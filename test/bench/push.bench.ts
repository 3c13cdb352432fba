// Tracker push: what `push` costs the page, per log, as the number of topics grows. Every push
// validates, normalises and serialises its log and queues it; the batches are not sent during
// the timing (linger longer than any round, batches larger than the logs pushed). Baseline: all logs in one topic; candidates spread
// the same logs over 100 and 1,000 topics. A push touches only its own topic, so the rates
// should match.
import { createTracker, type Tracker } from '../../src/core.js'
import type { Corpus } from './encode.bench.js'
import { compare, type Figure, type Timing } from './harness.js'

export const TOPIC_COUNTS = [1, 100, 1000] as const

export interface PushResult {
  readonly figures: Figure[]
  readonly logs: number
}

export async function benchPush(c: Corpus, timing: Timing): Promise<PushResult> {
  // At most 4,000 logs, under a batch's 4,096: with one topic, a full batch would leave during
  // the timing, which the spread-out candidates never do.
  const logs = c.groups.flatMap((g) => g.raw).slice(0, 4000)
  const ok = async () => new Response('', { status: 200 })
  const open: Tracker[] = []
  const pushAll = (topics: number) => () => {
    const t = createTracker({
      project: 'bench',
      endpoint: 'http://localhost:1',
      logstore: 'web',
      fetch: ok,
      lingerMs: 600_000,
      maxBatchBytes: 3_000_000,
      maxQueueBytes: 1 << 30,
      flushOnExit: false,
      flushOnHide: false,
    })
    for (let i = 0; i < logs.length; i++) t.push(logs[i]!, { topic: `t${i % topics}` })
    open.push(t)
    return t
  }
  const [first, ...rest] = TOPIC_COUNTS
  const figures = await compare(
    {
      baseline: { name: `${first} topic`, run: pushAll(first) },
      candidates: rest.map((n) => ({ name: `${n} topics`, run: pushAll(n) })),
      units: logs.length,
      // Untimed, after each round: the round's trackers send their queues and are dropped.
      between: async () => {
        await Promise.all(open.splice(0).map((t) => t.close()))
      },
    },
    timing,
  )
  return { figures, logs: logs.length }
}
