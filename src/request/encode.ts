// Encoding: a log's JSON text is made once, and its UTF-8 length known from then on; a request
// body is the envelope around those texts, encoded once. A send that fits in one request skips
// the per-log texts altogether: one `JSON.stringify` and one UTF-8 encode, as the floor does.
import type { Log } from './normalize.js'

/** A log ready for the wire: its JSON text and that text's UTF-8 length. */
export interface EncodedLog {
  readonly json: string
  readonly bytes: number
}

const encoder = /*#__PURE__*/ new TextEncoder()
// eslint-disable-next-line no-control-regex -- the ASCII range, NUL included, is the point
const NON_ASCII = /[^\x00-\x7f]/

/** Exact UTF-8 length of a string (as `TextEncoder` would write it), without making the bytes. */
export function utf8Length(s: string): number {
  // Most web logs are ASCII: one native regex scan finds the first other character, if any;
  // from there, a loop over code units. Engines differ on the alternatives: in Node, `encodeInto`
  // into a scratch buffer is faster still (test/bench/utf8.bench.ts), in Chromium it is the
  // slowest, and this was the fastest there on the corpus.
  let i = s.search(NON_ASCII)
  if (i < 0) return s.length
  let n = s.length
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c < 0x80) continue
    if (c < 0x800) n += 1
    // A surrogate pair is 2 units and 4 bytes; a lone surrogate becomes U+FFFD, 3 bytes.
    else if ((c & 0xfc00) === 0xd800 && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 2
      i++
    } else n += 2
  }
  return n
}

// JSON.stringify escapes a lone surrogate as `\udXXX` (and never a well-formed pair), so the
// text is valid UTF-8 but the service would decode an invalid string: each such escape becomes
// `\ufffd`, U+FFFD, of the same length. An escaped backslash before `u` is left alone.
const LONE = /(?<!\\)((?:\\\\)*)\\ud[89a-f][0-9a-f]{2}/g

/** `JSON.stringify` whose output never carries a lone surrogate. */
export function toJson(value: unknown): string {
  const json = JSON.stringify(value)
  return json.includes('\\ud') ? json.replace(LONE, '$1\\ufffd') : json
}

/**
 * UTF-8 bytes of `text`, as `TextEncoder.encode` gives them, in less time: `encodeInto` writes
 * in one pass into a buffer sized for mostly-ASCII text (+25%), where `encode` first measures
 * the text and then writes it (≈1.7× faster on the benchmark corpus). Text with more multi-byte
 * characters than that overflows: the rest is written into a buffer of the worst case, so no
 * character is encoded twice. The result may be a view of a slightly larger buffer.
 */
export function encodeUtf8(text: string): Uint8Array {
  const n = text.length
  let out = new Uint8Array(n + (n >> 2) + 8)
  const { read, written: first } = encoder.encodeInto(text, out)
  let written = first
  if (read < n) {
    // At most 3 bytes per remaining UTF-16 unit (a surrogate pair is 4 bytes for 2 units).
    const grown = new Uint8Array(written + (n - read) * 3)
    grown.set(out.subarray(0, written))
    written += encoder.encodeInto(text.slice(read), grown.subarray(written)).written
    out = grown
  }
  return out.subarray(0, written)
}

/** Serialises one normalised log. */
export function encodeLog(log: Log): EncodedLog {
  const json = toJson(log)
  return { json, bytes: utf8Length(json) }
}

/** What every request of one send shares: topic, source and tags around the logs. */
export interface Envelope {
  /** `{"__topic__":…,"__source__":…,"__tags__":{…},"__logs__":` — the logs' array follows. */
  readonly head: string
  /** UTF-8 bytes of the envelope with an empty log array (`head` + `[]}`). */
  readonly bytes: number
  readonly topic: string
  readonly source: string
  readonly tags: Log
}

/** Builds the envelope. `__logs__` comes last so that a body is `head + [logs] + "}"`. */
export function envelope(topic: string, source: string, tags: Log): Envelope {
  const head = `{"__topic__":${toJson(topic)},"__source__":${toJson(source)},"__tags__":${toJson(tags)},"__logs__":`
  return { head, bytes: utf8Length(head) + 3, topic, source, tags }
}

/** Raw body size of `count` logs totalling `logBytes`, with their separating commas. */
export function bodySize(env: Envelope, count: number, logBytes: number): number {
  return env.bytes + logBytes + (count > 0 ? count - 1 : 0)
}

/** The JSON body of one request from serialised logs. Its length is `bodySize` of the same logs. */
export function encodeBody(env: Envelope, logs: readonly EncodedLog[], start = 0, end = logs.length): Uint8Array {
  const parts = new Array<string>(end - start)
  for (let i = start; i < end; i++) parts[i - start] = logs[i]!.json
  // One join makes one flat string, which TextEncoder encodes without flattening a rope first.
  return encodeUtf8(`${env.head}[${parts.join(',')}]}`)
}

/**
 * The JSON body of all `logs` in one request, or `undefined` when it would exceed `maxBytes`.
 * Byte-identical to `encodeBody` of the same logs, at the cost of one stringify and one encode.
 */
export function encodeWhole(env: Envelope, logs: readonly Log[], maxBytes: number): Uint8Array | undefined {
  // One stringify of the whole document gives a flat string; `head + logs` would be a rope that
  // the encoder must first flatten (a copy of the whole body). Same key order as `head`.
  const text = toJson({ __topic__: env.topic, __source__: env.source, __tags__: env.tags, __logs__: logs })
  // UTF-8 never takes fewer bytes than UTF-16 code units: a text this long cannot fit.
  if (text.length > maxBytes) return undefined
  const body = encodeUtf8(text)
  return body.length <= maxBytes ? body : undefined
}
