// Resolving a client's options, once: where its requests go (the host of the project, checked
// names), the limits, and the openapi-fetch client generated from the spec. The client and the
// tracker both start here; everything after works on the resolved connection.
import { createTrackClient, type TrackClient } from '../../generated/client.js'
import { checkOption, MAX_TIMER_MS } from '../check-option.js'
import { MAX_LOGS_PER_REQUEST } from '../../generated/spec.js'
import type { CompressionOption } from '../compress/policy.js'
import { envelope, type Envelope } from './encode.js'
import { ValidationError } from '../errors.js'
import { normalizeTags, stringifyValue, type Log } from './normalize.js'
import { retryPolicy, type RetryInfo, type RetryOption } from '../transport/retry.js'
import { checkLogstore, parseEndpoint, projectBaseUrl } from './route.js'
import type { Limits } from './split.js'

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
  /** Timeout of one attempt in ms, from 1 to 2 147 483 647, or `Infinity` for none. Default 10 000. */
  timeoutMs?: number
  /** Retry policy, a retry count, or `false`. Default: 3 retries, 200 ms doubling to 10 s, full jitter. */
  retry?: RetryOption
  /**
   * Per-request limits. Default 3 MB and 4096 logs (the newer document; the older says 10 MB).
   * `maxBytes` may be up to 10 MiB, `maxLogs` from 1 to 4096.
   */
  limits?: Partial<Limits>
  /** Called before each retry, with the error and the delay. */
  onRetry?: (info: RetryInfo) => void
  /** Replaces the backoff sleep (tests, custom schedulers). */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>
}

/**
 * What a client resolved from its options: the first argument of `target`, `sendBatch` and
 * `trackUrl`. A `Client` is one.
 */
export interface Connection {
  /** The options as given (with the main entry's codec names resolved). */
  readonly options: ClientOptions
  /** `{scheme}://{project}.{endpoint host[:port]}`. */
  readonly baseUrl: string
  /** The per-request limits in force. */
  readonly limits: Limits
  /** The client's default `__tags__`, normalised once. */
  readonly tags: Log
  /** The openapi-fetch client generated from the spec, which every request goes through. */
  readonly http: TrackClient
}

/** Where and how a batch goes, fully resolved. */
export interface Target {
  readonly baseUrl: string
  readonly logstore: string
  readonly envelope: Envelope
}

/** Options that choose a target; each overrides the client's default. */
export interface TargetOptions {
  logstore?: string
  topic?: string
  source?: string
  /** Merged over the client's tags. */
  tags?: Record<string, unknown>
}

/** Resolves the options. Names, the endpoint and the limits are checked now, so that a bad one fails at start-up. */
export function resolveConnection(options: ClientOptions): Connection {
  const baseUrl = projectBaseUrl(options.project, parseEndpoint(options.endpoint))
  if (options.logstore !== undefined) checkLogstore(options.logstore)
  // Every numeric option is checked now, as the tracker's are: a NaN or a string would surface
  // only later, as endless retries or a timer that fires at once.
  checkOption('timeoutMs', options.timeoutMs, 0, 1, MAX_TIMER_MS, ' ms', 'no timeout')
  retryPolicy(options.retry)
  const limits = options.limits ?? {}
  // 10 MiB: what the older documentation allows; no request above it can be accepted.
  const maxBytes = checkOption('limits.maxBytes', limits.maxBytes, 3 * 1024 * 1024, 1, 10 * 1024 * 1024, ' bytes')
  const maxLogs = checkOption('limits.maxLogs', limits.maxLogs, MAX_LOGS_PER_REQUEST, 1, MAX_LOGS_PER_REQUEST)
  const tags = normalizeTags(options.tags) // an empty tag key fails now, not at the first send
  const c = options.compression
  if (typeof c === 'object') ('codec' in c ? c.codec : c).check?.()
  return { options, baseUrl, limits: { maxBytes, maxLogs }, tags, http: createTrackClient({ fetch: options.fetch }) }
}

/**
 * Resolves the target of a send: URL, Logstore and envelope (topic, source, tags).
 * @throws ValidationError for a bad or missing Logstore or an empty tag key.
 */
export function target({ options, baseUrl, tags }: Connection, opts: TargetOptions = {}): Target {
  const logstore = opts.logstore ?? options.logstore
  if (logstore === undefined) throw new ValidationError('logstore', 'not set, in createClient or per send')
  const text = (value: unknown) => stringifyValue(value ?? '') ?? ''
  return {
    baseUrl,
    logstore: checkLogstore(logstore),
    envelope: envelope(
      text(opts.topic ?? options.topic),
      text(opts.source ?? options.source),
      opts.tags ? { ...tags, ...normalizeTags(opts.tags) } : tags,
    ),
  }
}
