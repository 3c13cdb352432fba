// The tracker in Node: batching, order, bounds and timing against a recording fetch (with fake
// timers where timing matters), and every failure mode against the emulator's fault injection
// over real HTTP. Every test ends with the accounting identity: no log is ever silently gone.
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createForwardFetch, startEmulator, type Emulator } from '../../src/emulator/index.js'
import {
  createTracker,
  ServiceError,
  TOPIC_OVERHEAD_BYTES,
  ValidationError,
  type LogInput,
  type Tracker,
  type TrackerOptions,
  type TrackerStats,
  type WebTrackError,
} from '../../src/index.js'
import { spawnScript } from '../support/child-script.js'
import { root } from '../support/run.js'
import { fail, ok, recordingFetch, toWire, type Responder, type WireRequest } from '../support/wire.js'

const base = { project: 'my-project', endpoint: 'cn-hangzhou.log.aliyuncs.com', logstore: 'web', compression: 'none' } as const
const fast = { retry: { limit: 3, baseDelayMs: 5, maxDelayMs: 20 } } as const

const open: Tracker[] = []
const emulators: Emulator[] = []
afterEach(async () => {
  vi.useRealTimers()
  await Promise.all(open.splice(0).map((t) => t.close({ timeoutMs: 200 })))
  await Promise.all(emulators.splice(0).map((e) => e.close()))
})

interface Reported {
  errors: { error: WebTrackError; logs: LogInput[] }[]
  drops: { count: number; reason: string }[]
}

function track(options: Partial<TrackerOptions> & { fetch: typeof fetch }): { tracker: Tracker } & Reported {
  const reported: Reported = { errors: [], drops: [] }
  const tracker = createTracker({
    ...base,
    onError: (error, logs) => reported.errors.push({ error, logs }),
    onDrop: (count, reason) => reported.drops.push({ count, reason }),
    flushOnExit: false,
    ...options,
  })
  open.push(tracker)
  return { tracker, ...reported }
}

async function emulator(): Promise<Emulator> {
  const emu = await startEmulator({ port: 0, host: '127.0.0.1' })
  emulators.push(emu)
  return emu
}

const text = (b: Uint8Array) => new TextDecoder().decode(b)
const body = (req: WireRequest) => JSON.parse(text(req.body)) as { __topic__: string; __logs__: Record<string, string>[] }
const ids = (req: WireRequest) => body(req).__logs__.map((l) => Number(l.i))
const logs = (n: number, from = 0, extra: Record<string, string> = {}) => Array.from({ length: n }, (_, k) => ({ i: from + k, ...extra }))
const range = (n: number, from = 0) => Array.from({ length: n }, (_, k) => from + k)

/** Every pushed log is in exactly one state. */
function expectAccounted(s: TrackerStats): void {
  expect(s.queued + s.inFlight + s.sent + s.failed + s.dropped + s.rejected + s.filtered).toBe(s.pushed)
}

interface Held {
  readonly req: WireRequest
  readonly signal: AbortSignal
  answered: boolean
  answer(r: Response | Error): void
}

/** A fetch whose answers the test gives one by one; an aborted request rejects. */
function heldFetch() {
  const held: Held[] = []
  const requests: WireRequest[] = []
  const fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const request = new Request(input, init)
    const req = await toWire(request)
    requests.push(req)
    return new Promise<Response>((resolve, reject) => {
      const entry: Held = {
        req,
        signal: request.signal,
        answered: false,
        answer(r) {
          entry.answered = true
          if (r instanceof Error) reject(r)
          else resolve(r)
        },
      }
      held.push(entry)
      request.signal.addEventListener('abort', () => reject(request.signal.reason))
    })
  }
  return { fetch, held, requests }
}

const tick = () => new Promise((r) => setTimeout(r, 0))
async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time')
    await new Promise((r) => setTimeout(r, 5))
  }
}

