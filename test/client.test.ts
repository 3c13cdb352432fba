// The client on the wire: every assertion reads what a recording fetch received, and decodes
// compressed bodies with independent decoders (lz4-napi, i.e. lz4_flex, and node:zlib; liblz4
// through python3-lz4 too, where it is installed).
import { inflateSync } from 'node:zlib'
import { runInNewContext } from 'node:vm'
import { buildSync } from 'esbuild'
import fc from 'fast-check'
import { uncompressSync } from 'lz4-napi'
import { describe, expect, it } from 'vitest'
import {
  createClient,
  lz4,
  NetworkError,
  SendError,
  ServiceError,
  TimeoutError,
  ValidationError,
  prepare,
  target,
  trackUrl,
  type ClientOptions,
  type LogInput,
} from '../src/index.js'
import { deflatePortable } from '../src/compress/deflate.js'
import { missing } from '../scripts/provision.mjs'
import { fail, ok, pythonLz4Decode, recordingFetch, type WireRequest } from './support/wire.js'

const base = { project: 'my-project', endpoint: 'cn-hangzhou.log.aliyuncs.com', logstore: 'web', compression: 'none' } as const
const noSleep = async () => {}

function client(extra: Partial<ClientOptions> = {}, responder?: Parameters<typeof recordingFetch>[0]) {
  const wire = recordingFetch(responder)
  return { c: createClient({ ...base, fetch: wire.fetch, sleep: noSleep, ...extra }), wire }
}

const text = (b: Uint8Array) => new TextDecoder('utf-8', { fatal: true }).decode(b)
/** A raw LZ4 block decoded by lz4-napi, which wants the raw size as a u32 LE prefix. */
function lz4NapiDecode(block: Uint8Array, rawSize: number): Uint8Array {
  const framed = Buffer.alloc(4 + block.length)
  framed.writeUInt32LE(rawSize, 0)
  framed.set(block, 4)
  return new Uint8Array(uncompressSync(framed))
}
function rawBody(req: WireRequest): Uint8Array {
  const type = req.headers.get('x-log-compresstype')
  const size = Number(req.headers.get('x-log-bodyrawsize'))
  if (type === 'deflate') return new Uint8Array(inflateSync(req.body))
  if (type === 'lz4') return lz4NapiDecode(req.body, size)
  return req.body
}
const json = (req: WireRequest) => JSON.parse(text(rawBody(req)))

