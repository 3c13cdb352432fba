// The one retry rule (`nextRetry`), used by the client's `withRetry` and the tracker: a pure
// function of the error, the policy, the retry count and (the tracker's) time window. No timers:
// the clock and the random source are arguments.
import { describe, expect, it } from 'vitest'
import { NetworkError, ServiceError, TimeoutError, ValidationError, WebTrackError } from '../../src/errors.js'
import { nextRetry, type RetryPolicy } from '../../src/transport/retry.js'

const policy: RetryPolicy = { limit: 2, baseDelayMs: 100, maxDelayMs: 1000 }
const half = () => 0.5
const net = new NetworkError('http://x', new Error('ECONNREFUSED'))
const service = (status: number, errorCode = 'X', retryAfterMs?: number) => new ServiceError({ status, errorCode, errorMessage: '', retryAfterMs })

describe('nextRetry: whether', () => {
  it('retries what says it is retryable: network errors, timeouts, 5xx, 429, the 403 quota codes', () => {
    for (const error of [net, new TimeoutError('http://x', 10), service(500), service(503), service(429), service(403, 'WriteQuotaExceed'), service(403, 'ShardWriteQuotaExceed')]) {
      expect(nextRetry(error, policy, 0, half), error.message).toBeGreaterThanOrEqual(0)
    }
  })

  it('never retries a permanent error, an unknown error (a bug) or a non-error', () => {
    for (const error of [service(400), service(403, 'Unauthorized'), service(404), new ValidationError('x', 'bad'), new WebTrackError('x'), new TypeError('bug'), 'text', undefined, null, { retryable: 'yes' }]) {
      expect(nextRetry(error, policy, 0, half)).toBe(-1)
    }
  })

  it('stops when the policy’s count is spent (the client: no window)', () => {
    expect(nextRetry(net, policy, 0, half)).toBeGreaterThanOrEqual(0)
    expect(nextRetry(net, policy, 1, half)).toBeGreaterThanOrEqual(0)
    expect(nextRetry(net, policy, 2, half)).toBe(-1)
  })

  it('with a window (the tracker’s maxRetryMs): retries while the count lasts OR the outage is younger than the window', () => {
    expect(nextRetry(net, policy, 5, half, 10_000, 9_999)).toBeGreaterThanOrEqual(0)
    expect(nextRetry(net, policy, 5, half, 10_000, 10_000)).toBe(-1)
    expect(nextRetry(net, policy, 1, half, 10_000, 50_000)).toBeGreaterThanOrEqual(0) // count left
    expect(nextRetry(net, policy, 2, half, Infinity, 1e12)).toBeGreaterThanOrEqual(0)
    expect(nextRetry(net, policy, 2, half, 0, 0)).toBe(-1)
  })

  it('a policy without retries (retry: false or 0) never retries, window or not', () => {
    const none = { ...policy, limit: 0 }
    expect(nextRetry(net, none, 0, half)).toBe(-1)
    expect(nextRetry(net, none, 0, half, Infinity, 0)).toBe(-1)
  })
})

describe('nextRetry: when', () => {
  it('full jitter: uniform below min(maxDelayMs, baseDelayMs × 2^retry), by retry number', () => {
    const top = () => 0.999999
    const long = { ...policy, limit: 10 }
    expect([0, 1, 2, 3, 4, 5].map((n) => nextRetry(net, long, n, top))).toEqual([99, 199, 399, 799, 999, 999])
    expect(nextRetry(net, long, 3, () => 0)).toBe(0)
  })

  it("the server's Retry-After replaces the jittered wait", () => {
    expect(nextRetry(service(503, 'X', 2000), policy, 0, half)).toBe(2000)
    expect(nextRetry(service(429, 'X', 0), policy, 1, half)).toBe(0)
  })
})