describe('batching', () => {
  it('a partial batch waits lingerMs; a full one leaves at once', async () => {
    vi.useFakeTimers()
    const wire = recordingFetch()
    const { tracker } = track({ fetch: wire.fetch, lingerMs: 1000, maxBatchLogs: 3 })
    tracker.push(logs(2))
    await vi.advanceTimersByTimeAsync(999)
    expect(wire.requests).toHaveLength(0)
    await vi.advanceTimersByTimeAsync(1)
    expect(wire.requests.map(ids)).toEqual([[0, 1]])
    tracker.push(logs(3, 2))
    await vi.advanceTimersByTimeAsync(0)
    expect(wire.requests.map(ids)).toEqual([
      [0, 1],
      [2, 3, 4],
    ])
    expect(tracker.stats()).toMatchObject({ pushed: 5, sent: 5, queued: 0, inFlight: 0, requests: 2 })
  })

  it('packs by raw bytes: every body within maxBatchBytes, greedy, in order, sizes exact', async () => {
    const wire = recordingFetch()
    const { tracker } = track({ fetch: wire.fetch, maxBatchBytes: 300, lingerMs: 60_000 })
    const input = range(40).map((i) => ({ i, pad: 'é'.repeat(i % 7) })) // multi-byte text
    tracker.push(input)
    expect(await tracker.flush()).toBe(true)
    const envelopeBytes = '{"__topic__":"","__source__":"","__tags__":{},"__logs__":[]}'.length
    const sizes = input.map((l) => Buffer.byteLength(JSON.stringify({ i: String(l.i), pad: l.pad })))
    let at = 0
    for (const req of wire.requests) {
      expect(Number(req.headers.get('x-log-bodyrawsize'))).toBe(req.body.length)
      expect(req.body.length).toBeLessThanOrEqual(300)
      const n = body(req).__logs__.length
      const used = envelopeBytes + sizes.slice(at, at + n).reduce((a, b) => a + b, 0) + n - 1
      expect(req.body.length).toBe(used)
      // Greedy: the next log would not have fitted.
      if (at + n < input.length) expect(used + 1 + sizes[at + n]!).toBeGreaterThan(300)
      at += n
    }
    expect(wire.requests.flatMap(ids)).toEqual(range(40))
  })

  it('caps maxBatchLogs at the service limit of 4096', async () => {
    const wire = recordingFetch()
    const { tracker } = track({ fetch: wire.fetch, maxBatchLogs: 100_000, maxBatchBytes: 3 * 1024 * 1024 })
    tracker.push(logs(5000))
    await tracker.flush()
    expect(wire.requests.map((r) => body(r).__logs__.length)).toEqual([4096, 904])
  })

  it('one request per topic, topics by push option; at most `concurrency` requests in flight, one per topic', async () => {
    const h = heldFetch()
    const { tracker } = track({ fetch: h.fetch, concurrency: 2, maxBatchLogs: 1, lingerMs: 0 })
    for (const topic of ['a', 'b', 'c']) tracker.push(logs(2, 0, { t: topic }), { topic })
    const flushed = tracker.flush()
    await until(() => h.held.length === 2)
    await tick()
    expect(h.held.length).toBe(2)
    expect(tracker.stats().inFlight).toBe(2)
    const topicsInFlight = () => h.held.filter((x) => !x.answered).map((x) => body(x.req).__topic__)
    expect(new Set(topicsInFlight()).size).toBe(2)
    while (h.held.some((x) => !x.answered)) {
      h.held.find((x) => !x.answered)!.answer(ok())
      await tick()
      await tick()
      const inFlight = topicsInFlight()
      expect(inFlight.length).toBeLessThanOrEqual(2)
      expect(new Set(inFlight).size).toBe(inFlight.length)
    }
    expect(await flushed).toBe(true)
    // Per topic, logs arrive in order.
    for (const topic of ['a', 'b', 'c']) {
      expect(h.requests.filter((r) => body(r).__topic__ === topic).flatMap(ids)).toEqual([0, 1])
    }
  })
})

