// The emulator, over real HTTP: plain fetch through emu.fetch (host routing via
// X-Forwarded-Host) and node:http where the Host header itself matters.
import { request as httpRequest } from 'node:http'
import { connect } from 'node:net'
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { deflateRawSync, deflateSync, gzipSync } from 'node:zlib'
import { compressSync } from 'lz4-napi'
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { ERROR_EXAMPLES, RESERVED_LOG_KEYS, type ErrorCode } from '../../generated/spec.js'
import { startEmulator, type Emulator, type EmulatorOptions } from '../../src/emulator/index.js'
import { isWebTrackError, prepare } from '../../src/index.js'

const REQUEST_ID = /^[0-9A-F]{24}$/
const encoder = new TextEncoder()

/** A raw LZ4 block: lz4-napi prefixes its block with a 4-byte little-endian size. */
const lz4Block = (raw: Uint8Array) => new Uint8Array(compressSync(Buffer.from(raw)).subarray(4))

const trackUrl = (emu: Emulator, { project = 'my-project', logstore = 'web', query = '' } = {}) =>
  `http://${project}.localhost:${emu.port}/logstores/${logstore}/track${query}`

interface PostOptions {
  project?: string
  logstore?: string
  compress?: 'lz4' | 'deflate'
  rawSize?: number | string
  headers?: Record<string, string>
  signal?: AbortSignal
}

/** POST in the headers form; `doc` is JSON-encoded unless it is already bytes. */
function post(emu: Emulator, doc: unknown, options: PostOptions = {}): Promise<Response> {
  const raw = doc instanceof Uint8Array ? doc : encoder.encode(JSON.stringify(doc))
  const body = options.compress === 'lz4' ? lz4Block(raw) : options.compress === 'deflate' ? deflateSync(raw) : raw
  const headers: Record<string, string> = {
    'x-log-apiversion': '0.6.0',
    'x-log-bodyrawsize': String(options.rawSize ?? raw.length),
    'content-type': options.compress ? 'application/octet-stream' : 'application/json',
    ...(options.compress ? { 'x-log-compresstype': options.compress } : {}),
    ...options.headers,
  }
  return emu.fetch(trackUrl(emu, options), { method: 'POST', headers, body: new Uint8Array(body), signal: options.signal })
}

/** POST of arbitrary bytes with explicit headers (nothing filled in). */
function postRaw(emu: Emulator, body: Uint8Array, headers: Record<string, string>, query = ''): Promise<Response> {
  return emu.fetch(trackUrl(emu, { query }), { method: 'POST', headers, body: new Uint8Array(body) })
}

async function expectError(response: Response, status: number, errorCode: ErrorCode): Promise<string> {
  const body = (await response.json()) as { errorCode: string; errorMessage: string }
  expect({ status: response.status, errorCode: body.errorCode }).toEqual({ status, errorCode })
  expect(response.headers.get('content-type')).toBe('application/json')
  expect(response.headers.get('x-log-requestid')).toMatch(REQUEST_ID)
  expect(typeof body.errorMessage).toBe('string')
  return body.errorMessage
}

/** A request with a Host header of our choosing, which fetch cannot send. */
function rawHttp(
  port: number,
  options: { method?: string; path: string; headers?: Record<string, string>; body?: string; chunks?: string[] },
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port, method: options.method ?? 'POST', path: options.path, headers: options.headers },
      (res) => {
        let body = ''
        res.setEncoding('utf8')
        res.on('data', (chunk: string) => (body += chunk))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }))
      },
    )
    req.on('error', reject)
    for (const chunk of options.chunks ?? []) req.write(chunk) // no Content-Length: sent chunked
    req.end(options.body)
  })
}

const doc = { __topic__: 'topic', __source__: 'source', __logs__: [{ key1: 'value1', key2: 'value2' }], __tags__: { tag1: 'value1' } }

let emu: Emulator
beforeAll(async () => {
  emu = await startEmulator({ port: 0, host: '127.0.0.1' })
})
afterAll(() => emu.close())
beforeEach(() => {
  emu.clear()
})

async function withEmulator(options: EmulatorOptions, body: (emu: Emulator) => Promise<void>): Promise<void> {
  const own = await startEmulator({ host: '127.0.0.1', ...options })
  try {
    await body(own)
  } finally {
    await own.close()
  }
}

