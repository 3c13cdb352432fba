// Sending: one POST of one body through the openapi-fetch client generated from the spec, with
// a per-attempt timeout. Every header name and the path come from generated/ types, so a change
// of the spec that the wrapper does not follow fails the type check.
import type { operations } from '../../generated/schema.js'
import { API_VERSION } from '../../generated/spec.js'
import { serviceError } from './classify.js'
import type { WireBody } from '../compress/policy.js'
import type { Connection, Target } from '../request/connection.js'
import { asWebTrackError, NetworkError, TimeoutError, ValidationError } from '../errors.js'

/** How one request goes. */
export interface PostOptions {
  /** Aborts the request; it rejects with the signal's reason. */
  signal?: AbortSignal | undefined
  /**
   * Send with `keepalive: true` (the request outlives the page). Browsers cap keep-alive bodies
   * at 64 KiB in total; see the tracker for the unload path.
   */
  keepalive?: boolean | undefined
  /** Use the header-less `?APIVersion=0.6.0` form: no custom headers, no CORS preflight, no compression. */
  headerless?: boolean | undefined
}

// Annotated (not inferred) so that a header or query renamed in the spec is a type error here:
// openapi-fetch infers its options generically, which skips excess-property checks.
type TrackParams = operations['putWebTracking']['parameters']
type TrackHeaders = NonNullable<TrackParams['header']>
type TrackQuery = NonNullable<TrackParams['query']>

const noop = () => {}

/**
 * Posts one body (`rawSize` is its uncompressed length) and resolves with the answer's request
 * id on 2xx; rejects with `ServiceError` (a redirect too), `NetworkError`, `TimeoutError`, a
 * `ValidationError` for a request that cannot be built, or the signal's reason when the caller
 * aborts. In the header-less form `fetch` is called synchronously, which the
 * tracker's unload path relies on.
 */
export async function post(conn: Connection, t: Target, body: WireBody, rawSize: number, opts: PostOptions): Promise<string | undefined> {
  const url = `${t.baseUrl}/logstores/${t.logstore}/track`
  const timeoutMs = conn.options.timeoutMs ?? 10_000
  const { signal, headerless } = opts
  const controller = new AbortController()
  const own = controller.signal
  // Raced against the request, so that a fetch that ignores its signal (a custom or polyfilled
  // one) still ends in a TimeoutError or the caller's abort instead of hanging the send.
  const aborted = new Promise<never>((_, reject) => {
    own.onabort = () => reject(own.reason)
  })
  aborted.catch(noop)
  // `Infinity`: no timeout (checked at creation; setTimeout would fire at once).
  const timer = timeoutMs < Infinity ? setTimeout(() => controller.abort(new TimeoutError(url, timeoutMs)), timeoutMs) : undefined
  const onAbort = () => controller.abort(signal!.reason)
  if (signal?.aborted) onAbort()
  signal?.addEventListener('abort', onAbort)
  // Whether the request reached `fetch`: an error before it (a URL or a header that cannot be
  // built) is a bug or bad input that no retry mends; anything `fetch` throws means no answer.
  // This holds in every runtime, where the errors' types and causes do not (undici's bad URL
  // is a TypeError with a cause, as its "fetch failed" is).
  let sent = false
  try {
    // The two forms differ only in params and Content-Type: one call keeps one code path.
    const posting = conn.http.POST('/logstores/{logstore}/track', {
      fetch: (request: Request) => {
        sent = true
        return (conn.options.fetch ?? fetch)(request)
      },
      // A redirect is never followed: the POST would become a GET and drop the logs, and the
      // answer of the page it leads to would read as success. It is a ServiceError instead.
      redirect: 'manual',
      // A 2xx is a success whatever its body: nothing is parsed, so a proxy's HTML page or a
      // truncated body cannot turn an accepted request into an error, and a retry into a duplicate.
      parseAs: 'stream',
      baseUrl: t.baseUrl,
      // openapi-fetch leaves out a header whose value is undefined: `x-log-compresstype` of an
      // uncompressed body.
      params: {
        path: { logstore: t.logstore },
        ...(headerless
          ? { query: { APIVersion: API_VERSION } satisfies TrackQuery }
          : {
              header: {
                'x-log-apiversion': API_VERSION,
                'x-log-bodyrawsize': rawSize,
                'x-log-compresstype': body.compressType,
              } satisfies TrackHeaders,
            }),
      },
      body: body.bytes,
      bodySerializer: (b: unknown) => b as BodyInit,
      headers: {
        'Content-Type': headerless ? 'text/plain;charset=UTF-8' : body.compressType ? 'application/octet-stream' : 'application/json',
      },
      signal: own,
      keepalive: opts.keepalive,
    })
    // When the abort wins, the request's own rejection comes later and is already accounted for.
    posting.catch(noop)
    const { response, error } = await Promise.race([posting, aborted])
    if (!response.ok) throw serviceError(response, error, url)
    // The body of a success is left unread by openapi-fetch; a browser then reports the request
    // as cancelled (net::ERR_ABORTED in DevTools) although it succeeded. Reading it ends it
    // cleanly, in the background: the status has decided, and a body that fails or never ends
    // must not turn accepted logs into an error (and a retry into a duplicate).
    if (!response.bodyUsed) response.arrayBuffer().catch(noop)
    return response.headers.get('x-log-requestid') ?? undefined
  } catch (error) {
    // The caller's abort first, then our own errors (the answer's, the timeout's) as they are;
    // anything else means the request never got an answer, or never left.
    throw signal?.aborted
      ? signal.reason
      : asWebTrackError(error, (text) => (sent ? new NetworkError(url, error) : new ValidationError('request', text, { cause: error })))
  } finally {
    clearTimeout(timer)
    signal?.removeEventListener('abort', onAbort)
  }
}
