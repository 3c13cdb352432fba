// The CLI end to end, as spawned processes: send into serve, a bad line, a failing server, demo.
import { spawn } from 'node:child_process'
import { closeSync, mkdtempSync, openSync, readFileSync, statSync, writeFileSync, writeSync } from 'node:fs'
import { connect, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable, Writable } from 'node:stream'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { createForwardFetch, startEmulator } from '../../src/emulator/index.js'
import { bin, root, run, runAsync } from '../support/run.js'

const tsx = bin('tsx')
const cli = join(root, 'src/cli/bin.ts')
const dir = mkdtempSync(join(tmpdir(), 'sls-webtrack-cli-'))
const children: ReturnType<typeof spawn>[] = []
afterAll(() => children.forEach((c) => c.kill('SIGKILL')))

/** A stream that keeps what is written to it (`text()`), to stand for the CLI's stderr. */
function capture(isTTY = false): Writable & { text(): string } {
  let text = ''
  const stream = new Writable({
    write(chunk, _enc, done) {
      text += chunk
      done()
    },
  })
  return Object.assign(stream, { isTTY, text: () => text })
}

function startServe(args: string[] = [], env: Record<string, string> = {}) {
  // node itself (not the tsx wrapper, which does not pass SIGKILL on): nothing outlives the tests.
  const child = spawn(process.execPath, ['--import', 'tsx', cli, 'serve', '--port', '0', ...args], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  children.push(child)
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d) => (stdout += d))
  child.stderr.on('data', (d) => (stderr += d))
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  const endpoint = new Promise<string>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`serve did not start: ${stderr}`)), 20_000)
    child.stderr.on('data', () => {
      const m = /listening on (http:\/\/\S+)/.exec(stderr)
      if (m) {
        clearTimeout(t)
        resolve(m[1]!)
      }
    })
  })
  return { child, endpoint, exited, out: () => stdout, err: () => stderr }
}

async function until(cond: () => boolean, what: string) {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 50))
  if (!cond()) throw new Error(`timed out waiting for ${what}`)
}