describe('routing', () => {
  it('puts the project in the host and the Logstore in the path; https by default', async () => {
    const { c, wire } = client()
    await c.send({ a: '1' })
    expect(wire.requests[0]!.url.href).toBe('https://my-project.cn-hangzhou.log.aliyuncs.com/logstores/web/track')
    expect(wire.requests[0]!.method).toBe('POST')
  })

  it('keeps the scheme and port of a URL endpoint; the Logstore can be overridden per send', async () => {
    const { c, wire } = client({ endpoint: 'http://localhost:4318' })
    await c.send({ a: '1' }, { logstore: 'other_store' })
    expect(wire.requests[0]!.url.href).toBe('http://my-project.localhost:4318/logstores/other_store/track')
  })

  const badNames = [
    '',
    'ab',
    'My-project',
    'a.b.c',
    'evil.com/x',
    'a/b-c',
    'user@host',
    'abc#frag',
    'ab%2e',
    'abc?x=1',
    'a b c',
    '-abc',
    'abc-',
    'a'.repeat(64),
    'abc\n',
    '..',
  ]
  it.each(badNames)('refuses the project %j before fetch is called', (project) => {
    const { wire } = client()
    expect(() => createClient({ ...base, project, fetch: wire.fetch })).toThrow(ValidationError)
    expect(wire.requests).toHaveLength(0)
  })

  it.each([...badNames, 'a_'])('refuses the Logstore %j before fetch is called', async (logstore) => {
    const { c, wire } = client()
    await expect(c.send({ a: '1' }, { logstore })).rejects.toThrow(ValidationError)
    expect(wire.requests).toHaveLength(0)
  })

  it('refuses bad options at creation: limits, an empty tag key, a default Logstore or topic that cannot be sent', () => {
    const path = (fn: () => unknown) => {
      try {
        fn()
      } catch (e) {
        expect(e).toBeInstanceOf(ValidationError)
        return (e as ValidationError).path
      }
      return undefined
    }
    expect(path(() => createClient({ ...base, limits: { maxBytes: 0 } }))).toBe('limits.maxBytes')
    expect(path(() => createClient({ ...base, tags: { '': 'x' } }))).toBe('tags')
    expect(path(() => createClient({ ...base, logstore: 'A' }))).toBe('logstore')
  })

  it.each([
    'https://user:pw@host.com',
    'user@host.com',
    'host.com/path',
    'https://host.com/x',
    'host.com?q=1',
    'host.com#f',
    'ftp://host.com',
    '',
    'https://',
  ])('refuses the endpoint %j', (endpoint) => {
    expect(() => createClient({ ...base, endpoint })).toThrow(ValidationError)
  })

  it('any project string either routes to its own host label or is refused (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ minLength: 0, maxLength: 70, unit: fc.constantFrom(...'abz09-._/@#%? A:\\'.split('')) }),
        async (project) => {
          const wire = recordingFetch()
          let c
          try {
            c = createClient({ ...base, project, fetch: wire.fetch })
          } catch (e) {
            expect(e).toBeInstanceOf(ValidationError)
            return
          }
          expect(project).toMatch(/^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/)
          await c.send({ a: '1' })
          expect(wire.requests[0]!.url.hostname).toBe(`${project}.cn-hangzhou.log.aliyuncs.com`)
          expect(wire.requests[0]!.url.pathname).toBe('/logstores/web/track')
        },
      ),
      { numRuns: 300 },
    )
  })

  it('builds the single-log GET URL', () => {
    const { c } = client()
    const url = new URL(trackUrl(c, { event: 'view', n: 3, msg: 'a&b=c' }, { topic: 't', source: 's' }))
    expect(url.origin + url.pathname).toBe('https://my-project.cn-hangzhou.log.aliyuncs.com/logstores/web/track')
    expect(Object.fromEntries(url.searchParams)).toEqual({
      APIVersion: '0.6.0',
      __topic__: 't',
      __source__: 's',
      event: 'view',
      n: '3',
      msg: 'a&b=c',
    })
    expect(() => trackUrl(c, { APIVersion: 'x' })).toThrow(ValidationError)
  })
})

describe('the request', () => {
  it('sends the documented headers and JSON envelope, one topic, __source__ always present', async () => {
    const { c, wire } = client({ source: 'page', tags: { app: 'shop' } })
    const res = await c.send([{ a: '1' }, { b: '2' }], { topic: 'clicks', tags: { v: 2 } })
    const req = wire.requests[0]!
    expect(req.headers.get('x-log-apiversion')).toBe('0.6.0')
    expect(req.headers.get('content-type')).toBe('application/json')
    expect(req.headers.get('x-log-compresstype')).toBeNull()
    expect(Number(req.headers.get('x-log-bodyrawsize'))).toBe(req.body.length)
    expect(json(req)).toEqual({
      __topic__: 'clicks',
      __source__: 'page',
      __tags__: { app: 'shop', v: '2' },
      __logs__: [{ a: '1' }, { b: '2' }],
    })
    expect(res).toMatchObject({
      logs: 2,
      requests: 1,
      retries: 0,
      rawBytes: req.body.length,
      wireBytes: req.body.length,
      requestIds: ['RID0'],
    })
  })

  it('sends __source__ as "" when none is set', async () => {
    const { c, wire } = client()
    await c.send({ a: '1' })
    expect(json(wire.requests[0]!)).toHaveProperty('__source__', '')
  })

  it('x-log-bodyrawsize is the exact UTF-8 length, with multi-byte text and emoji', async () => {
    const { c, wire } = client()
    await c.send([{ zh: '日志服务', emoji: '😀👍🏽', mixed: 'é\u0000"\\\n' }])
    const req = wire.requests[0]!
    expect(Number(req.headers.get('x-log-bodyrawsize'))).toBe(req.body.length)
    expect(json(req).__logs__[0]).toEqual({ zh: '日志服务', emoji: '😀👍🏽', mixed: 'é\u0000"\\\n' })
  })

  it('the header-less form: ?APIVersion=0.6.0, text/plain, no x-log-* header, no compression', async () => {
    const { c, wire } = client({ compression: lz4 })
    await c.send([{ a: 'x'.repeat(5000) }], { headerless: true, keepalive: true })
    const req = wire.requests[0]!
    expect(req.url.search).toBe('?APIVersion=0.6.0')
    expect(req.headers.get('content-type')).toBe('text/plain;charset=UTF-8')
    expect([...req.headers.keys()].filter((k) => k.startsWith('x-log'))).toEqual([])
    expect(req.keepalive).toBe(true)
    expect(json(req).__logs__[0].a).toHaveLength(5000)
  })
})

