// One error hierarchy for everything the package throws or reports. Every class sets a literal
// `name` so that `isWebTrackError` works across realms (iframes, workers, bundles with two
// copies of the package), where `instanceof` does not. Fields are assigned in constructors, not
// declared as class fields: an es2020 build would wrap each class field in a helper call.
import { isRetryableStatus } from './transport/retry.js'
import type { ErrorCode } from '../generated/spec.js'

/** A documented service error code, or any other code the service may add later. */
export type ServiceErrorCode = ErrorCode | (string & {})

/** Base class of every error this package throws or reports. */
export class WebTrackError extends Error {
  declare name: string
  /** Whether sending the same request again may succeed. */
  declare readonly retryable: boolean
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'WebTrackError'
    ;(this as { retryable: boolean }).retryable = false
  }
}

/** Bad input, found before anything is sent. */
export class ValidationError extends WebTrackError {
  declare name: 'ValidationError'
  /** Where the problem is, e.g. `logs[3].__topic__`, `project`, `endpoint`. */
  declare readonly path: string
  constructor(path: string, message: string, options?: { cause?: unknown }) {
    super(`${path}: ${message}`, options)
    this.name = 'ValidationError'
    this.path = path
  }
}

/** The service answered with an error status. */
export class ServiceError extends WebTrackError {
  declare name: 'ServiceError'
  declare readonly status: number
  declare readonly errorCode: ServiceErrorCode
  declare readonly errorMessage: string
  /** The `x-log-requestid` of the answer, for support. */
  declare readonly requestId: string | undefined
  /** The URL the request was posted to. */
  declare readonly url: string | undefined
  /** The wait the server asked for with `Retry-After`, when it did (at most a minute). */
  declare readonly retryAfterMs: number | undefined
  constructor(init: {
    status: number
    errorCode: ServiceErrorCode
    errorMessage: string
    requestId?: string | undefined
    url?: string | undefined
    retryAfterMs?: number | undefined
  }) {
    super(
      `${init.status} ${init.errorCode}: ${init.errorMessage}${init.requestId ? ` (request id ${init.requestId})` : ''}${init.url ? ` — POST ${init.url}` : ''}`,
    )
    Object.assign(this, init)
    this.name = 'ServiceError'
    ;(this as { retryable: boolean }).retryable = isRetryableStatus(init.status, init.errorCode)
  }
}

/**
 * What a system error says, for a message: its code and the words Node puts after it
 * (`ENOENT (no such file or directory)`), or else `reason(error)`. For the Node-only modules
 * (the emulator's store file, the persisted journal); bundles that do not call it drop it.
 */
export function systemCause(error: unknown): string {
  const { code, message } = error as { code?: string; message?: string }
  const detail = /^[A-Z]+: ([^,]+)/.exec(message ?? '')?.[1]
  return code ? `${code}${detail ? ` (${detail})` : ''}` : reason(error)
}

/** What an error says: its message (or the value itself), as text. */
export const reason = (error: unknown): string => String((error as { message?: unknown } | undefined)?.message ?? error)

/**
 * The request never got an answer: DNS, connection refused or reset, TLS, CORS, offline. The
 * message names the cause: Node's fetch says only "fetch failed" and keeps the system's error
 * (`ECONNREFUSED`, `ENOTFOUND host`, a certificate's code) in `cause`; browsers give no more
 * than "Failed to fetch".
 */
export class NetworkError extends WebTrackError {
  declare name: 'NetworkError'
  constructor(url: string, cause: unknown) {
    const inner = (cause as { cause?: { code?: string } } | undefined)?.cause
    const text = inner ? reason(inner).trim() : ''
    const code = inner?.code
    super(
      `network error on POST ${url}: ${reason(cause)}${inner ? `: ${(text + (code && !text.includes(code) ? ` (${code})` : '')).trim()}` : ''}` +
        // Node's resolver knows no `{project}.localhost` name; the emulator's fetch routes to it.
        (code === 'ENOTFOUND' && /\.localhost[:/]/.test(url)
          ? "; Node cannot resolve *.localhost: pass the emulator's fetch, startEmulator().fetch"
          : ''),
      { cause },
    )
    this.name = 'NetworkError'
    ;(this as { retryable: boolean }).retryable = true
  }
}

/** One attempt took longer than `timeoutMs`. */
export class TimeoutError extends WebTrackError {
  declare name: 'TimeoutError'
  declare readonly timeoutMs: number
  constructor(url: string, timeoutMs: number) {
    super(`request timed out after ${timeoutMs} ms: POST ${url}`)
    this.name = 'TimeoutError'
    this.timeoutMs = timeoutMs
    ;(this as { retryable: boolean }).retryable = true
  }
}

/**
 * A send that was split into several requests failed for good part-way. `accepted` logs were
 * stored by the service; `unsent` holds the logs that were not, in order, so that nothing is
 * lost silently. `cause` is the error of the failing request.
 */
export class SendError<L = Record<string, unknown>> extends WebTrackError {
  declare name: 'SendError'
  declare readonly accepted: number
  declare readonly unsent: L[]
  declare readonly requestIds: string[]
  constructor(cause: WebTrackError, accepted: number, unsent: L[], requestIds: string[]) {
    super(`${accepted} logs accepted, ${unsent.length} not sent: ${cause.message}`, { cause })
    this.name = 'SendError'
    this.accepted = accepted
    this.unsent = unsent
    this.requestIds = requestIds
    ;(this as { retryable: boolean }).retryable = cause.retryable
  }
}

/**
 * True for any error of this package, also across realms and duplicated bundles. An error from
 * another realm (an iframe) is no `instanceof Error` here either: its `name` decides, as ky's
 * guards do.
 */
export function isWebTrackError(value: unknown): value is WebTrackError {
  // The names as the constructors write them: a bundle's gzip finds each of them twice.
  return (
    value instanceof WebTrackError ||
    ['WebTrackError', 'ValidationError', 'ServiceError', 'NetworkError', 'TimeoutError', 'SendError'].includes(
      (value as Partial<Error> | undefined)?.name ?? '',
    )
  )
}

/**
 * A thrown value as an error of this package: one of ours (from any realm) as it is; anything
 * else, which may be any value at all, becomes the error `wrap` makes of its text (`reason`).
 * Internal: the one place that turns an unknown thrown value into an error.
 */
export const asWebTrackError = (value: unknown, wrap: (text: string) => WebTrackError): WebTrackError =>
  isWebTrackError(value) ? value : wrap(reason(value))
