// Splitting: pack logs, in order, into as few requests as the limits allow. Greedy: order is
// kept, so a request can only close when the next log would not fit.
import { encodeBody, encodeLog, encodeWhole, type Envelope } from './encode.js'
import { ValidationError } from '../errors.js'
import type { Log } from './normalize.js'

/** The service's documented limits per request. */
export interface Limits {
  /** Raw (uncompressed) body bytes per request, envelope included. Default 3 MB (3 × 1024 × 1024); an older document says 10 MB. */
  readonly maxBytes: number
  /** Logs per request. Default and maximum 4096. */
  readonly maxLogs: number
}

/** The error of a log of `size` bytes that cannot fit in a request alone. */
export const tooLarge = (path: string, size: number, envelopeBytes: number, limits: Limits): ValidationError =>
  new ValidationError(path, `${size} bytes cannot fit in one request (room for ${limits.maxBytes - envelopeBytes})`)

/**
 * The packing rule: whether one more log of `logBytes` bytes fits in a request that holds
 * `count` logs of `bytes` bytes in all. A request holds at most `limits.maxLogs` logs and at
 * most `limits.maxBytes` raw (uncompressed) body bytes: the envelope (`envelopeBytes`, the
 * body with no log in it, `Target.envelope.bytes`), the logs' JSON (`PreparedLog.bytes`) and
 * the commas between them. With `count` 0 it says whether the log can be sent at all: one that
 * does not fit an empty request fits none.
 *
 * Greedy packing with it, closing a request when the next log does not fit, keeps the logs in
 * order in as few requests as the limits allow; the client's `send` and the tracker pack this
 * way, and so can a batching layer of your own, with `prepare` and `sendBatch`.
 * @param count Logs already in the request.
 * @param bytes Their JSON bytes, summed (`PreparedLog.bytes`; no commas).
 * @param logBytes The next log's JSON bytes.
 * @param envelopeBytes The request body's bytes with no log in it (`Target.envelope.bytes`).
 * @param limits The service's limits (`client.limits`) or tighter ones of your own.
 * @returns `true` when the log may join the request; `false` when the request must close first
 * (or, with `count` 0, when the log fits no request).
 * @example
 * ```ts
 * import { createClient, fitsInRequest, prepare, sendBatch, target, type PreparedLog } from 'sls-webtrack'
 *
 * const client = createClient({ project: 'my-project', endpoint: 'cn-hangzhou.log.aliyuncs.com', logstore: 'web' })
 * const to = target(client, { topic: 'ui' })
 * let batch: PreparedLog[] = []
 * let bytes = 0
 * for (const log of [{ event: 'click' }, { event: 'scroll' }].map((l, i) => prepare(l, i))) {
 *   if (!fitsInRequest(batch.length, bytes, log.bytes, to.envelope.bytes, client.limits)) {
 *     if (batch.length === 0) throw new Error(`a log of ${log.bytes} bytes fits no request`)
 *     await sendBatch(client, batch, to)
 *     batch = []
 *     bytes = 0
 *   }
 *   batch.push(log)
 *   bytes += log.bytes
 * }
 * if (batch.length > 0) await sendBatch(client, batch, to)
 * ```
 */
export function fitsInRequest(count: number, bytes: number, logBytes: number, envelopeBytes: number, limits: Limits): boolean {
  // `count` logs have `count - 1` commas between them; one more log adds one more.
  return count < limits.maxLogs && envelopeBytes + bytes + logBytes + count <= limits.maxBytes
}

/**
 * Returns the end index (exclusive) of each request: `sizes[i]` (the UTF-8 length of log `i`)
 * packed greedily by `fitsInRequest`, with `envelopeBytes` the body size with no log in it.
 * @throws ValidationError naming the first log that cannot fit in a request alone.
 */
export function splitBySize(sizes: ArrayLike<number>, envelopeBytes: number, limits: Limits): number[] {
  const ends: number[] = []
  let count = 0
  let bytes = 0
  for (let i = 0; i < sizes.length;) {
    const size = sizes[i]!
    if (fitsInRequest(count, bytes, size, envelopeBytes, limits)) {
      count++
      bytes += size
      i++
    } else if (count) {
      ends.push(i) // the request closes; log `i` opens the next
      count = bytes = 0
    } else throw tooLarge(`logs[${i}]`, size, envelopeBytes, limits)
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
export function* requestBodies(
  env: Envelope,
  logs: readonly Log[],
  limits: Limits,
  minBytes = 0,
): Generator<{ raw: Uint8Array; end: number }, void, undefined> {
  // The packing rule asked of the whole send at once: its last log after all the others, with
  // `minBytes` for all their bytes.
  const whole = fitsInRequest(logs.length - 1, minBytes, 0, env.bytes, limits) ? encodeWhole(env, logs, limits.maxBytes) : undefined
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
