// Many topics against a dead server (issue 18.5): 20,000 logs, each on a topic of its own,
// pushed at a 127.0.0.1 port that refuses connections. Each topic's memory counts against
// maxQueueBytes, so the tracker holds a bounded number of topics; the rest is dropped, counted
// and reported. Measured in a child `node --expose-gc` (through tsx), so that the heap is read
// after a full GC with nothing of the test runner in it. The scenario is the benchmark's
// (test/bench/topics.bench.ts), which gives its timings; no timing is asserted here.
import { expect, it } from 'vitest'
import { runScript } from '../support/child-script.js'
import type { TopicsRun } from '../bench/topics.bench.js'
import { root } from '../support/run.js'

const TOPICS = 20_000
const MAX_QUEUE_BYTES = 2 * 1024 * 1024

const script = `
import { runTopics } from ${JSON.stringify(`${root}test/bench/topics.bench.ts`)}
const gc = globalThis.gc
if (typeof gc !== 'function') throw new Error('run with --expose-gc')
const r = await runTopics({ topics: ${TOPICS}, logs: ${TOPICS}, maxQueueBytes: ${MAX_QUEUE_BYTES}, gc })
console.log('RESULT ' + JSON.stringify(r))
`

it('20,000 topics at a dead server: the heap stays bounded, every log is accounted for, drops are reported', async () => {
  const r = await runScript<TopicsRun>(script)
  const s = r.atBurst
  // The bound holds with the topics counted: a few thousand topics fit, not 20,000.
  expect(s.pushed).toBe(TOPICS)
  expect(s.queuedBytes).toBeLessThanOrEqual(MAX_QUEUE_BYTES)
  expect(s.queued + s.inFlight).toBeLessThan(TOPICS / 5)
  expect(s.queued + s.inFlight + s.sent + s.failed + s.dropped + s.rejected + s.filtered).toBe(s.pushed)
  // The heap after a full GC grew by at most 3 times the bound (measured: 1.7 times; Node's
  // fetch keeps some memory per failed request of its own). Without the topics counted, the
  // tracker held all 20,000 topics: about 10 times the bound.
  expect(r.heapGrowth).toBeLessThan(3 * MAX_QUEUE_BYTES)
  // In the end every log failed (reported to onError) or was dropped (reported to onDrop).
  const a = r.after
  expect(a).toMatchObject({ pushed: TOPICS, queued: 0, inFlight: 0, sent: 0, rejected: 0, filtered: 0, queuedBytes: 0 })
  expect(a.failed + a.dropped).toBe(TOPICS)
  expect(a.dropped).toBeGreaterThan(0)
  expect(r.drops).toEqual({ 'queue-full': a.dropped })
  expect(r.errors).toBe(a.failed)
  console.log(
    `heap growth ${((r.heapGrowth ?? 0) / 1048576).toFixed(2)} MiB for a ${MAX_QUEUE_BYTES / 1048576} MiB bound; ${s.queued + s.inFlight} logs on as many topics kept, ${a.dropped} dropped`,
  )
}, 60_000)
