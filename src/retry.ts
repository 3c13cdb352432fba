// Retrying, with the policy as data: exponential backoff with full jitter (AWS's "full jitter":
// spreads the retries of many clients hitting one outage), capped, limited in count.
import { checkOption, MAX_TIMER_MS } from './check-option.js'
import { WebTrackError } from './errors.js'

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
  const p: Partial<RetryPolicy> = typeof option === 'object' && option ? option : { limit: option === false ? 0 : option }
  const check = (name: keyof RetryPolicy, max = MAX_TIMER_MS, unit = ' ms') => checkOption(`retry.${name}`, p[name], DEFAULT_RETRY[name], 0, max, unit)
  // A limit of `Infinity` retries until the request succeeds or the signal aborts.
  return { limit: check('limit', Infinity, ''), baseDelayMs: check('baseDelayMs'), maxDelayMs: check('maxDelayMs') }
}

/** Delay before retry number `retry` (0-based): uniform in [0, min(max, base × 2^retry)). */
export function backoffDelay(policy: RetryPolicy, retry: number, random: () => number = Math.random): number {
  return Math.floor(random() * Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** retry))
}

/**
 * The wait before retry number `retry` (0-based) after `error`: the server's `Retry-After` when
 * it sent one, else the policy's backoff.
 */
export const retryDelay = (error: WebTrackError, policy: RetryPolicy, retry: number, random?: () => number): number =>
  (error as { retryAfterMs?: number }).retryAfterMs ?? backoffDelay(policy, retry, random)

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
 * Runs `attempt` until it succeeds, fails with an error that is not retryable, or the policy
 * runs out. Only this package's errors with `retryable` are retried: an unknown error is a bug,
 * and retrying a bug hides it. A server's `retryAfterMs` replaces the jittered delay.
 */
export async function withRetry<T>(attempt: () => Promise<T>, policy: RetryPolicy, hooks: RetryHooks = {}): Promise<T> {
  for (let retry = 0; ; retry++) {
    try {
      return await attempt()
    } catch (error) {
      if (!(error instanceof WebTrackError) || !error.retryable || retry >= policy.limit || hooks.signal?.aborted) throw error
      const delayMs = retryDelay(error, policy, retry, hooks.random)
      hooks.onRetry?.({ error, retry: retry + 1, delayMs })
      await (hooks.sleep ?? sleep)(delayMs, hooks.signal)
    }
  }
}