describe('retries and failures', () => {
  it('a failed batch goes back to the head of its queue: order holds, retried is counted', async () => {
    const wire = recordingFetch((_r, i) => (i === 0 ? fail(500, 'InternalServerError') : ok()))
    const { tracker, errors } = track({ fetch: wire.fetch, maxBatchLogs: 2, ...fast })
    tracker.push(logs(6))
    await tracker.flush()
    expect(wire.requests.map(ids)).toEqual([
      [0, 1],
      [0, 1],
      [2, 3],
      [4, 5],
    ])
    expect(tracker.stats()).toMatchObject({ sent: 6, retried: 2, failed: 0, requests: 4 })
    expect(errors).toEqual([])
  })

  it('a non-retryable error goes to onError with the normalised logs; the queue carries on', async () => {
    const wire = recordingFetch((_r, i) => (i === 0 ? fail(404, 'LogStoreNotExist') : ok()))
    const { tracker, errors } = track({ fetch: wire.fetch, maxBatchLogs: 2, ...fast })
    tracker.push([{ i: 0, n: 1.5 }, { i: 1 }, { i: 2 }])
    await tracker.flush()
    expect(errors).toHaveLength(1)
    expect(errors[0]!.error).toBeInstanceOf(ServiceError)
    expect(errors[0]!.error).toMatchObject({ errorCode: 'LogStoreNotExist' })
    expect(errors[0]!.logs).toEqual([{ i: '0', n: '1.5' }, { i: '1' }])
    expect(wire.requests.map(ids)).toEqual([[0, 1], [2]])
    expect(tracker.stats()).toMatchObject({ sent: 1, failed: 2, retried: 0 })
    expectAccounted(tracker.stats())
  })

  it('gives a batch up once the policy is spent AND maxRetryMs has passed (fake timers)', async () => {
    vi.useFakeTimers()
    const wire = recordingFetch(() => fail(500, 'InternalServerError'))
    const onRetry = vi.fn()
    const { tracker, errors } = track({
      fetch: wire.fetch,
      lingerMs: 0,
      retry: { limit: 2, baseDelayMs: 100, maxDelayMs: 1000 },
      maxRetryMs: 10_000,
      onRetry,
    })
    tracker.push(logs(3))
    await vi.advanceTimersByTimeAsync(9_000)
    expect(errors).toHaveLength(0)
    expect(tracker.stats()).toMatchObject({ queued: 3, failed: 0 })
    await vi.advanceTimersByTimeAsync(3_000)
    expect(errors).toHaveLength(1)
    expect(errors[0]!.logs).toHaveLength(3)
    const s = tracker.stats()
    expect(s).toMatchObject({ failed: 3, queued: 0, inFlight: 0, sent: 0 })
    expect(s.requests).toBeGreaterThan(3) // beyond the policy's 2 retries
    expect(s.retried).toBe((s.requests - 1) * 3)
    expect(onRetry).toHaveBeenCalledTimes(s.requests - 1)
    expectAccounted(s)
  })

  it('retry: false never retries; maxRetryMs: 0 stops when the policy is spent', async () => {
    const w1 = recordingFetch(() => fail(503, 'InternalServerError'))
    const t1 = track({ fetch: w1.fetch, retry: false })
    t1.tracker.push(logs(2))
    await t1.tracker.flush()
    expect(w1.requests).toHaveLength(1)
    expect(t1.tracker.stats()).toMatchObject({ failed: 2, retried: 0 })
    const w2 = recordingFetch(() => fail(503, 'InternalServerError'))
    const t2 = track({ fetch: w2.fetch, retry: { limit: 2, baseDelayMs: 1, maxDelayMs: 2 }, maxRetryMs: 0 })
    t2.tracker.push(logs(2))
    await t2.tracker.flush()
    expect(w2.requests).toHaveLength(3)
    expect(t2.errors).toHaveLength(1)
  })

  it("waits as long as the server's Retry-After asks (fake timers)", async () => {
    vi.useFakeTimers()
    const wire = recordingFetch((_r, i) => (i === 0 ? fail(503, 'InternalServerError', { 'retry-after': '2' }) : ok()))
    const { tracker } = track({ fetch: wire.fetch, lingerMs: 0 })
    tracker.push(logs(1))
    await vi.advanceTimersByTimeAsync(1999)
    expect(wire.requests).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(1)
    expect(wire.requests).toHaveLength(2)
  })

  it('the whole lot is accounted for under random failures (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom('ok', 'ok', '500', '403q', '404', 'net'), { minLength: 1, maxLength: 30 }),
        fc.array(fc.integer({ min: 1, max: 20 }), { minLength: 1, maxLength: 8 }),
        async (answers, pushes) => {
          const accepted: number[] = []
          const responder: Responder = (req, i) => {
            const a = answers[i % answers.length]
            if (a === '500') return fail(500, 'InternalServerError')
            if (a === '403q') return fail(403, 'WriteQuotaExceed')
            if (a === '404') return fail(404, 'LogStoreNotExist')
            if (a === 'net') return new TypeError('fetch failed')
            accepted.push(...ids(req))
            return ok()
          }
          const wire = recordingFetch(responder)
          const { tracker, errors } = track({
            fetch: wire.fetch,
            maxBatchLogs: 7,
            lingerMs: 0,
            retry: { limit: 2, baseDelayMs: 0, maxDelayMs: 0 },
            maxRetryMs: 0,
          })
          let next = 0
          for (const n of pushes) {
            tracker.push(logs(n, next))
            next += n
            await tick()
          }
          await tracker.close()
          const s = tracker.stats()
          expectAccounted(s)
          expect(s.queued + s.inFlight + s.dropped + s.rejected).toBe(0)
          const errored = errors.flatMap((e) => e.logs.map((l) => Number(l.i)))
          // Every log arrived or was reported; none is both, and the order of arrival holds.
          expect(new Set([...accepted, ...errored])).toEqual(new Set(range(next)))
          expect(errored.filter((i) => accepted.includes(i))).toEqual([])
          expect(accepted).toEqual([...accepted].sort((a, b) => a - b))
          expect(s.sent).toBe(accepted.length)
          expect(s.failed).toBe(errored.length)
        },
      ),
      { numRuns: 40 },
    )
  })
})

describe('the outage window (maxRetryMs, per topic) and the close timeout', () => {
  it('16 batches against a dead server: the head batch waits out one window, each next one gets one attempt, all reported (fake timers)', async () => {
    vi.useFakeTimers()
    const wire = recordingFetch(() => fail(503, 'InternalServerError'))
    const onRetry = vi.fn()
    const { tracker, errors } = track({
      fetch: wire.fetch,
      lingerMs: 0,
      maxBatchLogs: 10,
      retry: { limit: 3, baseDelayMs: 100, maxDelayMs: 1000 },
      maxRetryMs: 10_000,
      onRetry,
    })
    tracker.push(logs(160))
    // One window, plus the last backoff (at most maxDelayMs) and a margin. A window per batch
    // would take 16 of them.
    await vi.advanceTimersByTimeAsync(12_000)
    const s = tracker.stats()
    expect(s).toMatchObject({ failed: 160, queued: 0, inFlight: 0, sent: 0 })
    expect(errors).toHaveLength(16)
    expect(errors.flatMap((e) => e.logs.map((l) => Number(l.i)))).toEqual(range(160))
    // Batches 2–16 were each sent once; only the head batch was retried, past the policy's 3.
    const firsts = wire.requests.map((r) => ids(r)[0])
    for (let b = 1; b < 16; b++) expect(firsts.filter((i) => i === b * 10)).toHaveLength(1)
    const headAttempts = firsts.filter((i) => i === 0).length
    expect(headAttempts).toBeGreaterThan(4)
    expect(s.requests).toBe(headAttempts + 15)
    expect(s.retried).toBe((headAttempts - 1) * 10)
    expect(onRetry).toHaveBeenCalledTimes(headAttempts - 1)
    expectAccounted(s)
  })

  it('the window resets on a success: a second outage gets a full window of its own (fake timers)', async () => {
    vi.useFakeTimers()
    let down = true
    const wire = recordingFetch(() => (down ? fail(503, 'InternalServerError') : ok()))
    const { tracker, errors } = track({
      fetch: wire.fetch,
      lingerMs: 0,
      retry: { limit: 1, baseDelayMs: 100, maxDelayMs: 500 },
      maxRetryMs: 10_000,
    })
    tracker.push(logs(1))
    await vi.advanceTimersByTimeAsync(6_000)
    down = false
    await vi.advanceTimersByTimeAsync(1_000)
    expect(tracker.stats().sent).toBe(1)
    down = true
    tracker.push(logs(1, 1))
    // 15 s after the first outage began, 8 s into the second: still within its window.
    await vi.advanceTimersByTimeAsync(8_000)
    expect(errors).toEqual([])
    expect(tracker.stats()).toMatchObject({ queued: 1, failed: 0 })
    await vi.advanceTimersByTimeAsync(3_000)
    expect(errors).toHaveLength(1)
    expectAccounted(tracker.stats())
  })

  it('close() without a timeout gives up after closeTimeoutMs (default 10 s) and reports what is left (fake timers)', async () => {
    vi.useFakeTimers()
    const h = heldFetch() // nothing is ever answered
    const { tracker, errors } = track({ fetch: h.fetch, lingerMs: 0 })
    tracker.push(logs(5))
    let closed = false
    const closing = tracker.close().then(() => (closed = true))
    await vi.advanceTimersByTimeAsync(9_999)
    expect(closed).toBe(false)
    await vi.advanceTimersByTimeAsync(1)
    await closing
    expect(errors).toHaveLength(1)
    expect(errors[0]!.error.message).toBe('tracker closed: not sent within 10000 ms')
    expect(errors[0]!.logs).toHaveLength(5)
    expect(tracker.stats()).toMatchObject({ failed: 5, queued: 0, inFlight: 0 })
  })
})

