// Signed writes on the wire: the signed client and tracker against the emulator with
// credentials, which checks each signature, token and time as documented. Refusals (wrong
// secret, expired token, skewed clock, missing token on a secured Logstore) each end in their
// typed error; a provider is asked before expiry, once for concurrent sends, and again on 401.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ServiceError, ValidationError } from '../../src/index.js'
import { createClient, createTracker, CredentialsError, type TemporaryCredentials } from '../../src/sign/index.js'
import { startEmulator, type Emulator } from '../../src/emulator/index.js'

const KEY = { accessKeyId: 'LTAI5tSignedTest01', accessKeySecret: 'k3y-Secret-For-Tests-0123456789' }
const STS = { accessKeyId: 'STS.NUsignedTest01', accessKeySecret: 'sts-Secret/For+Tests=', securityToken: 'CAIS-token-For-Tests+/=' }
const HOUR = 3_600_000
const logs = (n: number) => Array.from({ length: n }, (_, i) => ({ i, msg: `第${i}条 😀`, url: `https://shop.example.com/p/${i % 7}` }))

let emu: Emulator
let serviceOffsetMs = 0
beforeAll(async () => {
  emu = await startEmulator({
    projects: ['signed'],
    logstores: ['web', 'open'],
    secured: ['web'],
    credentials: [
      KEY,
      { ...STS, expiration: Date.now() + HOUR },
      { accessKeyId: 'STS.expired', accessKeySecret: 'x', securityToken: 'old', expiration: 0 },
    ],
    now: () => Date.now() + serviceOffsetMs,
  })
})
afterAll(() => emu.close())

const base = { project: 'signed', endpoint: '', logstore: 'web', sleep: async () => {} }
const client = (extra: Partial<Parameters<typeof createClient>[0]> = {}) =>
  createClient({ ...base, endpoint: emu.endpoint, fetch: emu.fetch, credentials: KEY, ...extra })
const provider = (make: () => TemporaryCredentials | Promise<TemporaryCredentials>) => {
  const calls = { n: 0 }
  const fn = async () => {
    calls.n++
    await new Promise((r) => setTimeout(r, 5))
    return make()
  }
  return { fn, calls }
}
const refusal = async (p: Promise<unknown>) => {
  const error = await p.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(ServiceError)
  return error as ServiceError
}

