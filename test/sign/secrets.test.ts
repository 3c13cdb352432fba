// Secrets stay secret: every output of signed sends that fail in each documented way (errors
// with their causes, onError payloads, stats, retry notices, console and stderr, the
// emulator's records) is captured and searched for the secret and the token. So is every
// output of the CLI: signed sends, refused ones, a secret typed as a flag, the help.
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { inspect } from 'node:util'
import { afterAll, beforeAll, expect, it, vi } from 'vitest'
import { createClient, createTracker } from '../../src/sign/index.js'
import { startEmulator, type Emulator } from '../../src/emulator/index.js'
import { bin, root, run } from '../support/run.js'

const SECRET = 'S3cr3t-NEVER-printed-0123456789'
const TOKEN = 'T0ken-NEVER-printed-CAIS+/='
const KEY = { accessKeyId: 'STS.NUsecretScan', accessKeySecret: SECRET, securityToken: TOKEN }

let emu: Emulator
beforeAll(async () => {
  emu = await startEmulator({ secured: ['web'], credentials: [{ ...KEY, expiration: Date.now() - 1 }], now: () => Date.now() + 3_600_000 })
})
afterAll(() => emu.close())

it('no error, onError payload, stats, retry notice, console line or emulator record contains the secret or the token', async () => {
  const seen: unknown[] = []
  const spies = (['log', 'info', 'warn', 'error', 'debug'] as const).map((m) =>
    vi.spyOn(console, m).mockImplementation((...a) => seen.push(a)),
  )
  const stderr = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    seen.push(String(chunk))
    return true
  })
  try {
    const base = {
      project: 'scan',
      endpoint: emu.endpoint,
      logstore: 'web',
      fetch: emu.fetch,
      sleep: async () => {},
      onRetry: (i: unknown) => seen.push(i),
    }
    const credentials = [
      KEY,
      { ...KEY, accessKeySecret: `${SECRET}-wrong` },
      { accessKeyId: KEY.accessKeyId, accessKeySecret: SECRET },
      async () => ({ ...KEY, expiration: Date.now() + 3_600_000 }),
      async () => ({ ...KEY, expiration: 'not a date' }),
      async () => ({ ...KEY, securityToken: `${TOKEN} with space`, expiration: Date.now() + 3_600_000 }),
      async () => Promise.reject(new Error('backend down')),
    ]
    for (const c of credentials) {
      seen.push(
        await createClient({ ...base, credentials: c, retry: 1 })
          .send([{ a: 1 }])
          .catch((e: unknown) => e),
      )
      const tracker = createTracker({ ...base, credentials: c, retry: 1, onError: (e, logs) => seen.push(e, logs) })
      tracker.push({ b: 2 })
      await tracker.close()
      seen.push(tracker.stats())
    }
    // Malformed static credentials fail at creation, naming the field only.
    for (const bad of [
      { accessKeyId: 'a:b', accessKeySecret: SECRET, securityToken: TOKEN },
      { ...KEY, securityToken: `${TOKEN}\n` },
    ]) {
      try {
        createClient({ ...base, credentials: bad })
      } catch (e) {
        seen.push(e)
      }
    }
    seen.push(emu.requests(), emu.stats())
  } finally {
    spies.forEach((s) => s.mockRestore())
    stderr.mockRestore()
  }
  expect(seen.filter((x) => x instanceof Error).length).toBeGreaterThanOrEqual(14)
  const text = seen.map((x) => `${inspect(x, { depth: 10, showHidden: true })}\n${JSON.stringify(x) as string | undefined}`).join('\n')
  expect(text).not.toContain(SECRET)
  expect(text).not.toContain(TOKEN)
  expect(text).not.toContain(TOKEN.slice(0, 12))
})

it("the CLI's stdout and stderr never contain the secret or the token", async () => {
  const cli = join(root, 'src/cli/bin.ts')
  const env = { SLS_ACCESS_KEY_ID: KEY.accessKeyId, SLS_ACCESS_KEY_SECRET: SECRET, SLS_SECURITY_TOKEN: TOKEN }
  const serve = spawn(process.execPath, ['--import', 'tsx', cli, 'serve', '--port', '0', '--logstore', 'web', '--require-credentials'], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let served = ''
  serve.stdout.on('data', (d) => (served += d))
  serve.stderr.on('data', (d) => (served += d))
  const exited = new Promise((resolve) => serve.on('exit', resolve))
  try {
    for (let i = 0; i < 400 && !served.includes('listening on http'); i++) await new Promise((r) => setTimeout(r, 50))
    const endpoint = /listening on (http:\/\/\S+)/.exec(served)![1]!
    const send = (vars: Record<string, string>, ...flags: string[]) =>
      run(bin('tsx'), [cli, 'send', '--project', 'scan', '--endpoint', endpoint, '--logstore', 'web', ...flags, '-'], {
        env: { ...env, ...vars },
        input: '{"a":"1"}\n',
      })
    const runs = [
      send({}),
      send({}, '--compression', 'deflate'),
      send({ SLS_ACCESS_KEY_SECRET: `${SECRET}-wrong` }),
      send({ SLS_SECURITY_TOKEN: `${TOKEN}-stale` }),
      send({ SLS_ACCESS_KEY_ID: '', SLS_ACCESS_KEY_SECRET: '', SLS_SECURITY_TOKEN: '' }),
      send({ SLS_ACCESS_KEY_ID: 'bad:id' }),
      send({}, `--access-key-secret=${SECRET}`),
      send({}, '--security-token', TOKEN),
      ...[[], ['send'], ['serve']].map((c) => run(bin('tsx'), [cli, ...c, '--help'], { env })),
    ]
    expect(runs.map((r) => r.status)).toEqual([0, 0, 1, 1, 1, 1, 2, 2, 0, 0, 0])
    serve.kill('SIGINT')
    await exited
    expect(served).toContain('stopped: 2 logs accepted from 5 requests (3 rejected)')
    const text = `${served}\n${runs.map((r) => r.out).join('\n')}`
    expect(text).not.toContain(SECRET)
    expect(text).not.toContain(TOKEN)
    expect(text).not.toContain(TOKEN.slice(0, 12))
  } finally {
    serve.kill('SIGKILL')
  }
}, 120_000)
