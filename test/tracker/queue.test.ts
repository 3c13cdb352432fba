// The per-topic queue as pure functions: when a topic's next batch may leave (`ready`), how many
// logs one request takes (`fit`), and what logs count against maxQueueBytes (`cost`). No
// timers, no tracker: a topic is built by hand.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { bodySize, envelope } from '../../src/request/encode.js'
import {
  cost,
  fit,
  LOG_OVERHEAD_BYTES,
  memoryStore,
  MIN_LOG_COST,
  ready,
  type Batch,
  type Entry,
  type Topic,
} from '../../src/tracker/queue.js'

const env = envelope('t', '', {})
const limits = { maxLogs: 4, maxBytes: 200 } // the tracker's maxBatchLogs, maxBatchBytes
const entry = (seq: number, bytes = 10): Entry => ({ json: 'x'.repeat(bytes), bytes, seq })

function topic(logs: Entry[] = [], heads: Batch[] = []): Topic {
  const queue = memoryStore.open('t')
  for (const log of logs) queue.push(log)
  return {
    key: 't',
    target: { baseUrl: '', logstore: 'web', envelope: env },
    env,
    queue,
    cost: cost(logs),
    overhead: 0,
    heads,
    due: 0,
    retries: 0,
  }
}

describe('cost', () => {
  it('is each log’s JSON bytes plus LOG_OVERHEAD_BYTES', () => {
    expect(cost([])).toBe(0)
    expect(cost([entry(0, 10), entry(1, 3)])).toBe(13 + 2 * LOG_OVERHEAD_BYTES)
  })

  it('is never below MIN_LOG_COST: the cost of `{}`', () => {
    expect(MIN_LOG_COST).toBe(cost([{ json: '{}', bytes: 2 }]))
  })
})

describe('ready', () => {
  it('an empty topic is never ready', () => {
    expect(ready(topic(), limits, Infinity)).toBe(false)
  })

  it('a partial batch waits for linger, unless it is due (a flush, an expired linger, exit)', () => {
    const t = topic([entry(5), entry(6)])
    expect(ready(t, limits, 0)).toBe(false)
    expect(ready(t, limits, 5)).toBe(false) // due covers logs numbered below it
    expect(ready(t, limits, 6)).toBe(true)
    expect(ready(t, limits, Infinity)).toBe(true)
  })

  it('a full batch is ready at once: by count, or by body bytes', () => {
    expect(ready(topic([0, 1, 2, 3].map((i) => entry(i))), limits, 0)).toBe(true)
    const big = topic([entry(0, 100), entry(1, 100)])
    expect(bodySize(env, 2, 200)).toBeGreaterThanOrEqual(limits.maxBytes)
    expect(ready(big, limits, 0)).toBe(true)
  })

  it('one batch per topic in flight; a batch waiting for its backoff holds the topic; a failed head batch leaves first', () => {
    const inFlight: Batch = { logs: [entry(0)], tries: 1, op: { raw: 1, wire: 1, keepalive: 0, controller: new AbortController() } }
    expect(
      ready(
        topic(
          [1, 2, 3, 4].map((i) => entry(i)),
          [inFlight],
        ),
        limits,
        Infinity,
      ),
    ).toBe(false)
    const waiting: Batch = { logs: [entry(0)], tries: 1 }
    const t = topic([], [waiting])
    expect(ready(t, limits, 0)).toBe(true) // nothing queued, yet its retry may leave
    t.backoff = setTimeout(() => {}, 0)
    clearTimeout(t.backoff)
    expect(ready(t, limits, Infinity)).toBe(false)
  })
})

describe('fit', () => {
  it('takes at most maxBatchLogs, and never past maxBatchBytes or the budget', () => {
    const logs = [0, 1, 2, 3, 4, 5].map((i) => entry(i, 10))
    expect(fit(logs, env, limits)).toBe(4)
    expect(fit(logs, env, { ...limits, maxBytes: bodySize(env, 2, 20) })).toBe(2)
    expect(fit(logs, env, limits, bodySize(env, 3, 30))).toBe(3)
    expect(fit(logs, env, limits, bodySize(env, 1, 10) - 1)).toBe(0) // not even one fits the budget
  })

  it('a first log larger than maxBatchBytes still leaves, alone (push made sure it fits a request), within the budget', () => {
    expect(fit([entry(0, 500), entry(1, 1)], env, limits)).toBe(1)
    expect(fit([entry(0, 500), entry(1, 1)], env, limits, bodySize(env, 1, 500))).toBe(1)
    expect(fit([entry(0, 500), entry(1, 1)], env, limits, bodySize(env, 1, 500) - 1)).toBe(0)
    expect(fit([], env, limits)).toBe(0)
  })

  it('greedy and exact, for any sizes (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 120 }), { minLength: 1, maxLength: 30 }),
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 80, max: 600 }),
        (sizes, maxBatchLogs, maxBatchBytes) => {
          const logs = sizes.map((b, i) => entry(i, b))
          const n = fit(logs, env, { maxLogs: maxBatchLogs, maxBytes: maxBatchBytes })
          const used = (k: number) =>
            bodySize(
              env,
              k,
              sizes.slice(0, k).reduce((a, b) => a + b, 0),
            )
          expect(n).toBeGreaterThanOrEqual(1)
          expect(n).toBeLessThanOrEqual(maxBatchLogs)
          if (n > 1) expect(used(n)).toBeLessThanOrEqual(maxBatchBytes)
          // The next log would not have fitted (or the count is reached, or none is left).
          if (n < Math.min(maxBatchLogs, logs.length)) expect(used(n + 1)).toBeGreaterThan(maxBatchBytes)
        },
      ),
    )
  })
})

describe('the memory store', () => {
  it('queues in order; splice(0, n) takes the oldest; each topic has its own queue', () => {
    const a = memoryStore.open('a')
    const b = memoryStore.open('b')
    a.push(entry(0), entry(1))
    a.push(entry(2))
    b.push(entry(3))
    expect(a.splice(0, 2).map((e) => e.seq)).toEqual([0, 1])
    expect(a.length).toBe(1)
    expect(a[0]!.seq).toBe(2)
    expect(b.length).toBe(1)
    memoryStore.ack('a', [])
  })
})
