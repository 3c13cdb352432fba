// One error hierarchy for everything the package throws or reports. Every class carries a
// literal `name` so that `isWebTrackError` works across realms (iframes, workers, bundles with
// two copies of the package), where `instanceof` does not.
import type { ErrorCode } from '../generated/spec.js'

/** A documented service error code, or any other code the service may add later. */
export type ServiceErrorCode = ErrorCode | (string & {})

/** Base class of every error this package throws or reports. */
export class WebTrackError extends Error {
  override name = 'WebTrackError'
  /** Whether sending the same request again may succeed. */
  readonly retryable: boolean = false
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
  }
}

/** Bad input, found before anything is sent. */
export class ValidationError extends WebTrackError {
  override name = 'ValidationError' as const
  /** Where the problem is, e.g. `logs[3].__topic__`, `project`, `endpoint`. */
  readonly path: string
  constructor(path: string, message: string) {
    super(`${path}: ${message}`)
    this.path = path
  }
}

/** Codes the service answers with HTTP 403 when a write quota is exceeded; worth a retry. */
export const QUOTA_ERROR_CODES: readonly string[] = ['WriteQuotaExceed', 'ShardWriteQuotaExceed']

/** The service answered with an error status. */
export class ServiceError extends WebTrackError {
  override name = 'ServiceError' as const
  readonly status: number
  readonly errorCode: ServiceErrorCode
  readonly errorMessage: string
  /** The `x-log-requestid` of the answer, for support. */
  readonly requestId: string | undefined
  override readonly retryable: boolean
  /** The wait the server asked for with `Retry-After`, when it did (at most a minute). */
  readonly retryAfterMs: number | undefined
  constructor(init: {
    status: number
    errorCode: ServiceErrorCode
    errorMessage: string
    requestId?: string | undefined
    url?: string
    retryAfterMs?: number | undefined
  }) {
    super(
      `${init.status} ${init.errorCode}: ${init.errorMessage}` +
        (init.requestId ? ` (request id ${init.requestId})` : '') +
        (init.url ? ` — POST ${init.url}` : ''),
    )
    this.status = init.status
    this.errorCode = init.errorCode
    this.errorMessage = init.errorMessage
    this.requestId = init.requestId
    this.retryable = isRetryableStatus(init.status, init.errorCode)
    this.retryAfterMs = init.retryAfterMs
  }
}

/** 5xx, 429 and the 403 quota codes may succeed later; every other 4xx will not. */
export function isRetryableStatus(status: number, errorCode?: string): boolean {
  if (status >= 500 || status === 429) return true
  return status === 403 && errorCode !== undefined && QUOTA_ERROR_CODES.includes(errorCode)
}

/** The request never got an answer: DNS, connection refused or reset, CORS, offline. */
export class NetworkError extends WebTrackError {
  override name = 'NetworkError' as const
  override readonly retryable = true
  constructor(url: string, cause: unknown) {
    super(`network error on POST ${url}: ${(cause as Error)?.message ?? String(cause)}`, { cause })
  }
}

/** One attempt took longer than `timeoutMs`. */
export class TimeoutError extends WebTrackError {
  override name = 'TimeoutError' as const
  override readonly retryable = true
  readonly timeoutMs: number
  constructor(url: string, timeoutMs: number) {
    super(`request timed out after ${timeoutMs} ms: POST ${url}`)
    this.timeoutMs = timeoutMs
  }
}

/**
 * A send that was split into several requests failed for good part-way. `accepted` logs were
 * stored by the service; `unsent` holds the logs that were not, in order, so that nothing is
 * lost silently. `cause` is the error of the failing request.
 */
export class SendError<L = Record<string, unknown>> extends WebTrackError {
  override name = 'SendError' as const
  readonly accepted: number
  readonly unsent: L[]
  readonly requestIds: string[]
  override readonly retryable: boolean
  constructor(cause: WebTrackError, accepted: number, unsent: L[], requestIds: string[]) {
    super(`${accepted} logs accepted, ${unsent.length} not sent: ${cause.message}`, { cause })
    this.accepted = accepted
    this.unsent = unsent
    this.requestIds = requestIds
    this.retryable = cause.retryable
  }
}

/** True for any error of this package, also across realms and duplicated bundles. */
export function isWebTrackError(value: unknown): value is WebTrackError {
  return (
    value instanceof WebTrackError ||
    (value instanceof Error &&
      ['WebTrackError', 'ValidationError', 'ServiceError', 'NetworkError', 'TimeoutError', 'SendError'].includes(value.name))
  )
}