describe('accepted requests', () => {
  it('accepts an uncompressed POST: 200, empty body, logs stored with project, logstore and __time__', async () => {
    const before = Math.floor(Date.now() / 1000)
    const response = await post(emu, doc)
    const after = Math.floor(Date.now() / 1000)
    expect(response.status).toBe(200)
    expect(response.headers.get('content-length')).toBe('0')
    expect(await response.text()).toBe('')
    const requestId = response.headers.get('x-log-requestid')
    expect(requestId).toMatch(REQUEST_ID)
    const [record, ...rest] = emu.logs()
    expect(rest).toEqual([])
    expect(record).toMatchObject({
      project: 'my-project',
      logstore: 'web',
      topic: 'topic',
      source: 'source',
      tags: { tag1: 'value1' },
      log: { key1: 'value1', key2: 'value2' },
      requestId,
    })
    const time = Number(record!.log.__time__)
    expect(time).toBeGreaterThanOrEqual(before)
    expect(time).toBeLessThanOrEqual(after)
    expect(emu.requests()).toEqual([
      expect.objectContaining({
        method: 'POST',
        status: 200,
        form: 'headers',
        compressType: 'none',
        logs: 1,
        requestId,
        project: 'my-project',
        logstore: 'web',
      }),
    ])
  })

  it('accepts an lz4 POST (raw LZ4 block)', async () => {
    const logs = Array.from({ length: 50 }, (_, i) => ({ i: String(i), message: 'repeated text '.repeat(10) }))
    const response = await post(emu, { __logs__: logs }, { compress: 'lz4' })
    expect(response.status).toBe(200)
    expect(emu.logs().map((r) => r.log.i)).toEqual(logs.map((l) => l.i))
    const [request] = emu.requests()
    expect(request).toMatchObject({ compressType: 'lz4', logs: 50 })
    expect(request!.wireBytes).toBeLessThan(request!.rawBytes)
  })

  it('accepts a deflate POST (zlib-wrapped)', async () => {
    const response = await post(emu, doc, { compress: 'deflate' })
    expect(response.status).toBe(200)
    expect(emu.logs()[0]!.log).toMatchObject({ key1: 'value1' })
    expect(emu.requests()[0]).toMatchObject({ compressType: 'deflate', rawBytes: encoder.encode(JSON.stringify(doc)).length })
  })

  it('accepts the header-less form as text/plain and as application/json', async () => {
    for (const type of ['text/plain;charset=UTF-8', 'application/json']) {
      const response = await emu.fetch(trackUrl(emu, { query: '?APIVersion=0.6.0' }), {
        method: 'POST',
        headers: { 'content-type': type },
        body: JSON.stringify({ __logs__: [{ via: type }] }),
      })
      expect(response.status).toBe(200)
    }
    expect(emu.logs().map((r) => r.log.via)).toEqual(['text/plain;charset=UTF-8', 'application/json'])
    expect(emu.requests().map((r) => r.form)).toEqual(['headerless', 'headerless'])
  })

  it('accepts the GET form: one log of the other query keys', async () => {
    const response = await emu.fetch(trackUrl(emu, { query: '?APIVersion=0.6.0&__topic__=t&__source__=s&k=v&page=%2Fhome' }))
    expect(response.status).toBe(200)
    expect(emu.logs()).toEqual([
      expect.objectContaining({
        topic: 't',
        source: 's',
        tags: {},
        log: { k: 'v', page: '/home', __time__: expect.stringMatching(/^\d+$/) },
      }),
    ])
    expect(emu.requests()[0]).toMatchObject({ method: 'GET', form: 'get', logs: 1 })
  })

  it('sets __time__ on receipt, overwriting a value sent by the client', async () => {
    const before = Math.floor(Date.now() / 1000)
    expect((await post(emu, { __logs__: [{ __time__: '1', a: 'b' }] })).status).toBe(200)
    const record = emu.logs()[0]!
    expect(Number(record.log.__time__)).toBeGreaterThanOrEqual(before)
    expect(record.log.__time__).toBe(String(Math.floor(record.receivedAt / 1000)))
    expect(record.topic).toBeUndefined()
    expect(record.source).toBeUndefined()
  })

  it('accepts exactly 4096 logs', async () => {
    const logs = Array.from({ length: 4096 }, (_, i) => ({ n: String(i) }))
    expect((await post(emu, { __logs__: logs })).status).toBe(200)
    expect(emu.logs()).toHaveLength(4096)
  })

  it('routes by the Host header when there is no X-Forwarded-Host, and prefers X-Forwarded-Host', async () => {
    const body = JSON.stringify(doc)
    const headers = { 'x-log-apiversion': '0.6.0', 'x-log-bodyrawsize': String(Buffer.byteLength(body)) }
    const byHost = await rawHttp(emu.port, {
      path: '/logstores/web/track',
      headers: { ...headers, host: `from-host.localhost:${emu.port}` },
      body,
    })
    expect(byHost.status).toBe(200)
    const forwarded = await rawHttp(emu.port, {
      path: '/logstores/web/track',
      headers: { ...headers, host: `from-host.localhost:${emu.port}`, 'x-forwarded-host': 'from-forward.cn-hangzhou.log.aliyuncs.com' },
      body,
    })
    expect(forwarded.status).toBe(200)
    expect(emu.logs().map((r) => r.project)).toEqual(['from-host', 'from-forward'])
  })

  it('emu.fetch takes a Request object, as openapi-fetch passes it', async () => {
    const body = JSON.stringify(doc)
    const request = new Request(trackUrl(emu, { project: 'req-project' }), {
      method: 'POST',
      headers: { 'x-log-apiversion': '0.6.0', 'x-log-bodyrawsize': String(Buffer.byteLength(body)), 'content-type': 'application/json' },
      body,
    })
    expect((await emu.fetch(request)).status).toBe(200)
    expect(emu.logs()[0]!.project).toBe('req-project')
  })

  it('counts UTF-8 bytes for x-log-bodyrawsize', async () => {
    expect((await post(emu, { __logs__: [{ msg: '日本語 ✓ 😀' }] })).status).toBe(200)
    expect(emu.logs()[0]!.log.msg).toBe('日本語 ✓ 😀')
  })
})

