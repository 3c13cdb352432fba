// Paths where a log could be lost or an error could mislead: redirects (client and tracker),
// answers that are not JSON, network failures and their causes, requests that never leave,
// option checks, codecs that throw, Error values, the plain-words messages of bad input, and a
// Node process left idle while a tracker's flush or close waits. Real HTTP servers on
// 127.0.0.1 where the wire matters; a recording fetch where only the client's side does.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { runInNewContext } from 'node:vm'
import { createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { LOGSTORE_PATTERN } from '../generated/spec.js'
import { createForwardFetch, startEmulator } from '../src/emulator/index.js'
import {
  createClient,
  createTracker,
  isWebTrackError,
  NetworkError,
  sendBatch,
  ServiceError,
  target,
  ValidationError,
  prepare,
  type ClientOptions,
  type LogInput,
  type TrackerOptions,
  type TrackerStats,
  type WebTrackError,
} from '../src/index.js'
import { spawnScript } from './support/child-script.js'
import { root } from './support/run.js'
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

const caught = async (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: unknown) => e as Error,
  )

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
    const srv = await serve((_req, res) =>
      res.writeHead(200, { 'content-type': 'text/html', 'x-log-requestid': 'HTML200' }).end('<html>welcome</html>'),
    )
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
    const client = createClient({
      ...base,
      endpoint: `http://localhost:${port}`,
      fetch: createForwardFetch(`http://127.0.0.1:${port}`),
      retry: false,
    })
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
    const client = createClient({
      ...base,
      endpoint: `https://localhost:${srv.port}`,
      fetch: createForwardFetch(`https://127.0.0.1:${srv.port}`),
      retry: false,
    })
    const err = await caught(client.send({ a: '1' }))
    expect(err).toBeInstanceOf(NetworkError)
    expect(err!.message).toMatch(/fetch failed: .*\(ERR_SSL_WRONG_VERSION_NUMBER\)$/)
    expect(err!.message).not.toContain('\n')
  })

  it('a cause with a code but no message (Node 22’s AggregateError of both addresses of localhost)', async () => {
    const refused = Object.assign(
      new AggregateError([new Error('connect ECONNREFUSED ::1:4318'), new Error('connect ECONNREFUSED 127.0.0.1:4318')], ''),
      { code: 'ECONNREFUSED' },
    )
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
    const err = (await caught(
      sendBatch({ ...c, options: { ...c.options, onRetry: (i) => retries.push(i) } }, [prepare({ a: '1' })], t),
    )) as ValidationError
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
  const foreign = () =>
    runInNewContext("Object.assign(new Error('503 ServerBusy: busy'), { name: 'ServiceError', status: 503, retryable: false })") as Error

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
    const { c, wire } = client(
      { retry: { limit: undefined, baseDelayMs: undefined, maxDelayMs: undefined }, onRetry: (i) => delays.push(i.delayMs) },
      (_r, i) => (i < 10 ? fail(500, 'InternalServerError') : ok()),
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
      createClient({ ...base, ...options })
    } catch (e) {
      expect(e).toBeInstanceOf(ValidationError)
      return (e as ValidationError).message
    }
    return undefined
  }

  it('names: the rule in words, never a regex; a missing project says so', async () => {
    expect(message({ project: 'MyProject' })).toBe(
      'project: "MyProject" must be 3–63 characters of lowercase letters, digits and hyphens, starting and ending with a letter or digit',
    )
    expect(message({ project: undefined })).toBe(
      'project: not set; it must be 3–63 characters of lowercase letters, digits and hyphens, starting and ending with a letter or digit',
    )
    expect(message({ logstore: 'Web' })).toBe(
      'logstore: "Web" must be 3–63 characters of lowercase letters, digits, hyphens and underscores, starting and ending with a letter or digit',
    )
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

  it.each(['localhost', 'http://localhost:4318', 'https://cn-hangzhou.log.aliyuncs.com', 'log.example.com:8443'])(
    'accepts the endpoint %j',
    (endpoint) => {
      expect(message({ endpoint })).toBeUndefined()
    },
  )
})

describe('redirects are never a success (fault suite)', () => {
  // A proxy, a captive portal or a wrong endpoint answers the POST with a redirect. Following it
  // would drop the body (301/302/303 turn into a GET) or post the logs somewhere else (307/308).
  const cases = [
    [301, '/moved-for-good'],
    [302, '/landing'],
    [303, '/see-other'],
    [307, 'https://portal.example.com/login?next=%2Ftrack'],
    [308, '/logstores/web/track-v2'],
  ] as const

  async function redirecting(status: number, location: string) {
    return serve((req, res) => {
      if (req.method === 'POST' && req.url === '/logstores/web/track') {
        res.writeHead(status, { location, 'content-type': 'text/html', 'x-log-requestid': `R${status}` }).end('<a>moved</a>')
      } else res.writeHead(200, { 'content-type': 'text/plain', 'x-log-requestid': 'FOLLOWED' }).end('ok')
    })
  }

  it.each(cases)(
    'client: %i is a non-retryable ServiceError naming the Location; only the POST reaches the server',
    async (status, location) => {
      const srv = await redirecting(status, location)
      const retries: unknown[] = []
      const client = createClient({
        ...base,
        endpoint: srv.endpoint,
        fetch: srv.fetch,
        sleep: noSleep,
        retry: 5,
        onRetry: (i) => retries.push(i),
      })
      const err = (await caught(client.send([{ a: '1' }, { b: '2' }]))) as ServiceError
      expect(err).toBeInstanceOf(ServiceError)
      expect(err).toMatchObject({ status, errorCode: `HTTP${status}`, retryable: false, requestId: `R${status}` })
      expect(err.message).toContain(`redirected to ${location}`)
      expect(retries).toEqual([])
      expect(srv.seen).toEqual([{ method: 'POST', url: '/logstores/web/track' }])
    },
  )

  it.each(cases)('tracker: %i goes to onError with every log of the batch, counted as failed, never as sent', async (status, location) => {
    const srv = await redirecting(status, location)
    const errors: { error: WebTrackError; logs: LogInput[] }[] = []
    let sentCalls = 0
    const tracker = createTracker({
      ...base,
      endpoint: srv.endpoint,
      fetch: srv.fetch,
      flushOnExit: false,
      lingerMs: 0,
      retry: { limit: 5, baseDelayMs: 1, maxDelayMs: 2 },
      maxRetryMs: 60_000,
      onError: (error, logs) => errors.push({ error, logs }),
      onSent: () => sentCalls++,
    })
    tracker.push([{ i: 0 }, { i: 1 }, { i: 2 }], { topic: 'a' })
    tracker.push([{ i: 3 }, { i: 4 }], { topic: 'b' })
    expect(await tracker.flush()).toBe(true)
    await tracker.close()
    expect(sentCalls).toBe(0)
    expect(errors.flatMap((e) => e.logs.map((l) => l.i)).sort()).toEqual(['0', '1', '2', '3', '4'])
    for (const { error } of errors) {
      expect(error).toBeInstanceOf(ServiceError)
      expect(error).toMatchObject({ status, retryable: false })
      expect(error.message).toContain(`redirected to ${location}`)
    }
    // One request per topic: a redirect is not retried, even inside the outage window.
    expect(tracker.stats()).toMatchObject({ pushed: 5, sent: 0, failed: 5, retried: 0, requests: 2, queued: 0, inFlight: 0 })
    expect(srv.seen).toHaveLength(2)
    expect(srv.seen.every((r) => r.method === 'POST' && r.url === '/logstores/web/track')).toBe(true)
  })
})

describe('a timeout after the service stored the logs (fault suite)', () => {
  // The emulator stores a request, then holds its answer past the client's timeoutMs: the
  // attempt is a TimeoutError, retried, and the logs are stored twice. Duplicated, never lost;
  // the retry is counted. (The 4× margin between the hold and the timeout is not asserted on.)
  it('client: resolves after one retry; the service holds the logs twice', async () => {
    await using emu = await startEmulator({ logstores: ['web'] })
    emu.inject({ delayMs: 2000, count: 1 })
    const client = createClient({ ...base, endpoint: emu.endpoint, fetch: emu.fetch, timeoutMs: 500, sleep: noSleep })
    await expect(client.send([{ i: '0' }, { i: '1' }])).resolves.toMatchObject({ logs: 2, retries: 1 })
    expect(emu.logs().map((r) => r.log.i)).toEqual(['0', '1', '0', '1'])
  })

  it('tracker: sent, counted as retried, nothing reported', async () => {
    await using emu = await startEmulator({ logstores: ['web'] })
    emu.inject({ delayMs: 2000, count: 1 })
    const errors: unknown[] = []
    const tracker = createTracker({
      ...base,
      endpoint: emu.endpoint,
      fetch: emu.fetch,
      timeoutMs: 500,
      lingerMs: 0,
      flushOnExit: false,
      retry: { limit: 2, baseDelayMs: 1, maxDelayMs: 2 },
      onError: (e) => errors.push(e),
    })
    tracker.push([{ i: '0' }, { i: '1' }])
    await tracker.close()
    expect(errors).toEqual([])
    expect(emu.logs().map((r) => r.log.i)).toEqual(['0', '1', '0', '1'])
    expect(tracker.stats()).toMatchObject({ pushed: 2, sent: 2, retried: 2, failed: 0 })
  })
})

describe('an idle Node process while a tracker waits (fault suite)', () => {
  // Every tracker timer is unref'd; a flush or a close that waits holds one ref'd handle, so an
  // otherwise idle process neither exits with 13 (an unsettled top-level await) nor loses the
  // logs unreported. The close() case with 1,000 logs on one topic is in
  // test/tracker/tracker.test.ts ("close() keeps an idle process alive…"); these add flush(),
  // many topics, a close timeout that fires first, and requests left hanging in flight.

  /** Runs `body` after a tracker is created in a child process; its `onError` prints counts. */
  async function child(
    port: number,
    options: string,
    body: string,
  ): Promise<{ status: number | null; out: string; reported: number; stats: TrackerStats }> {
    const { status, out } = await spawnScript(`import { createTracker } from ${JSON.stringify(`${root}src/index.ts`)}
import { createForwardFetch } from ${JSON.stringify(`${root}src/emulator/forward-fetch.ts`)}
let reported = 0
const names = new Set()
const tracker = createTracker({ project: 'my-project', endpoint: 'http://localhost:${port}', logstore: 'web',
  compression: 'none', fetch: createForwardFetch('http://127.0.0.1:${port}'), flushOnExit: false, lingerMs: 60_000,
  onError: (e, logs) => { reported += logs.length; names.add(e.name + ': ' + e.message.slice(0, 40)) },
  ${options} })
for (let t = 0; t < 20; t++) tracker.push(Array.from({ length: 10 }, (_, i) => ({ t, i })), { topic: 'topic-' + t })
${body}
console.log('ERRORS ' + JSON.stringify([...names]))
console.log('RESULT ' + JSON.stringify({ reported, stats: tracker.stats() }))
`)
    const line = out.split('\n').find((l) => l.startsWith('RESULT '))
    const result = line
      ? (JSON.parse(line.slice(7)) as { reported: number; stats: TrackerStats })
      : { reported: -1, stats: {} as TrackerStats }
    return { status, out, ...result }
  }

  it('await flush() against a dead server: the process stays until all 200 logs on 20 topics are reported, then exits 0', async () => {
    const port = await closedPort()
    const r = await child(
      port,
      `retry: { limit: 2, baseDelayMs: 5, maxDelayMs: 20 }, maxRetryMs: 200`,
      `console.log('flushed', await tracker.flush())`,
    )
    expect(r.status, r.out).not.toBe(13)
    expect(r.status, r.out).toBe(0)
    expect(r.out).toContain('flushed true')
    expect(r.out).toContain('NetworkError')
    expect(r.reported, r.out).toBe(200)
    expect(r.stats).toMatchObject({ pushed: 200, failed: 200, sent: 0, queued: 0, inFlight: 0, dropped: 0, queuedBytes: 0 })
  })

  it('await close() whose timeout comes first (retries without end): every log pending is reported as the tracker closes', async () => {
    const port = await closedPort()
    const r = await child(
      port,
      `retry: { limit: Infinity, baseDelayMs: 20, maxDelayMs: 50 }, maxRetryMs: Infinity, closeTimeoutMs: 300`,
      `await tracker.close()`,
    )
    expect(r.status, r.out).toBe(0)
    expect(r.out).toContain('tracker closed')
    expect(r.reported, r.out).toBe(200)
    expect(r.stats).toMatchObject({ pushed: 200, failed: 200, sent: 0, queued: 0, inFlight: 0, queuedBytes: 0 })
  })

  it('await close() while requests hang unanswered: they are aborted at the timeout and their logs reported with the rest', async () => {
    // A server that accepts connections and never answers.
    const sockets: Socket[] = []
    const hang = createTcpServer((s) => sockets.push(s.on('error', () => {})))
    await new Promise<void>((r) => hang.listen(0, '127.0.0.1', r))
    servers.push({
      close(done) {
        for (const s of sockets) s.destroy()
        hang.close(done)
      },
    })
    const port = (hang.address() as AddressInfo).port
    const r = await child(port, `concurrency: 4, closeTimeoutMs: 300`, `await tracker.close()`)
    expect(r.status, r.out).toBe(0)
    expect(r.out).toContain('tracker closed')
    expect(r.reported, r.out).toBe(200)
    expect(r.stats).toMatchObject({ pushed: 200, failed: 200, sent: 0, queued: 0, inFlight: 0 })
    expect(sockets.length).toBeGreaterThan(0)
  })

  it('process.exit() with logs pending: nothing can run after it, so they are lost unreported (close() first)', async () => {
    // The one way out that the tracker cannot see: no beforeExit, no timer, no onError. The
    // guide says so ("What can and cannot be lost").
    await using emu = await startEmulator({ logstores: ['web'] })
    const r = await child(emu.port, `flushOnExit: true`, `process.exit(0)`)
    expect(r.status, r.out).toBe(0)
    expect(r.out).not.toContain('RESULT')
    expect(r.out).not.toContain('ERRORS')
    expect(emu.logs()).toEqual([])
  })
})

describe('the tracker on the same paths', () => {
  // What the client refuses or wraps (a log with no field, an Error value, a codec that
  // throws), the tracker reports through onError and counts; nothing is sent as `{}`.
  function tracked(extra: Partial<TrackerOptions> = {}) {
    const wire = recordingFetch()
    const errors: { error: WebTrackError; logs: LogInput[] }[] = []
    const tracker = createTracker({
      ...base,
      fetch: wire.fetch,
      flushOnExit: false,
      lingerMs: 0,
      onError: (error, logs) => errors.push({ error, logs }),
      ...extra,
    })
    return { tracker, errors, wire }
  }
  const logsOf = (req: WireRequest) => JSON.parse(new TextDecoder().decode(req.body)).__logs__ as Record<string, string>[]

  it('a log left with no field: rejected through onError with the log as pushed, the others sent', async () => {
    const { tracker, errors, wire } = tracked()
    const empty = { a: undefined, f: () => 1 }
    tracker.push([{ i: '0' }, {}, empty, { i: '1' }])
    await tracker.close()
    expect(errors.map((e) => e.error)).toEqual([expect.any(ValidationError), expect.any(ValidationError)])
    expect(errors.map((e) => e.logs)).toEqual([[{}], [empty]])
    expect(errors[0]!.error.message).toContain('no field')
    expect(wire.requests.flatMap(logsOf)).toEqual([{ i: '0' }, { i: '1' }])
    expect(tracker.stats()).toMatchObject({ pushed: 4, rejected: 2, sent: 2, failed: 0 })
  })

  it('an Error pushed as a log, or inside one: sent with its name, message and stack', async () => {
    const { tracker, errors, wire } = tracked()
    const error = new RangeError('out of range')
    // `LogInput` has no Error in its type (a plain object of fields); plain JavaScript passes one.
    const input: unknown = error
    tracker.push([input as LogInput, { err: error }] as LogInput[])
    await tracker.close()
    expect(errors).toEqual([])
    const [asLog, inside] = wire.requests.flatMap(logsOf)
    expect(asLog).toMatchObject({ name: 'RangeError', message: 'out of range', stack: error.stack })
    expect(JSON.parse(inside!.err!)).toEqual({ name: 'RangeError', message: 'out of range', stack: error.stack })
  })

  it('a codec that throws: the batch goes to onError as a ValidationError naming the codec, counted as failed, not retried, nothing sent', async () => {
    const boom = new Error('out of memory')
    const { tracker, errors, wire } = tracked({
      compression: {
        name: 'lz4',
        compress() {
          throw boom
        },
      },
      retry: { limit: 3, baseDelayMs: 1, maxDelayMs: 1 },
    })
    tracker.push([{ i: '0' }, { i: '1' }])
    await tracker.close()
    expect(errors).toHaveLength(1)
    expect(errors[0]!.error).toBeInstanceOf(ValidationError)
    expect(errors[0]!.error).toMatchObject({ path: 'compression', cause: boom, retryable: false })
    expect(errors[0]!.logs).toEqual([{ i: '0' }, { i: '1' }])
    expect(wire.requests).toHaveLength(0)
    expect(tracker.stats()).toMatchObject({ pushed: 2, failed: 2, sent: 0, retried: 0 })
  })
})
