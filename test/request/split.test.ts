// The packing rule through `requestBodies`: logs, in order, into as few request bodies as the
// limits allow, each body within `maxBytes` (envelope and commas counted) and `maxLogs`. The
// bodies are read back as JSON, so the test checks what would go on the wire, not how the
// split is computed.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ValidationError } from '../../src/errors.js'
import { encodeLog, envelope, type Envelope } from '../../src/request/encode.js'
import type { Log } from '../../src/request/normalize.js'
import { requestBodies, type Limits } from '../../src/request/split.js'

const env = envelope('topic', 'src', { k: 'v' })
const decoder = new TextDecoder('utf-8', { fatal: true })

/** The bodies of a send, decoded: their logs, byte sizes and end indexes. */
function bodies(logs: readonly Log[], limits: Limits, e: Envelope = env, minBytes = 0) {
  return [...requestBodies(e, logs, limits, minBytes)].map(({ raw, end }) => {
    const doc = JSON.parse(decoder.decode(raw)) as { __topic__: string; __logs__: Log[] }
    return { logs: doc.__logs__, bytes: raw.length, end, topic: doc.__topic__ }
  })
}

/** A log whose JSON text (`{"key":"aaa…"}`) is exactly `bytes` long. */
const sized = (bytes: number, key = 'x'): Log => ({ [key]: 'a'.repeat(bytes - 7 - key.length) })
const jsonBytes = (log: Log) => encodeLog(log).bytes
const thrown = (f: () => unknown) => {
  try {
    f()
  } catch (e) {
    return e
  }
  return undefined
}

describe('requestBodies: edges', () => {
  it('no logs: nothing but an empty body, if any', () => {
    const out = bodies([], { maxBytes: 1000, maxLogs: 10 })
    expect(out.length).toBeLessThanOrEqual(1)
    expect(out.flatMap((b) => b.logs)).toEqual([])
  })

  it('one log: one body holding it, in the envelope', () => {
    const out = bodies([{ a: '1' }], { maxBytes: 1000, maxLogs: 10 })
    expect(out).toEqual([{ logs: [{ a: '1' }], bytes: env.bytes + jsonBytes({ a: '1' }), end: 1, topic: 'topic' }])
  })

  it('a log exactly at the limit fits alone; one byte more is refused, naming the log', () => {
    const log = sized(100)
    expect(jsonBytes(log)).toBe(100)
    const maxBytes = env.bytes + 100
    const out = bodies([log], { maxBytes, maxLogs: 10 })
    expect(out).toHaveLength(1)
    expect(out[0]!.bytes).toBe(maxBytes)

    const big = sized(101)
    const err = thrown(() => bodies([{ a: '1' }, big], { maxBytes, maxLogs: 10 }))
    expect(err).toBeInstanceOf(ValidationError)
    expect((err as ValidationError).path).toBe('logs[1]')
    expect((err as ValidationError).message).toContain('101 bytes')
  })

  it('two logs exactly at the limit (with their comma) share a body; one byte less splits them', () => {
    const a = sized(40, 'a')
    const b = sized(50, 'b')
    const exact = env.bytes + 40 + 1 + 50
    expect(bodies([a, b], { maxBytes: exact, maxLogs: 10 }).map((x) => x.logs)).toEqual([[a, b]])
    const split = bodies([a, b], { maxBytes: exact - 1, maxLogs: 10 })
    expect(split.map((x) => x.logs)).toEqual([[a], [b]])
    expect(split.map((x) => x.end)).toEqual([1, 2])
  })

  it('the same holds on the split path (more logs than fit in one request)', () => {
    // Ten logs of 40 bytes: four fit in a body of exactly envelope + 4 × 40 + 3 commas.
    const logs = Array.from({ length: 10 }, (_, i) => sized(40, `k${i}`))
    const maxBytes = env.bytes + 4 * 40 + 3
    const out = bodies(logs, { maxBytes, maxLogs: 100 })
    expect(out.map((b) => b.logs.length)).toEqual([4, 4, 2])
    expect(out.map((b) => b.bytes)).toEqual([maxBytes, maxBytes, env.bytes + 2 * 40 + 1])
  })

  it('maxLogs bounds every body, whatever room is left', () => {
    const logs = Array.from({ length: 5 }, (_, i) => ({ i: String(i) }))
    const out = bodies(logs, { maxBytes: 1e6, maxLogs: 2 })
    expect(out.map((b) => b.end)).toEqual([2, 4, 5])
    expect(out.flatMap((b) => b.logs)).toEqual(logs)
  })

  it('the envelope is counted: a longer topic or tags leave less room for logs', () => {
    const logs = Array.from({ length: 6 }, (_, i) => sized(30, `k${i}`))
    const maxBytes = env.bytes + 3 * 30 + 2
    expect(bodies(logs, { maxBytes, maxLogs: 100 }).map((b) => b.logs.length)).toEqual([3, 3])
    const wide = envelope('a much longer topic name', 'src', { k: 'v', more: 'tags' })
    const out = bodies(logs, { maxBytes, maxLogs: 100 }, wide)
    expect(out.length).toBeGreaterThan(2)
    for (const b of out) expect(b.bytes).toBeLessThanOrEqual(maxBytes)
    expect(out.every((b) => b.topic === 'a much longer topic name')).toBe(true)
  })

  it('an envelope that leaves no room refuses the first log, before any body is made', () => {
    const wide = envelope('t'.repeat(200), 'src', {})
    const gen = requestBodies(wide, [{ a: '1' }], { maxBytes: 100, maxLogs: 10 })
    const err = thrown(() => gen.next())
    expect(err).toBeInstanceOf(ValidationError)
    expect((err as ValidationError).path).toBe('logs[0]')
  })

  it('a log too large anywhere in the send fails the send before its first body', () => {
    const logs = [...Array.from({ length: 20 }, (_, i) => sized(30, `k${i}`)), sized(500)]
    const gen = requestBodies(env, logs, { maxBytes: env.bytes + 100, maxLogs: 100 })
    const err = thrown(() => gen.next())
    expect(err).toBeInstanceOf(ValidationError)
    expect((err as ValidationError).path).toBe('logs[20]')
  })

  it('multi-byte text is measured in UTF-8 bytes, not characters', () => {
    // 10 characters of 3 bytes: 30 bytes of text, 38 of JSON.
    const log = { x: '日'.repeat(10) }
    expect(jsonBytes(log)).toBe(38)
    expect(bodies([log, log], { maxBytes: env.bytes + 38 * 2 + 1, maxLogs: 10 })).toHaveLength(1)
    expect(bodies([log, log], { maxBytes: env.bytes + 38 * 2, maxLogs: 10 })).toHaveLength(2)
  })
})

