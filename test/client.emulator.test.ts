// The client against the emulator over real HTTP: each codec decoded by the emulator, and each
// documented error answered by the emulator classified into a ServiceError. The fuzz suite:
// any logs the client accepts are stored exactly, and the tracker over many topics under
// random faults stores or reports every log.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ERROR_EXAMPLES, type ErrorCode } from '../generated/spec.js'
import { createClient, NetworkError, SendError, ServiceError } from '../src/index.js'
import { startEmulator, type Emulator } from '../src/emulator/index.js'

let emu: Emulator
beforeAll(async () => {
  emu = await startEmulator({ projects: ['real-http'], logstores: ['web'] })
})
afterAll(() => emu.close())

const client = (extra = {}) =>
  createClient({ project: 'real-http', endpoint: emu.endpoint, logstore: 'web', fetch: emu.fetch, sleep: async () => {}, ...extra })
const logs = (n: number) => Array.from({ length: n }, (_, i) => ({ i, url: `https://shop.example.com/p/${i % 9}`, msg: `第${i}条 😀` }))

describe('client → emulator', () => {
  it.each(['none', 'lz4', 'deflate', 'auto'] as const)(
    '%s: stored exactly as sent, headers and raw size checked by the emulator',
    async (compression) => {
      emu.clear()
      const res = await client({ compression }).send(logs(3000), { topic: compression, tags: { k: 'v' }, source: 'node' })
      expect(res.logs).toBe(3000)
      const stored = emu.logs()
      expect(stored).toHaveLength(3000)
      expect(stored[42]).toMatchObject({
        project: 'real-http',
        logstore: 'web',
        topic: compression,
        source: 'node',
        tags: { k: 'v' },
        log: { i: '42', msg: '第42条 😀' },
      })
      expect(stored[42]!.log.__time__).toMatch(/^\d+$/)
      expect(res.requestIds).toEqual(emu.requests().map((r) => r.requestId))
      expect(emu.requests().map((r) => r.compressType)).toEqual([
        compression === 'none' ? 'none' : compression === 'auto' ? 'lz4' : compression,
      ])
    },
  )

  it('splits by the emulator-enforced limits: 10 000 logs in 3 requests, none rejected', async () => {
    emu.clear()
    const res = await client({ compression: 'lz4' }).send(logs(10_000))
    expect(res.requests).toBe(3)
    expect(emu.logs()).toHaveLength(10_000)
    expect(emu.requests().every((r) => r.status === 200 && r.logs <= 4096 && r.rawBytes <= 3 * 1024 * 1024)).toBe(true)
  })

  it.each(Object.keys(ERROR_EXAMPLES) as ErrorCode[])(
    '%s from the service becomes a ServiceError with its status, code and request id',
    async (code) => {
      emu.clear()
      const { status } = ERROR_EXAMPLES[code]
      emu.inject({ fail: 10, status, errorCode: code })
      const err = (await client({ retry: 1 })
        .send(logs(1))
        .catch((e: unknown) => e)) as ServiceError
      expect(err).toBeInstanceOf(ServiceError)
      expect(err).toMatchObject({ status, errorCode: code, errorMessage: ERROR_EXAMPLES[code].errorMessage })
      expect(err.requestId).toBe(emu.requests().at(-1)!.requestId)
      expect(emu.requests()).toHaveLength(err.retryable ? 2 : 1)
      emu.clear()
    },
  )

  it('a dropped connection is a NetworkError, retried; a lost acknowledgement duplicates and never loses', async () => {
    emu.clear()
    emu.inject({ drop: 1 })
    await expect(client({ retry: false }).send(logs(2))).rejects.toBeInstanceOf(NetworkError)
    emu.clear()
    emu.inject({ ackLoss: 1 })
    const res = await client().send(logs(2))
    expect(res.retries).toBe(1)
    expect(emu.logs()).toHaveLength(4) // stored twice: a duplicate, counted as a retry
  })

  it('part-way failure over real HTTP: SendError with the accepted count and the unsent logs', async () => {
    emu.clear()
    const all = logs(250)
    let n = 0
    const failing = createClient({
      project: 'real-http',
      endpoint: emu.endpoint,
      logstore: 'web',
      limits: { maxLogs: 100 },
      retry: false,
      fetch: async (input: RequestInfo | URL, init?: RequestInit) => {
        if (n++ === 2) emu.inject({ fail: 1, status: 404, errorCode: 'LogStoreNotExist' })
        return emu.fetch(input, init)
      },
    })
    const err = (await failing.send(all).catch((e: unknown) => e)) as SendError
    expect(err).toBeInstanceOf(SendError)
    expect(err.accepted).toBe(200)
    expect(err.unsent).toEqual(all.slice(200))
    expect(emu.logs()).toHaveLength(200)
  })
})

