// Runs a TypeScript script in a child Node process with `--expose-gc` and a heap cap, and reads
// back the one `RESULT {json}` line it prints: the memory tests measure a heap of their own,
// which no other test's garbage can blur.
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect } from 'vitest'
import { root } from './run.js'

export async function runScript<T>(script: string, { maxOldSpaceMb = 256, timeoutMs = 50_000 } = {}): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'sls-webtrack-child-'))
  try {
    const file = join(dir, 'script.mts')
    writeFileSync(file, script)
    const args = ['--expose-gc', `--max-old-space-size=${maxOldSpaceMb}`, '--import', 'tsx', file]
    const child = spawn(process.execPath, args, { cwd: root, timeout: timeoutMs })
    let out = ''
    child.stdout.on('data', (d: Buffer) => (out += d.toString()))
    child.stderr.on('data', (d: Buffer) => (out += d.toString()))
    const status = await new Promise<number | null>((resolve) => child.on('close', resolve))
    expect(status, out).toBe(0)
    const line = out.split('\n').find((l) => l.startsWith('RESULT '))
    expect(line, out).toBeDefined()
    return JSON.parse(line!.slice('RESULT '.length)) as T
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
