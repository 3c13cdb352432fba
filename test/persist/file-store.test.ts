// The file store under a real tracker, against the emulator over HTTP: what one tracker leaves
// in the file, the next sends, exactly once and in order per topic; the bounds at load; the
// fallback to memory when the file cannot be used. Every test ends with the accounting identity.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { createForwardFetch, startEmulator, type Emulator } from '../../src/emulator/index.js'
import {
  createTracker,
  ValidationError,
  type Tracker,
  type TrackerOptions,
  type TrackerStats,
  type WebTrackError,
} from '../../src/index.js'
import { JournalError } from '../../src/persist/errors.js'
import { FileJournal } from '../../src/persist/file-journal.js'
import { recordLength } from '../../src/persist/journal.js'
import { fileStore } from '../../src/persist/index.js'
import { root } from '../support/run.js'
import { spawnScript } from '../support/child-script.js'

const dir = mkdtempSync(join(tmpdir(), 'sls-store-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
let files = 0
const newPath = () => join(dir, `s${files++}.journal`)

const base = { project: 'my-project', endpoint: 'cn-hangzhou.log.aliyuncs.com', logstore: 'web', compression: 'none', lingerMs: 5 } as const
const fast = { retry: { limit: 2, baseDelayMs: 5, maxDelayMs: 10 }, maxRetryMs: 50 } as const

const emulators: Emulator[] = []
const trackers: Tracker[] = []
afterEach(async () => {
  await Promise.all(trackers.splice(0).map((t) => t.close({ timeoutMs: 200 })))
  await Promise.all(emulators.splice(0).map((e) => e.close()))
})

async function emulator(): Promise<Emulator> {
  const emu = await startEmulator({ port: 0, host: '127.0.0.1' })
  emulators.push(emu)
  return emu
}

/** A fetch to a port nothing listens on: every request fails with ECONNREFUSED. */
async function deadFetch(): Promise<typeof fetch> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return createForwardFetch(`http://127.0.0.1:${port}`)
}

interface Reported {
  errors: WebTrackError[]
  drops: [number, string][]
}

function track(options: Partial<TrackerOptions> & { fetch: typeof fetch }): { tracker: Tracker } & Reported {
  const reported: Reported = { errors: [], drops: [] }
  const tracker = createTracker({
    ...base,
    ...fast,
    flushOnExit: false,
    onError: (error) => reported.errors.push(error),
    onDrop: (count, reason) => reported.drops.push([count, reason]),
    ...options,
  })
  trackers.push(tracker)
  return { tracker, ...reported }
}

/** pushed = queued + inFlight + sent + failed + dropped + rejected + filtered. */
function balanced(s: TrackerStats): void {
  expect(s.pushed).toBe(s.queued + s.inFlight + s.sent + s.failed + s.dropped + s.rejected + s.filtered)
}

/** The logs the emulator accepted, as `topic:i`, in the order accepted. */
const arrived = (emu: Emulator) => emu.logs().map((r) => `${r.topic}:${r.log.i}`)

/** Pushes `n` logs numbered from `from`, alternating between topics a and b. */
function pushMany(tracker: Tracker, from: number, n: number): void {
  for (let i = from; i < from + n; i++) tracker.push({ i }, { topic: i % 3 ? 'a' : 'b' })
}

const expected = (n: number) => Array.from({ length: n }, (_, i) => `${i % 3 ? 'a' : 'b'}:${i}`)
const perTopic = (list: string[], topic: string) => list.filter((x) => x.startsWith(`${topic}:`))

describe('fileStore', () => {
  it('what a tracker could not send, the next one on the file sends first: all of it, once, in order per topic, with the time it was pushed', async () => {
    const path = newPath()
    const before = Date.now()
    // Retried for as long as it lives: the close gives the logs up.
    const first = track({ fetch: await deadFetch(), store: fileStore({ path }), maxRetryMs: Infinity })
    pushMany(first.tracker, 0, 300)
    await first.tracker.close({ timeoutMs: 100 })
    // Given up by this tracker (reported as failed), kept by the store.
    expect(first.tracker.stats()).toMatchObject({ pushed: 300, failed: 300, sent: 0 })
    balanced(first.tracker.stats())

    const emu = await emulator()
    const second = track({ fetch: emu.fetch, store: fileStore({ path }) })
    // Loaded at creation: counted as pushed and queued before anything new.
    expect(second.tracker.stats()).toMatchObject({ pushed: 300 })
    expect(second.tracker.stats().queuedBytes).toBeGreaterThan(300 * 40)
    pushMany(second.tracker, 300, 30)
    expect(await second.tracker.flush()).toBe(true)
    const got = arrived(emu)
    expect(got.slice().sort()).toEqual(expected(330).sort())
    for (const topic of ['a', 'b']) expect(perTopic(got, topic)).toEqual(perTopic(expected(330), topic))
    // Logs from the file carry the time they were pushed; those sent by their own process do not.
    const times = emu.logs().flatMap((r) => (Number(r.log.i) < 300 ? [Number(r.log.pushed_at)] : []))
    expect(times).toHaveLength(300)
    for (const t of times) expect(t).toBeGreaterThanOrEqual(before)
    expect(emu.logs().filter((r) => Number(r.log.i) >= 300 && r.log.pushed_at !== undefined)).toEqual([])
    await second.tracker.close()
    expect(second.tracker.stats()).toMatchObject({ pushed: 330, sent: 330, failed: 0, dropped: 0 })
    expect(second.errors).toEqual([])

    // Nothing is left: a third tracker sends nothing.
    emu.clear()
    const third = track({ fetch: emu.fetch, store: fileStore({ path }) })
    expect(third.tracker.stats().pushed).toBe(0)
    await third.tracker.close()
    expect(emu.logs()).toEqual([])
  })

  it('process.exit() right after the last push: the exit listener writes the pending records, and the next tracker sends them all', async () => {
    const path = newPath()
    // The journal writes on the next turn of the event loop; `process.exit()` in the same turn
    // never reaches it, so only the journal's synchronous `exit` listener can keep these logs.
    const { status, out } = await spawnScript(`
      import { createTracker } from '${root}src/index.ts'
      import { fileStore } from '${root}src/persist/index.ts'
      const tracker = createTracker({
        project: 'my-project', endpoint: 'cn-hangzhou.log.aliyuncs.com', logstore: 'web',
        fetch: () => new Promise(() => {}), store: fileStore({ path: ${JSON.stringify(path)} }),
      })
      for (let i = 0; i < 300; i++) tracker.push({ i }, { topic: i % 3 ? 'a' : 'b' })
      process.exit(0)
    `)
    expect(status, out).toBe(0)

    const emu = await emulator()
    const next = track({ fetch: emu.fetch, store: fileStore({ path }) })
    expect(next.tracker.stats().pushed).toBe(300)
    expect(await next.tracker.flush()).toBe(true)
    const got = arrived(emu)
    expect(got.slice().sort()).toEqual(expected(300).sort())
    for (const topic of ['a', 'b']) expect(perTopic(got, topic)).toEqual(perTopic(expected(300), topic))
    expect(next.errors).toEqual([])
  })

  it('logs that failed for good (a refused request) are settled: the next tracker does not send them again', async () => {
    const path = newPath()
    const emu = await emulator()
    emu.inject({ fail: 1, errorCode: 'PostBodyInvalid' })
    const first = track({ fetch: emu.fetch, store: fileStore({ path }) })
    for (let i = 0; i < 10; i++) first.tracker.push({ i })
    await first.tracker.close()
    expect(first.tracker.stats()).toMatchObject({ failed: 10, sent: 0 })
    const second = track({ fetch: emu.fetch, store: fileStore({ path }) })
    expect(second.tracker.stats().pushed).toBe(0)
    await second.tracker.close()
    expect(emu.logs()).toEqual([])
  })

  it('timeField names the field of the push time, false leaves it out, and a log keeps its own', async () => {
    const path = newPath()
    const journal = FileJournal.open(path)
    journal.push('', JSON.stringify({ i: '0' }), 1234)
    journal.push('', JSON.stringify({ i: '1', at: 'mine' }), 1234)
    await journal.close()
    const emu = await emulator()
    const a = track({ fetch: emu.fetch, store: fileStore({ path, timeField: 'at', maxAgeMs: Infinity }) })
    await a.tracker.close()
    expect(emu.logs().map((r) => r.log.at)).toEqual(['1234', 'mine'])

    const path2 = newPath()
    const j2 = FileJournal.open(path2)
    j2.push('', JSON.stringify({ i: '0' }), 1234)
    await j2.close()
    emu.clear()
    const b = track({ fetch: emu.fetch, store: fileStore({ path: path2, timeField: false, maxAgeMs: Infinity }) })
    await b.tracker.flush()
    expect(emu.logs().map((r) => Object.keys(r.log).sort())).toEqual([['__time__', 'i']])
    expect(() => fileStore({ path, timeField: '__topic__' })).toThrow(ValidationError)
  })

  it('at load, logs older than maxAgeMs and the oldest beyond maxStoreBytes are dropped and reported; the rest arrive in order', async () => {
    const path = newPath()
    const now = Date.now()
    const journal = FileJournal.open(path)
    const day = 86_400_000
    // 3 logs pushed 8 days ago, then 10 recent ones, across two topics.
    for (let i = 0; i < 13; i++) journal.push(i % 2 ? 'a' : 'b', JSON.stringify({ i: String(i) }), i < 3 ? now - 8 * day : now - 1000 + i)
    // The bytes of the newest record, as the journal counts them.
    const record = recordLength({ kind: 'push', topic: 'b', seq: 12, at: now, json: JSON.stringify({ i: '12' }) })
    await journal.close()
    const emu = await emulator()
    // Room for the 6 newest records: the 4 oldest recent ones go too.
    const { tracker, drops } = track({ fetch: emu.fetch, store: fileStore({ path, maxStoreBytes: 6 * record + 2 }) })
    expect(drops.sort()).toEqual([
      [3, 'expired'],
      [4, 'store-full'],
    ])
    expect(await tracker.flush()).toBe(true)
    expect(emu.logs().map((r) => `${r.topic}:${r.log.i}`)).toEqual(expect.arrayContaining(['b:8', 'a:7', 'a:9', 'b:10', 'a:11', 'b:12']))
    expect(perTopic(arrived(emu), 'a')).toEqual(['a:7', 'a:9', 'a:11'])
    expect(perTopic(arrived(emu), 'b')).toEqual(['b:8', 'b:10', 'b:12'])
    await tracker.close()
    expect(tracker.stats()).toMatchObject({ pushed: 13, dropped: 7, sent: 6 })
    balanced(tracker.stats())
    // Dropped means gone from the file too.
    emu.clear()
    const again = track({ fetch: emu.fetch, store: fileStore({ path }) })
    expect(again.tracker.stats().pushed).toBe(0)
  })

  it('logs beyond maxQueueBytes at load are dropped as queue-full, and leave the file', async () => {
    const path = newPath()
    const journal = FileJournal.open(path)
    for (let i = 0; i < 50; i++) journal.push('', JSON.stringify({ i: String(i), pad: 'x'.repeat(100) }))
    await journal.close()
    const emu = await emulator()
    const { tracker, drops } = track({ fetch: emu.fetch, store: fileStore({ path }), maxQueueBytes: 2048 + 20 * 200 })
    const loaded = tracker.stats().pushed - drops.reduce((n, [count]) => n + count, 0)
    expect(drops).toEqual([[50 - loaded, 'queue-full']])
    expect(loaded).toBeGreaterThan(0)
    await tracker.close()
    expect(emu.logs().map((r) => r.log.i)).toEqual(Array.from({ length: loaded }, (_, i) => String(i)))
    balanced(tracker.stats())
    const again = track({ fetch: emu.fetch, store: fileStore({ path }) })
    expect(again.tracker.stats().pushed).toBe(0)
  })

  it('a journal in use falls back to memory, reported once through onError; push never throws and logs still leave', async () => {
    const path = newPath()
    const holder = FileJournal.open(path)
    try {
      const emu = await emulator()
      const { tracker, errors } = track({ fetch: emu.fetch, store: fileStore({ path }) })
      expect(errors).toHaveLength(1)
      expect(errors[0]!.message).toMatch(/in memory only.*in use by process/)
      expect(errors[0]!.cause).toBeInstanceOf(JournalError)
      expect((errors[0]!.cause as JournalError).code).toBe('locked')
      pushMany(tracker, 0, 20)
      expect(await tracker.flush()).toBe(true)
      pushMany(tracker, 20, 20)
      await tracker.close()
      expect(arrived(emu).sort()).toEqual(expected(40).sort())
      expect(errors).toHaveLength(1)
      balanced(tracker.stats())
    } finally {
      await holder.close()
    }
    expect(holder.state.topics.size).toBe(0) // the other process's file was left alone
  })

  it('a damaged journal falls back to memory (reported), or with repair loads its whole records', async () => {
    const path = newPath()
    const journal = FileJournal.open(path)
    journal.push('', JSON.stringify({ i: '0' }))
    journal.push('', JSON.stringify({ i: '1' }))
    await journal.close()
    const bytes = readFileSync(path)
    bytes[bytes.length - 3]! ^= 0xff // inside the last record's CRC
    writeFileSync(path, bytes)
    const emu = await emulator()
    const damaged = track({ fetch: emu.fetch, store: fileStore({ path }) })
    expect(damaged.errors.map((e) => (e.cause as JournalError).code)).toEqual(['corrupt'])
    await damaged.tracker.close()
    const repaired = track({ fetch: emu.fetch, store: fileStore({ path, repair: true }) })
    expect(repaired.errors).toEqual([])
    await repaired.tracker.close()
    expect(emu.logs().map((r) => r.log.i)).toEqual(['0'])
  })

  it('a store serves one tracker; bad options throw at once', async () => {
    const emu = await emulator()
    const store = fileStore({ path: newPath() })
    track({ fetch: emu.fetch, store })
    expect(() => createTracker({ ...base, fetch: emu.fetch, store })).toThrow(ValidationError)
    expect(() => fileStore({ path: '' })).toThrow(ValidationError)
    expect(() => fileStore({ path: newPath(), maxAgeMs: -1 })).toThrow(/maxAgeMs/)
    expect(() => fileStore({ path: newPath(), maxStoreBytes: Number.NaN })).toThrow(/maxStoreBytes/)
    expect(() => fileStore({ path: newPath(), syncMs: -1 })).toThrow(/syncMs/)
  })
})
