// sls-webtrack/mini: the client and the tracker over a mini-program's request function, the
// stand-ins of test/support/mini-request.ts (WeChat's and Alipay's published contracts over
// real HTTP) to the emulator: bodies as ArrayBuffer (LZ4 and deflate arrive and decode), the
// platform's failure as a NetworkError with its words, its timeout as a TimeoutError, an error
// status as a ServiceError, and no `fetch` or `Response` needed from the runtime.
import { createServer, type Server } from 'node:net'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { startEmulator, type Emulator } from '../../src/emulator/index.js'
import { createClient, createTracker, NetworkError, ServiceError, TimeoutError, ValidationError } from '../../src/index.js'
import { miniFetch, type MiniRequest } from '../../src/mini/index.js'
import { standIn } from '../support/mini-request.js'

let emu: Emulator
beforeEach(async () => {
  emu = await startEmulator({ logstores: ['mini'] })
})
afterEach(async () => {
  vi.unstubAllGlobals()
  await emu.close()
})

const logs = Array.from({ length: 500 }, (_, i) => ({ i, msg: `第${i}条 😀 ${'x'.repeat(i % 40)}` }))
const options = (fetch: typeof globalThis.fetch) => ({ project: 'mini-test', endpoint: emu.endpoint, logstore: 'mini', fetch })

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server: Server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}

for (const dialect of ['wx', 'alipay'] as const) {
  describe(`the ${dialect} dialect`, () => {
    for (const compression of ['none', 'lz4', 'deflate'] as const) {
      it(`sends ${compression === 'none' ? 'JSON' : `${compression} bodies`} as ArrayBuffer, and every log arrives`, async () => {
        const mini = standIn(dialect)
        const client = createClient({ ...options(miniFetch(mini.request, { dialect })), compression })
        const res = await client.send(logs, { topic: compression })
        expect(res.logs).toBe(500)
        expect(emu.logs().map(({ log: { i, msg } }) => ({ i, msg }))).toEqual(logs.map((l) => ({ i: String(l.i), msg: l.msg })))
        const [req] = emu.requests()
        expect(req).toMatchObject({ status: 200, compressType: compression, logs: 500 })
        const [call] = mini.calls
        expect(call!.data).toBeInstanceOf(ArrayBuffer)
        expect(call!.data!.byteLength).toBe(req!.wireBytes)
        expect(call).toMatchObject(
          dialect === 'wx'
            ? { method: 'POST', responseType: 'arraybuffer', header: { 'x-log-apiversion': '0.6.0' } }
            : { method: 'POST', dataType: 'arraybuffer', headers: { 'x-log-apiversion': '0.6.0' } },
        )
        // The request id of the answer, read whatever the case of its name.
        expect(res.requestIds).toEqual([req!.requestId])
      })
    }

    it("maps the platform's failure to a NetworkError that carries its words", async () => {
      const mini = standIn(dialect)
      const port = await closedPort()
      const client = createClient({
        project: 'mini-test',
        endpoint: `http://localhost:${port}`,
        logstore: 'mini',
        fetch: miniFetch(mini.request, { dialect }),
        retry: false,
      })
      const error = await client.send({ a: 1 }).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(NetworkError)
      expect((error as NetworkError).retryable).toBe(true)
      expect((error as Error).message).toBe(
        `network error on POST http://mini-test.localhost:${port}/logstores/mini/track: ${dialect === 'wx' ? 'request:fail ECONNREFUSED' : 'network error: ECONNREFUSED'}`,
      )
    })

    it("maps the platform's timeout to a TimeoutError, and a retry then delivers", async () => {
      const mini = standIn(dialect)
      emu.inject({ stall: true })
      const client = createClient({ ...options(miniFetch(mini.request, { dialect, timeoutMs: 150 })), retry: false })
      const error = await client.send({ a: 1 }).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(TimeoutError)
      expect(error).toMatchObject({ timeoutMs: 150, retryable: true })
      emu.inject({ stall: false })
      const retried = createClient({ ...options(miniFetch(mini.request, { dialect, timeoutMs: 150 })), retry: 2 })
      await expect(retried.send({ a: 2 })).resolves.toMatchObject({ logs: 1 })
      // The stalled request may be stored once released, as a lost answer can be.
      expect(emu.logs().map((l) => l.log.a)).toContain('2')
    })

    it('reads an error status as a ServiceError, with its code and request id', async () => {
      const mini = standIn(dialect)
      emu.inject({ fail: 1, status: 404, errorCode: 'LogStoreNotExist' })
      const client = createClient({ ...options(miniFetch(mini.request, { dialect })), retry: false })
      const error = await client.send({ a: 1 }).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(ServiceError)
      expect(error).toMatchObject({ status: 404, errorCode: 'LogStoreNotExist', requestId: emu.requests()[0]!.requestId })
    })

    it('runs the tracker unchanged, without a global fetch or Response', async () => {
      vi.stubGlobal('fetch', undefined)
      vi.stubGlobal('Response', undefined)
      const mini = standIn(dialect)
      const tracker = createTracker({ ...options(miniFetch(mini.request, { dialect })), compression: 'lz4', lingerMs: 5 })
      for (let i = 0; i < 3000; i++) tracker.push({ i, via: dialect }, { topic: 'tracked' })
      await tracker.close()
      expect(tracker.stats()).toMatchObject({ sent: 3000, dropped: 0 })
      expect(emu.logs()).toHaveLength(3000)
      expect(new Set(emu.logs().map((l) => l.log.i)).size).toBe(3000)
      expect(emu.requests().every((r) => r.compressType === 'lz4' && r.status === 200)).toBe(true)
    })
  })
}