describe('sls-webtrack CLI', () => {
  it('--version and --help for each command', () => {
    expect(run(tsx, [cli, '--version']).out.trim()).toMatch(/^\d+\.\d+\.\d+/)
    expect(run(tsx, [cli, '--help']).out).toMatch(/serve[\s\S]*send[\s\S]*demo/)
    for (const cmd of ['serve', 'send', 'demo']) {
      const r = run(tsx, [cli, cmd, '--help'])
      expect(r.status).toBe(0)
      expect(r.out).toContain(`sls-webtrack ${cmd}`)
    }
    const bad = run(tsx, [cli, 'nope'])
    expect(bad.status).toBe(2)
    expect(bad.out).toContain('unknown command')
    // Six tsx processes, each compiling the CLI: seconds apiece on a loaded 2-core machine.
  }, 90_000)

  it('send into serve: good lines arrive and are printed, a bad line is reported by number, exit 1', async () => {
    const serve = startServe()
    const endpoint = await serve.endpoint
    const file = join(dir, 'logs.ndjson')
    writeFileSync(
      file,
      ['{"event":"a","n":1}', '{"event":"b"}', 'not json', '{"__topic__":"x"}', '', '{"event":"c","msg":"日志 😀"}'].join('\n'),
    )
    const r = run(tsx, [
      cli,
      'send',
      '--project',
      'cli-test',
      '--endpoint',
      endpoint,
      '--logstore',
      'web',
      '--topic',
      'cli',
      '--tag',
      'env=test',
      '--compression',
      'lz4',
      file,
    ])
    expect(r.status, r.out).toBe(1)
    expect(r.out).toContain('line 3: invalid JSON')
    expect(r.out).toMatch(/line 4: .*__topic__/)
    expect(r.out).toMatch(/3 logs sent in 1 request \(.*2 bad lines, 0 failed/)
    await until(() => serve.out().split('\n').filter(Boolean).length === 3, 'three printed logs')
    expect(serve.out()).toMatch(/cli-test\/web \[cli\] event=a n=1/)
    expect(serve.out()).toContain('msg="日志 😀"')
    serve.child.kill('SIGINT')
    expect(await serve.exited).toBe(0)
    expect(serve.err()).toContain('stopped: 3 logs accepted from 1 request (0 rejected)')
    expect(serve.err()).not.toContain('warning')
  })

  it('reads stdin, and exits 0 when everything was sent', async () => {
    const serve = startServe()
    const endpoint = await serve.endpoint
    const lines = Array.from({ length: 5000 }, (_, i) => JSON.stringify({ i, page: `/p/${i % 7}` })).join('\n')
    const r = run(tsx, [cli, 'send', '--project', 'cli-test', '--endpoint', endpoint, '--logstore', 'web', '-'], { input: lines })
    expect(r.status, r.out).toBe(0)
    expect(r.out).toMatch(/5000 logs sent in 2 requests/)
    serve.child.kill('SIGINT')
    await serve.exited
  })

  it('a failing server: a clear message and exit 1', async () => {
    await using emu = await startEmulator({ logstores: ['web'] })
    emu.inject({ fail: 100, status: 404, errorCode: 'LogStoreNotExist' })
    const file = join(dir, 'two.ndjson')
    writeFileSync(file, '{"a":1}\n{"a":2}\n')
    const r = await runAsync(tsx, [cli, 'send', '--project', 'cli-test', '--endpoint', emu.endpoint, '--logstore', 'web', file])
    expect(r.status).toBe(1)
    expect(r.out).toMatch(/error: 2 logs not sent \(lines 1–2\): 404 LogStoreNotExist/)
    expect(r.out).toContain('lines 1–2 not sent')
    expect(r.out).toMatch(/0 logs sent.*2 failed/)
  })

  it('missing options are a usage error (exit 2)', () => {
    const r = run(tsx, [cli, 'send', '--project', 'p-1'])
    expect(r.status).toBe(2)
    expect(r.out).toContain('--endpoint is required')
  })

  it('demo: sends through the client and prints what the emulator stored', () => {
    const r = run(tsx, [cli, 'demo', '--count', '3000'])
    expect(r.status, r.out).toBe(0)
    expect(r.out).toMatch(/the emulator stored 3000 logs: page_view \d+, click \d+/)
    expect(r.out).toMatch(/requests: \d+, ids [0-9A-F]{24}/)
    expect(r.out).toContain('ok: every log stored exactly once')
  })
})

describe('send on a TTY', () => {
  it('writes a progress line (logs, logs/s, raw and wire bytes) on stderr, then the summary', async () => {
    const { sendCommand } = await import('../../src/cli/send.js')
    await using emu = await startEmulator({ logstores: ['web'] })
    const tty = capture(true)
    const lines = Array.from({ length: 9000 }, (_, i) => JSON.stringify({ i, page: `/p/${i % 5}` })).join('\n')
    const code = await sendCommand(
      { project: 'tty-test', endpoint: emu.endpoint, logstore: 'web', tags: {}, compression: 'lz4', file: '-' },
      Readable.from([lines]),
      tty,
    )
    expect(code).toBe(0)
    const err = tty.text()
    expect(err).toMatch(/\r\d+ logs sent, \d+ logs\/s, [\d.]+ (B|KiB|MiB) raw, [\d.]+ (B|KiB|MiB) on the wire/)
    expect(err).toMatch(/9000 logs sent in \d+ requests/)
    expect(emu.logs()).toHaveLength(9000)
  })
})

describe('send: a log too big for any request', () => {
  it('is reported by its line number; the lines around it still go', async () => {
    const { sendCommand } = await import('../../src/cli/send.js')
    await using emu = await startEmulator({ logstores: ['web'] })
    const sink = capture()
    const lines = [JSON.stringify({ i: 1 }), JSON.stringify({ i: 2, big: 'x'.repeat(3 * 1024 * 1024) }), JSON.stringify({ i: 3 })].join(
      '\n',
    )
    const code = await sendCommand(
      { project: 'big-line', endpoint: emu.endpoint, logstore: 'web', tags: {}, compression: 'lz4', file: '-' },
      Readable.from([lines]),
      sink,
    )
    expect(code).toBe(1)
    const err = sink.text()
    expect(err).toMatch(/line 2: 3\.00 MiB, longer than a request may be \(3\.00 MiB\); skipped/)
    expect(err).toMatch(/2 logs sent in 1 request .*1 bad line, 0 failed/)
    expect(emu.logs().map((r) => r.log.i)).toEqual(['1', '3'])
  })

  it('a line under the byte cap whose log still cannot fit with the envelope is reported too', async () => {
    const { sendCommand } = await import('../../src/cli/send.js')
    await using emu = await startEmulator({ logstores: ['web'] })
    const sink = capture()
    const lines = [JSON.stringify({ big: 'x'.repeat(3 * 1024 * 1024 - 20) }), JSON.stringify({ i: 2 })].join('\n')
    const code = await sendCommand(
      { project: 'big-line', endpoint: emu.endpoint, logstore: 'web', tags: {}, compression: 'lz4', file: '-' },
      Readable.from([lines]),
      sink,
    )
    expect(code).toBe(1)
    expect(sink.text()).toMatch(/line 1: log: \d+ bytes cannot fit in one request \(room for \d+\)/)
    expect(emu.logs().map((r) => r.log.i)).toEqual(['2'])
  })
})

/** Runs `main` in this process with stdout and stderr captured (for usage errors: nothing starts). */
async function mainCaptured(argv: string[]): Promise<{ code: number; out: string }> {
  const { main } = await import('../../src/cli/main.js')
  let out = ''
  const keep = (chunk: unknown) => {
    out += String(chunk)
    return true
  }
  const spies = [vi.spyOn(process.stdout, 'write').mockImplementation(keep), vi.spyOn(process.stderr, 'write').mockImplementation(keep)]
  try {
    return { code: await main(argv), out }
  } finally {
    spies.forEach((s) => s.mockRestore())
  }
}

describe('--version', () => {
  it("prints package.json's version when run from source (tsx)", () => {
    const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }
    const r = run(tsx, [cli, '--version'])
    expect(r.status).toBe(0)
    expect(r.out.trim()).toBe(version)
  })
})