describe('requestBodies (property)', () => {
  const text = fc.string({
    maxLength: 60,
    unit: fc.oneof(
      fc.constantFrom('a', 'é', '日', '😀', '"', '\\', '\n', '\ud800'),
      fc.string({ minLength: 1, maxLength: 1, unit: 'binary' }),
    ),
  })
  const log = fc.dictionary(fc.string({ minLength: 1, maxLength: 6, unit: fc.constantFrom(...'abcxyz'.split('')) }), text, {
    minKeys: 1,
    maxKeys: 4,
  })

  it('in order, nothing lost or added, every body within the limits, and greedy (a body closes only when the next log would not fit)', () => {
    fc.assert(
      fc.property(
        fc.array(log, { maxLength: 60 }),
        fc.integer({ min: 1, max: 2000 }),
        fc.integer({ min: 1, max: 12 }),
        fc.boolean(),
        (logs, room, maxLogs, hint) => {
          const sizes = logs.map(jsonBytes)
          const maxBytes = env.bytes + Math.max(room, ...sizes)
          // A lower bound of the logs' bytes may be given; it never changes the bodies.
          const minBytes = hint ? Math.floor(sizes.reduce((a, b) => a + b, 0) / 2) : 0
          const out = bodies(logs, { maxBytes, maxLogs }, env, minBytes)
          expect(out).toEqual(bodies(logs, { maxBytes, maxLogs }))
          if (!logs.length) return
          // Order kept, every log once: the bodies' logs, in order, are the logs (made well-formed).
          expect(out.flatMap((b) => b.logs)).toEqual(logs.map((l) => JSON.parse(encodeLog(l).json)))
          let start = 0
          for (const [i, b] of out.entries()) {
            expect(b.end).toBe(start + b.logs.length)
            expect(b.logs.length).toBeGreaterThan(0)
            expect(b.logs.length).toBeLessThanOrEqual(maxLogs)
            expect(b.bytes).toBeLessThanOrEqual(maxBytes)
            expect(b.bytes).toBe(env.bytes + sizes.slice(start, b.end).reduce((a, s) => a + s, 0) + b.logs.length - 1)
            if (i < out.length - 1) expect(b.logs.length === maxLogs || b.bytes + 1 + sizes[b.end]! > maxBytes).toBe(true)
            start = b.end
          }
          expect(start).toBe(logs.length)
        },
      ),
      { numRuns: 300 },
    )
  })
})