describe('options', () => {
  const make = (extra: Partial<TrackerOptions>) => () => createTracker({ ...base, flushOnExit: false, flushOnHide: false, ...extra })

  it.each([
    ['lingerMs', Number.NaN, 'lingerMs: must be a number from 0 to 2147483647 ms, got NaN'],
    ['lingerMs', Infinity, 'lingerMs: must be a number from 0 to 2147483647 ms, got Infinity'],
    ['exitTimeoutMs', -1, 'exitTimeoutMs: must be a number from 0 to 2147483647 ms, got -1'],
    ['maxRetryMs', -5, 'maxRetryMs: must be a number from 0 to Infinity ms, got -5'],
    ['closeTimeoutMs', Number.NaN, 'closeTimeoutMs: must be a number from 0 to Infinity ms, got NaN'],
    ['maxQueueBytes', 0, 'maxQueueBytes: must be a number from 1 to Infinity bytes, got 0'],
    ['maxBatchLogs', 0, 'maxBatchLogs: must be a whole number from 1 to Infinity, got 0'],
    ['maxBatchBytes', -1, 'maxBatchBytes: must be a number from 1 to Infinity bytes, got -1'],
    ['concurrency', 1.5, 'concurrency: must be a whole number from 1 to Infinity, got 1.5'],
    ['concurrency', '2', 'concurrency: must be a whole number from 1 to Infinity, got "2"'],
    [
      'unloadBudgetBytes',
      Number.NaN,
      'unloadBudgetBytes: must be a number from 1 to 65536 bytes (the keep-alive cap of Chromium and WebKit), got NaN',
    ],
    // Above it, Chromium and WebKit refuse the keep-alive requests at unload: the logs would be lost unreported.
    [
      'unloadBudgetBytes',
      65_537,
      'unloadBudgetBytes: must be a number from 1 to 65536 bytes (the keep-alive cap of Chromium and WebKit), got 65537',
    ],
    [
      'unloadBudgetBytes',
      Infinity,
      'unloadBudgetBytes: must be a number from 1 to 65536 bytes (the keep-alive cap of Chromium and WebKit), got Infinity',
    ],
  ] as const)('%s = %s is refused at creation, with the allowed range', (name, value, message) => {
    const create = make({ [name]: value })
    expect(create).toThrow(ValidationError)
    expect(create).toThrow(message)
  })

  it('accepts the documented edges: Infinity for windows, caps and timeouts without a timer; 0 for times', () => {
    for (const extra of [
      { maxRetryMs: Infinity, closeTimeoutMs: Infinity, maxQueueBytes: Infinity, maxBatchLogs: Infinity, concurrency: Infinity },
      { lingerMs: 0, maxRetryMs: 0, exitTimeoutMs: 0, closeTimeoutMs: 0 },
      { unloadBudgetBytes: 65_536 },
    ]) {
      expect(make(extra)).not.toThrow()
    }
  })
})

