// Classifying an answer: a non-2xx response becomes a ServiceError carrying the service's code,
// message and request id, whatever shape the body has.
import { ServiceError } from '../errors.js'
import { retryAfterMs } from './retry.js'

/**
 * Builds the error of a failed answer, a redirect included. `body` is what openapi-fetch parsed: the JSON error
 * object, or the raw text when the body was not JSON (a proxy's HTML page, say).
 */
export function serviceError(response: Response, body: unknown, url: string): ServiceError {
  // The body is what the server sent, whatever the spec says: a field may be missing or not a string.
  const json =
    typeof (body as { errorCode?: unknown } | undefined)?.errorCode === 'string'
      ? (body as { errorCode: string; errorMessage?: string | number })
      : undefined
  const status = response.status
  // A redirect (requests are sent with `redirect: 'manual'`) comes from something in between: a
  // proxy, a captive portal, a wrong endpoint. Following it would drop the logs; it is reported,
  // never retried. Browsers hide it (an opaque redirect, status 0, no Location).
  const location = response.headers.get('location')
  const redirect = response.type === 'opaqueredirect' || (status > 299 && status < 400)
  return new ServiceError({
    status,
    errorCode: json ? json.errorCode : `HTTP${status}`,
    errorMessage: json
      ? String(json.errorMessage ?? '')
      : redirect
        ? `redirected${location ? ` to ${location}` : ''}, not followed (it would drop the logs)`
        : (typeof body === 'string' && body.slice(0, 200)) || response.statusText || 'no error body',
    requestId: response.headers.get('x-log-requestid') ?? undefined,
    url,
    retryAfterMs: retryAfterMs(response.headers.get('retry-after')),
  })
}