describe('error codes', () => {
  it.each<[string, () => Promise<Response>]>([
    ['body is not JSON', () => post(emu, encoder.encode('{"__logs__": ['))],
    ['body is an array', () => post(emu, [{ a: 'b' }])],
    ['missing __logs__', () => post(emu, { __topic__: 't' })],
    ['empty __logs__', () => post(emu, { __logs__: [] })],
    ['a log is not an object', () => post(emu, { __logs__: ['text'] })],
    ['a value is not a string', () => post(emu, { __logs__: [{ n: 1 }] })],
    ['unknown top-level key', () => post(emu, { __logs__: [{ a: 'b' }], extra: 'x' })],
    ['__topic__ not a string', () => post(emu, { __topic__: 1, __logs__: [{ a: 'b' }] })],
    ['__tags__ value not a string', () => post(emu, { __tags__: { t: 1 }, __logs__: [{ a: 'b' }] })],
    ['wrong x-log-apiversion', () => post(emu, doc, { headers: { 'x-log-apiversion': '0.5.0' } })],
    ['missing x-log-bodyrawsize', () => postRaw(emu, encoder.encode(JSON.stringify(doc)), { 'x-log-apiversion': '0.6.0' })],
    ['non-integer x-log-bodyrawsize', () => post(emu, doc, { rawSize: '12.5' })],
    ['unknown x-log-compresstype', () => post(emu, doc, { headers: { 'x-log-compresstype': 'gzip' } })],
    ['uncompressed body length differs from x-log-bodyrawsize', () => post(emu, doc, { rawSize: 3 })],
    [
      'POST with neither x-log headers nor APIVersion',
      () => postRaw(emu, encoder.encode(JSON.stringify(doc)), { 'content-type': 'text/plain' }),
    ],
    [
      'header-less with a wrong APIVersion',
      () => postRaw(emu, encoder.encode(JSON.stringify(doc)), { 'content-type': 'text/plain' }, '?APIVersion=0.5.0'),
    ],
    [
      'header-less with another content type',
      () => postRaw(emu, encoder.encode(JSON.stringify(doc)), { 'content-type': 'application/x-www-form-urlencoded' }, '?APIVersion=0.6.0'),
    ],
    ['GET without APIVersion', () => emu.fetch(trackUrl(emu, { query: '?k=v' }))],
    ['GET with a repeated key', () => emu.fetch(trackUrl(emu, { query: '?APIVersion=0.6.0&k=1&k=2' }))],
  ])('400 PostBodyInvalid: %s', async (_, send) => {
    await expectError(await send(), 400, 'PostBodyInvalid')
    expect(emu.logs()).toEqual([])
  })

  it('400 PostBodyTooLarge: x-log-bodyrawsize over 3 MB, refused before the body is read', async () => {
    const message = await expectError(await post(emu, doc, { rawSize: 3 * 1024 * 1024 + 1 }), 400, 'PostBodyTooLarge')
    expect(message).toContain('3145728')
    // An absurd size is refused the same way, without allocating anything.
    await expectError(await post(emu, doc, { rawSize: '99999999999999999999999', compress: 'lz4' }), 400, 'PostBodyTooLarge')
  })

  it('400 PostBodyTooLarge: raw body over maxBytes, in every form', async () => {
    await withEmulator({ maxBytes: 1000 }, async (small) => {
      const big = { __logs__: [{ text: 'x'.repeat(2000) }] }
      await expectError(await post(small, big), 400, 'PostBodyTooLarge')
      await expectError(await post(small, big, { compress: 'deflate' }), 400, 'PostBodyTooLarge')
      const headerless = await small.fetch(trackUrl(small, { query: '?APIVersion=0.6.0' }), {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        body: JSON.stringify(big),
      })
      await expectError(headerless, 400, 'PostBodyTooLarge')
      // A wire body far larger than any compression of maxBytes bytes, with a small declared size.
      await expectError(
        await postRaw(small, new Uint8Array(64 * 1024), {
          'x-log-apiversion': '0.6.0',
          'x-log-bodyrawsize': '100',
          'x-log-compresstype': 'lz4',
        }),
        400,
        'PostBodyTooLarge',
      )
      // The connection stays usable after an early refusal.
      expect((await post(small, doc)).status).toBe(200)
      expect(small.logs()).toHaveLength(1)
    })
  })

  it('400 PostBodyTooLarge: a chunked body (no Content-Length) that grows over the limit', async () => {
    await withEmulator({ maxBytes: 1000 }, async (small) => {
      const response = await rawHttp(small.port, {
        path: '/logstores/web/track?APIVersion=0.6.0',
        headers: { host: `my-project.localhost:${small.port}`, 'content-type': 'text/plain' },
        chunks: Array.from({ length: 10 }, () => 'x'.repeat(500)),
      })
      expect(response.status).toBe(400)
      expect(JSON.parse(response.body)).toMatchObject({ errorCode: 'PostBodyTooLarge' })
      expect(small.requests()[0]).toMatchObject({ form: 'headerless', status: 400 })
    })
  })

  it('400 PostBodyTooLarge: more than 4096 logs', async () => {
    const logs = Array.from({ length: 4097 }, (_, i) => ({ n: String(i) }))
    const message = await expectError(await post(emu, { __logs__: logs }), 400, 'PostBodyTooLarge')
    expect(message).toContain('4096')
    expect(emu.logs()).toEqual([])
  })

  it('400 PostBodyUncompressError: malformed lz4 block', async () => {
    const raw = encoder.encode(JSON.stringify(doc))
    await expectError(
      await postRaw(emu, new Uint8Array([0xff, 0xff, 0xff, 0x01, 0x02]), {
        'x-log-apiversion': '0.6.0',
        'x-log-bodyrawsize': String(raw.length),
        'x-log-compresstype': 'lz4',
      }),
      400,
      'PostBodyUncompressError',
    )
    // A valid block truncated.
    const block = lz4Block(raw)
    await expectError(
      await postRaw(emu, block.subarray(0, block.length - 5), {
        'x-log-apiversion': '0.6.0',
        'x-log-bodyrawsize': String(raw.length),
        'x-log-compresstype': 'lz4',
      }),
      400,
      'PostBodyUncompressError',
    )
  })

  it('400 PostBodyUncompressError: bad deflate, raw deflate and gzip', async () => {
    const raw = encoder.encode(JSON.stringify(doc))
    const headers = { 'x-log-apiversion': '0.6.0', 'x-log-bodyrawsize': String(raw.length), 'x-log-compresstype': 'deflate' }
    const corrupt = deflateSync(raw)
    corrupt[corrupt.length - 1]! ^= 0xff // breaks the Adler-32 checksum
    for (const body of [new Uint8Array([0x78, 0x9c, 1, 2, 3, 4]), corrupt, deflateRawSync(raw), gzipSync(raw)]) {
      await expectError(await postRaw(emu, body, headers), 400, 'PostBodyUncompressError')
    }
  })

  it('400 PostBodyUncompressError: decompressed length differs from x-log-bodyrawsize', async () => {
    const rawSize = encoder.encode(JSON.stringify(doc)).length
    for (const compress of ['lz4', 'deflate'] as const) {
      for (const size of [rawSize - 1, rawSize + 1]) {
        await expectError(await post(emu, doc, { compress, rawSize: size }), 400, 'PostBodyUncompressError')
      }
    }
    expect(emu.logs()).toEqual([])
  })

  it('400 InvalidTimestamp: __time__ that is not a decimal integer', async () => {
    for (const time of ['abc', '1.5', '-1', '']) {
      await expectError(await post(emu, { __logs__: [{ __time__: time }] }), 400, 'InvalidTimestamp')
    }
  })

  it('400 InvalidEncoding: invalid UTF-8 bytes', async () => {
    const bytes = new Uint8Array([...encoder.encode('{"__logs__":[{"a":"'), 0xc3, 0x28, ...encoder.encode('"}]}')])
    await expectError(await post(emu, bytes), 400, 'InvalidEncoding')
    await expectError(await post(emu, bytes, { compress: 'deflate' }), 400, 'InvalidEncoding')
  })

  it("400 InvalidKey: empty, reserved and __tag__: keys, the same list the client refuses (the spec's)", async () => {
    const listed = [
      '',
      '__topic__',
      '__source__',
      '__tags__',
      '__logs__',
      '__partition_time__',
      '__time_ns_part__',
      '__namespace__',
      '__tag__:x',
    ]
    for (const key of new Set([...listed, ...RESERVED_LOG_KEYS])) {
      await expectError(await post(emu, { __logs__: [{ ok: 'v', [key]: 'v' }] }), 400, 'InvalidKey')
      expect(() => prepare({ ok: 'v', [key]: 'v' }), key).toThrow(/invalid key/)
    }
    // Near misses are ordinary keys.
    for (const key of ['_x', '__tag__', '__topic', '__namespace'])
      expect((await post(emu, { __logs__: [{ [key]: 'v' }] })).status, key).toBe(200)
    await expectError(await emu.fetch(trackUrl(emu, { query: '?APIVersion=0.6.0&__tag__%3Ax=1' })), 400, 'InvalidKey')
  })

  it('404 ProjectNotExist: host without a project label, malformed or unknown project', async () => {
    const bare = await emu.fetch(`http://localhost:${emu.port}/logstores/web/track?APIVersion=0.6.0&k=v`)
    await expectError(bare, 404, 'ProjectNotExist')
    const byIp = await rawHttp(emu.port, { method: 'GET', path: '/logstores/web/track?APIVersion=0.6.0&k=v' })
    expect(byIp.status).toBe(404)
    expect(JSON.parse(byIp.body)).toMatchObject({ errorCode: 'ProjectNotExist' })
    await expectError(await post(emu, doc, { project: 'ab' }), 404, 'ProjectNotExist')
    await withEmulator({ projects: ['known-project'] }, async (own) => {
      const message = await expectError(await post(own, doc, { project: 'other-project' }), 404, 'ProjectNotExist')
      expect(message).toBe('The Project does not exist : other-project.')
      expect((await post(own, doc, { project: 'known-project' })).status).toBe(200)
    })
  })

  it('404 LogStoreNotExist: malformed or unknown logstore', async () => {
    await expectError(await post(emu, doc, { logstore: 'Bad.Name' }), 404, 'LogStoreNotExist')
    await withEmulator({ logstores: ['web'] }, async (own) => {
      const message = await expectError(await post(own, doc, { logstore: 'other' }), 404, 'LogStoreNotExist')
      expect(message).toBe('logstore other does not exist.')
      expect((await post(own, doc, { logstore: 'web' })).status).toBe(200)
    })
  })

  it('404 with a JSON error (PostBodyInvalid) for an unknown path', async () => {
    const response = await emu.fetch(`http://my-project.localhost:${emu.port}/logstores/web/other`, { method: 'POST', body: '{}' })
    const message = await expectError(response, 404, 'PostBodyInvalid')
    expect(message).toContain('/logstores/{logstore}/track')
  })

  it('500 InternalServerError: injected, and when the handler throws', async () => {
    emu.inject({ fail: 1, status: 500, errorCode: 'InternalServerError' })
    const message = await expectError(await post(emu, doc), 500, 'InternalServerError')
    expect(message).toBe(ERROR_EXAMPLES.InternalServerError.errorMessage)
    await withEmulator(
      {
        onLog: () => {
          throw new Error('boom')
        },
      },
      async (own) => {
        expect(await expectError(await post(own, doc), 500, 'InternalServerError')).toContain('boom')
        // The server survives.
        expect((await own.fetch(trackUrl(own, { query: '?APIVersion=0.6.0&a=b' }))).status).toBe(500)
        expect(own.requests().map((r) => r.status)).toEqual([500, 500])
      },
    )
  })

  it('499 PostBodyInvalid (time out of range) via inject', async () => {
    emu.inject({ fail: 1, status: 499, errorCode: 'PostBodyInvalid', errorMessage: 'The post data time is out of range.' })
    expect(await expectError(await post(emu, doc), 499, 'PostBodyInvalid')).toBe('The post data time is out of range.')
    emu.inject({ fail: 1, status: 499, errorCode: 'PostBodyInvalid' })
    expect(await expectError(await post(emu, doc), 499, 'PostBodyInvalid')).toBe('The post data time is out of range.')
    expect(emu.logs()).toEqual([])
  })

  it('403 WriteQuotaExceed and ShardWriteQuotaExceed via inject, with extra headers', async () => {
    emu.inject({ fail: 1, errorCode: 'WriteQuotaExceed', headers: { 'retry-after': '1' } })
    emu.inject({ fail: 1, errorCode: 'ShardWriteQuotaExceed' })
    const first = await post(emu, doc)
    expect(first.headers.get('retry-after')).toBe('1')
    expect(await expectError(first, 403, 'WriteQuotaExceed')).toBe(ERROR_EXAMPLES.WriteQuotaExceed.errorMessage)
    await expectError(await post(emu, doc), 403, 'ShardWriteQuotaExceed')
    expect((await post(emu, doc)).status).toBe(200)
  })
})

