// Paths where a log could be lost or an error could mislead: redirects, answers that are not
// JSON, network failures and their causes, requests that never leave, option checks, codecs
// that throw, Error values, and the plain-words messages of bad input. Real HTTP servers on
// 127.0.0.1 where the wire matters; a recording fetch where only the client's side does.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { runInNewContext } from 'node:vm'
import { afterEach, describe, expect, it } from 'vitest'
import { LOGSTORE_PATTERN } from '../generated/spec.js'
import { createForwardFetch, startEmulator } from '../src/emulator/index.js'
import { createClient, isWebTrackError, NetworkError, sendBatch, ServiceError, target, ValidationError, prepare, type ClientOptions } from '../src/index.js'
import { fail, ok, recordingFetch, type WireRequest } from './support/wire.js'

const base = { project: 'my-project', endpoint: 'cn-hangzhou.log.aliyuncs.com', logstore: 'web', compression: 'none' } as const
const noSleep = async () => {}

interface Seen {
  method: string
  url: string
}

const servers: { close(done: () => void): unknown }[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise<void>((r) => s.close(r))))
})

/** A real HTTP server on 127.0.0.1 that records every request and answers with `handler`. */
async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void) {
  const seen: Seen[] = []
  const server = createServer((req, res) => {
    seen.push({ method: req.method!, url: req.url! })
    req.resume().on('end', () => handler(req, res))
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  servers.push(server)
  const port = (server.address() as AddressInfo).port
  // Node cannot resolve `my-project.localhost`: the forwarding fetch (Node's own fetch, re-aimed
  // at 127.0.0.1, redirect mode kept) reaches the server with host routing intact.
  return { port, seen, endpoint: `http://localhost:${port}`, fetch: createForwardFetch(`http://127.0.0.1:${port}`) }
}

/** A port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const { port } = server.address() as AddressInfo
  await new Promise((r) => server.close(r))
  return port
}

const caught = async (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e as Error)

describe('answers', () => {
  it('a 302 is not followed: a ServiceError naming the Location, not retried, and nothing but the POST reaches the server', async () => {
    const srv = await serve((req, res) => {
      if (req.method === 'POST') res.writeHead(302, { location: '/landing', 'content-type': 'text/plain' }).end('moved')
      else res.writeHead(200, { 'content-type': 'text/html' }).end('<html>landing page</html>')
    })
    const client = createClient({ ...base, endpoint: srv.endpoint, fetch: srv.fetch, sleep: noSleep })
    const err = (await caught(client.send([{ a: '1' }, { b: '2' }]))) as ServiceError
    expect(err).toBeInstanceOf(ServiceError)
    expect(err).toMatchObject({ status: 302, errorCode: 'HTTP302', retryable: false })
    expect(err.message).toContain('redirected to /landing')
    expect(srv.seen).toEqual([{ method: 'POST', url: '/logstores/web/track' }])
  })

  it('a 200 whose body is not JSON is a success, sent once (no retry, no duplicate)', async () => {
    const srv = await serve((_req, res) => res.writeHead(200, { 'content-type': 'text/html', 'x-log-requestid': 'HTML200' }).end('<html>welcome</html>'))
    const client = createClient({ ...base, endpoint: srv.endpoint, fetch: srv.fetch, sleep: noSleep })
    const res = await client.send([{ a: '1' }, { b: '2' }])
    expect(res).toMatchObject({ logs: 2, requests: 1, retries: 0, requestIds: ['HTML200'] })
    expect(srv.seen).toHaveLength(1)
  })

  it('a 200 with a JSON body, or chunked with no length, is a success too', async () => {
    const srv = await serve((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.write('{"truncated":')
      res.end()
    })
    const client = createClient({ ...base, endpoint: srv.endpoint, fetch: srv.fetch, sleep: noSleep })
    await expect(client.send({ a: '1' })).resolves.toMatchObject({ logs: 1, retries: 0 })
    expect(srv.seen).toHaveLength(1)
  })
})

describe('network errors name their cause', () => {
  it('ECONNREFUSED, with the address', async () => {
    const port = await closedPort()
    const client = createClient({ ...base, endpoint: `http://localhost:${port}`, fetch: createForwardFetch(`http://127.0.0.1:${port}`), retry: false })
    const err = await caught(client.send({ a: '1' }))
    expect(err).toBeInstanceOf(NetworkError)
    expect(err!.message).toMatch(new RegExp(`fetch failed: connect ECONNREFUSED 127\\.0\\.0\\.1:${port}`))
  })

  it('ENOTFOUND my-project.localhost in Node, with the hint to pass the emulator’s fetch', async () => {
    await using emu = await startEmulator({ logstores: ['web'] })
    const client = createClient({ ...base, endpoint: emu.endpoint, retry: false })
    const err = await caught(client.send({ a: '1' }))
    expect(err).toBeInstanceOf(NetworkError)
    expect(err!.message).toContain('ENOTFOUND my-project.localhost')
    expect(err!.message).toContain('startEmulator().fetch')
    // The hint is right: with the emulator's fetch, the same client's logs arrive.
    await createClient({ ...base, endpoint: emu.endpoint, fetch: emu.fetch }).send({ a: '1' })
    expect(emu.logs()).toHaveLength(1)
  })

  it('a TLS failure, with its code', async () => {
    const srv = await serve((_req, res) => res.end())
    // https to a plain-HTTP server: the handshake fails.
    const client = createClient({ ...base, endpoint: `https://localhost:${srv.port}`, fetch: createForwardFetch(`https://127.0.0.1:${srv.port}`), retry: false })
    const err = await caught(client.send({ a: '1' }))
    expect(err).toBeInstanceOf(NetworkError)
    expect(err!.message).toMatch(/fetch failed: .*\(ERR_SSL_WRONG_VERSION_NUMBER\)$/)
    expect(err!.message).not.toContain('\n')
  })

  it('a cause with a code but no message (Node 22’s AggregateError of both addresses of localhost)', async () => {
    const refused = Object.assign(new AggregateError([new Error('connect ECONNREFUSED ::1:4318'), new Error('connect ECONNREFUSED 127.0.0.1:4318')], ''), { code: 'ECONNREFUSED' })
    const { c } = client({ retry: false }, () => new TypeError('fetch failed', { cause: refused }))
    const err = await caught(c.send({ a: '1' }))
    expect(err!.message).toMatch(/: fetch failed: \(ECONNREFUSED\)$/)
  })

  it('a browser’s bare "Failed to fetch" stays readable', async () => {
    const { c } = client({ retry: false }, () => new TypeError('Failed to fetch'))
    const err = await caught(c.send({ a: '1' }))
    expect(err!.message).toBe('network error on POST https://my-project.cn-hangzhou.log.aliyuncs.com/logstores/web/track: Failed to fetch')
  })
})

function client(extra: Partial<ClientOptions> = {}, responder?: Parameters<typeof recordingFetch>[0]) {
  const wire = recordingFetch(responder)
  return { c: createClient({ ...base, fetch: wire.fetch, sleep: noSleep, ...extra }), wire }
}

describe('a request that never leaves is not a network error', () => {
  it('a URL that cannot be built: a ValidationError, not retried, fetch never called', async () => {
    const { c, wire } = client()
    const retries: unknown[] = []
    // A hand-made target (the public `Target` shape) with a host that is no URL.
    const t = { ...target(c), baseUrl: 'http://my-project.127.0.0.1:4318' }
    const err = (await caught(sendBatch({ ...c, options: { ...c.options, onRetry: (i) => retries.push(i) } }, [prepare({ a: '1' })], t))) as ValidationError
    expect(err).toBeInstanceOf(ValidationError)
    expect(err).toMatchObject({ path: 'request', retryable: false })
    expect(err.message).toContain('my-project.127.0.0.1')
    expect(err.cause).toBeInstanceOf(TypeError)
    expect(retries).toEqual([])
    expect(wire.requests).toHaveLength(0)
  })

  it('a header value that cannot be sent (a custom codec’s name): a ValidationError, not retried', async () => {
    const retries: unknown[] = []
    const { c, wire } = client({ compression: { name: 'lz\n4' as 'lz4', compress: (raw) => raw }, onRetry: (i) => retries.push(i) })
    const err = await caught(c.send({ a: '1' }))
    expect(err).toBeInstanceOf(ValidationError)
    expect((err as ValidationError).path).toBe('request')
    expect(retries).toEqual([])
    expect(wire.requests).toHaveLength(0)
  })

  it('what fetch itself throws stays a retried NetworkError, whatever its type', async () => {
    const { c, wire } = client({ retry: 2 }, () => new TypeError('Invalid URL'))
    const err = await caught(c.send({ a: '1' }))
    expect(err).toBeInstanceOf(NetworkError)
    expect(wire.requests).toHaveLength(3)
  })
})

describe('errors of this package from another realm', () => {
  // An iframe's (here: a vm context's) ServiceError is no `instanceof Error` in this realm.
  const foreign = () => runInNewContext("Object.assign(new Error('503 ServerBusy: busy'), { name: 'ServiceError', status: 503, retryable: false })") as Error

  it('isWebTrackError knows one by its name', () => {
    const e = foreign()
    expect(e instanceof Error).toBe(false)
    expect(isWebTrackError(e)).toBe(true)
    expect(isWebTrackError({ name: 'TypeError' })).toBe(false)
    expect(isWebTrackError(undefined)).toBe(false)
  })

  it('one that fetch throws (a fetch from another copy of the package) reaches the caller as it is, not as a NetworkError', async () => {
    const e = foreign()
    const { c, wire } = client({ retry: 2 }, () => {
      throw e
    })
    expect(await caught(c.send({ a: '1' }))).toBe(e)
    // Its own `retryable: false` decides: not retried.
    expect(wire.requests).toHaveLength(1)
  })
})

describe('numeric options are checked at creation, with their range', () => {
  const cases: [Partial<ClientOptions>, string, string][] = [
    [{ timeoutMs: Number.NaN }, 'timeoutMs', 'timeoutMs: must be a number from 1 to 2147483647 ms (or Infinity for no timeout), got NaN'],
    [{ timeoutMs: 0 }, 'timeoutMs', 'got 0'],
    [{ timeoutMs: 2 ** 31 }, 'timeoutMs', 'got 2147483648'],
    [{ timeoutMs: '100' as never }, 'timeoutMs', 'got "100"'],
    [{ retry: { limit: Number.NaN } }, 'retry.limit', 'retry.limit: must be a whole number from 0 to Infinity, got NaN'],
    [{ retry: { limit: 1.5 } }, 'retry.limit', 'got 1.5'],
    [{ retry: -1 }, 'retry.limit', 'got -1'],
    [{ retry: { baseDelayMs: -1 } }, 'retry.baseDelayMs', 'retry.baseDelayMs: must be a number from 0 to 2147483647 ms, got -1'],
    [{ retry: { maxDelayMs: Infinity } }, 'retry.maxDelayMs', 'got Infinity'],
    [{ limits: { maxBytes: Number.NaN } }, 'limits.maxBytes', 'limits.maxBytes: must be a number from 1 to 10485760 bytes, got NaN'],
    [{ limits: { maxLogs: 5000 } }, 'limits.maxLogs', 'limits.maxLogs: must be a whole number from 1 to 4096, got 5000'],
    [{ limits: { maxLogs: 0 } }, 'limits.maxLogs', 'got 0'],
  ]
  it.each(cases)('%j', (options, path, message) => {
    const { wire } = client()
    let error: unknown
    try {
      createClient({ ...base, fetch: wire.fetch, ...options })
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(ValidationError)
    expect((error as ValidationError).path).toBe(path)
    expect((error as ValidationError).message).toContain(message)
  })

  it('a per-send retry option is checked before anything is sent', async () => {
    const { c, wire } = client()
    await expect(c.send({ a: '1' }, { retry: { limit: Number.NaN } })).rejects.toThrow(/retry\.limit: .* got NaN/)
    expect(wire.requests).toHaveLength(0)
  })

  it('undefined fields of a retry policy take their defaults: 3 retries with finite delays', async () => {
    const delays: number[] = []
    // Fails 10 times: today's defaults give up after 4 attempts.
    const { c, wire } = client({ retry: { limit: undefined, baseDelayMs: undefined, maxDelayMs: undefined }, onRetry: (i) => delays.push(i.delayMs) }, (_r, i) =>
      i < 10 ? fail(500, 'InternalServerError') : ok(),
    )
    await expect(c.send({ a: '1' })).rejects.toBeInstanceOf(ServiceError)
    expect(wire.requests).toHaveLength(4)
    expect(delays.every((d) => Number.isFinite(d) && d >= 0 && d < 800)).toBe(true)
  })

  it('timeoutMs: Infinity means no timeout (not a timer that fires at once)', async () => {
    const slow = () => new Promise<Response>((r) => setTimeout(() => r(ok('SLOW')), 30))
    const { c } = client({ timeoutMs: Infinity, retry: false }, slow)
    await expect(c.send({ a: '1' })).resolves.toMatchObject({ requestIds: ['SLOW'] })
  })
})

describe('a custom codec that throws', () => {
  it('is a typed ValidationError naming the codec, with the cause; not retried, nothing sent', async () => {
    const boom = new Error('out of memory')
    const retries: unknown[] = []
    const { c, wire } = client({
      compression: {
        name: 'lz4',
        compress() {
          throw boom
        },
      },
      onRetry: (i) => retries.push(i),
    })
    const err = (await caught(c.send({ a: '1' }))) as ValidationError
    expect(err).toBeInstanceOf(ValidationError)
    expect(err).toMatchObject({ path: 'compression', retryable: false, cause: boom })
    expect(err.message).toBe('compression: the lz4 codec failed: out of memory')
    expect(retries).toEqual([])
    expect(wire.requests).toHaveLength(0)
  })

  it('an asynchronous codec that rejects, likewise', async () => {
    const { c } = client({ compression: { name: 'deflate', compress: async () => Promise.reject(new RangeError('bad level')) } })
    await expect(c.send({ a: '1' })).rejects.toThrow('compression: the deflate codec failed: bad level')
  })
})

describe('Error values keep their content', () => {
  const logsOf = (req: WireRequest) => JSON.parse(new TextDecoder().decode(req.body)).__logs__ as Record<string, string>[]

  it('an Error as a log: the fields name, message and stack (and code, cause when set)', async () => {
    const { c, wire } = client()
    const error = Object.assign(new TypeError('bad input', { cause: new Error('root cause') }), { code: 'E_BAD' })
    // `LogInput` has no Error in its type (a plain object of fields); plain JavaScript passes one.
    await c.send(error as never)
    const [log] = logsOf(wire.requests[0]!)
    expect(Object.keys(log!)).toEqual(['name', 'message', 'stack', 'code', 'cause'])
    expect(log).toMatchObject({ name: 'TypeError', message: 'bad input', stack: error.stack, code: 'E_BAD' })
    expect(JSON.parse(log!.cause!)).toMatchObject({ name: 'Error', message: 'root cause' })
  })

  it('an Error as a value, at any depth: the JSON of its fields, not "{}"', async () => {
    const { c, wire } = client()
    const err = new Error('x')
    await c.send({ err, ctx: { step: 2, err }, list: [err] })
    const [log] = logsOf(wire.requests[0]!)
    expect(JSON.parse(log!.err!)).toEqual({ name: 'Error', message: 'x', stack: err.stack })
    expect(JSON.parse(log!.ctx!)).toEqual({ step: 2, err: { name: 'Error', message: 'x', stack: err.stack } })
    expect(JSON.parse(log!.list!)).toEqual([{ name: 'Error', message: 'x', stack: err.stack }])
  })

  it('a cause chain is followed 3 levels deep; a cycle ends', async () => {
    const { c, wire } = client()
    let chain = new Error('e0')
    for (let i = 1; i < 10; i++) chain = new Error(`e${i}`, { cause: chain })
    const loop = new Error('loop')
    ;(loop as { cause?: unknown }).cause = loop
    await c.send({ chain, loop })
    const [log] = logsOf(wire.requests[0]!)
    const chained = JSON.parse(log!.chain!)
    expect(chained.cause.cause.cause.message).toBe('e6')
    expect(chained.cause.cause.cause.cause).toBe('Error: e5')
    expect(JSON.parse(log!.loop!).cause.cause.cause.cause).toBe('Error: loop')
  })

  it('a log left with no field is refused, naming the log, and nothing is sent', async () => {
    const { c, wire } = client()
    for (const empty of [{}, { a: undefined, b: null, f: () => 1 }]) {
      const err = (await caught(c.send([{ ok: '1' }, empty]))) as ValidationError
      expect(err).toBeInstanceOf(ValidationError)
      expect(err.path).toBe('logs[1]')
      expect(err.message).toBe('logs[1]: has no field with a value to send')
    }
    expect(wire.requests).toHaveLength(0)
  })
})

describe('bad input is described in plain words', () => {
  const message = (options: Partial<ClientOptions>) => {
    try {
      createClient({ ...base, ...options } as ClientOptions)
    } catch (e) {
      expect(e).toBeInstanceOf(ValidationError)
      return (e as ValidationError).message
    }
    return undefined
  }

  it('names: the rule in words, never a regex; a missing project says so', async () => {
    expect(message({ project: 'MyProject' })).toBe('project: "MyProject" must be 3–63 characters of lowercase letters, digits and hyphens, starting and ending with a letter or digit')
    expect(message({ project: undefined })).toBe('project: not set; it must be 3–63 characters of lowercase letters, digits and hyphens, starting and ending with a letter or digit')
    expect(message({ logstore: 'Web' })).toBe('logstore: "Web" must be 3–63 characters of lowercase letters, digits, hyphens and underscores, starting and ending with a letter or digit')
    await expect(createClient(base).send({ a: '1' }, { logstore: 'a_' })).rejects.toThrow('logstore: "a_" must be 3–63 characters')
    expect(message({ tags: { '': 'x' } })).toBe('tags: empty tag key')
  })

  it('the Logstore words describe the spec’s pattern (update them when the spec changes)', () => {
    expect(LOGSTORE_PATTERN).toBe('^[a-z0-9][a-z0-9_-]{1,61}[a-z0-9]$')
  })

  const expected = 'such as cn-hangzhou.log.aliyuncs.com (no IP address, no path), or http://localhost:4318 for the emulator'
  it.each([
    ['cn-hangzhou', 'endpoint: "cn-hangzhou" must be a host name the project can go in front of, '],
    ['http://127.0.0.1:9', 'endpoint: "http://127.0.0.1:9" must be a host name the project can go in front of, '],
    ['127.0.0.1', 'endpoint: "127.0.0.1" must be'],
    ['http://[::1]:4318', 'endpoint: "http://[::1]:4318" must be'],
    ['https://host.com/path', 'endpoint: "https://host.com/path" must be a host name'],
  ])('refuses the endpoint %j at creation, showing the expected form', (endpoint, text) => {
    const m = message({ endpoint })
    expect(m).toContain(text)
    expect(m).toContain(expected)
  })

  it('a missing endpoint says so', () => {
    expect(message({ endpoint: undefined })).toBe(`endpoint: not set; it must be a host name the project can go in front of, ${expected}`)
  })

  it('an endpoint that already starts with the project (pasted twice) is refused, with the endpoint to use', () => {
    expect(message({ endpoint: 'my-project.cn-hangzhou.log.aliyuncs.com' })).toBe(
      'endpoint: "https://my-project.cn-hangzhou.log.aliyuncs.com" already starts with the project: use https://cn-hangzhou.log.aliyuncs.com',
    )
    expect(message({ endpoint: 'http://my-project.localhost:4318' })).toContain('use http://localhost:4318')
  })

  it.each(['localhost', 'http://localhost:4318', 'https://cn-hangzhou.log.aliyuncs.com', 'log.example.com:8443'])('accepts the endpoint %j', (endpoint) => {
    expect(message({ endpoint })).toBeUndefined()
  })
})
