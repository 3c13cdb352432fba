// The client: the path a send takes, in order — validate and normalise each log, serialise it
// once, split by the limits, encode each request's body, compress, post through the generated
// client, classify the answer, retry. Each step lives in its own module; this file wires them.
import { createTrackClient, type TrackClient } from '../generated/client.js'
import { API_VERSION, MAX_LOGS_PER_REQUEST } from '../generated/spec.js'
import { compressBody, type CompressionOption } from './compress/policy.js'
import { bodySize, encodeBody, encodeLog, encodeWhole, envelope, type EncodedLog, type Envelope } from './encode.js'
import { SendError, ValidationError, type WebTrackError } from './errors.js'
import { normalizeLog, normalizeLogs, normalizeTags, stringifyValue, tally, type Log, type LogInput } from './normalize.js'
import { retryPolicy, withRetry, type RetryInfo, type RetryOption, type RetryPolicy } from './retry.js'
import { checkLogstore, parseEndpoint, projectBaseUrl } from './route.js'
import { postBody } from './send.js'
import { splitBySize, type Limits } from './split.js'

/** Options of `createClient`. */
export interface ClientOptions {
  /** Project name; it becomes the first label of the host. */
  project: string
  /** Regional endpoint (`cn-hangzhou.log.aliyuncs.com`, https implied) or a full `http(s)://host[:port]` URL. */
  endpoint: string
  /** Default Logstore, overridable per send. */
  logstore?: string
  /** Default `__topic__`. Default `''`. */
  topic?: string
  /** Default `__source__` (always sent; one version of the documentation requires it). Default `''`. */
  source?: string
  /** Default `__tags__`, merged under the tags of each send. */
  tags?: Record<string, unknown>
  /** `'none'` (default here), a codec such as `lz4`, or a policy such as `auto(lz4)`. */
  compression?: CompressionOption
  /** A WHATWG `fetch`, as openapi-fetch takes it. Default `globalThis.fetch`. */
  fetch?: typeof fetch
  /** Timeout of one attempt in ms. Default 10 000. */
  timeoutMs?: number
  /** Retry policy, a retry count, or `false`. Default: 3 retries, 200 ms doubling to 10 s, full jitter. */
  retry?: RetryOption
  /** Per-request limits. Default 3 MB and 4096 logs (the newer document; the older says 10 MB). */
  limits?: Partial<Limits>
  /** Called before each retry, with the error and the delay. */
  onRetry?: (info: RetryInfo) => void
  /** Replaces the backoff sleep (tests, custom schedulers). */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>
}

