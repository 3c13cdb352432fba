// Tracker with many topics against a dead server: the same logs spread over 1 topic (baseline),
// 1,000 and 20,000 topics, pushed at a port that refuses connections, until every log is
// failed or dropped. What it measures is what issue 18.5 found: the longest event-loop stall
// (the tracker's own work per event must not grow with the number of topics), the total time,
// and the heap after a full GC once everything was pushed (each topic's memory counts against
// `maxQueueBytes`). One run per row, not rounds: a row is one scenario of about a second.
// test/tracker.topics.test.ts runs the same scenario in a child process and asserts the memory
// bound and the accounting; this module gives the timings.
import { createServer } from 'node:net'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { setImmediate as tick } from 'node:timers/promises'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { createForwardFetch } from '../../src/emulator/forward-fetch.js'
import { createTracker, type TrackerStats } from '../../src/core.js'

export interface TopicsOptions {
  readonly topics: number
  readonly logs: number
  readonly maxQueueBytes: number
  /** A full garbage collection (`--expose-gc`), to read the heap (then the timings mean nothing); without it, no heap figure. */
  readonly gc?: (() => void) | undefined
}

export interface TopicsRun extends TopicsOptions {
  /** From the first push until `close()` resolved, in ms. */
  readonly totalMs: number
  /** The longest the event loop was blocked, in ms. */
  readonly stallMs: number
  /** Heap growth after a full GC once every log was pushed, in bytes. */
  readonly heapGrowth: number | undefined
  /** The tracker's counters once every log was pushed, and after `close()`. */
  readonly atBurst: TrackerStats
  readonly after: TrackerStats
  /** Logs reported through `onDrop`, by reason, and through `onError`. */
  readonly drops: Record<string, number>
  readonly errors: number
}

/** A TCP port on 127.0.0.1 that refuses connections: listened on, then closed. */
export async function deadPort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1')
  await new Promise((resolve) => server.once('listening', resolve))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}

/** `gc()`, set up at run time (tsx passes no V8 flags), or `undefined` where V8 refuses. */
export function exposeGc(): (() => void) | undefined {
  const g = (globalThis as { gc?: () => void }).gc
  if (g) return g
  try {
    setFlagsFromString('--expose-gc')
    return runInNewContext('gc') as () => void
  } catch {
    return undefined
  }
}

/**
 * Pushes `logs` logs, log `i` to topic `i % topics`, 100 per macrotask, at a dead server, then
 * closes the tracker. Every request is refused; a topic's batch is retried once, then given
 * up (`retry: 1`, `maxRetryMs: 0`).
 */
export async function runTopics(o: TopicsOptions): Promise<TopicsRun> {
  const port = await deadPort()
  const drops: Record<string, number> = {}
  let errors = 0
  // Two collections around a pause: FinalizationRegistry callbacks (Node's fetch has some) run
  // between them.
  const heap = async (gc: () => void) => {
    gc()
    await new Promise((resolve) => setTimeout(resolve, 50))
    gc()
    return process.memoryUsage().heapUsed
  }
  const tracker = createTracker({
    project: 'bench',
    endpoint: `http://localhost:${port}`,
    logstore: 'web',
    fetch: createForwardFetch(`http://127.0.0.1:${port}`),
    maxQueueBytes: o.maxQueueBytes,
    lingerMs: 20,
    retry: { limit: 1, baseDelayMs: 5, maxDelayMs: 10 },
    maxRetryMs: 0,
    closeTimeoutMs: 60_000,
    flushOnExit: false,
    flushOnHide: false,
    onDrop: (n, reason) => (drops[reason] = (drops[reason] ?? 0) + n),
    onError: (_error, logs) => (errors += logs.length),
  })
  // Node loads its fetch (undici) at the first call: megabytes that are not the tracker's.
  if (o.gc) await globalThis.fetch(`http://127.0.0.1:${port}/`).catch(() => {})
  const before = o.gc ? await heap(o.gc) : 0
  const loop = monitorEventLoopDelay({ resolution: 1 })
  loop.enable()
  const started = performance.now()
  for (let i = 0; i < o.logs; i++) {
    tracker.push({ event: 'click', target: 'buy', i }, { topic: `t${i % o.topics}` })
    if (i % 100 === 99) await tick()
  }
  const atBurst = tracker.stats()
  // A forced GC is a stall of its own: with `gc` the run is for the heap, and its timings are
  // not figures (the benchmark runs without it).
  const heapGrowth = o.gc ? (await heap(o.gc)) - before : undefined
  await tracker.close()
  const totalMs = performance.now() - started
  loop.disable()
  return { ...o, totalMs, stallMs: loop.max / 1e6, heapGrowth, atBurst, after: tracker.stats(), drops, errors }
}

export const TOPIC_ROWS = [1, 1000, 20_000] as const

export interface TopicsResult {
  readonly rows: TopicsRun[]
}

/** The three rows, in one run: 1 topic is the baseline. */
export async function benchTopics(logs: number, maxQueueBytes = 1024 * 1024): Promise<TopicsResult> {
  const rows: TopicsRun[] = []
  for (const topics of TOPIC_ROWS) rows.push(await runTopics({ topics: Math.min(topics, logs), logs, maxQueueBytes }))
  return { rows }
}
