// Secrets stay secret: every output of signed sends that fail in each documented way (errors
// with their causes, onError payloads, stats, retry notices, console and stderr, the
// emulator's records) is captured and searched for the secret and the token.
import { inspect } from 'node:util'
import { afterAll, beforeAll, expect, it, vi } from 'vitest'
import { createClient, createTracker } from '../../src/sign/index.js'
import { startEmulator, type Emulator } from '../../src/emulator/index.js'

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