describe('push', () => {
  it('rejects invalid logs through onError, counts them, leaves the rest untouched', async () => {
    const wire = recordingFetch()
    const { tracker, errors } = track({ fetch: wire.fetch, limits: { maxBytes: 1000 } })
    const bad1 = { __topic__: 'x' }
    const big = { i: 9, pad: 'x'.repeat(2000) }
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- a JavaScript caller's null; without the cast, TS2345
    tracker.push([{ i: 0 }, bad1, null as unknown as LogInput, { i: 1 }, big, { i: 2, f: () => 1 }])
    expect(errors.map((e) => e.error)).toEqual([expect.any(ValidationError), expect.any(ValidationError), expect.any(ValidationError)])
    expect(errors[0]!.logs).toEqual([bad1])
    expect(errors[0]!.error.message).toMatch(/logs\[1\]\.__topic__: invalid key/)
    expect(errors[1]!.error.message).toMatch(/logs\[2\]: a log must be a plain object/)
    expect(errors[2]!.error.message).toMatch(/cannot fit in one request/)
    await tracker.flush()
    expect(wire.requests.flatMap(ids)).toEqual([0, 1, 2])
    expect(tracker.stats()).toMatchObject({ pushed: 6, rejected: 3, sent: 3, omitted: 1 })
    expectAccounted(tracker.stats())
  })

  it('beforeSend scrubs, samples and filters at push; a throwing beforeSend rejects only that log', async () => {
    const wire = recordingFetch()
    const { tracker, errors } = track({
      fetch: wire.fetch,
      beforeSend: (log, topic) => {
        if (log.i === 3) throw new Error('bad hook')
        if (Number(log.i) % 2 === 1) return false // sampled out
        return { ...log, email: log.email ? '[redacted]' : undefined, topic_seen: topic }
      },
    })
    tracker.push(logs(6, 0, { email: 'a@b.c' }), { topic: 'signup' })
    await tracker.flush()
    expect(wire.requests.flatMap((r) => body(r).__logs__)).toEqual(
      [0, 2, 4].map((i) => ({ i: String(i), email: '[redacted]', topic_seen: 'signup' })),
    )
    expect(errors).toHaveLength(1)
    expect(errors[0]!.error.message).toContain('beforeSend threw: bad hook')
    expect(errors[0]!.logs).toEqual([{ i: 3, email: 'a@b.c' }])
    expect(tracker.stats()).toMatchObject({ pushed: 6, sent: 3, filtered: 2, rejected: 1 })
    expectAccounted(tracker.stats())
  })

  it('a beforeSend that returns a promise rejects that log through onError: nothing is sent as {}', async () => {
    const wire = recordingFetch()
    const { tracker, errors } = track({
      fetch: wire.fetch,
      beforeSend: (log) => (log.i === 1 ? (Promise.reject(new Error('async')) as never) : log),
    })
    tracker.push(logs(3))
    await tracker.flush()
    expect(wire.requests.flatMap((r) => body(r).__logs__)).toEqual([{ i: '0' }, { i: '2' }])
    expect(errors).toHaveLength(1)
    expect(errors[0]!.error).toBeInstanceOf(ValidationError)
    expect(errors[0]!.error.message).toBe('beforeSend: must return the log or false, not a promise')
    expect(errors[0]!.logs).toEqual([{ i: 1 }])
    expect(tracker.stats()).toMatchObject({ pushed: 3, sent: 2, rejected: 1 })
    expectAccounted(tracker.stats())
  })

  it('headerless: every batch without x-log-* headers or compression (no CORS preflight)', async () => {
    const wire = recordingFetch()
    const { tracker } = track({ fetch: wire.fetch, headerless: true, compression: 'lz4' })
    tracker.push(logs(3000))
    await tracker.flush()
    expect(wire.requests.length).toBeGreaterThan(0)
    for (const req of wire.requests) {
      expect(req.url.search).toBe('?APIVersion=0.6.0')
      expect(req.headers.get('content-type')).toBe('text/plain;charset=UTF-8')
      expect([...req.headers.keys()].filter((k) => k.startsWith('x-log'))).toEqual([])
    }
    expect(wire.requests.flatMap(ids)).toEqual(range(3000))
    expectAccounted(tracker.stats())
  })

  it('never throws, even when onError and onDrop throw', async () => {
    const wire = recordingFetch(() => fail(400, 'PostBodyInvalid'))
    const spy = vi.spyOn(console, 'error').mockImplementation(() => {})
    const tracker = createTracker({
      ...base,
      fetch: wire.fetch,
      // Room for the topic (its overhead and its 60-byte envelope) and 200 bytes of logs.
      maxQueueBytes: TOPIC_OVERHEAD_BYTES + 60 + 200,
      flushOnExit: false,
      onError: () => {
        throw new Error('boom')
      },
      onDrop: () => {
        throw new Error('boom')
      },
    })
    open.push(tracker)
    expect(() => tracker.push([{ __topic__: 'x' }, ...logs(20)])).not.toThrow()
    await tracker.flush()
    tracker.push(logs(1))
    await tracker.flush()
    const s = tracker.stats()
    expect(s.rejected).toBe(1)
    expect(s.dropped).toBeGreaterThan(0)
    expect(s.failed).toBeGreaterThan(0)
    expectAccounted(s)
    expect(spy).toHaveBeenCalled() // the callbacks' own errors are shown, not swallowed
    spy.mockRestore()
  })

  it('bounds the queue: logs that do not fit are dropped, counted and reported', async () => {
    const h = heldFetch() // nothing is ever answered
    const { tracker, drops } = track({ fetch: h.fetch, maxQueueBytes: 10_000, maxBatchLogs: 50, lingerMs: 0 })
    for (let i = 0; i < 1000; i += 10) tracker.push(logs(10, i))
    const s = tracker.stats()
    expect(s.dropped).toBeGreaterThan(0)
    expect(s.queuedBytes).toBeLessThanOrEqual(10_000)
    expect(drops.every((d) => d.reason === 'queue-full')).toBe(true)
    expect(drops.reduce((n, d) => n + d.count, 0)).toBe(s.dropped)
    expectAccounted(s)
    // Room frees up as requests are answered.
    await until(() => h.held.length > 0)
    for (const x of h.held) x.answer(ok())
    await until(() => tracker.stats().sent > 0)
    expect(tracker.stats().queuedBytes).toBeLessThan(s.queuedBytes)
    tracker.push(logs(1, 5000))
    expect(tracker.stats().dropped).toBe(s.dropped)
    expectAccounted(tracker.stats())
  })
})

