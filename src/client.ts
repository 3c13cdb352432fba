// The client: the path a send takes, in order — resolve the target, validate and normalise
// each log, split by the limits, encode each request's body, compress, post through the
// generated client (classifying the answer), retry. Each step lives in its own module; this
// file wires them. Batching layers (the tracker, the CLI) start from `resolveConnection` instead and
// take only the steps they need, so that a bundle holds only what it calls.
import { compressBody } from './compress/policy.js'
import { resolveConnection, target, type ClientOptions, type Connection, type Target, type TargetOptions } from './request/connection.js'
import { encodeBody, type EncodedLog } from './request/encode.js'
import { SendError, type WebTrackError } from './errors.js'
import { normalizeLogs, tally, type LogInput } from './request/normalize.js'
import { retryPolicy, withRetry, type RetryOption } from './transport/retry.js'
import { post, type PostOptions } from './transport/post.js'
import { requestBodies } from './request/split.js'

/** Options of one send; each overrides the client's default. */
export interface SendOptions extends TargetOptions, PostOptions {
  /** Override the retry policy for this send. */
  retry?: RetryOption
}

/** What a successful send did. */
export interface SendResult {
  /** Logs accepted by the service. */
  logs: number
  /** Requests made (retries not included). */
  requests: number
  /** Retries made. */
  retries: number
  /** Uncompressed body bytes, summed over requests. */
  rawBytes: number
  /** Body bytes on the wire (compressed where compressed), summed over requests. */
  wireBytes: number
  /** `x-log-requestid` of each request, in order. */
  requestIds: string[]
  /** Values left out because they cannot be sent (functions, symbols, `__time__`). */
  omitted: number
}

/** The web-tracking client: a `Connection` that sends. */
export interface Client extends Connection {
  /**
   * Sends logs of one topic, split into as many requests as the limits need, in order.
   * Resolves when every log was accepted; an empty list resolves at once, without a request.
   * @throws ValidationError before anything is sent, for a bad name, key or oversized log.
   * @throws SendError when some requests were accepted and a later one failed for good; it carries the unsent logs.
   * @throws ServiceError, NetworkError or TimeoutError when nothing was accepted.
   */
  send(logs: LogInput | readonly LogInput[], options?: SendOptions): Promise<SendResult>
}

/**
 * Creates a client. Names and the endpoint are checked now, so a bad one fails at start-up.
 * @example
 * const client = createClient({ project: 'my-project', endpoint: 'cn-hangzhou.log.aliyuncs.com', logstore: 'web' })
 * await client.send([{ event: 'click' }], { topic: 'ui' })
 */
export function createClient(options: ClientOptions): Client {
  const conn = resolveConnection(options)
  async function send(input: LogInput | readonly LogInput[], opts: SendOptions = {}): Promise<SendResult> {
    const logs: readonly LogInput[] = Array.isArray(input) ? input : [input]
    const t = target(conn, opts)
    // Everything is checked before the first request, so bad input never leaves a half-sent batch.
    const counts = tally()
    const bodies = requestBodies(t.envelope, normalizeLogs(logs, counts), conn.limits, counts.minBytes)
    const result = newResult(counts.omitted)
    // No logs, no request: the service refuses an empty `__logs__` (400), and there is nothing to deliver.
    if (!logs.length) return result
    for (const { raw, end } of bodies) {
      try {
        await sendBody(conn, raw, t, opts, result)
      } catch (error) {
        if (!result.logs) throw error
        throw new SendError(error as WebTrackError, result.logs, logs.slice(result.logs), result.requestIds)
      }
      result.logs = end
    }
    return result
  }
  return { ...conn, send }
}

/**
 * Sends prepared logs (see `prepare`) that fit in one request (see `limits`) to a target (see
 * `target`), with the client's retries: the building block of batching layers. Resolves with
 * the result of its one request.
 * @example
 * const t = target(client, { topic: 'ui' })
 * await sendBatch(client, [prepare({ event: 'click' })], t)
 */
export async function sendBatch(
  conn: Connection,
  logs: readonly EncodedLog[],
  t: Target,
  options: Omit<SendOptions, keyof TargetOptions> = {},
): Promise<SendResult> {
  const result = newResult(0)
  await sendBody(conn, encodeBody(t.envelope, logs), t, options, result)
  result.logs = logs.length
  return result
}

const newResult = (omitted: number): SendResult => ({
  logs: 0,
  requests: 0,
  retries: 0,
  rawBytes: 0,
  wireBytes: 0,
  requestIds: [],
  omitted,
})

// One request: compressed once (retries resend the same bytes), posted, retried; its figures
// are added to `result` once it is accepted. Retries are counted as they happen: `result`
// reaches the caller only when every request was accepted, so a failed one's never show.
async function sendBody(
  conn: Connection,
  raw: Uint8Array,
  t: Target,
  opts: Omit<SendOptions, keyof TargetOptions>,
  result: SendResult,
): Promise<void> {
  const options = conn.options
  opts.signal?.throwIfAborted()
  const body = opts.headerless ? { bytes: raw } : await compressBody(raw, options.compression)
  const requestId = await withRetry(() => post(conn, t, body, raw.length, opts), retryPolicy(opts.retry ?? options.retry), {
    signal: opts.signal,
    sleep: options.sleep,
    onRetry: (info) => {
      result.retries++
      options.onRetry?.(info)
    },
  })
  result.requests++
  result.rawBytes += raw.length
  result.wireBytes += body.bytes.length
  if (requestId) result.requestIds.push(requestId)
}
