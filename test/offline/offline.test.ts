// withOffline in Node (no navigator.onLine: offline only by its count of network errors), with
// fileStore, against the emulator over HTTP: a refused port for many retry windows while logs
// are pushed, then the emulator: the probe finds it, and every log arrives once, in order per
// topic, none failed. The options are checked at once. No timed assertion: waits poll for a
// state, with a bounded deadline.
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, expect, it } from 'vitest'
import { createForwardFetch, startEmulator } from '../../src/emulator/index.js'
import { createTracker, ValidationError, type WebTrackError } from '../../src/index.js'
import { withOffline } from '../../src/offline/index.js'
import { fileStore } from '../../src/persist/index.js'

const dir = mkdtempSync(join(tmpdir(), 'sls-offline-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** A fetch to a port nothing listens on: every request fails with ECONNREFUSED. */
async function deadFetch(): Promise<typeof fetch> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return createForwardFetch(`http://127.0.0.1:${port}`)
}

async function until(what: string, check: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}

/** The retry window of the tracker; the refused stretch lasts many of them. */
const WINDOW_MS = 50

it('a refused port for many retry windows, then the emulator: the probe resumes, all arrive once, none failed', async () => {
  let target = await deadFetch()
  const changes: boolean[] = []
  const errors: WebTrackError[] = []
  const tracker = createTracker({
    project: 'my-project',
    endpoint: 'cn-hangzhou.log.aliyuncs.com',
    logstore: 'web',
    compression: 'none',
    lingerMs: 5,
    retry: { limit: 2, baseDelayMs: 5, maxDelayMs: 10 },
    maxRetryMs: WINDOW_MS,
    flushOnExit: false,
    fetch: (input, init) => target(input, init),
    store: withOffline(fileStore({ path: join(dir, 'a.journal') }), { offlineAfter: 2, probeMs: 100, onChange: (o) => changes.push(o) }),
    onError: (error) => errors.push(error),
  })
  const emu = await startEmulator({ port: 0, host: '127.0.0.1' })
  try {
    let n = 0
    const push = (k: number) => {
      for (const end = n + k; n < end; n++) tracker.push({ i: n }, { topic: n % 3 ? 'a' : 'b' })
    }
    push(30)
    await until('offline by its count', () => changes.length > 0)
    // Twenty retry windows refused, pushing all along (a bounded loop).
    for (let round = 0; round < 20; round++) {
      push(10)
      await new Promise((r) => setTimeout(r, WINDOW_MS))
    }
    // Every log waits: queued, or in the probe's one batch if a probe is out at this moment.
    const parked = tracker.stats()
    expect(parked).toMatchObject({ pushed: n, failed: 0, dropped: 0, sent: 0 })
    expect(parked.queued + parked.inFlight).toBe(n)
    expect(errors).toEqual([])
    target = emu.fetch
    await until(`${n} logs at the emulator`, () => emu.logs().length >= n)
    expect(await tracker.flush({ timeoutMs: 10_000 })).toBe(true)
    const arrived = emu.logs().map((r) => `${r.topic}:${r.log.i}`)
    const expected = Array.from({ length: n }, (_, i) => `${i % 3 ? 'a' : 'b'}:${i}`)
    for (const topic of ['a', 'b']) {
      expect(arrived.filter((x) => x.startsWith(`${topic}:`))).toEqual(expected.filter((x) => x.startsWith(`${topic}:`)))
    }
    expect(tracker.stats()).toMatchObject({ pushed: n, sent: n, failed: 0, dropped: 0 })
    expect(errors).toEqual([])
    expect(changes).toEqual([true, false])
  } finally {
    await tracker.close({ timeoutMs: 1000 })
    await emu.close()
  }
})

it('refuses a bad option at once', () => {
  expect(() => withOffline(undefined, { offlineAfter: 0 })).toThrow(ValidationError)
  expect(() => withOffline(undefined, { probeMs: -1 })).toThrow(/probeMs: must be a number from 100/)
})