describe('normalisation', () => {
  it('turns every value into a string; leaves null/undefined out; counts functions, symbols and __time__', async () => {
    const { c, wire } = client()
    const circular: Record<string, unknown> = { name: 'loop' }
    circular.self = circular
    const res = await c.send({
      s: 'text',
      n: 1.5,
      int: -3,
      big: 12345678901234567890n,
      t: true,
      d: new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 6)),
      o: { x: [1, 'y', null] },
      arr: [1, 2],
      circ: circular,
      nested: { big: 1n },
      nul: null,
      und: undefined,
      fn: () => 1,
      sym: Symbol('s'),
      __time__: '1700000000',
    })
    expect(json(wire.requests[0]!).__logs__[0]).toEqual({
      s: 'text',
      n: '1.5',
      int: '-3',
      big: '12345678901234567890',
      t: 'true',
      d: '2026-01-02T03:04:05.006Z',
      o: '{"x":[1,"y",null]}',
      arr: '[1,2]',
      circ: '{"name":"loop","self":"[Circular]"}',
      nested: '{"big":"1"}',
    })
    expect(res.omitted).toBe(3)
  })

  it.each(['', '__topic__', '__source__', '__partition_time__', '__tag__:host', '__logs__', '__tags__'])(
    'refuses the key %j with the log index, and sends nothing',
    async (key) => {
      const { c, wire } = client()
      const err = await c.send([{ ok: '1' }, { ok: '2', [key]: 'x' }]).catch((e: unknown) => e)
      expect(err).toBeInstanceOf(ValidationError)
      expect((err as ValidationError).path).toBe(`logs[1].${key}`)
      expect(wire.requests).toHaveLength(0)
    },
  )

  it('replaces lone surrogates with U+FFFD (the wire is valid UTF-8)', async () => {
    const { c, wire } = client()
    await c.send({ bad: 'a\ud800b', tail: '\udc00', ['k\ud801']: 'v' })
    expect(json(wire.requests[0]!).__logs__[0]).toEqual({ bad: 'a\ufffdb', tail: '\ufffd', 'k\ufffd': 'v' })
  })

  it('carries __proto__ and constructor as data and pollutes no prototype', async () => {
    const { c, wire } = client()
    const log = JSON.parse('{"__proto__": {"polluted": "yes"}, "constructor": "c", "n": 1}')
    await c.send(log)
    expect(json(wire.requests[0]!).__logs__[0]).toEqual({ ['__proto__']: '{"polluted":"yes"}', constructor: 'c', n: '1' })
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })

  it('an empty list sends nothing and resolves with zero logs; the target is still checked', async () => {
    const { c, wire } = client()
    await expect(c.send([])).resolves.toMatchObject({ logs: 0, requests: 0, requestIds: [] })
    await expect(c.send([], { logstore: 'Not_Valid' })).rejects.toThrow(ValidationError)
    expect(wire.requests).toHaveLength(0)
  })

  it('refuses a log that is not an object', async () => {
    const { c, wire } = client()
    const notAnObject: unknown = null
    await expect(c.send([{ a: '1' }, notAnObject as LogInput])).rejects.toThrow(/logs\[1\]/)
    expect(wire.requests).toHaveLength(0)
  })
})

