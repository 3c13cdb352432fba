// Sending: one POST of one body through the openapi-fetch client generated from the spec, with
// a per-attempt timeout. Every header name and the path come from generated/ types, so a change
// of the spec that the wrapper does not follow fails the type check.
import type { TrackClient } from '../generated/client.js'
import type { operations } from '../generated/schema.js'
import { API_VERSION } from '../generated/spec.js'
import { serviceError } from './classify.js'
import { NetworkError, TimeoutError } from './errors.js'
import type { WireBody } from './compress/policy.js'

/** One request to make. */
export interface PostRequest {
  /** `{scheme}://{project}.{endpoint}`. */
  readonly baseUrl: string
  readonly logstore: string
  readonly body: WireBody
  /** Length of the uncompressed body, for `x-log-bodyrawsize`. */
  readonly rawSize: number
  /**
   * The header-less form (`?APIVersion=0.6.0`, `text/plain`, uncompressed): no CORS preflight,
   * so it works while a page unloads.
   */
  readonly headerless?: boolean | undefined
  readonly keepalive?: boolean | undefined
  readonly signal?: AbortSignal | undefined
  readonly timeoutMs: number
  readonly fetch?: typeof fetch | undefined
}

/** What the service answered to a successful request. */
export interface PostResult {
  readonly requestId: string | undefined
}

const identity = (body: unknown) => body as BodyInit

// Annotated (not inferred) so that a header or query renamed in the spec is a type error here:
// openapi-fetch infers its options generically, which skips excess-property checks.
type TrackParams = operations['putWebTracking']['parameters']
type TrackHeaders = NonNullable<TrackParams['header']>
type TrackQuery = NonNullable<TrackParams['query']>

function trackHeaders(rawSize: number, compressType: WireBody['compressType']): TrackHeaders {
  const header: TrackHeaders = { 'x-log-apiversion': API_VERSION, 'x-log-bodyrawsize': rawSize }
  if (compressType) header['x-log-compresstype'] = compressType
  return header
}

const headerlessQuery: TrackQuery = { APIVersion: API_VERSION }

/**
 * Posts one body. Resolves on 2xx; rejects with `ServiceError`, `NetworkError`, `TimeoutError`,
 * or the signal's reason when the caller aborts.
 */
export async function postBody(client: TrackClient, req: PostRequest): Promise<PostResult> {
  const url = `${req.baseUrl}/logstores/${req.logstore}/track`
  const controller = new AbortController()
  // Raced against the request, so that a fetch that ignores its signal (a custom or polyfilled
  // one) still ends in a TimeoutError or the caller's abort instead of hanging the send.
  const aborted = new Promise<never>((_, reject) => controller.signal.addEventListener('abort', () => reject(controller.signal.reason), { once: true }))
  aborted.catch(() => {}) // only ever read through the race below
  let timedOut = false
  const timer = setTimeout(() => {
    timedOut = true
    controller.abort()
  }, req.timeoutMs)
  const onAbort = () => controller.abort(req.signal!.reason)
  if (req.signal?.aborted) onAbort()
  else req.signal?.addEventListener('abort', onAbort, { once: true })
  try {
    const { body, headerless } = req
    // The two forms differ only in params and Content-Type: one call keeps one code path.
    const posting = client.POST('/logstores/{logstore}/track', {
      baseUrl: req.baseUrl,
      params: headerless
        ? { path: { logstore: req.logstore }, query: headerlessQuery }
        : { path: { logstore: req.logstore }, header: trackHeaders(req.rawSize, body.compressType) },
      body: body.bytes,
      bodySerializer: identity,
      headers: { 'Content-Type': headerless ? 'text/plain;charset=UTF-8' : body.compressType ? 'application/octet-stream' : 'application/json' },
      signal: controller.signal,
      keepalive: req.keepalive,
      fetch: req.fetch,
    })
    // When the abort wins, the request's own rejection comes later and is already accounted for.
    posting.catch(() => {})
    const result = await Promise.race([posting, aborted])
    const { response } = result
    if (!response.ok) throw serviceError(response, result.error, url)
    // openapi-fetch leaves an empty body unread; a browser then reports the request as
    // cancelled (net::ERR_ABORTED in DevTools) although it succeeded. Reading it ends it
    // cleanly. A failure to read it changes nothing: the service has answered 200, and
    // turning that into an error would only resend (duplicate) accepted logs.
    if (!response.bodyUsed) await response.arrayBuffer().catch(() => undefined)
    return { requestId: response.headers.get('x-log-requestid') ?? undefined }
  } catch (error) {
    if (req.signal?.aborted) throw req.signal.reason
    if (timedOut) throw new TimeoutError(url, req.timeoutMs)
    if (error instanceof Error && error.name === 'ServiceError') throw error
    throw new NetworkError(url, error)
  } finally {
    clearTimeout(timer)
    req.signal?.removeEventListener('abort', onAbort)
  }
}
