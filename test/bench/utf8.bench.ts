// UTF-8 at the two places a send needs it, each against what it replaced, on the corpus:
// - the exact length of each log's JSON (the tracker sizes every log at push): `utf8Length`,
//   a regex for the first non-ASCII unit then a loop, against what it replaced: a regex test for
//   all-ASCII text, else `encodeInto` into a scratch buffer; and, for scale, `encodeInto` alone;
// - the bytes of each request body: `encodeUtf8` (one `encodeInto` pass into a buffer sized for
//   mostly-ASCII text) against `TextEncoder.encode` (which measures, then writes).
import { encodeUtf8, utf8Length } from '../../src/request/encode.js'
import type { Corpus } from './encode.bench.js'
import { compare, type Figure, type Timing, totalBytes } from './harness.js'

const encoder = new TextEncoder()
let scratch = new Uint8Array(0)

/** `encodeInto` into a reused buffer: the written count is the length. */
function lengthByEncodeInto(s: string): number {
  if (scratch.length < s.length * 3) scratch = new Uint8Array(s.length * 3)
  return encoder.encodeInto(s, scratch).written
}

// eslint-disable-next-line no-control-regex -- the ASCII range, NUL included, is the point
const ASCII = /^[\x00-\x7f]*$/
/** The length as measured before `utf8Length` counted it. */
const lengthBefore = (s: string): number => (ASCII.test(s) ? s.length : lengthByEncodeInto(s))

export interface Utf8Result {
  readonly length: Figure[]
  readonly encode: Figure[]
  /** UTF-8 bytes of the logs' JSON, and of the bodies. */
  readonly logBytes: number
  readonly bodyBytes: number
}

export async function benchUtf8(c: Corpus, bodies: readonly string[], timing: Timing): Promise<Utf8Result> {
  const texts = c.groups.flatMap((g) => g.strings.map((log) => JSON.stringify(log)))
  const sum = (f: (s: string) => number) => texts.reduce((n, s) => n + f(s), 0)
  const logBytes = sum(lengthByEncodeInto)
  if (sum(utf8Length) !== logBytes) throw new Error('utf8 benchmark: utf8Length differs from encodeInto')
  for (const b of bodies)
    if (Buffer.compare(encodeUtf8(b), encoder.encode(b)) !== 0) throw new Error('utf8 benchmark: encodeUtf8 differs from TextEncoder')
  const length = await compare(
    {
      baseline: { name: 'before: ASCII regex test, else `encodeInto` into a scratch buffer (per log)', run: () => sum(lengthBefore) },
      candidates: [
        { name: 'ours (`utf8Length`, per log)', run: () => sum(utf8Length) },
        { name: '`encodeInto` into a scratch buffer, always (per log)', run: () => sum(lengthByEncodeInto) },
      ],
      units: logBytes,
    },
    timing,
  )
  const bodyBytes = totalBytes(bodies.map((b) => encoder.encode(b)))
  const encode = await compare(
    {
      baseline: { name: '`TextEncoder.encode` (per body)', run: () => bodies.map((b) => encoder.encode(b)) },
      candidates: [{ name: 'ours (`encodeUtf8`, per body)', run: () => bodies.map(encodeUtf8) }],
      units: bodyBytes,
    },
    timing,
  )
  return { length, encode, logBytes, bodyBytes }
}
