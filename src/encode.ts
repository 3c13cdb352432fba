// Encoding: each log is serialised to its JSON text exactly once, and its UTF-8 length is known
// from then on; a request body is the envelope around the joined texts, encoded once.
import type { Log } from './normalize.js'

/** A log ready for the wire: its JSON text and that text's UTF-8 length. */
export interface EncodedLog {
  readonly json: string
  readonly bytes: number
}

const ASCII = /^[\x00-\x7f]*$/

/** Exact UTF-8 length of a well-formed string, without encoding it. */
export function utf8Length(s: string): number {
  // Most web logs are ASCII: one native regex scan beats a JS loop over code units.
  if (ASCII.test(s)) return s.length
  let n = s.length
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c < 0x80) continue
    if (c < 0x800) n += 1
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 2 // a pair: 2 code units, 4 bytes
      i++
    } else n += 2 // 3 bytes (a lone surrogate would be encoded as U+FFFD, also 3)
  }
  return n
}

/** Serialises one normalised log. */
export function encodeLog(log: Log): EncodedLog {
  const json = JSON.stringify(log)
  return { json, bytes: utf8Length(json) }
}

/** What every request of one send shares: topic, source and tags around the logs. */
export interface Envelope {
  readonly head: string
  /** UTF-8 bytes of the envelope with no log in it (`head` + `]}`). */
  readonly bytes: number
}

/** Builds the envelope. `__logs__` comes last so that a body is `head + logs + "]}"`. */
export function envelope(topic: string, source: string, tags: Log): Envelope {
  const head = `{"__topic__":${JSON.stringify(topic)},"__source__":${JSON.stringify(source)},"__tags__":${JSON.stringify(tags)},"__logs__":[`
  return { head, bytes: utf8Length(head) + 2 }
}

/** Raw body size of `count` logs totalling `logBytes`, with their separating commas. */
export function bodySize(env: Envelope, count: number, logBytes: number): number {
  return env.bytes + logBytes + (count > 0 ? count - 1 : 0)
}

const encoder = /*#__PURE__*/ new TextEncoder()

/** The JSON body of one request, as UTF-8 bytes. Its length is `bodySize` of the same logs. */
export function encodeBody(env: Envelope, logs: readonly EncodedLog[], start = 0, end = logs.length): Uint8Array {
  let text = env.head
  for (let i = start; i < end; i++) text += i === start ? logs[i]!.json : ',' + logs[i]!.json
  return encoder.encode(text + ']}')
}
