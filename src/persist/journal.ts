// The journal's format: an 8-byte file header, then framed records, each checked by CRC-32.
// Pure functions over bytes (no fs): the file side is file-journal.ts. Layout and crash cases:
// src/persist/README.md.
//
// A reader must tell a torn tail (the writer died mid-append: drop it, keep the rest) from damage
// (a changed byte: stop, trust nothing after it). The length is therefore checked on its own, by
// the CRC of kind and length stored before the payload: a damaged length is reported as damage
// instead of looking like a record that runs past the end of the file. The CRC after the payload
// covers kind, length and payload (it continues the first one). A record whose length fits and
// whose CRCs match is parsed strictly: a payload it does not fill exactly is damage too.
import { utf8Length } from '../request/encode.js'
import { crc32 } from './crc32.js'

/**
 * The format version this reader reads and writes (byte 4 of the file). Kinds 4 and 5 came
 * later within version 1: a reader from before them stops there, as at damage, naming the kind
 * (the header has no checksum, so a second accepted version would let a flipped bit pass).
 */
export const JOURNAL_VERSION = 1
/** "SWTJ", the version, three zero bytes. */
const HEADER = /*#__PURE__*/ Uint8Array.of(0x53, 0x57, 0x54, 0x4a, JOURNAL_VERSION, 0, 0, 0)
/** Bytes of the file header. */
export const HEADER_BYTES = 8
/** Bytes of a record beyond its payload: kind, length, head CRC, CRC. */
export const RECORD_OVERHEAD = 13
const SNAPSHOT_BYTES = RECORD_OVERHEAD + 16

/** A log entered the queue of `topic`; `json` is its JSON text, `at` the time it was pushed (ms). */
export interface PushRecord {
  readonly kind: 'push'
  readonly topic: string
  readonly seq: number
  readonly at: number
  readonly json: string
  /** Handed to a request that may have arrived: sent again, it may be a duplicate. */
  sent?: true
}

/** Logs of `topic` are settled: every one still queued with a seq up to `upTo`, or those in `seqs`. */
export type AckRecord =
  | { readonly kind: 'ack'; readonly topic: string; readonly upTo: number }
  | { readonly kind: 'ack'; readonly topic: string; readonly seqs: readonly number[] }

/** Compaction: forget everything before; the next seq to assign is `nextSeq`. Written at `at` (ms). */
export interface SnapshotRecord {
  readonly kind: 'snapshot'
  readonly nextSeq: number
  readonly at: number
}

/**
 * Logs of `topic` were handed to a request: if still queued when the journal is read again, they
 * may have arrived. Written before the request leaves, synchronously.
 */
export interface SentRecord {
  readonly kind: 'sent'
  readonly topic: string
  readonly seqs: readonly number[]
}

export type JournalRecord = PushRecord | AckRecord | SnapshotRecord | SentRecord

// Kind 5 is a push with `sent` (compaction keeps the mark that way, at no extra bytes).
const KINDS = ['push', 'ack', 'snapshot', 'sent'] as const
const encoder = /*#__PURE__*/ new TextEncoder()
// `fatal`: invalid UTF-8 is damage, not U+FFFD. `ignoreBOM`: a text that starts with U+FEFF keeps it.
const decoder = /*#__PURE__*/ new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

/** The file header every journal starts with. */
export const journalHeader = (): Uint8Array => HEADER.slice()

/** Bytes `record` takes in the file (what `encodeRecord` returns, without making it). */
export function recordLength(record: JournalRecord): number {
  if (record.kind === 'snapshot') return SNAPSHOT_BYTES
  const topic = RECORD_OVERHEAD + 4 + utf8Length(record.topic)
  if (record.kind === 'push') return topic + 16 + utf8Length(record.json)
  if (record.kind === 'sent') return topic + 8 * record.seqs.length
  return topic + 1 + ('upTo' in record ? 8 : 8 * record.seqs.length)
}

/**
 * One record, framed: kind (u8), payload length (u32 LE), CRC-32 of those 5 bytes, payload,
 * CRC-32 of kind, length and payload. Strings are stored as UTF-8 (a lone surrogate as U+FFFD).
 */
