// The retry policy as data: deterministic with fake timers and an injected random source.
import { afterEach, describe, expect, it, vi } from 'vitest'
import { NetworkError, ServiceError, ValidationError } from '../../src/errors.js'
import { backoffDelay, DEFAULT_RETRY, retryPolicy, sleep, withRetry } from '../../src/transport/retry.js'

afterEach(() => vi.useRealTimers())

describe('retry policy', () => {
  it('normalises the option: number, false, partial object', () => {
    expect(retryPolicy(undefined)).toEqual(DEFAULT_RETRY)
    expect(retryPolicy(5)).toEqual({ ...DEFAULT_RETRY, limit: 5 })
    expect(retryPolicy(false).limit).toBe(0)
    expect(retryPolicy({ baseDelayMs: 50 })).toEqual({ ...DEFAULT_RETRY, baseDelayMs: 50 })
    // `undefined` fields take their defaults (a spread would copy the undefined over them).
    expect(retryPolicy({ limit: undefined, baseDelayMs: undefined, maxDelayMs: undefined })).toEqual(DEFAULT_RETRY)
    expect(retryPolicy({ limit: Infinity }).limit).toBe(Infinity)
  })

  it('refuses what is not a count or a delay in range, naming the field and the range', () => {
    expect(() => retryPolicy({ limit: Number.NaN })).toThrow('retry.limit: must be a whole number from 0 to Infinity, got NaN')
    expect(() => retryPolicy(2.5)).toThrow('retry.limit: must be a whole number from 0 to Infinity, got 2.5')
    expect(() => retryPolicy({ maxDelayMs: 2 ** 31 })).toThrow('retry.maxDelayMs: must be a number from 0 to 2147483647 ms, got 2147483648')
    expect(() => retryPolicy({ baseDelayMs: '5' as never })).toThrow('retry.baseDelayMs: must be a number from 0 to 2147483647 ms, got "5"')
    expect(() => retryPolicy(null as never)).toThrow(ValidationError)
  })

  it('full jitter: uniform below min(max, base × 2^n)', () => {
    const p = { limit: 10, baseDelayMs: 100, maxDelayMs: 1000 }
    expect([0, 1, 2, 3, 4, 5].map((n) => backoffDelay(p, n, () => 0.999999))).toEqual([99, 199, 399, 799, 999, 999])
    expect(backoffDelay(p, 3, () => 0)).toBe(0)
  })

  it('sleeps with timers and rejects with the reason on abort', async () => {
    vi.useFakeTimers()
    let done = false
    const p = sleep(500).then(() => (done = true))
    await vi.advanceTimersByTimeAsync(499)
    expect(done).toBe(false)
    await vi.advanceTimersByTimeAsync(1)
    await p
    expect(done).toBe(true)
    const c = new AbortController()
    const s = sleep(1000, c.signal)
    c.abort(new Error('stop'))
    await expect(s).rejects.toThrow('stop')
    await expect(sleep(1, AbortSignal.abort(new Error('early')))).rejects.toThrow('early')
  })

  it('retries retryable errors with real (fake-timer) delays, and never retries unknown or permanent errors', async () => {
    vi.useFakeTimers()
    let calls = 0
    const flaky = withRetry(
      async () => {
        if (++calls < 3) throw new NetworkError('http://x', new Error('reset'))
        return 'ok'
      },
      { limit: 3, baseDelayMs: 100, maxDelayMs: 1000 },
      { random: () => 0.5 },
    )
    await vi.advanceTimersByTimeAsync(50 + 100)
    await expect(flaky).resolves.toBe('ok')
    expect(calls).toBe(3)

    let n = 0
    await expect(
      withRetry(async () => {
        n++
        throw new TypeError('bug')
      }, DEFAULT_RETRY),
    ).rejects.toThrow(TypeError)
    await expect(
      withRetry(async () => {
        n++
        throw new ValidationError('x', 'bad')
      }, DEFAULT_RETRY),
    ).rejects.toThrow(ValidationError)
    await expect(
      withRetry(async () => {
        n++
        throw new ServiceError({ status: 400, errorCode: 'InvalidKey', errorMessage: '' })
      }, DEFAULT_RETRY),
    ).rejects.toThrow(ServiceError)
    expect(n).toBe(3)
  })
})