describe('flush and close', () => {
  it('close flushes, then refuses new logs (dropped, reason closed); asyncDispose closes', async () => {
    const wire = recordingFetch()
    const { tracker, drops } = track({ fetch: wire.fetch, lingerMs: 60_000 })
    tracker.push(logs(3))
    await tracker[Symbol.asyncDispose]()
    expect(tracker.closed).toBe(true)
    expect(wire.requests.flatMap(ids)).toEqual([0, 1, 2])
    tracker.push(logs(2))
    expect(drops).toEqual([{ count: 2, reason: 'closed' }])
    expect(tracker.stats()).toMatchObject({ sent: 3, dropped: 2 })
    await tracker.close() // idempotent
  })

  it('flush resolves false on timeout; close with a timeout aborts and reports what is left', async () => {
    const h = heldFetch()
    const { tracker, errors } = track({ fetch: h.fetch, maxBatchLogs: 2 })
    tracker.push(logs(5))
    expect(await tracker.flush({ timeoutMs: 30 })).toBe(false)
    expect(tracker.stats()).toMatchObject({ inFlight: 2, queued: 3 })
    await tracker.close({ timeoutMs: 30 })
    expect(errors).toHaveLength(1)
    expect(errors[0]!.error.message).toMatch(/closed/)
    expect(errors[0]!.logs.map((l) => Number(l.i))).toEqual([0, 1, 2, 3, 4])
    expect(h.held[0]!.signal.aborted).toBe(true)
    expect(tracker.stats()).toMatchObject({ failed: 5, queued: 0, inFlight: 0 })
  })

  it('flush waits for retries in progress: settled means sent or failed', async () => {
    const wire = recordingFetch((_r, i) => (i < 2 ? fail(500, 'InternalServerError') : ok()))
    const { tracker } = track({ fetch: wire.fetch, ...fast })
    tracker.push(logs(4))
    expect(await tracker.flush()).toBe(true)
    expect(tracker.stats()).toMatchObject({ sent: 4, queued: 0, inFlight: 0 })
  })
})

describe('the unload path (flushSync)', () => {
  const pad = 'x'.repeat(480)

  it('sends keep-alive, header-less text/plain requests within the 60 KB budget; the rest stays queued', () => {
    const wire = recordingFetch()
    const { tracker } = track({ fetch: wire.fetch, lingerMs: 60_000, compression: 'lz4' })
    tracker.push(range(300).map((i) => ({ i, pad })))
    tracker.flushSync()
    // fetch was called synchronously: the requests exist before any await.
    const s = tracker.stats()
    expect(s.inFlight).toBeGreaterThan(100)
    expect(s.inFlight + s.queued).toBe(300)
    return until(() => wire.requests.length > 0).then(async () => {
      await until(() => tracker.stats().inFlight === 0)
      let total = 0
      for (const req of wire.requests) {
        expect(req.keepalive).toBe(true)
        expect(req.url.search).toBe('?APIVersion=0.6.0')
        expect(req.headers.get('content-type')).toBe('text/plain;charset=UTF-8')
        expect([...req.headers.keys()].filter((k) => k.startsWith('x-log'))).toEqual([])
        total += req.body.length
      }
      expect(total).toBeLessThanOrEqual(60_000)
      expect(total).toBeGreaterThan(55_000)
      expect(wire.requests.flatMap(ids)).toEqual(range(s.inFlight))
      expect(tracker.stats().queued).toBe(300 - s.inFlight)
    })
  })

  it('final (pagehide): what does not fit the remaining budget is dropped as a last resort', async () => {
    const wire = recordingFetch()
    const { tracker, drops } = track({ fetch: wire.fetch, lingerMs: 60_000 })
    tracker.push(range(300).map((i) => ({ i, pad })))
    tracker.flushSync() // budget now in flight
    tracker.flushSync({ final: true })
    const s = tracker.stats()
    expect(s.queued).toBe(0)
    expect(s.dropped).toBe(300 - s.inFlight)
    expect(drops).toEqual([{ count: s.dropped, reason: 'unload' }])
    await until(() => tracker.stats().inFlight === 0)
    expect(tracker.stats().sent).toBe(300 - s.dropped)
    expectAccounted(tracker.stats())
  })

  it('final re-sends a regular request in flight on keep-alive (it would be cancelled); counted as retried', async () => {
    const wire = recordingFetch((req) => (req.keepalive ? ok() : new Promise<Response>(() => {})))
    const signals: AbortSignal[] = []
    const fetch = ((input: Request, init?: RequestInit) => {
      signals.push(input instanceof Request ? input.signal : init!.signal!)
      return wire.fetch(input, init)
    }) as typeof globalThis.fetch
    const { tracker } = track({ fetch, lingerMs: 0 })
    tracker.push(logs(5))
    await until(() => wire.requests.length === 1)
    tracker.push(logs(2, 5))
    tracker.flushSync({ final: true })
    expect(signals[0]!.aborted).toBe(true)
    await until(() => tracker.stats().sent === 7)
    expect(wire.requests.slice(1).flatMap(ids)).toEqual(range(7))
    expect(tracker.stats()).toMatchObject({ retried: 5, sent: 7, dropped: 0 })
  })

  it('splits what does not fit into several requests and never sends a body over the budget', async () => {
    const wire = recordingFetch()
    const { tracker } = track({ fetch: wire.fetch, lingerMs: 60_000, unloadBudgetBytes: 5000 })
    tracker.push(range(50).map((i) => ({ i, pad: 'y'.repeat(i * 10) })))
    tracker.flushSync({ final: true })
    await until(() => tracker.stats().inFlight === 0)
    const total = wire.requests.reduce((n, r) => n + r.body.length, 0)
    expect(total).toBeLessThanOrEqual(5000)
    expect(wire.requests.flatMap(ids)).toEqual(range(tracker.stats().sent))
    expectAccounted(tracker.stats())
  })
})