describe('numeric flags', () => {
  it.each([
    [['serve', '--port', 'abc'], '--port: expected a port number 0–65535, got "abc"'],
    [['serve', '--port', '65536'], '--port: expected a port number 0–65535, got "65536"'],
    [['serve', '--port=-1'], '--port: expected a port number 0–65535, got "-1"'],
    [['serve', '--port', '1e3'], '--port: expected a port number 0–65535, got "1e3"'],
    [['serve', '--max-records', 'many'], '--max-records: expected a number of records 0–1000000, got "many"'],
    [['serve', '--max-connections', '0'], '--max-connections: expected a number of connections 1–65535, got "0"'],
    [['demo', '--count', '12.5'], '--count: expected a number of logs 1–1000000, got "12.5"'],
    [['demo', '--count', ''], '--count: expected a number of logs 1–1000000, got ""'],
    // The names are the package's CompressionName, listed as the help lists them.
    [
      ['send', '--project', 'p-1', '--endpoint', 'http://localhost:1', '--logstore', 'web', '--compression', 'gzip'],
      '--compression: expected one of auto, lz4, deflate, none, got "gzip"',
    ],
  ])('%j is a usage error in plain words (exit 2)', async (argv, message) => {
    const r = await mainCaptured(argv)
    expect(r.code).toBe(2)
    expect(r.out).toContain(`sls-webtrack ${argv[0]}: ${message}\n`)
    expect(r.out).toContain(`Usage: sls-webtrack ${argv[0]}`)
  })
})