describe('client → emulator (property)', () => {
  it('any logs the client accepts, the strict emulator stores exactly, in order, with every codec', async () => {
    const fc = (await import('fast-check')).default
    const text = fc.string({
      maxLength: 30,
      unit: fc.oneof(
        fc.constantFrom('a', 'é', '日', '😀', '"', '\\', '\n', '\u0000', '\u2028', '\ud800'),
        fc.string({ minLength: 1, maxLength: 1, unit: 'binary' }),
      ),
    })
    const key = fc
      .string({
        minLength: 1,
        maxLength: 12,
        unit: fc.oneof(fc.constantFrom(...'abz09_-.:@é日😀 '.split('')), fc.string({ minLength: 1, maxLength: 1, unit: 'binary' })),
      })
      .filter((k) => !k.startsWith('_'))
    const log = fc
      .dictionary(key, fc.oneof(text, fc.integer(), fc.boolean(), fc.constant(null)), { maxKeys: 6 })
      .filter((l) => Object.values(l).some((v) => v !== null)) // a log with no value is refused
    const codec = fc.constantFrom<'none' | 'lz4' | 'deflate' | 'auto'>('none', 'lz4', 'deflate', 'auto')
    await fc.assert(
      fc.asyncProperty(
        fc.array(log, { minLength: 1, maxLength: 40 }),
        codec,
        fc.integer({ min: 300, max: 3000 }),
        async (logs, compression, maxBytes) => {
          emu.clear()
          const c = client({ compression, limits: { maxBytes: maxBytes + 2000 } })
          await c.send(logs, { topic: 'prop' })
          const stored = emu.logs().map((r) => {
            const { __time__, ...rest } = r.log
            return rest
          })
          const expected = logs.map((l) =>
            Object.fromEntries(
              Object.entries(l)
                .filter(([, v]) => v !== null)
                .map(([k, v]) => [k.toWellFormed(), typeof v === 'string' ? v.toWellFormed() : String(v)]),
            ),
          )
          expect(stored).toEqual(expected)
          expect(emu.requests().every((r) => r.status === 200)).toBe(true)
        },
      ),
      { numRuns: 60 },
    )
  })
})