describe('headers and CORS', () => {
  it('sets a unique x-log-requestid on every answer', async () => {
    const responses = [
      await post(emu, doc),
      await post(emu, { nope: 1 }),
      await emu.fetch(`http://localhost:${emu.port}/logstores/web/track`),
      await emu.fetch(`http://my-project.localhost:${emu.port}/nowhere`),
      await emu.fetch(trackUrl(emu), {
        method: 'OPTIONS',
        headers: { origin: 'http://example.com', 'access-control-request-method': 'POST' },
      }),
    ]
    const ids = responses.map((r) => r.headers.get('x-log-requestid'))
    for (const id of ids) expect(id).toMatch(REQUEST_ID)
    expect(new Set(ids).size).toBe(ids.length)
    expect(emu.requests().map((r) => r.requestId)).toEqual(ids.slice(0, 4))
  })

  it('answers a CORS preflight, and puts CORS headers on every answer', async () => {
    const preflight = await emu.fetch(trackUrl(emu), {
      method: 'OPTIONS',
      headers: {
        origin: 'http://example.com',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'x-log-apiversion,x-log-bodyrawsize,x-log-compresstype,content-type',
      },
    })
    expect(preflight.status).toBe(204)
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*')
    expect(preflight.headers.get('access-control-allow-methods')).toBe('POST, GET, OPTIONS')
    const allowed = preflight.headers
      .get('access-control-allow-headers')!
      .split(',')
      .map((h) => h.trim())
    expect(allowed).toEqual(expect.arrayContaining(['x-log-apiversion', 'x-log-bodyrawsize', 'x-log-compresstype', 'content-type']))
    expect(preflight.headers.get('access-control-expose-headers')).toBe('x-log-requestid')
    expect(Number(preflight.headers.get('access-control-max-age'))).toBeGreaterThan(0)
    for (const response of [await post(emu, doc), await post(emu, { bad: true }), await emu.fetch(`http://localhost:${emu.port}/x`)]) {
      expect(response.headers.get('access-control-allow-origin')).toBe('*')
      expect(response.headers.get('access-control-expose-headers')).toBe('x-log-requestid')
    }
    // Preflights are not recorded.
    expect(emu.requests()).toHaveLength(3)
  })
})

