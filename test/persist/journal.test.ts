// The journal's codec, over bytes: what any sequence of records reads back as, whole, cut at any
// byte, with any byte changed, and compacted. The expected queues come from a model written here
// (arrays, no Maps), not from the module.
import { crc32 as zlibCrc32 } from 'node:zlib'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { crc32 } from '../../src/persist/crc32.js'
import {
  compactJournal,
  decodeJournal,
  encodeJournal,
  encodeRecord,
  HEADER_BYTES,
  journalHeader,
  recordLength,
  scanJournal,
  type JournalRecord,
  type PushRecord,
} from '../../src/persist/journal.js'

const text = (maxLength: number) => fc.string({ unit: 'binary', maxLength })
const topic = fc.oneof(fc.constantFrom('', 'a', 'b', '页面'), text(6))
const seq = fc.integer({ min: 0, max: 60 })
const record: fc.Arbitrary<JournalRecord> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('push' as const), topic, seq, at: fc.double(), json: text(40) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('push' as const),
      topic,
      seq,
      at: fc.double(),
      json: text(40),
      sent: fc.constant(true as const),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('ack' as const), topic, upTo: seq }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('ack' as const), topic, seqs: fc.array(seq, { maxLength: 5 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('snapshot' as const), nextSeq: seq, at: fc.double() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('sent' as const), topic, seqs: fc.array(seq, { maxLength: 5 }) }) },
)
const records = fc.array(record, { maxLength: 30 })

/** What the queues are after `records`: per topic, the live logs in order; and the next seq. */
function model(list: readonly JournalRecord[]) {
  let topics: Record<string, PushRecord[]> = {}
  let nextSeq = 0
  for (const r of list) {
    if (r.kind === 'snapshot') [topics, nextSeq] = [{}, Math.max(nextSeq, r.nextSeq)]
    else if (r.kind === 'push') {
      topics[r.topic] = [...(topics[r.topic] ?? []).filter((log) => log.seq !== r.seq), r]
      nextSeq = Math.max(nextSeq, r.seq + 1)
    } else if (r.kind === 'sent') {
      const logs = topics[r.topic]
      if (logs) topics[r.topic] = logs.map((log) => (r.seqs.includes(log.seq) ? { ...log, sent: true } : log))
    } else {
      const logs = topics[r.topic] ?? []
      if ('upTo' in r) while (logs[0] && logs[0].seq <= r.upTo) logs.shift()
      else topics[r.topic] = logs.filter((log) => !r.seqs.includes(log.seq))
    }
    topics = Object.fromEntries(Object.entries(topics).filter(([, logs]) => logs.length))
  }
  return { topics, nextSeq }
}

/** A decoded state in the model's shape. */
const queues = (state: ReturnType<typeof decodeJournal>) => ({
  topics: Object.fromEntries([...state.topics].map(([t, logs]) => [t, [...logs.values()]])),
  nextSeq: state.nextSeq,
})

/** The records `bytes` reads as, and the extent. */
function scan(bytes: Uint8Array) {
  const read: JournalRecord[] = []
  const extent = scanJournal(bytes, (r, size) => {
    expect(size).toBe(recordLength(r))
    read.push(r)
  })
  return { read, ...extent }
}

/** Where each record of `list` ends in its encoded journal. */
const ends = (list: readonly JournalRecord[]) =>
  list
    .map((r) => recordLength(r))
    .map(
      (
        (sum) => (n: number) =>
          (sum += n)
      )(HEADER_BYTES),
    )

describe('crc32', () => {
  it('matches zlib, whole and continued', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926) // the check value of CRC-32/ISO-HDLC
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.uint8Array({ maxLength: 50 }), (a, b) => {
        expect(crc32(a)).toBe(zlibCrc32(a))
        expect(crc32(b, crc32(a))).toBe(zlibCrc32(b, zlibCrc32(a)))
      }),
    )
  })
})