describe('tracker → emulator, many topics under random faults (property)', () => {
  // Issue 18: arbitrary pushes over up to 40 topics, a tight or loose queue bound, random
  // batching and concurrency, and a random run of injected faults (5xx, quota 403, a permanent
  // 404, dropped connections, lost acknowledgements) consumed by whichever requests come first.
  // Every pushed log ends stored by the emulator, or reported (onError with the log, onDrop
  // with a count), and the stats say which. Only a lost acknowledgement may store a log twice
  // (or store a log that is then reported as failed): the service kept it, the answer was lost.
  // The single-topic version against a scripted fetch is in test/tracker/tracker.test.ts; the
  // 20,000-topic memory bound in test/tracker/topics.test.ts.
  it('every log is stored once or reported, per topic in order; nothing vanishes', async () => {
    const fc = (await import('fast-check')).default
    const { createTracker } = await import('../src/index.js')
    const fault = fc.oneof(
      fc.record({ fail: fc.integer({ min: 1, max: 3 }), status: fc.constantFrom(500, 503) }),
      fc.record({ fail: fc.constant(1), errorCode: fc.constant('WriteQuotaExceed' as const) }),
      fc.record({ fail: fc.constant(1), errorCode: fc.constant('LogStoreNotExist' as const) }),
      fc.record({ drop: fc.integer({ min: 1, max: 2 }) }),
      fc.record({ ackLoss: fc.integer({ min: 1, max: 2 }) }),
    )
    const push = fc.record({ topic: fc.nat(39), n: fc.integer({ min: 1, max: 6 }), big: fc.boolean() })
    await fc.assert(
      fc.asyncProperty(
        fc.array(push, { minLength: 1, maxLength: 40 }),
        fc.array(fault, { maxLength: 6 }),
        fc.record({
          maxBatchLogs: fc.integer({ min: 1, max: 8 }),
          concurrency: fc.integer({ min: 1, max: 4 }),
          maxQueueBytes: fc.constantFrom(4096, 16_384, 1 << 20),
          limit: fc.integer({ min: 0, max: 2 }),
          compression: fc.constantFrom<'none' | 'lz4'>('none', 'lz4'),
        }),
        async (pushes, faults, o) => {
          emu.clear()
          for (const f of faults) emu.inject(f)
          const errored: string[] = []
          let dropped = 0
          const tracker = createTracker({
            project: 'real-http',
            endpoint: emu.endpoint,
            logstore: 'web',
            fetch: emu.fetch,
            flushOnExit: false,
            lingerMs: 0,
            maxBatchLogs: o.maxBatchLogs,
            concurrency: o.concurrency,
            maxQueueBytes: o.maxQueueBytes,
            compression: o.compression,
            retry: { limit: o.limit, baseDelayMs: 0, maxDelayMs: 1 },
            maxRetryMs: 0,
            onError: (_e, logs) => errored.push(...logs.map((l) => String(l.id))),
            onDrop: (n) => (dropped += n),
          })
          const pushed: { id: string; topic: string }[] = []
          for (const [k, p] of pushes.entries()) {
            const topic = `topic-${p.topic}`
            const logs = Array.from({ length: p.n }, (_, j) => ({ id: `${k}.${j}`, pad: p.big ? 'x'.repeat(300) : '' }))
            pushed.push(...logs.map((l) => ({ id: l.id, topic })))
            tracker.push(logs, { topic })
            if (k % 5 === 4) await new Promise((r) => setTimeout(r, 0))
          }
          await tracker.close({ timeoutMs: Infinity })
          const s = tracker.stats()
          const stored = emu.logs().map((r) => ({ id: r.log.id!, topic: r.topic }))
          const storedIds = new Set(stored.map((r) => r.id))
          const ackLost = emu.requests().some((r) => r.fault === 'ackLoss')

          // Accounting: everything settled, and each state is what was heard.
          expect(s).toMatchObject({ pushed: pushed.length, queued: 0, inFlight: 0, rejected: 0, filtered: 0, queuedBytes: 0 })
          expect(s.sent + s.failed + s.dropped).toBe(s.pushed)
          expect(s.failed).toBe(errored.length)
          expect(s.dropped).toBe(dropped)
          // Nothing vanishes: a log not stored was reported to onError or counted in a drop.
          const unaccounted = pushed.filter((p) => !storedIds.has(p.id) && !errored.includes(p.id))
          expect(unaccounted.length).toBe(dropped)
          // Stored under the topic it was pushed to; each topic's logs arrive in push order.
          const topicOf = new Map(pushed.map((p) => [p.id, p.topic]))
          for (const r of stored) expect(r.topic).toBe(topicOf.get(r.id))
          const order = new Map(pushed.map((p, i) => [p.id, i]))
          // First arrivals only: a duplicate from a lost acknowledgement repeats a run.
          const byTopic = new Map<string | undefined, number[]>()
          for (const r of stored) {
            const seq = byTopic.get(r.topic) ?? []
            const n = order.get(r.id)!
            if (!seq.includes(n)) byTopic.set(r.topic, [...seq, n])
          }
          for (const seq of byTopic.values()) expect(seq).toEqual([...seq].sort((a, b) => a - b))
          if (!ackLost) {
            // Exactly once, and never both stored and reported.
            expect(stored).toHaveLength(storedIds.size)
            expect(s.sent).toBe(stored.length)
            expect(errored.filter((id) => storedIds.has(id))).toEqual([])
          } else {
            // A duplicate or a stored-but-reported log comes only from a retried request.
            expect(stored.length - storedIds.size).toBeLessThanOrEqual(s.retried)
            expect(s.sent).toBeLessThanOrEqual(storedIds.size)
          }
        },
      ),
      { numRuns: 40 },
    )
  }, 120_000)
})