describe('splitting', () => {
  const logArb = fc.dictionary(
    fc.string({ minLength: 1, maxLength: 8, unit: fc.constantFrom(...'abcdefgxyz_-'.split('')) }),
    fc.string({
      maxLength: 60,
      unit: fc.oneof(fc.constantFrom('a', 'é', '日', '😀', '"', '\\', '\n'), fc.string({ minLength: 1, maxLength: 1 })),
    }),
    { minKeys: 1, maxKeys: 5 },
  )

  it('every request holds ≤ maxLogs logs and ≤ maxBytes raw bytes with its envelope; order kept (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(logArb, { minLength: 1, maxLength: 60 }),
        fc.integer({ min: 400, max: 2000 }),
        fc.integer({ min: 1, max: 9 }),
        async (logs, maxBytes, maxLogs) => {
          const { c, wire } = client({ limits: { maxBytes, maxLogs } })
          const prepared = logs.map((l) => prepare(l))
          const env = target(c, { topic: 't' }).envelope.bytes
          if (prepared.some((p) => p.bytes + env > maxBytes)) {
            await expect(c.send(logs, { topic: 't' })).rejects.toThrow(ValidationError)
            expect(wire.requests).toHaveLength(0)
            return
          }
          const res = await c.send(logs, { topic: 't' })
          const sent = []
          for (const req of wire.requests) {
            expect(req.body.length).toBeLessThanOrEqual(maxBytes)
            expect(Number(req.headers.get('x-log-bodyrawsize'))).toBe(req.body.length)
            const body = json(req)
            expect(body.__logs__.length).toBeLessThanOrEqual(maxLogs)
            expect(body.__topic__).toBe('t')
            sent.push(...body.__logs__)
          }
          expect(sent).toEqual(logs.map((l) => Object.fromEntries(Object.entries(l))))
          expect(res.logs).toBe(logs.length)
          expect(res.requests).toBe(wire.requests.length)
          // Greedy packing: no two neighbouring requests could have been one.
          for (let i = 1; i < wire.requests.length; i++) {
            const a = json(wire.requests[i - 1]!).__logs__.length
            const b = json(wire.requests[i]!).__logs__.length
            const merged = wire.requests[i - 1]!.body.length + wire.requests[i]!.body.length - env + 1
            expect(a + b > maxLogs || merged > maxBytes).toBe(true)
          }
        },
      ),
      { numRuns: 150 },
    )
  })

  it('splits 10 000 logs into requests of at most 4096 by default', async () => {
    const { c, wire } = client()
    const res = await c.send(Array.from({ length: 10_000 }, (_, i) => ({ i: String(i) })))
    expect(wire.requests.map((r) => json(r).__logs__.length)).toEqual([4096, 4096, 1808])
    expect(res.requests).toBe(3)
  })

  it('refuses a log that cannot fit alone, before anything is sent', async () => {
    const { c, wire } = client({ limits: { maxBytes: 1000 } })
    const err = await c.send([{ a: 'small' }, { big: 'x'.repeat(1000) }]).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ValidationError)
    expect((err as ValidationError).path).toBe('logs[1]')
    expect(wire.requests).toHaveLength(0)
  })
})