describe('miniFetch', () => {
  it('aborts the platform task when the client times out first', async () => {
    const mini = standIn('wx')
    emu.inject({ stall: true })
    const client = createClient({ ...options(miniFetch(mini.request, { timeoutMs: 60_000 })), timeoutMs: 100, retry: false })
    const error = await client.send({ a: 1 }).catch((e: unknown) => e)
    expect(error).toMatchObject({ name: 'TimeoutError', timeoutMs: 100 })
    expect(mini.aborted).toBe(1)
    emu.inject({ stall: false })
  })

  it('passes the platform timeout on as `timeout`: 10 s by default', () => {
    const calls: unknown[] = []
    const request: MiniRequest = (o) => calls.push(o.timeout)
    void miniFetch(request)('http://x.localhost/', { method: 'POST', body: 'a' })
    void miniFetch(request, { timeoutMs: 2500 })('http://x.localhost/', { method: 'POST', body: 'a' })
    return vi.waitFor(() => expect(calls).toEqual([10_000, 2500]))
  })

  it('reads an Alipay error 19 without the answer, and a Baidu errCode with errMsg, as NetworkErrors with their words', async () => {
    const failing =
      (err: Record<string, unknown>): MiniRequest =>
      (o) => {
        o.fail(err)
        return undefined
      }
    const send = (request: MiniRequest, dialect: 'wx' | 'alipay') =>
      createClient({ ...options(miniFetch(request, { dialect })), retry: false })
        .send({ a: 1 })
        .catch((e: unknown) => e)
    const url = `${emu.endpoint.replace('//', '//mini-test.')}/logstores/mini/track`
    expect(await send(failing({ error: 19, errorMessage: 'HTTP error' }), 'alipay')).toEqual(new NetworkError(url, new Error('HTTP error')))
    expect(await send(failing({ errCode: 1001, errMsg: 'request:fail 执行失败' }), 'wx')).toMatchObject({
      name: 'NetworkError',
      message: `network error on POST ${url}: request:fail 执行失败`,
    })
    expect(emu.requests()).toEqual([])
  })

  it('refuses what is not a request function, a dialect it does not know and a bad timeout', () => {
    expect(() => miniFetch(undefined as unknown as MiniRequest)).toThrow(
      new ValidationError('request', "expected the platform's request function (wx.request, my.request, ...), got undefined"),
    )
    const request: MiniRequest = () => undefined
    expect(() => miniFetch(request, { dialect: 'swan' as 'wx' })).toThrow(ValidationError)
    expect(() => miniFetch(request, { timeoutMs: 0 })).toThrow(/timeoutMs/)
  })
})
