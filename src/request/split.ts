// Splitting: pack logs, in order, into as few requests as the limits allow. Greedy: order is
// kept, so a request can only close when the next log would not fit.
import { bodySize, encodeBody, encodeLog, encodeWhole, type Envelope } from './encode.js'
import { ValidationError } from '../errors.js'
import type { Log } from './normalize.js'

/** The service's documented limits per request. */
export interface Limits {
  /** Raw (uncompressed) body bytes per request, envelope included. Default 3 MB (3 × 1024 × 1024); an older document says 10 MB. */
  readonly maxBytes: number
  /** Logs per request. Default and maximum 4096. */
  readonly maxLogs: number
}

/** The error of a log that cannot fit in a request alone (`size` its bytes, `room` what the envelope leaves). */
export const tooLarge = (path: string, size: number, room: number): ValidationError => new ValidationError(path, `${size} bytes cannot fit in one request (room for ${room})`)

/**
 * Returns the end index (exclusive) of each request. `sizes[i]` is the UTF-8 length of log `i`;
 * `envelopeBytes` is the body size with no log in it. Every request holds at most `maxLogs` logs
 * and at most `maxBytes` raw bytes including the envelope and the commas.
 * @throws ValidationError naming the first log that cannot fit in a request alone.
 */
export function splitBySize(sizes: ArrayLike<number>, envelopeBytes: number, { maxBytes, maxLogs }: Limits): number[] {
  const ends: number[] = []
  const room = maxBytes - envelopeBytes
  let count = 0
  let used = -1 // n logs take their bytes plus n - 1 commas
  for (let i = 0; i < sizes.length; i++) {
    const size = sizes[i]!
    if (size > room) throw tooLarge(`logs[${i}]`, size, room)
    if (count === maxLogs || used + size + 1 > room) {
      ends.push(i)
      count = 0
      used = -1
    }
    count++
    used += size + 1
  }
  if (count) ends.push(sizes.length)
  return ends
}

/**
 * The bodies of a send of normalised logs, each with the end index of its logs, made one at a
 * time as the send goes (a large send never holds all its bodies at once): what `send` does
 * before compressing. One request when the send fits (one stringify, one encode); otherwise
 * each log is serialised once and the send is split. `minBytes`, a lower bound of the logs'
 * JSON bytes, rules out the one-request attempt for a send that surely does not fit; only a
 * send whose bound fits but whose exact size does not (escapes or multi-byte text right at the
 * limit) is serialised twice.
 * @throws ValidationError, before the first body is made, when a log cannot fit in a request alone.
 */
export function* requestBodies(env: Envelope, logs: readonly Log[], limits: Limits, minBytes = 0): Generator<{ raw: Uint8Array; end: number }, void, undefined> {
  const whole = logs.length <= limits.maxLogs && bodySize(env, logs.length, minBytes) <= limits.maxBytes ? encodeWhole(env, logs, limits.maxBytes) : undefined
  if (whole) return yield { raw: whole, end: logs.length }
  const encoded = logs.map(encodeLog)
  let start = 0
  for (const end of splitBySize(
    encoded.map((e) => e.bytes),
    env.bytes,
    limits,
  )) {
    yield { raw: encodeBody(env, encoded, start, end), end }
    start = end
  }
}