describe('compression', () => {
  const corpus = (n: number) =>
    Array.from({ length: n }, (_, i) => ({
      url: `https://shop.example.com/item/${i % 50}?ref=home`,
      ua: 'Mozilla/5.0 (X11; Linux x86_64) Chrome/156.0',
      msg: `第${i}条 click`,
      i,
    }))

  it('lz4: a raw block that lz4-napi, and liblz4 where installed, decode to the raw body', async () => {
    const { c, wire } = client({ compression: lz4 })
    const res = await c.send(corpus(500))
    const req = wire.requests[0]!
    expect(req.headers.get('x-log-compresstype')).toBe('lz4')
    expect(req.headers.get('content-type')).toBe('application/octet-stream')
    const raw = rawBody(req)
    expect(Number(req.headers.get('x-log-bodyrawsize'))).toBe(raw.length)
    expect(json(req).__logs__).toHaveLength(500)
    expect(res.wireBytes).toBe(req.body.length)
    expect(res.wireBytes).toBeLessThan(res.rawBytes / 3)
    // The reference decoder; test/compress/lz4.test.ts is where CI requires it.
    if (!missing('python3-lz4')) expect(new Uint8Array(pythonLz4Decode([{ data: req.body, size: raw.length }])[0]!)).toEqual(raw)
  })

  it('deflate: zlib-wrapped (RFC 1950), decoded by node:zlib inflateSync', async () => {
    const { c, wire } = client({ compression: 'deflate' })
    await c.send(corpus(500))
    const req = wire.requests[0]!
    expect(req.headers.get('x-log-compresstype')).toBe('deflate')
    expect(req.body[0]! & 0x0f).toBe(8) // zlib header: CM = 8 (deflate)
    expect(((req.body[0]! << 8) | req.body[1]!) % 31).toBe(0)
    expect(json(req).__logs__).toHaveLength(500)
  })

  it("in a runtime without node:zlib or CompressionStream, `deflate` fails at creation, deflatePortable works, and the main entry's 'deflate' sends deflate", async () => {
    // The package's entries, bundled and run in a bare V8 context: no `process`, no
    // CompressionStream (what React Native or a mini-program engine offers).
    const { outputFiles } = buildSync({
      stdin: {
        contents:
          "export * from './src/core.ts'; export { deflate, deflatePortable, hasNativeDeflate } from './src/compress/deflate.ts'; export { createClient as createMainClient } from './src/index.ts'",
        resolveDir: process.cwd(),
        loader: 'ts',
      },
      bundle: true,
      format: 'iife',
      globalName: 'pkg',
      platform: 'neutral',
      write: false,
    })
    // What a send needs besides (fetch is passed in): still no `process`, no CompressionStream.
    const sandbox = {
      TextEncoder,
      URL,
      URLSearchParams,
      AbortController,
      AbortSignal,
      Uint8Array,
      Request,
      Headers,
      Response,
      FormData,
      setTimeout,
      clearTimeout,
      pkg: undefined as any,
    }
    runInNewContext(outputFiles[0]!.text, sandbox)
    const pkg = sandbox.pkg
    expect(pkg.hasNativeDeflate).toBe(false)
    const options = { project: 'p-1', endpoint: 'cn-hangzhou.log.aliyuncs.com', logstore: 'web' }
    let error: any
    try {
      pkg.createClient({ ...options, compression: pkg.deflate })
    } catch (e) {
      error = e
    }
    expect(error?.name).toBe('ValidationError')
    expect(error.path).toBe('compression')
    expect(error.message).toMatch(/deflatePortable/)
    expect(() => pkg.createClient({ ...options, compression: pkg.auto(pkg.deflate) })).toThrow(/deflatePortable/)
    expect(pkg.createClient({ ...options, compression: pkg.deflatePortable }).options.compression).toBe(pkg.deflatePortable)
    // The main entry's name 'deflate' takes the portable codec here (loaded on demand).
    const wire = recordingFetch()
    await pkg.createMainClient({ ...options, compression: 'deflate', fetch: wire.fetch }).send(corpus(50))
    const req = wire.requests[0]!
    expect(req.headers.get('x-log-compresstype')).toBe('deflate')
    expect(json(req).__logs__).toHaveLength(50)
    const raw = new TextEncoder().encode(JSON.stringify(corpus(20)))
    expect(new Uint8Array(inflateSync(pkg.deflatePortable.compress(raw)))).toEqual(raw)
  })

  it('deflatePortable (fflate, for runtimes without a native deflate) is zlib-wrapped too, and synchronous', () => {
    const raw = new TextEncoder().encode(JSON.stringify(corpus(50)))
    const out = deflatePortable.compress(raw)
    expect(out).toBeInstanceOf(Uint8Array)
    expect(new Uint8Array(inflateSync(out as Uint8Array))).toEqual(raw)
  })

  it("'auto' leaves small bodies and bodies that would not shrink uncompressed", async () => {
    const { c, wire } = client({ compression: 'auto' })
    await c.send({ a: 'small' })
    const random = Array.from({ length: 3000 }, () => String.fromCharCode(33 + Math.floor(Math.random() * 90))).join('')
    await c.send({ r: random })
    await c.send(corpus(100))
    expect(wire.requests.map((r) => r.headers.get('x-log-compresstype'))).toEqual([null, null, 'lz4'])
    expect(json(wire.requests[1]!).__logs__[0].r).toBe(random)
  })
})