describe('plural forms', () => {
  it('one log, one request, one bad line', async () => {
    const { sendCommand } = await import('../../src/cli/send.js')
    await using emu = await startEmulator({ logstores: ['web'] })
    const sink = capture()
    const code = await sendCommand(
      { project: 'plural', endpoint: emu.endpoint, logstore: 'web', tags: {}, compression: 'none', file: '-' },
      Readable.from(['{"a":1}\nnope\n']),
      sink,
    )
    expect(code).toBe(1)
    expect(sink.text()).toMatch(/^1 log sent in 1 request \(.*; 1 bad line, 0 failed$/m)
  })
})

describe('serve --store', () => {
  it('a path that cannot be written fails at start-up, naming the path and the cause', () => {
    const missing = join(dir, 'no-such-dir', 'logs.ndjson')
    const r = run(tsx, [cli, 'serve', '--port', '0', '--store', missing], { timeoutMs: 30_000 })
    expect(r.status).toBe(1)
    expect(r.out).toContain(
      `sls-webtrack serve: store: cannot open ${JSON.stringify(missing)} for appending: ENOENT (no such file or directory)`,
    )
    expect(r.out).not.toContain('listening')
    const isDir = run(tsx, [cli, 'serve', '--port', '0', '--store', dir], { timeoutMs: 30_000 })
    expect(isDir.status).toBe(1)
    expect(isDir.out).toContain(`cannot open ${JSON.stringify(dir)} for appending: EISDIR`)
  })

  it('creates the file with mode 0600 at start-up', async () => {
    const store = join(dir, 'serve-store.ndjson')
    const serve = startServe(['--store', store])
    await serve.endpoint
    expect(statSync(store).mode & 0o777).toBe(0o600)
    serve.child.kill('SIGINT')
    expect(await serve.exited).toBe(0)
  })
})

describe('serve: rejected requests, connections, listen address', () => {
  it('prints each rejected request on stderr: status, error code, where, request id, reason', async () => {
    const serve = startServe()
    const endpoint = await serve.endpoint
    const forward = createForwardFetch(endpoint.replace('localhost', '127.0.0.1'))
    const url = `http://cli-test.localhost/logstores/web/track?APIVersion=0.6.0`
    const bad = await forward(url, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{"__logs__":[]}' })
    expect(bad.status).toBe(400)
    const requestId = bad.headers.get('x-log-requestid')!
    const good = await forward(url, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{"__logs__":[{"ok":"1"}]}' })
    expect(good.status).toBe(200)
    await until(() => serve.out().includes('ok=1'), 'the accepted log')
    expect(serve.err()).toContain(
      `rejected 400 PostBodyInvalid POST cli-test/web (request ${requestId}): __logs__ is empty; send at least one log.`,
    )
    serve.child.kill('SIGINT')
    await serve.exited
    expect(serve.err()).toContain('stopped: 1 log accepted from 2 requests (1 rejected)')
  })

  it('--max-connections: a connection over the cap is closed at once and reported', async () => {
    const serve = startServe(['--max-connections', '2'])
    const port = Number(new URL(await serve.endpoint).port)
    const opened = await Promise.all([0, 1].map(() => openSocket(port)))
    const third = await openSocket(port)
    await third.closed
    await until(() => serve.err().includes('refused a connection: 2 are open (--max-connections)'), 'the refusal')
    opened.forEach((o) => o.socket.destroy())
    serve.child.kill('SIGINT')
    await serve.exited
    expect(serve.err()).toMatch(/stopped: 0 logs accepted from 0 requests \(0 rejected, 1 connection refused\)/)
  })

  it('a non-loopback --host is warned about (any web page can reach the emulator)', () => {
    // 192.0.2.1 (TEST-NET-1) is not this machine's: the warning comes first, then the listen fails.
    const r = run(tsx, [cli, 'serve', '--host', '192.0.2.1', '--port', '0'], { timeoutMs: 30_000 })
    expect(r.out).toMatch(
      /warning: --host 192\.0\.2\.1 is not a loopback address: other machines can reach the emulator, and since it answers CORS "\*", so can any web page/,
    )
    expect(r.status).toBe(1)
    expect(r.out).toContain('sls-webtrack serve: cannot listen on 192.0.2.1 port 0: EADDRNOTAVAIL')
  })
})

/** A raw TCP connection to 127.0.0.1; resolves once connected, `closed` once it ends. */
function openSocket(port: number) {
  const socket = connect(port, '127.0.0.1')
  socket.on('error', () => {})
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()))
  return new Promise<{ socket: Socket; closed: Promise<void> }>((resolve) => socket.once('connect', () => resolve({ socket, closed })))
}

describe('serve: what reaches the terminal', () => {
  it('controls, OSC 52, C1, bidi and zero-width characters are escaped; a newline in a topic forges no line', async () => {
    const serve = startServe()
    const endpoint = await serve.endpoint
    const forward = createForwardFetch(endpoint.replace('localhost', '127.0.0.1'))
    const url = `http://cli-test.localhost/logstores/web/track?APIVersion=0.6.0`
    const osc52 = '\x1b]52;c;ZXZpbA==\x07'
    const body = {
      __topic__: 'real\n12:00:00 forged/web [x] admin=yes',
      __source__: 'src\x9b31m',
      __tags__: { 'k\u202e': 'v\u2066\u200b' },
      __logs__: [{ msg: `clip ${osc52} end`, ['key\x1b[2J']: 'bell\x07', rtl: '\u202egnp.exe' }],
    }
    expect((await forward(url, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: JSON.stringify(body) })).status).toBe(200)
    // A refused request whose error message quotes a key with a C1 control in it.
    const refused = await forward(url, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify({ __logs__: [{ '__tag__:\x9b2J': 'x' }] }),
    })
    expect(refused.status).toBe(400)
    await until(() => serve.out().includes('rtl=') && serve.err().includes('rejected 400 InvalidKey'), 'both lines')
    serve.child.kill('SIGINT')
    await serve.exited
    const hidden = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u
    for (const text of [serve.out(), serve.err()]) {
      for (const line of text.split('\n')) expect(line, JSON.stringify(line)).not.toMatch(hidden)
    }
    const lines = serve.out().split('\n').filter(Boolean)
    expect(lines).toHaveLength(1)
    expect(lines[0]).toContain(' ["real\\n12:00:00 forged/web [x] admin=yes"] ')
    expect(lines[0]).toContain(' msg="clip \\x1b]52;c;ZXZpbA==\\x07 end" ')
    expect(lines[0]).toContain(' "key\\x1b[2J"="bell\\x07" ')
    expect(lines[0]).toContain(' rtl="\\u202egnp.exe" ')
    expect(lines[0]).toContain(' __source__="src\\x9b31m" ')
    expect(lines[0]).toMatch(/ "__tag__:k\\u202e"="v\\u2066\\u200b"$/)
    expect(serve.err()).toContain('\\x9b2J')
  })
})