describe('fault injection', () => {
  it('fails the next N requests, then succeeds; preflights consume nothing', async () => {
    emu.inject({ fail: 2, status: 500, errorCode: 'InternalServerError' })
    expect((await emu.fetch(trackUrl(emu), { method: 'OPTIONS' })).status).toBe(204)
    expect((await post(emu, doc)).status).toBe(500)
    expect((await post(emu, doc)).status).toBe(500)
    expect((await post(emu, doc)).status).toBe(200)
    expect(emu.requests().map((r) => [r.status, r.fault])).toEqual([
      [500, 'fail'],
      [500, 'fail'],
      [200, undefined],
    ])
    expect(emu.logs()).toHaveLength(1)
  })

  it('applies queued faults in order', async () => {
    emu.inject({ fail: 1, errorCode: 'WriteQuotaExceed' })
    emu.inject({ drop: 1 })
    emu.inject({ fail: 1, status: 503, errorCode: 'InternalServerError' })
    expect((await post(emu, doc)).status).toBe(403)
    await expect(post(emu, doc)).rejects.toThrow()
    expect((await post(emu, doc)).status).toBe(503)
    expect((await post(emu, doc)).status).toBe(200)
    expect(emu.requests().map((r) => r.fault)).toEqual(['fail', 'drop', 'fail', undefined])
  })

  it('drop: the socket is destroyed with no answer; fetch rejects and nothing is stored', async () => {
    emu.inject({ drop: 1 })
    await expect(post(emu, doc)).rejects.toThrow()
    expect(emu.logs()).toEqual([])
    expect(emu.requests()).toEqual([expect.objectContaining({ status: 0, fault: 'drop' })])
    expect((await post(emu, doc)).status).toBe(200)
  })

  it('ackLoss: the logs are stored but the answer is lost; fetch rejects', async () => {
    emu.inject({ ackLoss: 1 })
    await expect(post(emu, doc)).rejects.toThrow()
    expect(emu.logs()).toHaveLength(1)
    expect(emu.requests()).toEqual([expect.objectContaining({ status: 200, fault: 'ackLoss' })])
    expect((await post(emu, doc)).status).toBe(200)
    expect(emu.logs()).toHaveLength(2)
  })

  it('delays answers for a count of requests', async () => {
    emu.inject({ delayMs: 30, count: 1 })
    expect((await post(emu, doc)).status).toBe(200)
    expect((await post(emu, doc)).status).toBe(200)
    expect(emu.requests().map((r) => r.delayedMs)).toEqual([30, undefined])
  })

  it('stall holds requests until released, in order', async () => {
    emu.inject({ stall: true })
    const first = post(emu, { __logs__: [{ n: '1' }] })
    const second = post(emu, { __logs__: [{ n: '2' }] })
    await vi.waitFor(() => expect(emu.pending()).toBe(2))
    expect(emu.logs()).toEqual([])
    emu.inject({ stall: false })
    expect((await first).status).toBe(200)
    expect((await second).status).toBe(200)
    expect(emu.logs().map((r) => r.log.n)).toEqual(['1', '2'])
    expect(emu.pending()).toBe(0)
  })

  it('stall: a request whose client goes away while held is recorded at once and never stored', async () => {
    emu.inject({ stall: true })
    try {
      const client = new AbortController()
      const abandoned = post(emu, { __logs__: [{ n: 'abandoned' }] }, { signal: client.signal })
      const kept = post(emu, { __logs__: [{ n: 'kept' }] })
      await vi.waitFor(() => expect(emu.pending()).toBe(2))
      client.abort()
      await expect(abandoned).rejects.toThrow()
      // Recorded when the client went away, while the stall still holds the other request.
      await vi.waitFor(() =>
        expect(emu.requests()).toEqual([expect.objectContaining({ form: 'headers', status: 0, fault: 'stall', logs: 0 })]),
      )
      expect(emu.pending()).toBe(1)
      emu.inject({ stall: false })
      expect((await kept).status).toBe(200)
    } finally {
      emu.inject({ stall: false })
    }
    expect(emu.logs().map((r) => r.log.n)).toEqual(['kept'])
    expect(emu.requests().map((r) => [r.status, r.fault])).toEqual([
      [0, 'stall'],
      [200, undefined],
    ])
    expect(emu.pending()).toBe(0)
  })

  it('stall: requests pipelined on one connection that goes away are all recorded at once', async () => {
    emu.inject({ stall: true })
    try {
      const body = JSON.stringify({ __logs__: [{ n: 'pipelined' }] })
      const request = `POST /logstores/web/track HTTP/1.1\r\nHost: my-project.localhost:${emu.port}\r\nx-log-apiversion: 0.6.0\r\nx-log-bodyrawsize: ${body.length}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`
      const socket = connect(emu.port, '127.0.0.1')
      socket.on('error', () => {}) // destroyed on purpose below
      socket.write(request + request)
      await vi.waitFor(() => expect(emu.pending()).toBe(2))
      socket.destroy()
      await vi.waitFor(() => expect(emu.pending()).toBe(0))
      expect(emu.requests().map((r) => [r.status, r.fault])).toEqual([
        [0, 'stall'],
        [0, 'stall'],
      ])
    } finally {
      emu.inject({ stall: false })
    }
    expect(emu.logs()).toEqual([])
  })

  it('clear() forgets records and queued faults', async () => {
    emu.inject({ fail: 5 })
    emu.inject({ delayMs: 20 })
    expect((await emu.fetch(trackUrl(emu, { query: '?APIVersion=0.6.0&a=b' }))).status).toBe(500)
    emu.clear()
    expect(emu.requests()).toEqual([])
    expect((await post(emu, doc)).status).toBe(200)
    expect(emu.requests()[0]!.delayedMs).toBeUndefined()
  })

  it('refuses malformed injections with a ValidationError, as the client refuses its options', () => {
    const cases: [unknown, string][] = [
      [{ fail: -1 }, 'inject.fail: must be a whole number from 0 to Infinity, got -1'],
      [{ drop: 1.5 }, 'inject.drop: must be a whole number from 0 to Infinity, got 1.5'],
      [{ fail: 1, status: 200 }, 'inject.status: must be a whole number from 400 to 599, got 200'],
      [{ delayMs: 2 ** 31 }, 'inject.delayMs: must be a number from 0 to 2147483647 ms, got 2147483648'],
      [{ delayMs: 5, count: -1 }, 'inject.count: must be a whole number from 0 to Infinity, got -1'],
      [{ fail: 1, drop: 1 }, 'inject: give exactly one of fail, drop, ackLoss, delayMs, stall (got fail, drop)'],
      [{ fail: 1, errorCode: 'Nope' }, "inject.errorCode: must be one of the spec's codes"],
    ]
    for (const [injection, message] of cases) {
      let error: unknown
      try {
        emu.inject(injection as never)
      } catch (e) {
        error = e
      }
      expect(isWebTrackError(error) && error.name, message).toBe('ValidationError')
      expect((error as Error).message).toContain(message)
    }
  })
})

