// Encoding: a log's JSON text and UTF-8 length, the envelope, and the body bytes, checked
// against TextEncoder, TextDecoder and JSON.parse (the reference implementations). The
// properties of minBytes and of encodeWhole against encodeBody live in sizing.test.ts.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { Log } from '../../src/request/normalize.js'
import { bodySize, encodeBody, encodeLog, encodeUtf8, encodeWhole, envelope, toJson, utf8Length } from '../../src/request/encode.js'

const encoder = new TextEncoder()
const strict = new TextDecoder('utf-8', { fatal: true })
const decode = (b: Uint8Array) => strict.decode(b)

// Code units, not characters: lone high and low surrogates, pairs, and pairs split apart.
const units = fc.string({
  maxLength: 80,
  unit: fc.oneof(
    fc.constantFrom('\ud800', '\udbff', '\udc00', '\udfff', '😀', '\u0000', '\u007f', '\u0080', '\u07ff', '\u0800', '\uffff', '"', '\\'),
    fc.string({ minLength: 1, maxLength: 1, unit: 'binary' }),
  ),
})

describe('utf8Length (property)', () => {
  it('equals the length TextEncoder writes, for any string: full Unicode, any code unit, lone surrogates', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 60 }), fc.string({ unit: 'binary', maxLength: 60 }), units, (a, b, c) => {
        for (const s of [a, b, c, a + c, c + b, `${c}\\ud800${a}`]) expect(utf8Length(s)).toBe(encoder.encode(s).length)
      }),
      { numRuns: 500 },
    )
  })

  it('the boundaries: 1, 2, 3 and 4 bytes, a lone surrogate as U+FFFD (3 bytes), a pair split at the end', () => {
    const cases: [string, number][] = [
      ['', 0],
      ['a', 1],
      ['\u007f', 1],
      ['\u0080', 2],
      ['\u07ff', 2],
      ['\u0800', 3],
      ['\uffff', 3],
      ['😀', 4],
      ['\ud800', 3],
      ['\udc00', 3],
      ['\udc00\ud800', 6],
      ['a\ud83d', 4],
      ['\ud83d\ude00\ud83d', 7],
    ]
    for (const [s, n] of cases) {
      expect(utf8Length(s), JSON.stringify(s)).toBe(n)
      expect(encoder.encode(s).length).toBe(n)
    }
  })

  it('encodeUtf8 writes what it measured', () => {
    fc.assert(
      fc.property(units, fc.string({ unit: 'grapheme', maxLength: 200 }), (a, b) => {
        for (const s of [a, b, a + b]) {
          const bytes = encodeUtf8(s)
          expect(bytes.length).toBe(utf8Length(s))
          expect(Buffer.from(bytes).equals(Buffer.from(encoder.encode(s)))).toBe(true)
        }
      }),
      { numRuns: 300 },
    )
  })
})

describe('a log’s JSON', () => {
  it('encodeLog: the JSON text and its UTF-8 length; parsing it gives the log back, made well-formed', () => {
    fc.assert(
      fc.property(fc.dictionary(units, units, { maxKeys: 5 }), (log) => {
        const e = encodeLog(log)
        expect(e.bytes).toBe(encoder.encode(e.json).length)
        const wellFormed = Object.fromEntries(Object.entries(log).map(([k, v]) => [k.toWellFormed(), v.toWellFormed()]))
        expect(JSON.parse(e.json)).toEqual(wellFormed)
      }),
      { numRuns: 300 },
    )
  })

  it('toJson writes a lone surrogate as \\ufffd, leaves pairs and escaped backslashes alone', () => {
    expect(toJson({ a: '\ud800' })).toBe('{"a":"\\ufffd"}')
    expect(toJson({ a: 'x\udfffy' })).toBe('{"a":"x\\ufffdy"}')
    expect(toJson({ a: '😀' })).toBe('{"a":"😀"}')
    // The text `\ud800` (a backslash, then letters) is not a surrogate.
    expect(toJson({ a: '\\ud800' })).toBe('{"a":"\\\\ud800"}')
    expect(JSON.parse(toJson({ a: '\\\ud800' })).a).toBe('\\\ufffd')
  })
})

describe('the envelope', () => {
  it('is topic, source and tags with __logs__ last; bytes is the UTF-8 size of the body with no log', () => {
    const env = envelope('checkout', 'web', { app: 'shop', 'k-2': '日本' })
    const empty = `${env.head}[]}`
    expect(JSON.parse(empty)).toEqual({ __topic__: 'checkout', __source__: 'web', __tags__: { app: 'shop', 'k-2': '日本' }, __logs__: [] })
    expect(Object.keys(JSON.parse(empty))).toEqual(['__topic__', '__source__', '__tags__', '__logs__'])
    expect(env.bytes).toBe(encoder.encode(empty).length)
    expect(env).toMatchObject({ topic: 'checkout', source: 'web', tags: { app: 'shop', 'k-2': '日本' } })
  })

  it('any topic and source (quotes, newlines, lone surrogates) stay inside their JSON strings', () => {
    fc.assert(
      fc.property(units, units, fc.dictionary(units, units, { maxKeys: 3 }), (topic, source, tags) => {
        const env = envelope(topic, source, tags)
        const bytes = encodeBody(env, [])
        expect(bytes.length).toBe(env.bytes)
        const doc = JSON.parse(decode(bytes))
        expect(doc.__topic__).toBe(topic.toWellFormed())
        expect(doc.__source__).toBe(source.toWellFormed())
        expect(Object.keys(doc.__tags__)).toHaveLength(Object.keys(tags).length)
      }),
      { numRuns: 200 },
    )
  })
})

describe('the body', () => {
  const env = envelope('t', 's', {})
  const logs: Log[] = [{ a: '1' }, { b: '日本' }, { c: '\ud800' }, { d: '"q"' }]
  const encoded = logs.map(encodeLog)

  it('encodeBody: strict UTF-8 JSON holding the logs in order; its length is bodySize', () => {
    const body = encodeBody(env, encoded)
    expect(JSON.parse(decode(body)).__logs__).toEqual([{ a: '1' }, { b: '日本' }, { c: '\ufffd' }, { d: '"q"' }])
    const total = encoded.reduce((n, e) => n + e.bytes, 0)
    expect(body.length).toBe(bodySize(env, 4, total))
    expect(body.length).toBe(env.bytes + total + 3) // three commas
    expect(bodySize(env, 0, 0)).toBe(env.bytes)
  })

  it('encodeBody of a range: the logs from start to end only', () => {
    expect(JSON.parse(decode(encodeBody(env, encoded, 1, 3))).__logs__).toEqual([{ b: '日本' }, { c: '\ufffd' }])
    expect(JSON.parse(decode(encodeBody(env, encoded, 2, 2))).__logs__).toEqual([])
  })

  it('encodeWhole: the same bytes in one go, or undefined when they would exceed maxBytes', () => {
    const body = encodeBody(env, encoded)
    expect(encodeWhole(env, logs, body.length)).toEqual(body)
    expect(encodeWhole(env, logs, body.length - 1)).toBeUndefined()
    // Multi-byte text: fewer characters than maxBytes, more bytes.
    const wide: Log[] = [{ x: '日'.repeat(100) }]
    const size = encodeBody(env, wide.map(encodeLog)).length
    expect(encodeWhole(env, wide, size - 1)).toBeUndefined()
    expect(encodeWhole(env, wide, size)?.length).toBe(size)
  })
})