/** Options of one send; each overrides the client's default. */
export interface SendOptions {
  logstore?: string
  topic?: string
  source?: string
  /** Merged over the client's tags. */
  tags?: Record<string, unknown>
  /** Aborts the send; it rejects with the signal's reason. */
  signal?: AbortSignal
  /** Override the retry policy for this send. */
  retry?: RetryOption
  /**
   * Send with `keepalive: true` (the request outlives the page). Browsers cap keep-alive bodies
   * at 64 KiB in total; see the tracker for the unload path.
   */
  keepalive?: boolean
  /** Use the header-less `?APIVersion=0.6.0` form: no custom headers, no CORS preflight, no compression. */
  headerless?: boolean
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

/** A log checked, normalised and serialised, ready to be batched. */
export interface PreparedLog extends EncodedLog {
  /** Values left out of this log. */
  readonly omitted: number
}

/** Where and how a batch goes, fully resolved. */
export interface Target {
  readonly baseUrl: string
  readonly logstore: string
  readonly envelope: Envelope
}

/** The web-tracking client. */
export interface Client {
  /**
   * Sends logs of one topic, split into as many requests as the limits need, in order.
   * Resolves when every log was accepted.
   * @throws ValidationError before anything is sent, for a bad name, key or oversized log.
   * @throws SendError when some requests were accepted and a later one failed for good; it carries the unsent logs.
   * @throws ServiceError, NetworkError or TimeoutError when nothing was accepted.
   */
  send(logs: LogInput | readonly LogInput[], options?: SendOptions): Promise<SendResult>
  /** URL of the single-log GET form (`?APIVersion=0.6.0&__topic__=…&key=value`), e.g. for an image beacon. */
  trackUrl(log: LogInput, options?: Pick<SendOptions, 'logstore' | 'topic' | 'source'>): string
  /** Checks, normalises and serialises one log (`index` names it in errors). For batching layers. */
  prepare(log: LogInput, index?: number): PreparedLog
  /** Resolves the target of a send: URL, Logstore and envelope. */
  target(options?: Pick<SendOptions, 'logstore' | 'topic' | 'source' | 'tags'>): Target
  /** Sends prepared logs that fit in one request (see `limits`). */
  sendBatch(logs: readonly EncodedLog[], target: Target, options?: Pick<SendOptions, 'signal' | 'retry' | 'keepalive' | 'headerless'>): Promise<{ requestId: string | undefined; rawBytes: number; wireBytes: number; retries: number }>
  /**
   * The request bodies a send of these normalised logs makes, in order, each with the end index
   * of its logs, made lazily: what `send` does before compressing. For batching layers and
   * benchmarks.
   * @throws ValidationError when a log cannot fit in a request alone.
   */
  requestBodies(envelope: Envelope, logs: readonly Log[], minBytes?: number): Iterable<{ raw: Uint8Array; end: number }>
  /** The per-request limits in force. */
  readonly limits: Limits
  /** The compression option in force. */
  readonly compression: CompressionOption
}

/** Creates a client. Names and the endpoint are checked now, so a bad one fails at start-up. */
export function createClient(options: ClientOptions): Client {
  const endpoint = parseEndpoint(options.endpoint)
  const baseUrl = projectBaseUrl(options.project, endpoint)
  if (options.logstore !== undefined) checkLogstore(options.logstore)
  const limits: Limits = {
    maxBytes: options.limits?.maxBytes ?? 3 * 1024 * 1024,
    maxLogs: Math.min(options.limits?.maxLogs ?? MAX_LOGS_PER_REQUEST, MAX_LOGS_PER_REQUEST),
  }
  if (!(limits.maxBytes > 0) || !(limits.maxLogs > 0)) throw new ValidationError('limits', 'maxBytes and maxLogs must be positive')
  const compression = options.compression ?? 'none'
  const timeoutMs = options.timeoutMs ?? 10_000
  const defaultRetry = retryPolicy(options.retry)
  const http: TrackClient = createTrackClient({ fetch: options.fetch })
  const baseTags = normalizeTags(options.tags)

  function target(opts: Pick<SendOptions, 'logstore' | 'topic' | 'source' | 'tags'> = {}): Target {
    const logstore = opts.logstore ?? options.logstore
    if (logstore === undefined) throw new ValidationError('logstore', 'no Logstore: set it in createClient or per send')
    const tags = opts.tags ? { ...baseTags, ...normalizeTags(opts.tags) } : baseTags
    const topic = stringifyValue(opts.topic ?? options.topic ?? '') ?? ''
    const source = stringifyValue(opts.source ?? options.source ?? '') ?? ''
    return { baseUrl, logstore: checkLogstore(logstore), envelope: envelope(topic, source, tags) }
  }

  function prepare(log: LogInput, index = 0): PreparedLog {
    const counts = tally()
    const encoded = encodeLog(normalizeLog(log, index, counts))
    return { json: encoded.json, bytes: encoded.bytes, omitted: counts.omitted }
  }

  type BatchOptions = Pick<SendOptions, 'signal' | 'retry' | 'keepalive' | 'headerless'>

  async function sendBody(raw: Uint8Array, t: Target, opts: BatchOptions) {
    opts.signal?.throwIfAborted()
    // Compressed once: retries resend the same bytes.
    const body = opts.headerless ? { bytes: raw, compressType: undefined } : await compressBody(raw, compression)
    const policy: RetryPolicy = opts.retry === undefined ? defaultRetry : retryPolicy(opts.retry)
    let retries = 0
    const { requestId } = await withRetry(
      () =>
        postBody(http, {
          baseUrl: t.baseUrl,
          logstore: t.logstore,
          body,
          rawSize: raw.length,
          headerless: opts.headerless,
          keepalive: opts.keepalive,
          signal: opts.signal,
          timeoutMs,
          fetch: options.fetch,
        }),
      policy,
      {
        signal: opts.signal,
        sleep: options.sleep,
        onRetry: (info) => {
          retries++
          options.onRetry?.(info)
        },
      },
    )
    return { requestId, rawBytes: raw.length, wireBytes: body.bytes.length, retries }
  }

  function sendBatch(logs: readonly EncodedLog[], t: Target, opts: BatchOptions = {}) {
    return sendBody(encodeBody(t.envelope, logs), t, opts)
  }

  async function send(input: LogInput | readonly LogInput[], opts: SendOptions = {}): Promise<SendResult> {
    const logs: readonly LogInput[] = Array.isArray(input) ? input : [input as LogInput]
    const t = target(opts)
    const result: SendResult = { logs: 0, requests: 0, retries: 0, rawBytes: 0, wireBytes: 0, requestIds: [], omitted: 0 }
    // Everything is checked before the first request, so bad input never leaves a half-sent batch.
    const counts = tally()
    const normalized = normalizeLogs(logs, counts)
    result.omitted = counts.omitted
    const bodies = requestBodies(t.envelope, normalized, counts.minBytes)
    let start = 0
    for (const { raw, end } of bodies) {
      try {
        const r = await sendBody(raw, t, opts)
        result.requests++
        result.retries += r.retries
        result.rawBytes += r.rawBytes
        result.wireBytes += r.wireBytes
        if (r.requestId) result.requestIds.push(r.requestId)
        result.logs += end - start
      } catch (error) {
        if (start === 0) throw error
        throw new SendError(error as WebTrackError, start, logs.slice(start), result.requestIds)
      }
      start = end
    }
    return result
  }

  /**
   * The bodies of a send, each with the end index of its logs, made one at a time as the send
   * goes (a large send never holds all its bodies at once). One request when the send fits (one
   * stringify, one encode); otherwise each log is serialised once and the send is split.
   * `minBytes`, a lower bound of the logs' JSON bytes, rules out the one-request attempt for a
   * send that surely does not fit; only a send whose bound fits but whose exact size does not
   * (escapes or multi-byte text right at the limit) is serialised twice. A log that cannot fit
   * alone throws before the first body is made.
   */
  function* requestBodies(env: Envelope, logs: readonly Log[], minBytes = 0): Generator<{ raw: Uint8Array; end: number }, void, undefined> {
    const mayFit = logs.length <= limits.maxLogs && bodySize(env, logs.length, minBytes) <= limits.maxBytes
    const whole = mayFit ? encodeWhole(env, logs, limits.maxBytes) : undefined
    if (whole) {
      yield { raw: whole, end: logs.length }
      return
    }
    const encoded = logs.map(encodeLog)
    const ends = splitBySize(
      encoded.map((e) => e.bytes),
      env.bytes,
      limits,
    )
    let start = 0
    for (const end of ends) {
      yield { raw: encodeBody(env, encoded, start, end), end }
      start = end
    }
  }

  function trackUrl(log: LogInput, opts: Pick<SendOptions, 'logstore' | 'topic' | 'source'> = {}): string {
    const t = target({ ...opts, tags: undefined })
    const normalized = normalizeLog(log, 0)
    const query = new URLSearchParams({ APIVersion: API_VERSION })
    query.set('__topic__', stringifyValue(opts.topic ?? options.topic ?? '') ?? '')
    query.set('__source__', stringifyValue(opts.source ?? options.source ?? '') ?? '')
    for (const key of Object.keys(normalized)) {
      if (key === 'APIVersion') throw new ValidationError('logs[0].APIVersion', 'invalid key: reserved by the GET form')
      query.append(key, normalized[key]!)
    }
    return `${t.baseUrl}/logstores/${t.logstore}/track?${query}`
  }

  return { send, trackUrl, prepare, target, sendBatch, requestBodies, limits, compression }
}