describe('send: line splitting and decoding', () => {
  it('a 64 MiB line is skipped while it streams: peak RSS grows by less than the line itself', async () => {
    await using emu = await startEmulator({ logstores: ['web'] })
    const small = join(dir, 'rss-small.ndjson')
    const big = join(dir, 'rss-big.ndjson')
    writeFileSync(small, '{"a":1}\n{"a":3}\n')
    const fd = openSync(big, 'w')
    writeSync(fd, '{"a":1}\n{"big":"')
    const mib = 'x'.repeat(1024 * 1024)
    for (let i = 0; i < 64; i++) writeSync(fd, mib)
    writeSync(fd, '"}\n{"a":3}\n')
    closeSync(fd)
    // Peak RSS of the CLI's own process, written as it exits (same runtime, same-run baseline).
    const probe = join(dir, 'max-rss.mjs')
    writeFileSync(
      probe,
      "import { writeSync } from 'node:fs'\nprocess.on('exit', () => writeSync(2, `maxrss_kib=${process.resourceUsage().maxRSS}\\n`))\n",
    )
    const peak = async (file: string) => {
      const r = await runAsync(process.execPath, [
        '--import',
        'tsx',
        '--import',
        probe,
        cli,
        'send',
        '--project',
        'rss-test',
        '--endpoint',
        emu.endpoint,
        '--logstore',
        'web',
        file,
      ])
      const kib = Number(/maxrss_kib=(\d+)/.exec(r.out)?.[1])
      expect(kib, r.out).toBeGreaterThan(0)
      return { ...r, bytes: kib * 1024 }
    }
    const base = await peak(small)
    const withBig = await peak(big)
    expect(base.status, base.out).toBe(0)
    expect(withBig.status).toBe(1)
    expect(withBig.out).toContain('line 2: 64.00 MiB, longer than a request may be (3.00 MiB); skipped')
    expect(withBig.out).toMatch(/2 logs sent in 1 request .*1 bad line/)
    expect(withBig.bytes - base.bytes, `peak RSS ${withBig.bytes} vs ${base.bytes}`).toBeLessThan(64 * 1024 * 1024)
  })

  it('invalid UTF-8 is reported by line number, never replaced; CRLF and a last line without newline are fine', async () => {
    const { sendCommand } = await import('../../src/cli/send.js')
    await using emu = await startEmulator({ logstores: ['web'] })
    const sink = capture()
    const input = Buffer.concat([
      Buffer.from('{"a":"1"}\r\n'),
      Buffer.from('{"a":"'),
      Buffer.from([0xff, 0xfe]),
      Buffer.from('"}\n'),
      Buffer.from('{"a":"caf'),
      Buffer.from([0xc3]), // a two-byte sequence split across chunks stays whole
    ])
    const rest = Buffer.concat([Buffer.from([0xa9]), Buffer.from('"}\n{"a":"\xed\xa0\x80"}\n{"a":"last"}', 'latin1')])
    const code = await sendCommand(
      { project: 'utf8-test', endpoint: emu.endpoint, logstore: 'web', tags: {}, compression: 'none', file: '-' },
      Readable.from([input, rest]),
      sink,
    )
    expect(code).toBe(1)
    expect(sink.text()).toContain('line 2: not valid UTF-8; skipped')
    expect(sink.text()).toContain('line 4: not valid UTF-8; skipped') // an encoded surrogate
    expect(emu.logs().map((r) => r.log.a)).toEqual(['1', 'café', 'last'])
    expect(emu.logs().some((r) => r.log.a!.includes('\ufffd'))).toBe(false)
  })
})

