// What `serve` and `send` print from outside data: no control or format character reaches the
// terminal, whatever the logs, topics, sources, tags or error messages hold (fast-check).
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { logLine, plural, requestLine, token, visible } from '../../src/cli/format.js'

const HIDDEN = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/u

// Arbitrary strings, with the dangerous characters made common rather than rare.
const nasty = fc.constantFrom(
  '\x1b',
  '\x07',
  '\x00',
  '\x7f',
  '\x85',
  '\x9b',
  '\x9d',
  '\n',
  '\r',
  '\t',
  '\u061c',
  '\u200b',
  '\u200e',
  '\u2028',
  '\u202a',
  '\u202e',
  '\u2066',
  '\u2069',
  '\ufeff',
  '\ud800',
  '\udfff',
  '\u{e0001}',
  '"',
  '\\',
  '=',
  '[',
  ']',
  ' ',
)
const text = fc.string({ unit: fc.oneof(nasty, fc.string({ unit: 'binary', minLength: 1, maxLength: 1 })), maxLength: 40 })
const record = fc.record({
  project: text,
  logstore: text,
  topic: fc.option(text, { nil: undefined }),
  source: fc.option(text, { nil: undefined }),
  tags: fc.dictionary(text, text, { maxKeys: 3 }),
  log: fc.dictionary(text, text, { maxKeys: 5 }),
  receivedAt: fc.integer({ min: 0, max: 4_000_000_000_000 }),
})

describe('serve output', () => {
  it('a log line holds no control or format character (so no newline: one line per log)', () => {
    fc.assert(
      fc.property(record, (rec) => {
        expect(logLine(rec)).not.toMatch(HIDDEN)
      }),
      { numRuns: 2000 },
    )
  })

  it('a rejected-request line holds no control or format character', () => {
    const request = fc.record({
      method: text,
      project: fc.option(text, { nil: undefined }),
      logstore: fc.option(text, { nil: undefined }),
      status: fc.constantFrom(0, 400, 404, 500),
      errorCode: fc.option(text, { nil: undefined }),
      errorMessage: fc.option(text, { nil: undefined }),
      fault: fc.option(text, { nil: undefined }),
      requestId: text,
      receivedAt: fc.integer({ min: 0, max: 4_000_000_000_000 }),
    })
    fc.assert(
      fc.property(request, (rec) => {
        expect(requestLine(rec)).not.toMatch(HIDDEN)
      }),
      { numRuns: 2000 },
    )
  })

  it('escapes are visible and distinct: a quoted token reads back as its text', () => {
    // JSON.parse reads our escapes (\n, \t, \r, \\, \", \uXXXX) except \xNN and \u{…}: map those.
    const readBack = (quoted: string) =>
      JSON.parse(
        quoted.replace(/\\x([0-9a-f]{2})/g, '\\u00$1').replace(/\\u\{([0-9a-f]+)\}/g, (_, h: string) => {
          const cp = parseInt(h, 16) - 0x10000
          return `\\u${(0xd800 + (cp >> 10)).toString(16)}\\u${(0xdc00 + (cp & 0x3ff)).toString(16)}`
        }),
      ) as string
    fc.assert(
      fc.property(text, (t) => {
        const shown = token(t)
        expect(shown.startsWith('"') ? readBack(shown) : shown).toBe(t)
      }),
      { numRuns: 2000 },
    )
  })

  it('examples', () => {
    expect(visible('a\x1b[31mb\x07\u202e\u{e0041}')).toBe('a\\x1b[31mb\\x07\\u202e\\u{e0041}')
    expect(token('plain')).toBe('plain')
    expect(token('two words')).toBe('"two words"')
    expect(token('a=b')).toBe('a=b')
    expect(token('a=b', true)).toBe('"a=b"')
    expect(token('')).toBe('""')
    expect(plural(1, 'request')).toBe('1 request')
    expect(plural(0, 'request')).toBe('0 requests')
  })
})
