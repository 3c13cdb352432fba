// The one retry rule (`nextRetry`), used by the client's `withRetry` and the tracker: a pure
// function of the error, the policy, the retry count and (the tracker's) time window. No timers:
// the clock and the random source are arguments.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { NetworkError, ServiceError, TimeoutError, ValidationError, WebTrackError } from '../../src/errors.js'
import { nextRetry, type RetryPolicy } from '../../src/transport/retry.js'

const policy: RetryPolicy = { limit: 2, baseDelayMs: 100, maxDelayMs: 1000 }
const half = () => 0.5
const net = new NetworkError('http://x', new Error('ECONNREFUSED'))
const service = (status: number, errorCode = 'X', retryAfterMs?: number) =>
  new ServiceError({ status, errorCode, errorMessage: '', retryAfterMs })

describe('nextRetry: whether', () => {
  it('retries what says it is retryable: network errors, timeouts, 5xx, 429, the 403 quota codes', () => {
    for (const error of [
      net,
      new TimeoutError('http://x', 10),
      service(500),
      service(503),
      service(429),
      service(403, 'WriteQuotaExceed'),
      service(403, 'ShardWriteQuotaExceed'),
    ]) {
      expect(nextRetry(error, policy, 0, half), error.message).toBeGreaterThanOrEqual(0)
    }
  })

  it('never retries a permanent error, an unknown error (a bug) or a non-error', () => {
    for (const error of [
      service(400),
      service(403, 'Unauthorized'),
      service(404),
      new ValidationError('x', 'bad'),
      new WebTrackError('x'),
      new TypeError('bug'),
      'text',
      undefined,
      null,
      { retryable: 'yes' },
    ]) {
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

describe('nextRetry: the rules together', () => {
  it('the window and the count are alternatives: either one left is enough, both spent gives up', () => {
    // count left, window over · count spent, window open · both spent · both left
    expect(nextRetry(net, policy, 1, half, 1000, 5000)).toBeGreaterThanOrEqual(0)
    expect(nextRetry(net, policy, 9, half, 1000, 999)).toBeGreaterThanOrEqual(0)
    expect(nextRetry(net, policy, 2, half, 1000, 1000)).toBe(-1)
    expect(nextRetry(net, policy, 0, half, 1000, 0)).toBeGreaterThanOrEqual(0)
    // The client keeps no window: however long the failures took, only the count matters.
    expect(nextRetry(net, policy, 1, half, 0, 1e9)).toBeGreaterThanOrEqual(0)
    expect(nextRetry(net, policy, 2, half, 0, 0)).toBe(-1)
  })

  it('Retry-After wins over the backoff, also beyond maxDelayMs, with or without a window', () => {
    const asked = service(503, 'X', 45_000)
    expect(nextRetry(asked, policy, 0, half)).toBe(45_000)
    expect(nextRetry(asked, policy, 1, () => 0)).toBe(45_000)
    expect(nextRetry(asked, policy, 7, half, 60_000, 1000)).toBe(45_000)
    expect(nextRetry(service(429, 'X', 0), { ...policy, baseDelayMs: 5000 }, 0, half)).toBe(0)
  })

  it('Retry-After never revives a spent count or window, nor makes a permanent error retryable', () => {
    expect(nextRetry(service(503, 'X', 1000), policy, 2, half)).toBe(-1)
    expect(nextRetry(service(503, 'X', 1000), policy, 5, half, 1000, 1000)).toBe(-1)
    expect(nextRetry(service(400, 'PostBodyInvalid', 1000), policy, 0, half)).toBe(-1)
    expect(nextRetry(service(413, 'X', 0), { ...policy, limit: Infinity }, 0, half, Infinity, 0)).toBe(-1)
  })

  it('a non-retryable error is never retried: not with limit Infinity, not with an endless window', () => {
    const endless = { ...policy, limit: Infinity }
    for (const error of [
      service(400),
      service(404),
      service(403, 'Unauthorized'),
      new ValidationError('x', 'bad'),
      new WebTrackError('x'),
      new TypeError('bug'),
      new Error('x'),
    ]) {
      expect(nextRetry(error, endless, 0, half, Infinity, 0)).toBe(-1)
    }
  })

  it('limit Infinity retries without end, each wait within maxDelayMs', () => {
    const endless = { ...policy, limit: Infinity }
    for (const retry of [0, 1, 10, 100, 1023, 1024, 5000, 1e6]) {
      const d = nextRetry(net, endless, retry, () => 0.999)
      expect(d).toBeGreaterThanOrEqual(0)
      expect(d).toBeLessThanOrEqual(policy.maxDelayMs)
    }
  })

  // With baseDelayMs 0, `0 × 2^retry` was `0 × Infinity` = NaN from the 1024th retry on: neither a
  // wait nor -1, so the tracker gave a batch up while its window was still open.
  it('a zero base delay stays a zero wait however many retries were made', () => {
    const zero = { limit: Infinity, baseDelayMs: 0, maxDelayMs: 1000 }
    expect(nextRetry(net, zero, 1024, half)).toBe(0)
    expect(nextRetry(net, { ...zero, limit: 3 }, 2000, half, 60_000, 10)).toBe(0)
  })

  it('as a property: retried exactly when retryable, the policy allows retries, and the count or the window is left; waits within their bounds', () => {
    const f = fc
    const errors = [
      net,
      new TimeoutError('http://x', 10),
      service(500),
      service(429),
      service(503, 'X', 1500),
      service(400),
      new ValidationError('x', 'bad'),
      new TypeError('bug'),
    ]
    f.assert(
      f.property(
        f.constantFrom(...errors),
        f.record({
          limit: f.oneof(f.nat(6), f.constant(Infinity)),
          baseDelayMs: f.integer({ min: 1, max: 5000 }),
          maxDelayMs: f.nat(20_000),
        }),
        f.nat(2000),
        f.oneof(f.constant(0), f.nat(100_000), f.constant(Infinity)),
        f.nat(200_000),
        f.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (error, p, retry, windowMs, elapsedMs, r) => {
          const d = nextRetry(error, p, retry, () => r, windowMs, elapsedMs)
          const retryable = (error as { retryable?: boolean }).retryable === true
          const allowed = retryable && p.limit > 0 && (retry < p.limit || elapsedMs < windowMs)
          const asked = (error as { retryAfterMs?: number }).retryAfterMs
          if (!allowed) expect(d).toBe(-1)
          else if (asked !== undefined) expect(d).toBe(asked)
          else {
            expect(Number.isInteger(d)).toBe(true)
            expect(d).toBeGreaterThanOrEqual(0)
            expect(d).toBeLessThanOrEqual(Math.min(p.maxDelayMs, p.baseDelayMs * 2 ** retry))
          }
        },
      ),
      { numRuns: 1000 },
    )
  })
})