export function encodeRecord(record: JournalRecord): Uint8Array {
  const out = new Uint8Array(recordLength(record))
  const view = new DataView(out.buffer)
  const n = out.length - RECORD_OVERHEAD
  out[0] = record.kind === 'push' && record.sent ? 5 : KINDS.indexOf(record.kind) + 1
  view.setUint32(1, n, true)
  const head = crc32(out, 0, 0, 5)
  view.setUint32(5, head, true)
  let at = 9
  if (record.kind === 'snapshot') {
    view.setFloat64(at, record.nextSeq, true)
    view.setFloat64(at + 8, record.at, true)
  } else {
    const topic = encoder.encodeInto(record.topic, out.subarray(at + 4)).written
    view.setUint32(at, topic, true)
    at += 4 + topic
    if (record.kind === 'push') {
      view.setFloat64(at, record.seq, true)
      view.setFloat64(at + 8, record.at, true)
      encoder.encodeInto(record.json, out.subarray(at + 16))
    } else {
      const seqs = 'upTo' in record ? [record.upTo] : record.seqs
      if (record.kind === 'ack') out[at++] = 'upTo' in record ? 0 : 1
      for (const seq of seqs) view.setFloat64((at += 8) - 8, seq, true)
    }
  }
  view.setUint32(9 + n, crc32(out, head, 9, 9 + n), true)
  return out
}

/** A whole journal file: the header, then `records` in order. */
export function encodeJournal(records: Iterable<JournalRecord>): Uint8Array {
  const parts = [HEADER, ...Array.from(records, encodeRecord)]
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0))
  let at = 0
  for (const part of parts) {
    out.set(part, at)
    at += part.length
  }
  return out
}

/** Where the trusted part of a journal ends, and why. */
export interface Extent {
  /** Bytes of whole, checked records from the start of the file (the header included, when whole). */
  validBytes: number
  /** Set when a damaged byte stopped the reading: where its record starts, and what was wrong. Nothing from `offset` on is trusted. */
  corrupt?: { offset: number; reason: string }
}

/** Reads a payload's fields in order; any read past its end, or a byte left over, is damage. */
class Fields {
  constructor(
    readonly view: DataView,
    public at: number,
    readonly end: number,
  ) {}
  take(n: number): number {
    const at = this.at
    if (at + n > this.end) throw new Error(`its payload ends inside a field (byte ${at + n - this.end} past its end)`)
    this.at += n
    return at
  }
  f64 = () => this.view.getFloat64(this.take(8), true)
  text(n: number): string {
    const at = this.take(n)
    return decoder.decode(new Uint8Array(this.view.buffer, this.view.byteOffset + at, n))
  }
  rest = () => this.end - this.at
}

function parse(kind: number, f: Fields): JournalRecord {
  let record: JournalRecord
  if (kind === 3) record = { kind: 'snapshot', nextSeq: f.f64(), at: f.f64() }
  else if (kind < 1 || kind > 5)
    throw new Error(`its kind is ${kind}; this reader knows 1 to 5 (push, ack, snapshot, sent, push maybe sent)`)
  else {
    const topic = f.text(f.view.getUint32(f.take(4), true))
    if (kind === 1 || kind === 5) {
      record = { kind: 'push', topic, seq: f.f64(), at: f.f64(), json: f.text(f.rest()) }
      if (kind === 5) record.sent = true
    } else {
      // A sent record is an ack's list form without the form byte.
      const mode = kind === 4 ? 1 : f.view.getUint8(f.take(1))
      if (mode > 1 || f.rest() % 8 || (mode === 0 && f.rest() !== 8))
        throw new Error(`its form ${mode} does not match its ${f.rest()} bytes of seqs`)
      const seqs = Array.from({ length: f.rest() / 8 }, f.f64)
      record =
        kind === 4 ? { kind: 'sent', topic, seqs } : mode === 0 ? { kind: 'ack', topic, upTo: seqs[0]! } : { kind: 'ack', topic, seqs }
    }
  }
  if (f.rest()) throw new Error(`${f.rest()} bytes of its payload are left over`)
  return record
}

/** Whether every byte from `at` on is zero: space the file system allocated, but whose data never reached the disk. */
const zeroTail = (bytes: Uint8Array, at: number) => bytes.subarray(at).every((b) => b === 0)

function checkHeader(bytes: Uint8Array): Extent | undefined {
  const n = Math.min(bytes.length, HEADER_BYTES)
  for (let i = 0; i < n; i++) {
    if (bytes[i] === HEADER[i]) continue
    if (i === 4)
      return {
        validBytes: 0,
        corrupt: { offset: 0, reason: `journal format version ${bytes[4]!}; this reader knows ${JOURNAL_VERSION}` },
      }
    return {
      validBytes: 0,
      corrupt: { offset: 0, reason: 'not an sls-webtrack journal (its first bytes are not "SWTJ", version, 0, 0, 0)' },
    }
  }
  return n < HEADER_BYTES ? { validBytes: 0 } : undefined
}

