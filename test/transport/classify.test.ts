// Classifying an answer that is not 2xx: whatever the body (the service's JSON, a proxy's HTML,
// nothing), the error carries the status, a code, a readable message, the request id, the URL,
// whether a retry may help and how long the server asked to wait. Real `Response` objects; the
// clock is fixed for the HTTP-date form of Retry-After.
import { afterEach, describe, expect, it, vi } from 'vitest'
import { ServiceError } from '../../src/errors.js'
import { serviceError } from '../../src/transport/classify.js'

const URL_ = 'https://my-project.cn-hangzhou.log.aliyuncs.com/logstores/web/track'
const answer = (status: number, headers: Record<string, string> = {}, statusText?: string) =>
  new Response(null, { status, headers, statusText })

afterEach(() => vi.useRealTimers())

describe('the body', () => {
  it('the service’s JSON error: its code and message, the request id, the URL', () => {
    const e = serviceError(answer(400, { 'x-log-requestid': 'RID-1' }), { errorCode: 'PostBodyInvalid', errorMessage: 'bad body' }, URL_)
    expect(e).toBeInstanceOf(ServiceError)
    expect(e).toMatchObject({
      status: 400,
      errorCode: 'PostBodyInvalid',
      errorMessage: 'bad body',
      requestId: 'RID-1',
      url: URL_,
      retryable: false,
      retryAfterMs: undefined,
    })
    expect(e.message).toContain('400 PostBodyInvalid: bad body')
    expect(e.message).toContain('request id RID-1')
    expect(e.message).toContain(URL_)
  })

  it('a JSON error without a message, or with a non-string one', () => {
    expect(serviceError(answer(404), { errorCode: 'ProjectNotExist' }, URL_)).toMatchObject({
      errorCode: 'ProjectNotExist',
      errorMessage: '',
    })
    expect(serviceError(answer(404), { errorCode: 'ProjectNotExist', errorMessage: 42 }, URL_).errorMessage).toBe('42')
  })

  it('JSON that is not the error shape is not trusted for a code', () => {
    expect(serviceError(answer(500), { errorCode: 7, message: 'x' }, URL_)).toMatchObject({
      errorCode: 'HTTP500',
      status: 500,
      retryable: true,
    })
    expect(serviceError(answer(500), null, URL_).errorCode).toBe('HTTP500')
  })

  it('a text or HTML body (a proxy’s page): the code is HTTP<status>, the message the start of the text', () => {
    const html = `<html><body>${'Bad gateway. '.repeat(50)}</body></html>`
    const e = serviceError(answer(502, { 'content-type': 'text/html' }), html, URL_)
    expect(e).toMatchObject({ status: 502, errorCode: 'HTTP502', retryable: true })
    expect(e.errorMessage.startsWith('<html><body>Bad gateway.')).toBe(true)
    expect(e.errorMessage.length).toBeLessThanOrEqual(200) // a page is not copied whole into the error
    expect(serviceError(answer(403), 'Forbidden by policy', URL_)).toMatchObject({
      errorCode: 'HTTP403',
      errorMessage: 'Forbidden by policy',
      retryable: false,
    })
  })

  it('no body: the status text, or "no error body"', () => {
    expect(serviceError(answer(503, {}, 'Service Unavailable'), undefined, URL_)).toMatchObject({
      errorCode: 'HTTP503',
      errorMessage: 'Service Unavailable',
      retryable: true,
    })
    expect(serviceError(answer(500), undefined, URL_).errorMessage).toBe('no error body')
    expect(serviceError(answer(500), '', URL_).errorMessage).toBe('no error body')
  })
})

describe('whether a retry may help', () => {
  it.each([
    [500, 'InternalServerError', true],
    [502, 'HTTP502', true],
    [503, 'ServiceUnavailable', true],
    [429, 'HTTP429', true],
    [403, 'WriteQuotaExceed', true],
    [403, 'ShardWriteQuotaExceed', true],
    [403, 'Unauthorized', false],
    [400, 'PostBodyInvalid', false],
    [404, 'LogStoreNotExist', false],
    [413, 'PostBodyTooLarge', false],
  ] as const)('%i %s: retryable %s', (status, errorCode, retryable) => {
    expect(serviceError(answer(status), { errorCode, errorMessage: '' }, URL_).retryable).toBe(retryable)
  })
})

describe('Retry-After', () => {
  const wait = (value: string, status = 503) => serviceError(answer(status, { 'retry-after': value }), undefined, URL_).retryAfterMs

  it('seconds', () => {
    expect(wait('0')).toBe(0)
    expect(wait('1')).toBe(1000)
    expect(wait('2.5')).toBe(2500)
    expect(wait('60')).toBe(60_000)
  })

  it('an HTTP date, from now', () => {
    vi.useFakeTimers()
    vi.setSystemTime(new Date('2026-01-01T00:00:00Z'))
    expect(wait('Thu, 01 Jan 2026 00:00:30 GMT')).toBe(30_000)
    expect(wait('Thu, 01 Jan 2026 00:01:00 GMT')).toBe(60_000)
  })

  it('capped at a minute: a longer wait is left to the backoff, not imposed by the server', () => {
    expect(wait('61')).toBeUndefined()
    expect(wait('3600')).toBeUndefined()
    vi.useFakeTimers()
    vi.setSystemTime(new Date('2026-01-01T00:00:00Z'))
    expect(wait('Thu, 01 Jan 2026 00:01:01 GMT')).toBeUndefined()
  })

  it('a date in the past, a negative or unreadable value, or none: no wait asked', () => {
    vi.useFakeTimers()
    vi.setSystemTime(new Date('2026-01-01T00:00:00Z'))
    expect(wait('Wed, 31 Dec 2025 23:59:00 GMT')).toBeUndefined()
    expect(wait('-1')).toBeUndefined()
    expect(wait('soon')).toBeUndefined()
    expect(serviceError(answer(503), undefined, URL_).retryAfterMs).toBeUndefined()
  })

  it('is kept on any status (429 and 503 are where it matters)', () => {
    expect(wait('3', 429)).toBe(3000)
  })
})

describe('redirects', () => {
  it.each([301, 302, 303, 307, 308])('%i with a Location: a non-retryable error that names the Location, never a success', (status) => {
    const e = serviceError(answer(status, { location: 'https://portal.example.com/login', 'x-log-requestid': 'R3' }), 'moved', URL_)
    expect(e).toBeInstanceOf(ServiceError)
    expect(e).toMatchObject({ status, errorCode: `HTTP${status}`, retryable: false, requestId: 'R3', url: URL_ })
    expect(e.message).toContain('redirected to https://portal.example.com/login')
    expect(e.message).toContain('not followed')
  })

  it('a 3xx without a Location still says it was a redirect', () => {
    const e = serviceError(answer(307), undefined, URL_)
    expect(e).toMatchObject({ errorCode: 'HTTP307', retryable: false })
    expect(e.errorMessage).toContain('redirected, not followed')
  })

  it('a browser’s opaque redirect (status 0, no headers to read) is a non-retryable redirect too', () => {
    // What `fetch(…, { redirect: 'manual' })` gives in a browser; Node cannot construct one.
    const opaque = { type: 'opaqueredirect', status: 0, statusText: '', headers: new Headers() } as Response
    const e = serviceError(opaque, undefined, URL_)
    expect(e).toMatchObject({ status: 0, retryable: false })
    expect(e.errorMessage).toContain('redirected, not followed')
  })
})
