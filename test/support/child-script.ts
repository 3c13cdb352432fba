// Runs a TypeScript script in a child Node process (through tsx) and hands back its exit status
// and output. For what only a process of its own shows: its heap, measured without any other
// test's garbage (`runScript`), and whether it exits, or stays alive while work is pending.
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect } from 'vitest'
import { root } from './run.js'

/** Writes `script` to a temporary file and runs it; stdout and stderr come back together. */
export async function spawnScript(
  script: string,
  { nodeArgs = [] as string[], timeoutMs = 20_000 } = {},
): Promise<{ status: number | null; out: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'sls-webtrack-child-'))
  try {
    const file = join(dir, 'script.mts')
    writeFileSync(file, script)
    const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', file], { cwd: root, timeout: timeoutMs })
    let out = ''
    child.stdout.on('data', (d: Buffer) => (out += d.toString()))
    child.stderr.on('data', (d: Buffer) => (out += d.toString()))
    const status = await new Promise<number | null>((resolve) => child.on('close', resolve))
    return { status, out }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** Runs `script` with `--expose-gc` and a heap cap; reads back the one `RESULT {json}` line it prints. */
export async function runScript<T>(script: string, { maxOldSpaceMb = 256, timeoutMs = 50_000 } = {}): Promise<T> {
  const { status, out } = await spawnScript(script, { nodeArgs: ['--expose-gc', `--max-old-space-size=${maxOldSpaceMb}`], timeoutMs })
  expect(status, out).toBe(0)
  const line = out.split('\n').find((l) => l.startsWith('RESULT '))
  expect(line, out).toBeDefined()
  return JSON.parse(line!.slice('RESULT '.length)) as T
}