/**
 * Reads the records of a journal file in order, calling `visit` with each whole, checked one and
 * the bytes it takes. Stops at a torn tail (a record cut short, or zero bytes to the end: the
 * rest is dropped, `validBytes` says where to truncate) or at damage (`corrupt`).
 */
export function scanJournal(bytes: Uint8Array, visit: (record: JournalRecord, size: number) => void): Extent {
  const header = checkHeader(bytes)
  if (header) return header
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  let at = HEADER_BYTES
  const damage = (reason: string): Extent => ({ validBytes: at, corrupt: { offset: at, reason } })
  while (bytes.length - at >= 9) {
    const head = crc32(bytes, 0, at, at + 5)
    if (view.getUint32(at + 5, true) !== head)
      return zeroTail(bytes, at) ? { validBytes: at } : damage('its kind or length does not match their checksum')
    const n = view.getUint32(at + 1, true)
    if (bytes.length - at < RECORD_OVERHEAD + n) break
    if (view.getUint32(at + 9 + n, true) !== crc32(bytes, head, at + 9, at + 9 + n))
      return damage('its payload does not match its checksum')
    let record
    try {
      record = parse(bytes[at]!, new Fields(view, at + 9, at + 9 + n))
    } catch (error) {
      return damage((error as Error).message)
    }
    visit(record, RECORD_OVERHEAD + n)
    at += RECORD_OVERHEAD + n
  }
  return { validBytes: at }
}

/** The queues a journal describes. */
export interface JournalState {
  /** Per topic, the logs pushed and not acknowledged, oldest first, by seq. A topic with none is absent. */
  readonly topics: Map<string, Map<number, PushRecord>>
  /** The seq after the highest one ever written (a snapshot carries it past compaction). */
  nextSeq: number
  /** Bytes of the file `compactJournal` would write for this state. */
  liveBytes: number
}

export const emptyState = (): JournalState => ({ topics: new Map(), nextSeq: 0, liveBytes: HEADER_BYTES + SNAPSHOT_BYTES })

/** Applies one record to `state`, as reading it from the file does. */
export function applyRecord(state: JournalState, record: JournalRecord): void {
  if (record.kind === 'snapshot') {
    state.topics.clear()
    state.nextSeq = Math.max(state.nextSeq, record.nextSeq)
    state.liveBytes = HEADER_BYTES + SNAPSHOT_BYTES
    return
  }
  let logs = state.topics.get(record.topic)
  if (record.kind === 'push') {
    if (!logs) state.topics.set(record.topic, (logs = new Map<number, PushRecord>()))
    // A seq pushed again (no writer of ours does) replaces the earlier log and goes last.
    const earlier = logs.get(record.seq)
    if (earlier) {
      logs.delete(record.seq)
      state.liveBytes -= recordLength(earlier)
    }
    logs.set(record.seq, record)
    state.liveBytes += recordLength(record)
    state.nextSeq = Math.max(state.nextSeq, record.seq + 1)
    return
  }
  if (!logs) return
  if (record.kind === 'sent') {
    // In place: the queue's order stays.
    for (const seq of record.seqs) {
      const log = logs.get(seq)
      if (log) logs.set(seq, { ...log, sent: true })
    }
    return
  }
  const settle = (log: PushRecord) => {
    logs.delete(log.seq)
    state.liveBytes -= recordLength(log)
  }
  // `upTo` settles from the front of the queue and stops at the first later log: seqs grow within a topic.
  if ('upTo' in record) {
    for (const log of logs.values()) {
      if (log.seq > record.upTo) break
      settle(log)
    }
  } else for (const seq of record.seqs) if (logs.has(seq)) settle(logs.get(seq)!)
  if (!logs.size) state.topics.delete(record.topic)
}

/** Reads a journal file: the queues it describes, and where its trusted part ends. Never loads a damaged or torn record. */
export function decodeJournal(bytes: Uint8Array): JournalState & Extent {
  const state = emptyState()
  const extent = scanJournal(bytes, (record) => applyRecord(state, record))
  return Object.assign(state, extent)
}

/** The compacted file for `state`: the header, a snapshot, then the live logs, topic by topic, each in order. */
export function compactJournal(state: JournalState, at: number): Uint8Array {
  const logs = [...state.topics.values()].flatMap((topic) => [...topic.values()])
  return encodeJournal([{ kind: 'snapshot', nextSeq: state.nextSeq, at }, ...logs])
}