describe('against the emulator', () => {
  async function setup(extra: Partial<TrackerOptions> = {}) {
    const emu = await emulator()
    const t = track({ fetch: emu.fetch, endpoint: emu.endpoint, lingerMs: 5, ...fast, ...extra })
    const arrived = () => emu.logs().map((r) => Number(r.log.i))
    return { emu, ...t, arrived }
  }

  it('500s then recovery: all logs arrive exactly once', async () => {
    const { emu, tracker, arrived, errors } = await setup({ maxBatchLogs: 25 })
    emu.inject({ fail: 3, status: 500 })
    tracker.push(logs(100))
    await tracker.flush()
    expect(arrived()).toEqual(range(100))
    expect(errors).toEqual([])
    expect(tracker.stats()).toMatchObject({ sent: 100, retried: 75, failed: 0 })
    expect(emu.requests().filter((r) => r.status === 500)).toHaveLength(3)
  })

  it('403 quota codes are retried; any other 403 is not', async () => {
    const { emu, tracker, arrived, errors } = await setup({ compression: 'lz4' })
    emu.inject({ fail: 1, errorCode: 'WriteQuotaExceed' })
    emu.inject({ fail: 1, errorCode: 'ShardWriteQuotaExceed' })
    tracker.push(logs(10))
    await tracker.flush()
    expect(arrived()).toEqual(range(10))
    emu.inject({ fail: 1, status: 403, errorCode: 'PostBodyInvalid' })
    tracker.push(logs(3, 10))
    await tracker.flush()
    expect(errors).toHaveLength(1)
    expect(errors[0]!.error).toMatchObject({ status: 403, retryable: false })
    expect(tracker.stats()).toMatchObject({ sent: 10, failed: 3, retried: 20 })
  })

  it('dropped connections: retried, every log arrives exactly once', async () => {
    const { emu, tracker, arrived } = await setup({ maxBatchLogs: 10 })
    emu.inject({ drop: 2 })
    tracker.push(logs(30))
    await tracker.flush()
    expect(arrived()).toEqual(range(30))
    expect(emu.requests().filter((r) => r.fault === 'drop')).toHaveLength(2)
    expect(tracker.stats()).toMatchObject({ sent: 30, retried: 20 })
  })

  it('lost acknowledgements duplicate (counted as retried), never lose', async () => {
    const { emu, tracker, arrived } = await setup({ maxBatchLogs: 10 })
    emu.inject({ ackLoss: 1 })
    tracker.push(logs(20))
    await tracker.flush()
    expect(arrived()).toEqual([...range(10), ...range(10), ...range(10, 10)])
    expect(tracker.stats()).toMatchObject({ sent: 20, retried: 10, failed: 0 })
  })

  it('server down, then back: the batch waits at the head of the queue and arrives', async () => {
    const first = await startEmulator({ port: 0, host: '127.0.0.1' })
    const port = first.port
    await first.close()
    const fetch = createForwardFetch(`http://127.0.0.1:${port}`)
    const { tracker, errors } = track({
      fetch,
      endpoint: `http://localhost:${port}`,
      lingerMs: 0,
      retry: { limit: 2, baseDelayMs: 10, maxDelayMs: 40 },
      maxRetryMs: 30_000,
    })
    tracker.push(logs(50))
    await until(() => tracker.stats().requests >= 5) // beyond the policy's retries
    const down = tracker.stats()
    expect(down.queued + down.inFlight).toBe(50)
    expect(down).toMatchObject({ failed: 0, sent: 0 })
    const emu = await startEmulator({ port, host: '127.0.0.1' })
    emulators.push(emu)
    tracker.push(logs(10, 50))
    await tracker.flush()
    expect(emu.logs().map((r) => Number(r.log.i))).toEqual(range(60))
    expect(errors).toEqual([])
  })

  it('server down for longer than maxRetryMs: the logs go to onError, counted as failed', async () => {
    const first = await startEmulator({ port: 0, host: '127.0.0.1' })
    await first.close()
    const { tracker, errors } = track({
      fetch: createForwardFetch(`http://127.0.0.1:${first.port}`),
      endpoint: `http://localhost:${first.port}`,
      retry: { limit: 1, baseDelayMs: 5, maxDelayMs: 10 },
      maxRetryMs: 100,
    })
    tracker.push(logs(4))
    await tracker.flush()
    expect(errors).toHaveLength(1)
    expect(errors[0]!.error.name).toBe('NetworkError')
    expect(errors[0]!.logs).toHaveLength(4)
    expect(tracker.stats()).toMatchObject({ failed: 4, sent: 0 })
  })

  it('a stalled server and the queue bound: what was kept arrives once the server answers', async () => {
    const { emu, tracker, arrived, drops } = await setup({ maxQueueBytes: 64 * 1024, maxBatchLogs: 500 })
    emu.inject({ stall: true })
    for (let i = 0; i < 10_000; i += 100) tracker.push(logs(100, i))
    const s = tracker.stats()
    expect(s.dropped).toBeGreaterThan(5000)
    expect(s.queuedBytes).toBeLessThanOrEqual(64 * 1024)
    expect(s.dropped + s.queued + s.inFlight).toBe(10_000)
    expect(drops.reduce((n, d) => n + d.count, 0)).toBe(s.dropped)
    await until(() => emu.pending() > 0)
    emu.inject({ stall: false })
    await tracker.flush()
    const kept = 10_000 - s.dropped
    expect(arrived()).toEqual(range(kept))
    expect(tracker.stats()).toMatchObject({ sent: kept, failed: 0 })
  })

  it('topics: one topic per request, each in order', async () => {
    const { emu, tracker } = await setup({ maxBatchLogs: 3, concurrency: 3 })
    for (let i = 0; i < 30; i++) tracker.push({ i }, { topic: `t${i % 3}` })
    await tracker.flush()
    for (const topic of ['t0', 't1', 't2']) {
      const got = emu
        .logs()
        .filter((r) => r.topic === topic)
        .map((r) => Number(r.log.i))
      expect(got).toEqual(range(30).filter((i) => `t${i % 3}` === topic))
    }
    for (const req of emu.requests()) expect(req.logs).toBeLessThanOrEqual(3)
  })
})