describe('errors and retries', () => {
  it('a 400 becomes a ServiceError with status, code, message and request id; not retried', async () => {
    const { c, wire } = client({}, () => fail(400, 'PostBodyInvalid'))
    const err = (await c.send({ a: '1' }).catch((e: unknown) => e)) as ServiceError
    expect(err).toBeInstanceOf(ServiceError)
    expect(err).toMatchObject({
      name: 'ServiceError',
      status: 400,
      errorCode: 'PostBodyInvalid',
      errorMessage: 'PostBodyInvalid message',
      requestId: 'E400',
      retryable: false,
    })
    expect(wire.requests).toHaveLength(1)
  })

  it('a non-JSON error body still gives a ServiceError', async () => {
    const { c } = client({}, () => new Response('<html>bad gateway</html>', { status: 502 }))
    const err = (await c.send({ a: '1' }, { retry: false }).catch((e: unknown) => e)) as ServiceError
    expect(err).toMatchObject({ status: 502, errorCode: 'HTTP502', retryable: true })
    expect(err.errorMessage).toContain('bad gateway')
  })

  it.each([
    [500, 'InternalServerError'],
    [503, 'ServiceUnavailable'],
    [429, 'TooManyRequests'],
    [403, 'WriteQuotaExceed'],
    [403, 'ShardWriteQuotaExceed'],
  ])('retries %i %s, then succeeds', async (status, code) => {
    const { c, wire } = client({}, (_r, i) => (i < 2 ? fail(status, code) : ok('R')))
    const res = await c.send({ a: '1' })
    expect(wire.requests).toHaveLength(3)
    expect(res.retries).toBe(2)
    expect(res.requestIds).toEqual(['R'])
  })

  it.each([
    [403, 'Unauthorized'],
    [404, 'ProjectNotExist'],
    [404, 'LogStoreNotExist'],
    [400, 'InvalidKey'],
    [499, 'PostBodyInvalid'],
  ])('does not retry %i %s', async (status, code) => {
    const { c, wire } = client({}, () => fail(status, code))
    await expect(c.send({ a: '1' })).rejects.toMatchObject({ status, errorCode: code, retryable: false })
    expect(wire.requests).toHaveLength(1)
  })

  it('network errors are NetworkError with the cause, retried up to the limit', async () => {
    const cause = new TypeError('fetch failed')
    const { c, wire } = client({ retry: { limit: 2 } }, () => cause)
    const err = (await c.send({ a: '1' }).catch((e: unknown) => e)) as NetworkError
    expect(err).toBeInstanceOf(NetworkError)
    expect(err.cause).toBe(cause)
    expect(err.retryable).toBe(true)
    expect(wire.requests).toHaveLength(3)
  })

  it('a slow attempt is a TimeoutError', async () => {
    // The requests are kept: a Request's signal follows the caller's only through a weak
    // reference, so an unreferenced one can be collected before the abort reaches it (a real
    // fetch holds its request while it runs; this stand-in must too).
    const held: Request[] = []
    const hang = (req: Request) =>
      new Promise<Response>((_, reject) => {
        held.push(req)
        req.signal.addEventListener('abort', () => reject(req.signal.reason))
      })
    const c = createClient({ ...base, timeoutMs: 20, retry: false, fetch: ((input: Request) => hang(input)) as typeof fetch })
    const err = await c.send({ a: '1' }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(TimeoutError)
    expect((err as TimeoutError).timeoutMs).toBe(20)
  })

  it('a fetch that ignores its signal still ends in a TimeoutError, or in the caller’s abort', async () => {
    const never = (() => new Promise<Response>(() => {})) as typeof fetch
    const c = createClient({ ...base, timeoutMs: 20, retry: false, fetch: never })
    await expect(c.send({ a: '1' })).rejects.toBeInstanceOf(TimeoutError)
    const reason = new Error('left the page')
    const controller = new AbortController()
    const sending = createClient({ ...base, retry: false, fetch: never }).send({ a: '1' }, { signal: controller.signal })
    setTimeout(() => controller.abort(reason), 5)
    await expect(sending).rejects.toBe(reason)
  })

  it('an aborted signal rejects with its reason, before or during a send', async () => {
    const reason = new Error('user left')
    const { c, wire } = client()
    await expect(c.send({ a: '1' }, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason)
    expect(wire.requests).toHaveLength(0)
    const controller = new AbortController()
    const hanging = createClient({
      ...base,
      fetch: ((req: Request) =>
        new Promise((_, reject) => {
          req.signal.addEventListener('abort', () => reject(req.signal.reason))
          controller.abort(reason)
        })) as typeof fetch,
    })
    await expect(hanging.send({ a: '1' }, { signal: controller.signal })).rejects.toBe(reason)
  })

  it('backoff is exponential with full jitter, capped, and Retry-After wins', async () => {
    const delays: number[] = []
    const { c } = client({ retry: { limit: 5, baseDelayMs: 100, maxDelayMs: 400 }, onRetry: (i) => delays.push(i.delayMs) }, (_r, i) =>
      i < 5 ? fail(500, 'InternalServerError') : ok(),
    )
    await c.send({ a: '1' })
    const ceilings = [100, 200, 400, 400, 400]
    delays.forEach((d) => expect(d).toBeGreaterThanOrEqual(0))
    delays.forEach((d, i) => expect(d).toBeLessThan(ceilings[i]!))
    const waited: number[] = []
    const { c: c2 } = client({ onRetry: (i) => waited.push(i.delayMs) }, (_r, i) =>
      i === 0 ? fail(503, 'Busy', { 'retry-after': '2' }) : ok(),
    )
    await c2.send({ a: '1' })
    expect(waited).toEqual([2000])
  })

  it('a split send that fails part-way throws SendError with the accepted count and the unsent logs', async () => {
    const { c } = client({ limits: { maxLogs: 2 }, retry: 1 }, (_r, i) => (i < 2 ? ok(`R${i}`) : fail(500, 'InternalServerError')))
    const logs = [{ n: 1 }, { n: 2 }, { n: 3 }, { n: 4 }, { n: 5 }, { n: 6 }]
    const err = (await c.send(logs).catch((e: unknown) => e)) as SendError
    expect(err).toBeInstanceOf(SendError)
    expect(err.accepted).toBe(4)
    expect(err.unsent).toEqual(logs.slice(4))
    expect(err.requestIds).toEqual(['R0', 'R1'])
    expect(err.cause).toBeInstanceOf(ServiceError)
  })
})
