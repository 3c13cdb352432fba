// The queue bound holds under a burst: one million logs pushed at a stalled emulator. Measured
// in a child `node --expose-gc` (through tsx) so that the heap is measured after a full GC and
// nothing else of the test runner is in it.
import { expect, it } from 'vitest'
import { runScript } from '../support/child-script.js'
import { root } from '../support/run.js'

const TOTAL = 1_000_000
const MAX_QUEUE_BYTES = 4 * 1024 * 1024

const script = `
import { createTracker } from ${JSON.stringify(`${root}src/index.ts`)}
import { startEmulator } from ${JSON.stringify(`${root}src/emulator/index.ts`)}
const gc = globalThis.gc
if (typeof gc !== 'function') throw new Error('run with --expose-gc')
const heap = () => { gc(); gc(); return process.memoryUsage().heapUsed }
const emu = await startEmulator({ port: 0, host: '127.0.0.1' })
emu.inject({ stall: true })
let reportedDrops = 0
let errors = 0
const tracker = createTracker({
  project: 'my-project', endpoint: emu.endpoint, logstore: 'web', compression: 'none', fetch: emu.fetch,
  maxQueueBytes: ${MAX_QUEUE_BYTES}, lingerMs: 20, flushOnExit: false, timeoutMs: 60_000,
  onDrop: (n) => { reportedDrops += n },
  onError: () => { errors++ },
})
const before = heap()
let peak = 0
for (let i = 0; i < ${TOTAL}; i++) {
  tracker.push({ event: 'click', target: 'buy', i, page: '/products/' + (i % 1000) })
  if (i % 50_000 === 49_999) {
    await new Promise((r) => setTimeout(r, 1)) // let requests start and reach the stalled server
    peak = Math.max(peak, heap() - before)
  }
}
const atBurst = tracker.stats()
const pendingAtServer = emu.pending()
emu.inject({ stall: false })
const flushed = await tracker.flush({ timeoutMs: 30_000 })
const ids = new Set(emu.logs().map((r) => r.log.i))
const result = { peak, before, atBurst, pendingAtServer, reportedDrops, errors, flushed, arrived: emu.logs().length, unique: ids.size, after: tracker.stats() }
await tracker.close()
await emu.close()
console.log('RESULT ' + JSON.stringify(result))
`

it('one million logs at a stalled emulator: the heap stays bounded, every log is accounted for', async () => {
  const r = await runScript<any>(script)
  const s = r.atBurst
  // The requests in flight are held by the stalled server; the rest waits or was dropped.
  expect(r.pendingAtServer).toBeGreaterThan(0)
  expect(s.pushed).toBe(TOTAL)
  expect(s.dropped + s.queued + s.inFlight).toBe(TOTAL)
  expect(s.dropped).toBeGreaterThan(TOTAL * 0.9)
  expect(r.reportedDrops).toBe(s.dropped)
  expect(s.queuedBytes).toBeLessThanOrEqual(MAX_QUEUE_BYTES)
  // A million such logs are ~60 MB of JSON alone; after a full GC the heap never grew by more
  // than four times the bound (measured: about 1.4 times).
  expect(r.peak).toBeLessThan(4 * MAX_QUEUE_BYTES)
  // Once the server answers, exactly what was kept arrives, once.
  expect(r.flushed).toBe(true)
  expect(r.arrived).toBe(TOTAL - s.dropped)
  expect(r.unique).toBe(r.arrived)
  expect(r.errors).toBe(0)
  expect(r.after).toMatchObject({ sent: TOTAL - s.dropped, queued: 0, inFlight: 0, failed: 0 })
  console.log(`heap growth peak ${(r.peak / 1048576).toFixed(1)} MiB; kept ${TOTAL - s.dropped}, dropped ${s.dropped}`)
}, 60_000)
