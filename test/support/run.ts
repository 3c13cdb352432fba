// Runs a project command for tests: output captured, never inherited, so failures show it.
import { spawn, spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { missing } from '../../scripts/provision.mjs'

export const root = fileURLToPath(new URL('../..', import.meta.url))

export interface RunResult {
  status: number | null
  /** stdout and stderr together. */
  out: string
  stdout?: string
}

export function run(
  cmd: string,
  args: string[],
  options: { cwd?: string; env?: Record<string, string>; input?: string; timeoutMs?: number } = {},
): RunResult {
  const r = spawnSync(cmd, args, {
    cwd: options.cwd ?? root,
    env: { ...process.env, REDOCLY_TELEMETRY: 'off', NO_COLOR: '1', FORCE_COLOR: '0', ...options.env },
    input: options.input,
    encoding: 'utf8',
    timeout: options.timeoutMs ?? 240_000,
    maxBuffer: 64 * 1024 * 1024,
  })
  return { status: r.status, out: `${r.stdout}${r.stderr}${r.error ? String(r.error) : ''}`, stdout: r.stdout }
}

export const bin = (name: string) => `${root}node_modules/.bin/${name}`

/** Like `run`, without blocking the event loop: for commands that talk to an in-process server. */
export function runAsync(
  cmd: string,
  args: string[],
  options: { cwd?: string; input?: string; timeoutMs?: number } = {},
): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: options.cwd ?? root, env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' } })
    let out = ''
    child.stdout.on('data', (d) => (out += d))
    child.stderr.on('data', (d) => (out += d))
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000)
    child.on('close', (status) => {
      clearTimeout(timer)
      resolve({ status, out })
    })
    child.stdin.end(options.input ?? '')
  })
}

/**
 * Whether tests that need `name` (a runtime or Debian package in scripts/provision.mjs, which
 * `npm test` runs first) are skipped: when it is missing outside CI, printing the command that
 * installs it. With CI=true they run, and `requireInstalled` fails them with the same words.
 */
export function skipWithout(name: string): boolean {
  const notice = missing(name)
  if (!notice || process.env.CI === 'true') return false
  console.warn(`\n[tests skipped] ${notice}\n`)
  return true
}

/** Throws what is missing and the command that installs it; for a `beforeAll` or a test. */
export function requireInstalled(name: string): void {
  const notice = missing(name)
  if (notice) throw new Error(notice)
}