describe('journal codec', () => {
  it('(1) any sequence of records encodes and reads back exactly, and decodes to the queues they describe', () => {
    fc.assert(
      fc.property(records, (list) => {
        const bytes = encodeJournal(list)
        for (const r of list) expect(encodeRecord(r).length).toBe(recordLength(r))
        expect(scan(bytes)).toEqual({ read: list, validBytes: bytes.length })
        const state = decodeJournal(bytes)
        expect(state.corrupt).toBeUndefined()
        expect(queues(state)).toEqual(model(list))
      }),
    )
  })

  it('(2) any cut, at any byte, reads as the records wholly before it: a torn tail, never damage', () => {
    fc.assert(
      fc.property(records, (list) => {
        const bytes = encodeJournal(list)
        const end = ends(list)
        for (let cut = 0; cut <= bytes.length; cut++) {
          const whole = end.filter((e) => e <= cut).length
          const { read, validBytes, corrupt } = scan(bytes.subarray(0, cut))
          expect(corrupt).toBeUndefined()
          expect(read).toEqual(list.slice(0, whole))
          expect(validBytes).toBe(cut < HEADER_BYTES ? 0 : whole ? end[whole - 1] : HEADER_BYTES)
          expect(queues(decodeJournal(bytes.subarray(0, cut)))).toEqual(model(list.slice(0, whole)))
        }
      }),
      { numRuns: 40 },
    )
  })

  it('(3) any changed byte is reported as damage at its record, unless it lies in a torn tail; it never loads', () => {
    const damaged = records.chain((list) => {
      const length = encodeJournal(list).length
      return fc.record({ list: fc.constant(list), cut: fc.integer({ min: 1, max: length }) }).chain(({ list, cut }) =>
        fc.record({
          list: fc.constant(list),
          cut: fc.constant(cut),
          at: fc.integer({ min: 0, max: cut - 1 }),
          xor: fc.integer({ min: 1, max: 255 }),
        }),
      )
    })
    fc.assert(
      fc.property(damaged, ({ list, cut, at, xor }) => {
        const bytes = encodeJournal(list).slice(0, cut)
        bytes[at]! ^= xor
        const end = ends(list).filter((e) => e <= cut)
        const wholeEnd = end.at(-1) ?? HEADER_BYTES
        const { read, validBytes, corrupt } = scan(bytes)
        if (at < wholeEnd) {
          // In a whole record (or the header): damage, reported where that record starts.
          const start = at < HEADER_BYTES ? 0 : Math.max(HEADER_BYTES, ...end.filter((e) => e <= at))
          expect(corrupt?.offset).toBe(start)
          expect(validBytes).toBe(start)
          expect(read).toEqual(list.slice(0, end.filter((e) => e <= start).length))
        } else {
          // In the torn tail: dropped with it, or reported as damage where the tail starts.
          expect(read).toEqual(list.slice(0, end.length))
          expect(validBytes).toBe(cut < HEADER_BYTES ? 0 : wholeEnd)
          if (corrupt) expect(corrupt.offset).toBe(wholeEnd)
        }
      }),
      { numRuns: 1000 },
    )
  })

  it('(4) compaction keeps exactly the live logs, in order, and the next seq', () => {
    fc.assert(
      fc.property(records, fc.double(), (list, at) => {
        const state = decodeJournal(encodeJournal(list))
        const compacted = compactJournal(state, at)
        expect(compacted.length).toBe(state.liveBytes)
        const again = decodeJournal(compacted)
        expect(again.validBytes).toBe(compacted.length)
        expect(again.liveBytes).toBe(state.liveBytes)
        expect(queues(again)).toEqual(model(list))
      }),
    )
  })

  it('a zero-filled tail (space allocated, data lost) is a torn tail; zeros before a record are damage', () => {
    const list: JournalRecord[] = [{ kind: 'push', topic: 't', seq: 0, at: 1, json: '{"a":1}' }]
    const bytes = encodeJournal(list)
    const tail = new Uint8Array(bytes.length + 100)
    tail.set(bytes)
    expect(scan(tail)).toEqual({ read: list, validBytes: bytes.length })
    const hole = encodeJournal([...list, ...list])
    hole.fill(0, bytes.length, bytes.length + 9)
    expect(scan(hole).corrupt).toEqual({ offset: bytes.length, reason: 'its kind or length does not match their checksum' })
  })

  it('names what is wrong: another format, another version, an unknown kind', () => {
    expect(scan(new TextEncoder().encode('{"a":1}\n')).corrupt?.reason).toMatch(/^not an sls-webtrack journal/)
    const header = journalHeader()
    header[4] = 2
    expect(scan(header).corrupt).toEqual({ offset: 0, reason: 'journal format version 2; this reader knows 1' })
    // A record of kind 9 with valid checksums: written by a newer version, not trusted.
    const r = encodeRecord({ kind: 'snapshot', nextSeq: 0, at: 0 })
    r[0] = 9
    const view = new DataView(r.buffer)
    view.setUint32(5, crc32(r, 0, 0, 5), true)
    view.setUint32(r.length - 4, crc32(r, crc32(r, 0, 0, 5), 9, r.length - 4), true)
    const bytes = new Uint8Array([...journalHeader(), ...r])
    expect(scan(bytes).corrupt).toEqual({
      offset: HEADER_BYTES,
      reason: 'its kind is 9; this reader knows 1 to 5 (push, ack, snapshot, sent, push maybe sent)',
    })
  })

  it('a seq pushed again replaces the earlier log, and the live size follows', () => {
    const list: JournalRecord[] = [
      { kind: 'push', topic: '', seq: 60, at: 0, json: '' },
      { kind: 'push', topic: '', seq: 60, at: 0, json: '\u0000' },
    ]
    const state = decodeJournal(encodeJournal(list))
    expect(queues(state)).toEqual(model(list))
    expect(compactJournal(state, 0).length).toBe(state.liveBytes)
  })
})