describe('lifecycle', () => {
  it('appends accepted logs to the store file as NDJSON', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'emulator-'))
    try {
      const store = join(dir, 'logs.ndjson')
      await withEmulator({ store }, async (own) => {
        expect((await post(own, { __topic__: 't', __logs__: [{ a: '1' }, { a: '2' }] })).status).toBe(200)
        expect((await post(own, { __logs__: [{ bad: 1 }] })).status).toBe(400)
        expect((await own.fetch(trackUrl(own, { query: '?APIVersion=0.6.0&a=3' }))).status).toBe(200)
      })
      const lines = (await readFile(store, 'utf8'))
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line) as { log: { a: string }; topic?: string; project: string })
      expect(lines.map((l) => l.log.a)).toEqual(['1', '2', '3'])
      expect(lines[0]).toMatchObject({ project: 'my-project', logstore: 'web', topic: 't', log: { __time__: expect.any(String) } })
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('runs two emulators at once, independently', async () => {
    await withEmulator({}, async (a) => {
      await withEmulator({}, async (b) => {
        expect(a.port).not.toBe(b.port)
        a.inject({ fail: 1 })
        expect((await post(b, doc)).status).toBe(200)
        expect((await post(a, doc)).status).toBe(500)
        expect((await post(a, { __logs__: [{ from: 'a' }] })).status).toBe(200)
        expect(a.logs().map((r) => r.log.from)).toEqual(['a'])
        expect(b.logs()).toHaveLength(1)
        expect(a.endpoint).toBe(`http://localhost:${a.port}`)
      })
    })
  })

  it('close() returns promptly with a stalled request pending; the request fails', async () => {
    const own = await startEmulator({ host: '127.0.0.1' })
    own.inject({ stall: true })
    const stalled = post(own, doc)
    const outcome = stalled.then(
      () => 'answered',
      () => 'rejected',
    )
    await vi.waitFor(() => expect(own.pending()).toBe(1))
    await own.close()
    expect(await outcome).toBe('rejected')
    expect(own.logs()).toEqual([])
    expect(own.requests()).toEqual([expect.objectContaining({ status: 0, fault: 'stall' })])
    expect(own.pending()).toBe(0)
    await own.close() // idempotent
  })

  it('close() also ends idle keep-alive connections, and works through Symbol.asyncDispose', async () => {
    const own = await startEmulator({ host: '127.0.0.1' })
    expect((await post(own, doc)).status).toBe(200) // leaves a keep-alive socket in fetch's pool
    await own[Symbol.asyncDispose]()
    await expect(post(own, doc)).rejects.toThrow()
  })

  it('refuses bad options with a ValidationError, as the client refuses its own', async () => {
    const cases: [EmulatorOptions, string][] = [
      [{ maxBytes: 0 }, 'maxBytes: must be a whole number from 1 to 9007199254740991, got 0'],
      [{ maxLogs: 1.5 }, 'maxLogs: must be a whole number from 1 to 9007199254740991, got 1.5'],
      [{ maxRecords: -1 }, 'maxRecords: must be a whole number from 0 to Infinity, got -1'],
      [{ maxConnections: 0 }, 'maxConnections: must be a whole number from 1 to Infinity, got 0'],
      [{ maxConnections: NaN }, 'maxConnections: must be a whole number from 1 to Infinity, got NaN'],
    ]
    for (const [options, message] of cases) {
      const error = await startEmulator(options).then(
        () => undefined,
        (e: unknown) => e,
      )
      expect(isWebTrackError(error) && error.name, message).toBe('ValidationError')
      expect((error as Error).message).toBe(message)
    }
  })
})

