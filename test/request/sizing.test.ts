// Sizing properties: what the client knows about a log's size before and after serialising it.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { bodySize, encodeBody, encodeLog, encodeUtf8, encodeWhole, envelope, toJson, utf8Length } from '../../src/request/encode.js'
import { normalizeLog, tally } from '../../src/request/normalize.js'

const text = fc.string({
  maxLength: 40,
  unit: fc.oneof(
    fc.constantFrom('a', 'é', '日', '😀', '"', '\\', '\n', '\u0001', '\ud800', '\udfff'),
    fc.string({ minLength: 1, maxLength: 1, unit: 'binary' }),
  ),
})
const value = fc.oneof(
  text,
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.date(),
  fc.array(fc.integer(), { maxLength: 3 }),
)
const log = fc
  .dictionary(fc.string({ minLength: 1, maxLength: 10, unit: fc.constantFrom(...'abcxyz_-.é日😀'.split('')) }), value, { maxKeys: 6 })
  .filter((l) => Object.values(l).some((v) => v !== null)) // a log with no value is refused
const encoder = new TextEncoder()

describe('sizing (property)', () => {
  it('utf8Length is the length TextEncoder writes, for any string (lone surrogates included)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), text, (a, b) => {
        expect(utf8Length(a)).toBe(encoder.encode(a).length)
        expect(utf8Length(b)).toBe(encoder.encode(b).length)
      }),
      { numRuns: 500 },
    )
  })

  it('encodeUtf8 gives TextEncoder’s bytes for any text: ASCII, mostly multi-byte, astral, lone surrogates', () => {
    const heavy = fc.string({ maxLength: 300, unit: fc.constantFrom('日', '😀', 'é', 'a', '\ud800') })
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), heavy, text, (a, b, c) => {
        for (const s of [a, b, c, a + b, b + c + a]) expect(Buffer.from(encodeUtf8(s)).equals(Buffer.from(encoder.encode(s)))).toBe(true)
      }),
      { numRuns: 500 },
    )
    // Exactly at the +25% guess, and just past it with a 4-byte character straddling the edge.
    for (const n of [0, 1, 7, 64, 4096]) {
      for (const tail of ['', '😀', '日日日', '😀😀😀😀😀😀😀😀😀']) {
        const s = 'x'.repeat(n) + '日'.repeat(n >> 3) + tail
        expect(Buffer.from(encodeUtf8(s)).equals(Buffer.from(encoder.encode(s)))).toBe(true)
      }
    }
  })

  it('normalises only own keys, also of class instances and objects with enumerable inherited keys', () => {
    class Event {
      constructor(
        readonly id: number,
        readonly name: string,
      ) {}
      get label() {
        return this.name
      }
    }
    const inherited = Object.assign(Object.create({ inheritedKey: 'no' }), { own: 1 })
    expect(JSON.parse(encodeLog(normalizeLog(new Event(7, 'x') as never, 0)).json)).toEqual({ id: '7', name: 'x' })
    expect(JSON.parse(encodeLog(normalizeLog(inherited, 0)).json)).toEqual({ own: '1' })
    const strings = Object.assign(Object.create({ inheritedKey: 'no' }), { own: 'yes' })
    const n = tally()
    const e = encodeLog(normalizeLog(strings, 0, n))
    expect(JSON.parse(e.json)).toEqual({ own: 'yes' })
    expect(n.minBytes).toBeLessThanOrEqual(e.bytes)
    expect(JSON.parse(encodeLog(normalizeLog(Object.assign(Object.create(null), { a: 1, b: 's' }), 0)).json)).toEqual({ a: '1', b: 's' })
  })

  it('a log’s minBytes never exceeds its exact JSON bytes; the JSON has no lone surrogate', () => {
    fc.assert(
      fc.property(log, (input) => {
        const n = tally()
        const normalized = normalizeLog(input, 0, n)
        const e = encodeLog(normalized)
        expect(e.bytes).toBe(encoder.encode(e.json).length)
        expect(n.minBytes).toBeLessThanOrEqual(e.bytes)
        expect(JSON.parse(e.json)).toEqual(JSON.parse(toJson(normalized)))
        expect(e.json).not.toMatch(/(?<!\\)(\\\\)*\\ud[89a-f]/)
        expect(new TextDecoder('utf-8', { fatal: true }).decode(encoder.encode(e.json))).toBe(e.json.toWellFormed())
      }),
      { numRuns: 500 },
    )
  })

  it('encodeWhole and encodeBody give the same bytes, of bodySize length', () => {
    fc.assert(
      fc.property(fc.array(log, { maxLength: 20 }), text, (inputs, topic) => {
        const env = envelope(topic, 'src', { t: 'v' })
        const logs = inputs.map((l, i) => normalizeLog(l, i))
        const encoded = logs.map(encodeLog)
        const body = encodeBody(env, encoded)
        expect(body.length).toBe(
          bodySize(
            env,
            encoded.length,
            encoded.reduce((a, e) => a + e.bytes, 0),
          ),
        )
        expect(encodeWhole(env, logs, 1e9)).toEqual(body)
        expect(encodeWhole(env, logs, body.length - 1)).toBeUndefined()
        expect(JSON.parse(new TextDecoder().decode(body)).__logs__).toHaveLength(logs.length)
      }),
      { numRuns: 300 },
    )
  })
})