describe('send: an unreachable service', () => {
  it('stops after 3 batches in a row fail to connect, and lists the lines not sent', async () => {
    const { sendCommand } = await import('../../src/cli/send.js')
    let seen = 0
    // Request 1 is refused for good (404), request 2 is stored, then every connection is dropped.
    const emu = await startEmulator({
      logstores: ['web'],
      onRequest: () => {
        if (++seen === 2) emu.inject({ drop: 1000 })
      },
    })
    try {
      emu.inject({ fail: 1, status: 404, errorCode: 'LogStoreNotExist' })
      const lines = Array.from({ length: 7 * 4096 }, (_, i) => JSON.stringify({ i: i + 1 })).join('\n')
      const sink = capture()
      const code = await sendCommand(
        { project: 'dead-test', endpoint: emu.endpoint, logstore: 'web', tags: {}, compression: 'none', file: '-' },
        Readable.from([lines]),
        sink,
      )
      const err = sink.text()
      expect(code, err).toBe(1)
      // Batches 3, 4 and 5, each tried 1 + 3 times; batches 6 and 7 never.
      expect(emu.stats().requests, err).toBe(2 + 3 * 4)
      expect(emu.logs()).toHaveLength(4096)
      expect(err).toContain('stopped: 3 batches in a row could not reach the service; the rest of the input was not read')
      expect(err).toMatch(/^lines 1–4096 and 8193–end not sent$/m)
      expect(err).toMatch(/error: 4096 logs not sent \(lines 8193–12288\): network error/)
    } finally {
      await emu.close()
    }
  })
})