describe('signed client → emulator', () => {
  it.each(['none', 'lz4', 'deflate', 'auto'] as const)('%s bodies are signed as sent and stored exactly', async (compression) => {
    emu.clear()
    const res = await client({ compression }).send(logs(2500), { topic: compression })
    expect(res.logs).toBe(2500)
    expect(emu.logs()).toHaveLength(2500)
    expect(emu.logs()[7]!.log).toMatchObject({ i: '7', msg: '第7条 😀' })
    const requests = emu.requests()
    expect(requests.every((r) => r.form === 'signed' && r.status === 200 && /^\/logstores\/web$/.test(r.path))).toBe(true)
    expect(requests.map((r) => r.compressType)).toContain(compression === 'none' ? 'none' : compression === 'auto' ? 'lz4' : compression)
  })

  it('STS credentials from a provider, asked once for concurrent sends', async () => {
    emu.clear()
    const p = provider(() => ({ ...STS, expiration: new Date(Date.now() + HOUR).toISOString() }))
    const c = client({ credentials: p.fn })
    await Promise.all([c.send(logs(3)), c.send(logs(4)), c.send(logs(5))])
    await c.send(logs(1))
    expect(p.calls.n).toBe(1)
    expect(emu.logs()).toHaveLength(13)
  })

  it('asks the provider again before expiry, within the margin', async () => {
    const p = provider(() => ({ ...STS, expiration: Date.now() + 60_000 }))
    const c = client({ credentials: p.fn })
    await c.send(logs(1))
    await c.send(logs(1))
    // A token of one minute is refreshed after half of it: not yet.
    expect(p.calls.n).toBe(1)
    const q = provider(() => ({ ...STS, expiration: Date.now() + 1000 }))
    const d = client({ credentials: q.fn })
    await d.send(logs(1))
    await new Promise((r) => setTimeout(r, 600))
    await d.send(logs(1))
    expect(q.calls.n).toBe(2)
  })

  it('a 401 Unauthorized asks the provider once more and sends again', async () => {
    emu.clear()
    let n = 0
    const p = provider(() =>
      n++ === 0 ? { ...STS, securityToken: 'revoked-token', expiration: Date.now() + HOUR } : { ...STS, expiration: Date.now() + HOUR },
    )
    const res = await client({ credentials: p.fn, retry: false }).send(logs(2))
    expect(res.logs).toBe(2)
    expect(p.calls.n).toBe(2)
    expect(emu.requests().map((r) => r.status)).toEqual([401, 200])
  })

  it('a wrong secret is a ServiceError 401 SignatureNotMatch, not retried', async () => {
    const e = await refusal(client({ credentials: { ...KEY, accessKeySecret: 'wrong' } }).send(logs(1)))
    expect(e).toMatchObject({ status: 401, errorCode: 'SignatureNotMatch', retryable: false })
  })

  it('an expired token is a ServiceError 401 Unauthorized (after one more try with what the provider gives)', async () => {
    const p = provider(() => ({ accessKeyId: 'STS.expired', accessKeySecret: 'x', securityToken: 'old', expiration: Date.now() + HOUR }))
    const e = await refusal(client({ credentials: p.fn }).send(logs(1)))
    expect(e).toMatchObject({ status: 401, errorCode: 'Unauthorized', errorMessage: 'The security token you provided has expired.' })
    expect(p.calls.n).toBe(2)
  })

  it('a missing token is a ServiceError 401 Unauthorized; an anonymous write to the secured Logstore too', async () => {
    const { securityToken: _, ...noToken } = STS
    const e = await refusal(client({ credentials: noToken }).send(logs(1)))
    expect(e).toMatchObject({ status: 401, errorCode: 'Unauthorized', errorMessage: 'The security token you provided is invalid.' })
    const { createClient: anonymous } = await import('../../src/index.js')
    const a = await refusal(anonymous({ ...base, endpoint: emu.endpoint, fetch: emu.fetch }).send(logs(1)))
    expect(a).toMatchObject({ status: 401, errorCode: 'Unauthorized' })
    await expect(anonymous({ ...base, endpoint: emu.endpoint, fetch: emu.fetch, logstore: 'open' }).send(logs(1))).resolves.toMatchObject({
      logs: 1,
    })
  })

  it('a skewed clock: the offset is learnt from the refusal, the request sent again once, the offset kept', async () => {
    emu.clear()
    serviceOffsetMs = 2 * HOUR
    try {
      const c = client()
      await c.send(logs(1))
      await c.send(logs(1))
      expect(emu.requests().map((r) => r.status)).toEqual([400, 200, 200])
      expect(emu.requests()[0]).toMatchObject({ errorCode: 'RequestTimeExpired' })
    } finally {
      serviceOffsetMs = 0
    }
  })

  it("the older code RequestTimeTooSkewed is handled too, from the answer's Date header", async () => {
    emu.clear()
    emu.inject({
      fail: 1,
      status: 400,
      errorCode: 'RequestTimeTooSkewed',
      errorMessage: 'Request time exceeds server time more than 15 minutes.',
    })
    const res = await client({ retry: false }).send(logs(1))
    expect(res.logs).toBe(1)
    expect(emu.requests().map((r) => r.status)).toEqual([400, 200])
  })

  it('provider failures are CredentialsErrors through the usual path, retried as the policy says', async () => {
    let n = 0
    const failing = client({
      retry: 2,
      credentials: async () => {
        n++
        throw new Error('backend down (ECONNREFUSED)')
      },
    })
    const e = await failing.send(logs(1)).catch((x: unknown) => x)
    expect(e).toBeInstanceOf(CredentialsError)
    expect(e).toMatchObject({
      name: 'CredentialsError',
      retryable: true,
      message: 'the credentials provider failed: backend down (ECONNREFUSED)',
    })
    expect(n).toBe(3)
    const bad = client({ credentials: async () => ({ ...STS, expiration: 'soon' }) })
    await expect(bad.send(logs(1))).rejects.toMatchObject({ name: 'CredentialsError', retryable: false })
    expect(() => client({ credentials: { accessKeyId: 'a:b', accessKeySecret: 's' } })).toThrow(ValidationError)
  })
})

describe('signed tracker → emulator', () => {
  it('batches, retries and flushes signed', async () => {
    emu.clear()
    emu.inject({ fail: 1, status: 503, errorCode: 'InternalServerError' })
    const p = provider(() => ({ ...STS, expiration: Date.now() + HOUR }))
    const errors: unknown[] = []
    const tracker = createTracker({
      ...base,
      endpoint: emu.endpoint,
      fetch: emu.fetch,
      credentials: p.fn,
      maxBatchLogs: 50,
      retry: { baseDelayMs: 1, maxDelayMs: 2 },
      onError: (e) => errors.push(e),
    })
    tracker.push(logs(120))
    await tracker.close()
    expect(errors).toEqual([])
    expect(emu.logs()).toHaveLength(120)
    expect(emu.requests().filter((r) => r.status === 200)).toHaveLength(3)
    expect(emu.requests().every((r) => r.form === 'signed')).toBe(true)
    expect(tracker.stats()).toMatchObject({ sent: 120, retried: 50 })
    expect(p.calls.n).toBe(1)
  })

  it('flushSync (the unload path) signs synchronously: fetch is called before it returns', async () => {
    emu.clear()
    const called: string[] = []
    const tracker = createTracker({
      ...base,
      endpoint: emu.endpoint,
      fetch: (input, init) => {
        called.push((input as Request).url)
        return emu.fetch(input, init)
      },
      credentials: STS,
      flushOnExit: false,
    })
    tracker.push(logs(5))
    tracker.flushSync({ final: true })
    expect(called).toEqual([expect.stringMatching(/\/logstores\/web$/)])
    await tracker.close()
    expect(emu.logs()).toHaveLength(5)
  })

  it('refusals reach onError as typed errors', async () => {
    const errors: unknown[] = []
    const tracker = createTracker({
      ...base,
      endpoint: emu.endpoint,
      fetch: emu.fetch,
      credentials: { ...KEY, accessKeySecret: 'wrong' },
      onError: (e) => errors.push(e),
    })
    tracker.push(logs(2))
    await tracker.close()
    expect(errors).toEqual([expect.objectContaining({ name: 'ServiceError', status: 401, errorCode: 'SignatureNotMatch' })])
  })
})