describe('store file', () => {
  it('is created at start-up with mode 0600, before any log arrives', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'emulator-'))
    try {
      const store = join(dir, 'logs.ndjson')
      await withEmulator({ store }, async () => {
        const created = await stat(store)
        expect(created.size).toBe(0)
        expect(created.mode & 0o777).toBe(0o600)
      })
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('an existing file keeps its content: logs are appended', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'emulator-'))
    try {
      const store = join(dir, 'logs.ndjson')
      await writeFile(store, '{"old":true}\n')
      await withEmulator({ store }, async (own) => {
        expect((await post(own, { __logs__: [{ a: '1' }] })).status).toBe(200)
      })
      const lines = (await readFile(store, 'utf8')).trimEnd().split('\n')
      expect(lines[0]).toBe('{"old":true}')
      expect(JSON.parse(lines[1]!)).toMatchObject({ log: { a: '1' } })
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('a path that cannot be written fails start-up, naming the path and the cause', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'emulator-'))
    try {
      const missing = join(dir, 'no-such-dir', 'logs.ndjson')
      const error = await startEmulator({ store: missing }).then(
        () => undefined,
        (e: unknown) => e as Error & { code?: string },
      )
      expect(error?.message).toBe(`store: cannot open ${JSON.stringify(missing)} for appending: ENOENT (no such file or directory)`)
      expect(error?.code).toBe('ENOENT')
      await expect(startEmulator({ store: dir })).rejects.toThrow(/cannot open .* for appending: EISDIR/)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})