describe('signed writes: credentials from the environment', () => {
  const KEY = { SLS_ACCESS_KEY_ID: 'STS.cliTest', SLS_ACCESS_KEY_SECRET: 'cli-secret-0123', SLS_SECURITY_TOKEN: 'cli-token-4567' }
  // The variables cleared, so that a developer's own never leak into a test.
  const NONE = { SLS_ACCESS_KEY_ID: '', SLS_ACCESS_KEY_SECRET: '', SLS_SECURITY_TOKEN: '' }
  const send = (endpoint: string, env: Record<string, string>, input: string) =>
    run(tsx, [cli, 'send', '--project', 'cli-sign', '--endpoint', endpoint, '--logstore', 'web', '--compression', 'lz4', '-'], {
      env: { ...NONE, ...env },
      input,
    })

  it('serve --require-credentials stores signed sends and refuses a wrong secret, a wrong token and anonymous writes', async () => {
    const serve = startServe(['--logstore', 'web', '--require-credentials'], KEY)
    const endpoint = await serve.endpoint
    expect(serve.err()).toContain('anonymous writes (/track): refused with 401 Unauthorized on web')
    const good = send(endpoint, KEY, '{"n":"1"}\n{"n":"2"}\n')
    expect(good.status, good.out).toBe(0)
    expect(good.out).toMatch(/2 logs sent in 1 request/)
    const wrongSecret = send(endpoint, { ...KEY, SLS_ACCESS_KEY_SECRET: 'not-the-secret' }, '{"n":"3"}\n')
    expect(wrongSecret.status).toBe(1)
    expect(wrongSecret.out).toMatch(/error: 1 log not sent \(line 1\): 401 SignatureNotMatch/)
    const wrongToken = send(endpoint, { ...KEY, SLS_SECURITY_TOKEN: 'stale-token' }, '{"n":"4"}\n')
    expect(wrongToken.out).toMatch(/401 Unauthorized: The security token you provided is invalid/)
    const anonymous = send(endpoint, {}, '{"n":"5"}\n')
    expect(anonymous.status).toBe(1)
    expect(anonymous.out).toMatch(/401 Unauthorized: Web tracking is switched off for logstore web/)
    await until(
      () =>
        serve
          .err()
          .split('\n')
          .filter((l) => l.includes('rejected 401')).length === 3,
      'three refusals',
    )
    serve.child.kill('SIGINT')
    expect(await serve.exited).toBe(0)
    expect(serve.out().match(/cli-sign\/web n=\d/g)).toEqual(['cli-sign/web n=1', 'cli-sign/web n=2'])
    expect(serve.err()).toContain('stopped: 2 logs accepted from 4 requests (3 rejected)')
  })

  it('serve without --require-credentials still accepts anonymous writes, and signed ones with the key', async () => {
    const serve = startServe([], { ...KEY, SLS_SECURITY_TOKEN: '' })
    const endpoint = await serve.endpoint
    const key = { SLS_ACCESS_KEY_ID: KEY.SLS_ACCESS_KEY_ID, SLS_ACCESS_KEY_SECRET: KEY.SLS_ACCESS_KEY_SECRET }
    expect(send(endpoint, key, '{"n":"1"}\n').status).toBe(0)
    expect(send(endpoint, {}, '{"n":"2"}\n').status).toBe(0)
    await until(() => serve.out().includes('n=2'), 'both logs')
    serve.child.kill('SIGINT')
    await serve.exited
  })

  it.each([
    ['--access-key-secret=s3cr3t-value'],
    ['--access-key-id', 'LTAI-value'],
    ['--security-token', 's3cr3t-value'],
    ['--secret', 's3cr3t-value'],
    ['--token=s3cr3t-value'],
  ])('%s is refused in plain words, without repeating the value (exit 2)', async (...flag) => {
    for (const command of ['send', 'serve']) {
      const r = await mainCaptured([command, ...flag, '--project', 'p-1'])
      expect(r.code).toBe(2)
      expect(r.out).toContain(
        `sls-webtrack ${command}: ${flag[0].split('=')[0]!}: credentials are never taken from flags, which land in shell history; ` +
          'set SLS_ACCESS_KEY_ID, SLS_ACCESS_KEY_SECRET and, for STS temporary credentials, SLS_SECURITY_TOKEN in the environment',
      )
      expect(r.out).not.toContain('value')
    }
  })

  it('half a pair in the environment is a usage error naming the missing variable', async () => {
    const stub = (env: Record<string, string>) => Object.entries(env).forEach(([k, v]) => vi.stubEnv(k, v))
    try {
      stub({ ...NONE, SLS_ACCESS_KEY_ID: 'STS.only' })
      const r = await mainCaptured(['send', '--project', 'p-1', '--endpoint', 'http://localhost:1', '--logstore', 'web'])
      expect(r.code).toBe(2)
      expect(r.out).toContain('sls-webtrack send: SLS_ACCESS_KEY_SECRET not set: set SLS_ACCESS_KEY_ID, SLS_ACCESS_KEY_SECRET and')
      stub(NONE)
      const noKey = await mainCaptured(['serve', '--logstore', 'web', '--require-credentials'])
      expect(noKey.code).toBe(2)
      expect(noKey.out).toContain('sls-webtrack serve: --require-credentials: no credentials in the environment; set SLS_ACCESS_KEY_ID')
      const noLogstore = await mainCaptured(['serve', '--require-credentials'])
      expect(noLogstore.out).toContain('sls-webtrack serve: --require-credentials: name the Logstores to secure with --logstore')
    } finally {
      vi.unstubAllEnvs()
    }
  })

  it('the help names the variables, and the refusal of flags', () => {
    const r = run(tsx, [cli, 'send', '--help'])
    expect(r.out).toContain('SLS_ACCESS_KEY_ID and SLS_ACCESS_KEY_SECRET set in the environment')
    expect(r.out).toContain('a flag such as --access-key-secret is refused')
    expect(run(tsx, [cli, 'serve', '--help']).out).toContain('--require-credentials')
  })
})
