// The code in the README and the guides type-checks against the package as it is: an API
// change that the docs do not follow fails here, not in a reader's editor. Each ```ts block
// becomes a module importing the package's sources; a block that elides options (`{ ...,`) is
// a fragment and is skipped. Names a block uses without defining (`client`, `logs`…) are the
// reader's: they are declared once, as globals a block's own imports shadow.
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { bin, root, run } from './support/run.js'

const ENTRIES: Record<string, string> = {
  'sls-webtrack/core': 'src/core.js',
  'sls-webtrack/lz4': 'src/compress/lz4.js',
  'sls-webtrack/deflate': 'src/compress/deflate.js',
  'sls-webtrack/emulator': 'src/emulator/index.js',
  'sls-webtrack/sign': 'src/sign/index.js',
  'sls-webtrack/persist': 'src/persist/index.js',
  'sls-webtrack/otel': 'src/otel/index.js',
  'sls-webtrack/offline': 'src/offline/index.js',
  'sls-webtrack/context': 'src/context/index.js',
  'sls-webtrack/consent': 'src/consent/index.js',
  'sls-webtrack/mini': 'src/mini/index.js',
  'sls-webtrack/capture': 'src/capture/index.js',
  'sls-webtrack/pino': 'src/pino/index.js',
  'sls-webtrack/winston': 'src/winston/index.js',
  'sls-webtrack': 'src/index.js',
}

const READER_NAMES = `
import type { Client, LogInput } from '../../src/index.js'
declare global {
  const client: Client
  const logs: LogInput[]
  const createClient: typeof import('../../src/index.js').createClient
  function report(...args: unknown[]): void
  const metrics: { count(...args: unknown[]): void }
}
export {}
`

function blocks(): { name: string; code: string }[] {
  const docs = [
    'README.md',
    ...readdirSync(join(root, 'docs'))
      .filter((f) => f.endsWith('.md'))
      .map((f) => `docs/${f}`),
  ]
  const out: { name: string; code: string }[] = []
  for (const doc of docs) {
    const text = readFileSync(join(root, doc), 'utf8')
    let i = 0
    for (const m of text.matchAll(/```(?:ts|typescript)\n([\s\S]*?)```/g)) {
      i++
      if (/\{\s*\.\.\.,/.test(m[1]!)) continue
      let code = m[1]!
      // Longest specifiers first, so that 'sls-webtrack' does not eat 'sls-webtrack/core'.
      for (const [spec, path] of Object.entries(ENTRIES)) code = code.replaceAll(`'${spec}'`, `'../../${path}'`)
      out.push({ name: `${doc.replace(/\W/g, '_')}_${i}`, code })
    }
  }
  return out
}

describe('code in the README and the guides', () => {
  it('type-checks against the package', () => {
    const dir = join(root, '.tmp', 'docs-examples')
    rmSync(dir, { recursive: true, force: true })
    mkdirSync(dir, { recursive: true })
    const found = blocks()
    expect(found.length).toBeGreaterThanOrEqual(8)
    for (const { name, code } of found) writeFileSync(join(dir, `${name}.ts`), `${code}\nexport {}\n`)
    writeFileSync(join(dir, 'reader.d.ts'), READER_NAMES)
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({ extends: join(root, 'tsconfig.json'), compilerOptions: { noUnusedLocals: false }, include: ['./*.ts'] }),
    )
    const r = run(bin('tsc'), ['--noEmit', '-p', join(dir, 'tsconfig.json')])
    expect(r.out).toBe('')
    expect(r.status).toBe(0)
  }, 120_000)
})