describe('Node process lifecycle', () => {
  // Asynchronous: the emulator runs in this process and must keep answering.
  async function runChild(emu: Emulator, trackerOptions: string, after = ''): Promise<{ status: number | null; out: string }> {
    const dir = mkdtempSync(join(tmpdir(), 'tracker-exit-'))
    try {
      const script = join(dir, 'child.ts')
      writeFileSync(
        script,
        `import { createTracker } from ${JSON.stringify(`${root}src/index.ts`)}
import { createForwardFetch } from ${JSON.stringify(`${root}src/emulator/forward-fetch.ts`)}
const tracker = createTracker({ project: 'my-project', endpoint: ${JSON.stringify(emu.endpoint)}, logstore: 'web', compression: 'none',
  fetch: createForwardFetch('http://127.0.0.1:${emu.port}'), lingerMs: 60_000, retry: { limit: 1, baseDelayMs: 5, maxDelayMs: 10 }, maxRetryMs: 0,
  onError: (e, logs) => console.log('onError', logs.length, e.name), ${trackerOptions} })
tracker.push([{ i: 0 }, { i: 1 }, { i: 2 }])
${after}
`,
      )
      const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: root, timeout: 20_000 })
      let out = ''
      child.stdout.on('data', (d) => (out += d))
      child.stderr.on('data', (d) => (out += d))
      const status = await new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)))
      return { status, out }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }

  it('pending logs are sent on beforeExit; the timers never keep the process alive', async () => {
    const emu = await emulator()
    const r = await runChild(emu, '')
    expect(r.status, r.out).toBe(0) // lingerMs is 60 s, the spawn timeout 20 s: unref'd timers
    expect(emu.logs().map((l) => l.log.i)).toEqual(['0', '1', '2'])
  })

  it('flushOnExit: false leaves them (and still exits)', async () => {
    const emu = await emulator()
    const r = await runChild(emu, 'flushOnExit: false')
    expect(r.status, r.out).toBe(0)
    expect(emu.logs()).toHaveLength(0)
  })

  it('a dead server at exit: the exit flush gives up after exitTimeoutMs and reports', async () => {
    const emu = await emulator()
    emu.inject({ stall: true })
    const r = await runChild(emu, 'exitTimeoutMs: 300')
    expect(r.status, r.out).toBe(0)
    expect(r.out).toMatch(/onError 3 WebTrackError/)
  })

  it('close() keeps an idle process alive until every log is settled or reported: 1,000 logs, a dead server, flushOnExit: false', async () => {
    // A port that refuses connections: listened on, then closed.
    const server = createServer().listen(0, '127.0.0.1')
    await new Promise((r) => server.once('listening', r))
    const port = (server.address() as { port: number }).port
    await new Promise((r) => server.close(r))
    const { status, out } = await spawnScript(`import { createTracker } from ${JSON.stringify(`${root}src/index.ts`)}
import { createForwardFetch } from ${JSON.stringify(`${root}src/emulator/forward-fetch.ts`)}
let reported = 0
const tracker = createTracker({ project: 'my-project', endpoint: 'http://localhost:${port}', logstore: 'web', compression: 'none',
  fetch: createForwardFetch('http://127.0.0.1:${port}'), flushOnExit: false, lingerMs: 60_000,
  retry: { limit: 2, baseDelayMs: 5, maxDelayMs: 20 }, maxRetryMs: 300, closeTimeoutMs: 10_000,
  onError: (e, logs) => { reported += logs.length; console.log('onError', logs.length, e.name) } })
tracker.push(Array.from({ length: 1000 }, (_, i) => ({ i })))
await tracker.close()
console.log('reported', reported, JSON.stringify(tracker.stats()))
`)
    // Without a ref'd handle while close() waits, the process ends with 13 (an unsettled
    // top-level await) between two retries, and the logs are never reported.
    expect(status, out).toBe(0)
    expect(out).toMatch(/onError 1000 NetworkError/)
    const stats = JSON.parse(/reported 1000 (.*)/.exec(out)![1]!) as TrackerStats
    expect(stats).toMatchObject({ pushed: 1000, failed: 1000, queued: 0, inFlight: 0 })
  })
})