describe('bounded records (maxRecords)', () => {
  const batch = (n: number, from: number) => ({ __logs__: Array.from({ length: n }, (_, i) => ({ n: String(from + i) })) })

  it('keeps the newest maxRecords logs and requests, oldest evicted first; stats() counts everything', async () => {
    await withEmulator({ maxRecords: 3 }, async (own) => {
      for (let r = 0; r < 4; r++) expect((await post(own, batch(2, r * 2))).status).toBe(200)
      expect((await post(own, { __logs__: [{ bad: 1 }] })).status).toBe(400)
      expect(own.logs().map((l) => l.log.n)).toEqual(['5', '6', '7'])
      const requests = own.requests()
      expect(requests.map((q) => q.status)).toEqual([200, 200, 400])
      expect(requests.map((q) => q.logs)).toEqual([2, 2, 0])
      expect(own.stats()).toEqual({ logs: 8, requests: 5, rejected: 1, refusedConnections: 0 })
      own.clear()
      expect(own.stats()).toEqual({ logs: 0, requests: 0, rejected: 0, refusedConnections: 0 })
      expect(own.logs()).toEqual([])
      expect((await post(own, batch(5, 100))).status).toBe(200) // one request larger than the ring
      expect(own.logs().map((l) => l.log.n)).toEqual(['102', '103', '104'])
    })
  })

  it('maxRecords 0 keeps nothing and still counts; the default keeps everything', async () => {
    await withEmulator({ maxRecords: 0 }, async (own) => {
      expect((await post(own, batch(3, 0))).status).toBe(200)
      expect(own.logs()).toEqual([])
      expect(own.requests()).toEqual([])
      expect(own.stats()).toMatchObject({ logs: 3, requests: 1 })
    })
    await withEmulator({}, async (own) => {
      for (let r = 0; r < 3; r++) await post(own, batch(1000, r * 1000))
      expect(own.logs()).toHaveLength(3000)
    })
  })

  it('onRequest hears of every request, accepted or refused, once', async () => {
    const seen: { status: number; errorCode?: string }[] = []
    await withEmulator({ onRequest: (r) => seen.push({ status: r.status, errorCode: r.errorCode }) }, async (own) => {
      await post(own, doc)
      await post(own, { __logs__: [] })
      own.inject({ fail: 1, status: 503 })
      await post(own, doc)
    })
    expect(seen).toEqual([
      { status: 200, errorCode: undefined },
      { status: 400, errorCode: 'PostBodyInvalid' },
      { status: 503, errorCode: 'InternalServerError' },
    ])
  })
})

describe('connections (maxConnections)', () => {
  /** A raw TCP connection; resolves once connected, `closed` once the server ends it. */
  function open(port: number) {
    const socket = connect(port, '127.0.0.1')
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()))
    socket.on('error', () => {})
    return new Promise<{ socket: typeof socket; closed: Promise<void> }>((resolve) =>
      socket.once('connect', () => resolve({ socket, closed })),
    )
  }

  it('a connection over the cap is closed at once and counted; the others are served', async () => {
    let refused = 0
    await withEmulator({ maxConnections: 2, onConnectionRefused: () => refused++ }, async (own) => {
      const a = await open(own.port)
      const b = await open(own.port)
      const c = await open(own.port)
      await c.closed // the third is closed by the emulator, unread
      expect(own.stats().refusedConnections).toBe(1)
      expect(refused).toBe(1)
      // The two open connections still work.
      const answer = new Promise<string>((resolve) => a.socket.once('data', (d) => resolve(String(d))))
      const body = JSON.stringify({ __logs__: [{ via: 'a' }] })
      a.socket.write(
        `POST /logstores/web/track?APIVersion=0.6.0 HTTP/1.1\r\nHost: my-project.localhost\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
      )
      expect(await answer).toMatch(/^HTTP\/1.1 200/)
      a.socket.destroy()
      b.socket.destroy()
      await Promise.all([a.closed, b.closed])
      await vi.waitFor(async () => expect((await post(own, doc)).status).toBe(200))
      expect(own.logs().map((l) => l.log.via ?? l.log.key1)).toEqual(['a', 'value1'])
    })
  })
})
