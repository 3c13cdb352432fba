// Classifying an answer: a non-2xx response becomes a ServiceError carrying the service's code,
// message and request id, whatever shape the body has.
import type { components } from '../generated/schema.js'
import { ServiceError } from './errors.js'

/**
 * Builds the error of a failed answer. `body` is what openapi-fetch parsed: the JSON error
 * object, or the raw text when the body was not JSON (a proxy's HTML page, say).
 */
export function serviceError(response: Response, body: unknown, url: string): ServiceError {
  const { status } = response
  const json = typeof (body as components['schemas']['ErrorResponse'] | undefined)?.errorCode === 'string' ? (body as components['schemas']['ErrorResponse']) : undefined
  return new ServiceError({
    status,
    errorCode: json ? json.errorCode : `HTTP${status}`,
    errorMessage: json ? String(json.errorMessage ?? '') : (typeof body === 'string' && body.slice(0, 200)) || response.statusText || 'no error body',
    requestId: response.headers.get('x-log-requestid') ?? undefined,
    url,
    retryAfterMs: retryAfterMs(response),
  })
}

/**
 * Milliseconds the server asked to wait (`Retry-After`, seconds or an HTTP date), if any and
 * at most a minute; longer waits are the backoff's job, not the server's to impose.
 */
export function retryAfterMs(response: Response, now = Date.now()): number | undefined {
  const value = response.headers.get('retry-after')
  if (!value) return undefined
  const seconds = Number(value)
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(value) - now
  return ms >= 0 && ms <= 60_000 ? ms : undefined
}
