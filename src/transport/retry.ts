// Retrying: the one rule that says whether a failed request is tried again, and when — for the
// client's `withRetry` and the tracker's batches alike (model: ky's core/retry-timing.ts) — and
// the one abort-aware sleep. The policy is data: exponential backoff with full jitter (AWS's
// "full jitter": spreads the retries of many clients hitting one outage), capped, limited in
// count. A run of failures (an outage) may also get a time window: the tracker keeps retrying
// a topic while its outage is younger than `maxRetryMs`, even once the count is spent.
// What makes an answer retryable (`isRetryableStatus`: 5xx, 429, the 403 quota codes) and how
// long the server asks to wait (`retryAfterMs`) are here too; errors.ts and classify.ts call them
// where the error is made.
import { checkOption, MAX_TIMER_MS } from '../check-option.js'
import type { WebTrackError } from '../errors.js'

/** How failed requests are retried. */
export interface RetryPolicy {
  /** Retries after the first attempt. Default 3; 0 disables retrying. */
  readonly limit: number
  /** First backoff ceiling in ms; doubles each retry. Default 200. */
  readonly baseDelayMs: number
  /** Largest backoff ceiling in ms. Default 10 000. */
  readonly maxDelayMs: number
}

/** The retry option: a policy (missing fields take defaults), a retry count, or `false`. */
export type RetryOption = Partial<RetryPolicy> | number | false

/** The default policy: 3 retries, 200 ms doubling up to 10 s, full jitter. */
export const DEFAULT_RETRY: RetryPolicy = { limit: 3, baseDelayMs: 200, maxDelayMs: 10_000 }

/**
 * One fully-defaulted policy from the option; a field that is `undefined` takes its default.
 * @throws ValidationError for a count or delay that is not a number in its range.
 */
export function retryPolicy(option: RetryOption | undefined): RetryPolicy {
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- `retry: null` from JavaScript means the defaults
  const p: Partial<RetryPolicy> = typeof option === 'object' && option ? option : { limit: option === false ? 0 : option }
  const check = (name: keyof RetryPolicy, max = MAX_TIMER_MS, unit = ' ms') =>
    checkOption(`retry.${name}`, p[name], DEFAULT_RETRY[name], 0, max, unit)
  // A limit of `Infinity` retries until the request succeeds or the signal aborts.
  return { limit: check('limit', Infinity, ''), baseDelayMs: check('baseDelayMs'), maxDelayMs: check('maxDelayMs') }
}

/**
 * 5xx, 429 and the 403 quota codes (`WriteQuotaExceed`, `ShardWriteQuotaExceed`) may succeed
 * later; every other 4xx will not.
 */
export function isRetryableStatus(status: number, errorCode?: string): boolean {
  return status > 499 || status === 429 || (status === 403 && /^(Shard)?WriteQuotaExceed$/.test(errorCode!))
}

/**
 * The wait a `Retry-After` header asks for (seconds, or an HTTP date), if it is readable and at
 * most a minute; longer waits are the backoff's job, not the server's to impose.
 */
export function retryAfterMs(header: string | null): number | undefined {
  const seconds = Number(header)
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(header!) - Date.now()
  return header && ms >= 0 && ms <= 60_000 ? ms : undefined
}

/** Delay before retry number `retry` (0-based): uniform in [0, min(max, base × 2^retry)). */
export function backoffDelay(policy: RetryPolicy, retry: number, random: () => number = Math.random): number {
  // The exponent stops at 31 (2^31 ms is past any maxDelayMs): 2^1024 is Infinity, and 0 × Infinity (a zero base) would be NaN.
  return Math.floor(random() * Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.min(retry, 31)))
}

/**
 * The retry rule: the wait in ms before retry number `retry` (0-based: retries made so far in
 * this run of failures) after `error`, or -1 to give up. In order:
 * - an error that does not say it is `retryable` is never retried (only this package's errors
 *   can: network errors, timeouts, 5xx, 429, the 403 quota codes); an unknown error is a bug,
 *   and retrying a bug hides it;
 * - a policy without retries (`retry: false` or 0) never retries;
 * - otherwise the request is retried while fewer than `limit` retries were made, or, when the
 *   caller keeps a time window (the tracker's `maxRetryMs`), while the failures began less than
 *   `windowMs` ago (`elapsedMs`).
 *
 * The wait is the server's `Retry-After` when it sent one (at most a minute), else the policy's
 * jittered backoff for this retry number.
 */
export function nextRetry(error: unknown, policy: RetryPolicy, retry: number, random?: () => number, windowMs = 0, elapsedMs = 0): number {
  const e = error as { retryable?: unknown; retryAfterMs?: number } | undefined
  return e?.retryable === true && policy.limit > 0 && (retry < policy.limit || elapsedMs < windowMs)
    ? (e.retryAfterMs ?? backoffDelay(policy, retry, random))
    : -1
}

/** What a caller learns before each retry. */
export interface RetryInfo {
  readonly error: WebTrackError
  /** 1 for the first retry. */
  readonly retry: number
  readonly delayMs: number
}

/** Hooks of `withRetry`; `sleep` and `random` are injectable for deterministic tests. */
export interface RetryHooks {
  readonly signal?: AbortSignal | undefined
  readonly onRetry?: ((info: RetryInfo) => void) | undefined
  readonly sleep?: ((ms: number, signal?: AbortSignal) => Promise<void>) | undefined
  readonly random?: (() => number) | undefined
}

/** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer)
      reject(signal!.reason)
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    if (signal?.aborted) onAbort()
    signal?.addEventListener('abort', onAbort)
  })
}

/**
 * Runs `attempt` until it succeeds, or `nextRetry` gives up (the policy's count is the only
 * bound: no time window), or the caller aborts.
 */
export async function withRetry<T>(attempt: () => Promise<T>, policy: RetryPolicy, hooks: RetryHooks = {}): Promise<T> {
  for (let retry = 0; ;) {
    try {
      return await attempt()
    } catch (error) {
      const delayMs = hooks.signal?.aborted ? -1 : nextRetry(error, policy, retry, hooks.random)
      if (delayMs < 0) throw error
      hooks.onRetry?.({ error: error as WebTrackError, retry: ++retry, delayMs })
      await (hooks.sleep ?? sleep)(delayMs, hooks.signal)
    }
  }
}
