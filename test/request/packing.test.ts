// The packing rule (`fitsInRequest`) and the greedy split built on it: direct unit tests, then
// properties over any sizes and limits, checked on the bodies as they would go on the wire
// (parsed back), not on the rule's own arithmetic.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { fitsInRequest, isWebTrackError, prepare, type Limits } from '../../src/index.js'
import { encodeLog, envelope } from '../../src/request/encode.js'
import { requestBodies, splitBySize } from '../../src/request/split.js'
import { fit } from '../../src/tracker/queue.js'

const env = envelope('topic', 'source', { app: 'shop' })
const limits: Limits = { maxLogs: 3, maxBytes: env.bytes + 20 }

describe('fitsInRequest', () => {
  it('counts the envelope, every log and the commas between them', () => {
    // An empty request has room for maxBytes - envelope bytes: a log of exactly that fits.
    expect(fitsInRequest(0, 0, 20, env.bytes, limits)).toBe(true)
    expect(fitsInRequest(0, 0, 21, env.bytes, limits)).toBe(false)
    // 1 log of 10 bytes, then one of 9: 10 + 1 comma + 9 = 20.
    expect(fitsInRequest(1, 10, 9, env.bytes, limits)).toBe(true)
    expect(fitsInRequest(1, 10, 10, env.bytes, limits)).toBe(false)
    // 2 logs of 12 bytes in all, then a third of 6: 12 + 2 commas + 6 = 20.
    expect(fitsInRequest(2, 12, 6, env.bytes, limits)).toBe(true)
    expect(fitsInRequest(2, 12, 7, env.bytes, limits)).toBe(false)
  })

  it('never lets more than maxLogs logs into a request, however small', () => {
    expect(fitsInRequest(2, 2, 1, env.bytes, limits)).toBe(true)
    expect(fitsInRequest(3, 3, 1, env.bytes, limits)).toBe(false)
  })

  it('agrees with the body a prepared log really makes', () => {
    const log = prepare({ msg: 'héllo, 世界 😀', n: 1 })
    const body = [...requestBodies(env, [JSON.parse(log.json)], { maxLogs: 1, maxBytes: Infinity })][0]!.raw
    expect(fitsInRequest(0, 0, log.bytes, env.bytes, { maxLogs: 1, maxBytes: body.length })).toBe(true)
    expect(fitsInRequest(0, 0, log.bytes, env.bytes, { maxLogs: 1, maxBytes: body.length - 1 })).toBe(false)
  })
})

describe('splitBySize', () => {
  it('closes a request only when the next log does not fit', () => {
    expect(splitBySize([5, 5, 5, 5], env.bytes, limits)).toEqual([3, 4]) // by count
    expect(splitBySize([10, 10, 10], env.bytes, limits)).toEqual([1, 2, 3]) // 10 + 1 + 10 > 20
    expect(splitBySize([10, 9, 20, 1], env.bytes, limits)).toEqual([2, 3, 4])
    expect(splitBySize([], env.bytes, limits)).toEqual([])
  })

  it('reports the first log that fits no request, by index, instead of dropping it', () => {
    let error: unknown
    try {
      splitBySize([1, 2, 21, 50], env.bytes, limits)
    } catch (e) {
      error = e
    }
    expect(isWebTrackError(error) && error.name).toBe('ValidationError')
    expect(isWebTrackError(error) && error.message).toBe('logs[2]: 21 bytes cannot fit in one request (room for 20)')
  })
})

// Sends of 1 to 40 logs of JSON-escaped, multi-byte and astral text, so that bytes and UTF-16
// lengths differ.
const text = fc.string({ unit: fc.constantFrom('a', 'é', '世', '😀', '"', '\\', '\n'), maxLength: 40 })
const logsArb = fc.array(fc.dictionary(fc.constantFrom('a', 'b', 'msg'), text, { minKeys: 1 }), { minLength: 1, maxLength: 40 })
const limitsArb = fc.record({ maxLogs: fc.integer({ min: 1, max: 6 }), maxBytes: fc.integer({ min: env.bytes + 1, max: env.bytes + 400 }) })

/** The fewest requests any order-keeping split can make (dynamic programming over prefixes). */
function fewest(sizes: number[], { maxLogs, maxBytes }: Limits): number {
  const best = [0]
  for (let end = 1; end <= sizes.length; end++) {
    best[end] = Infinity
    let bytes = -1 // n logs take their bytes and n - 1 commas
    for (let start = end - 1; start >= 0 && end - start <= maxLogs; start--) {
      bytes += sizes[start]! + 1
      if (env.bytes + bytes > maxBytes) break
      best[end] = Math.min(best[end]!, best[start]! + 1)
    }
  }
  return best[sizes.length]!
}

describe('packing, for any logs and limits (property)', () => {
  it('keeps order, keeps every request within maxLogs and maxBytes, and makes as few requests as possible', () => {
    fc.assert(
      fc.property(logsArb, limitsArb, (inputs, lim) => {
        const logs = inputs.map((l) => JSON.parse(prepare(l).json) as Record<string, string>)
        const sizes = logs.map((l) => encodeLog(l).bytes)
        const room = lim.maxBytes - env.bytes
        const first = sizes.findIndex((s) => s > room)
        if (first >= 0) {
          // A log that fits no request is reported, by its index, before any body is made.
          expect(() => [...requestBodies(env, logs, lim)]).toThrow(new RegExp(`^logs\\[${first}\\]: `))
          return
        }
        const bodies = [...requestBodies(env, logs, lim)]
        const sent: unknown[] = []
        for (const { raw } of bodies) {
          expect(raw.length).toBeLessThanOrEqual(lim.maxBytes)
          const doc = JSON.parse(new TextDecoder().decode(raw)) as { __topic__: string; __logs__: unknown[] }
          expect(doc.__topic__).toBe('topic')
          expect(doc.__logs__.length).toBeGreaterThanOrEqual(1)
          expect(doc.__logs__.length).toBeLessThanOrEqual(lim.maxLogs)
          sent.push(...doc.__logs__)
        }
        expect(sent).toEqual(logs) // all of them, in order, none twice
        expect(bodies.length).toBe(fewest(sizes, lim))
        expect(bodies.map((b) => b.end)).toEqual(splitBySize(sizes, env.bytes, lim))
      }),
    )
  })

  it('the tracker takes what the rule lets into its first request', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 120 }), { minLength: 1, maxLength: 30 }), limitsArb, (sizes, lim) => {
        fc.pre(sizes.every((s) => fitsInRequest(0, 0, s, env.bytes, lim)))
        const entries = sizes.map((bytes, seq) => ({ json: '', bytes, seq }))
        expect(fit(entries, env, lim)).toBe(splitBySize(sizes, env.bytes, lim)[0])
      }),
    )
  })
})
