// A long-running emulator keeps a bounded number of records (`maxRecords`), whatever it
// receives: 40 LZ4 requests that each expand ~90× to ~2.8 MiB of logs (4096 per request), measured
// in a child `node --expose-gc` (through tsx), so that the heap is measured after a full GC
// and nothing of the test runner is in it.
import { createRequire } from 'node:module'
import { expect, it } from 'vitest'
import { runScript } from '../support/child-script.js'
import { root } from '../support/run.js'

const REQUESTS = 40
const LOGS = 4096
const MAX_RECORDS = 1000

const script = `
import lz4 from ${JSON.stringify(createRequire(import.meta.url).resolve('lz4-napi'))}
import { startEmulator } from ${JSON.stringify(`${root}src/emulator/index.ts`)}
const gc = globalThis.gc
if (typeof gc !== 'function') throw new Error('run with --expose-gc')
const heap = () => { gc(); gc(); return process.memoryUsage().heapUsed }
const emu = await startEmulator({ maxRecords: ${MAX_RECORDS} })
// Repetitive logs: LZ4 shrinks each body a hundredfold and more; the emulator expands it.
const pad = 'a'.repeat(680)
const raw = (r) => Buffer.from(JSON.stringify({ __topic__: 't', __logs__: Array.from({ length: ${LOGS} }, (_, i) => ({ r: String(r), i: String(i), pad })) }))
const url = 'http://my-project.localhost:' + emu.port + '/logstores/web/track'
const before = heap()
let uploaded = 0
let expanded = 0
for (let r = 0; r < ${REQUESTS}; r++) {
  const body = raw(r)
  const block = lz4.compressSync(body).subarray(4) // a raw LZ4 block
  uploaded += block.length
  expanded += body.length
  const res = await emu.fetch(url, { method: 'POST', body: new Uint8Array(block), headers: { 'x-log-apiversion': '0.6.0', 'x-log-bodyrawsize': String(body.length), 'x-log-compresstype': 'lz4', 'content-type': 'application/octet-stream' } })
  if (res.status !== 200) throw new Error('status ' + res.status + ' ' + await res.text())
}
const grown = heap() - before
const logs = emu.logs()
const result = { grown, uploaded, expanded, kept: logs.length, requestsKept: emu.requests().length, stats: emu.stats(), first: logs[0].log, last: logs[logs.length - 1].log }
await emu.close()
console.log('RESULT ' + JSON.stringify(result))
`

it(`${REQUESTS} LZ4 requests of ${LOGS} logs: maxRecords bounds the heap; counts stay exact`, async () => {
  const r = await runScript<{
    grown: number
    uploaded: number
    expanded: number
    kept: number
    requestsKept: number
    stats: { logs: number; requests: number; rejected: number }
    first: { r: string; i: string }
    last: { r: string; i: string }
  }>(script, { maxOldSpaceMb: 512, timeoutMs: 100_000 })
  console.log(
    `uploaded ${(r.uploaded / 1024).toFixed(0)} KiB, expanded ${(r.expanded / 2 ** 20).toFixed(0)} MiB, heap after GC grew ${(r.grown / 2 ** 20).toFixed(1)} MiB`,
  )
  expect(r.expanded / r.uploaded).toBeGreaterThan(50)
  // The newest MAX_RECORDS logs are kept: the last request's last ones.
  expect(r.kept).toBe(MAX_RECORDS)
  expect(r.first).toMatchObject({ r: String(REQUESTS - 1), i: String(LOGS - MAX_RECORDS) })
  expect(r.last).toMatchObject({ r: String(REQUESTS - 1), i: String(LOGS - 1) })
  expect(r.requestsKept).toBe(REQUESTS)
  expect(r.stats).toMatchObject({ logs: REQUESTS * LOGS, requests: REQUESTS, rejected: 0 })
  // 1000 logs of ~720 bytes stay; 160 000 would be well over 100 MiB.
  expect(r.grown).toBeLessThan(16 * 2 ** 20)
}, 120_000)
