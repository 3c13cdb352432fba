// The CLI end to end, as spawned processes: send into serve, a bad line, a failing server, demo.
import { spawn } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable, Writable } from 'node:stream'
import { afterAll, describe, expect, it } from 'vitest'
import { startEmulator } from '../src/emulator/index.js'
import { bin, root, run, runAsync } from './support/run.js'

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

function startServe(args: string[] = []) {
  const child = spawn(tsx, [cli, 'serve', '--port', '0', ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] })
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
  })

  it('send into serve: good lines arrive and are printed, a bad line is reported by number, exit 1', async () => {
    const serve = startServe()
    const endpoint = await serve.endpoint
    const file = join(dir, 'logs.ndjson')
    writeFileSync(file, ['{"event":"a","n":1}', '{"event":"b"}', 'not json', '{"__topic__":"x"}', '', '{"event":"c","msg":"日志 😀"}'].join('\n'))
    const r = run(tsx, [cli, 'send', '--project', 'cli-test', '--endpoint', endpoint, '--logstore', 'web', '--topic', 'cli', '--tag', 'env=test', '--compression', 'lz4', file])
    expect(r.status, r.out).toBe(1)
    expect(r.out).toContain('line 3: invalid JSON')
    expect(r.out).toMatch(/line 4: .*__topic__/)
    expect(r.out).toMatch(/3 logs sent in 1 requests.*2 bad lines, 0 failed/)
    await until(() => serve.out().split('\n').filter(Boolean).length === 3, 'three printed logs')
    expect(serve.out()).toMatch(/cli-test\/web \[cli\] event=a n=1/)
    expect(serve.out()).toContain('msg="日志 😀"')
    serve.child.kill('SIGINT')
    expect(await serve.exited).toBe(0)
    expect(serve.err()).toContain('stopped: 3 logs accepted')
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
    expect(r.out).toMatch(/error: 2 logs not sent: 404 LogStoreNotExist/)
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
    const { sendCommand } = await import('../src/cli/send.js')
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
    const { sendCommand } = await import('../src/cli/send.js')
    await using emu = await startEmulator({ logstores: ['web'] })
    const sink = capture()
    const lines = [JSON.stringify({ i: 1 }), JSON.stringify({ i: 2, big: 'x'.repeat(3 * 1024 * 1024) }), JSON.stringify({ i: 3 })].join('\n')
    const code = await sendCommand({ project: 'big-line', endpoint: emu.endpoint, logstore: 'web', tags: {}, compression: 'lz4', file: '-' }, Readable.from([lines]), sink)
    expect(code).toBe(1)
    const err = sink.text()
    expect(err).toMatch(/line 2: log: \d+ bytes cannot fit in one request/)
    expect(err).toMatch(/2 logs sent in 1 requests.*1 bad lines, 0 failed/)
    expect(emu.logs().map((r) => r.log.i)).toEqual(['1', '3'])
  })
})
