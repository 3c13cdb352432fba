// The package as users get it: built, packed, linted by publint and attw, importable from ESM
// and CJS, runtime dependencies limited to openapi-fetch and fflate, the CLI runnable.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { bin, root, run } from './support/run.js'

const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))

beforeAll(() => {
  const r = run('npm', ['run', 'build'])
  if (r.status !== 0) throw new Error(`build failed:\n${r.out}`)
}, 180_000)

describe('package', () => {
  it('has only openapi-fetch and fflate as runtime dependencies', () => {
    expect(Object.keys(pkg.dependencies).sort()).toEqual(['fflate', 'openapi-fetch'])
    expect(pkg.type).toBe('module')
    expect(pkg.sideEffects).toBe(false)
    expect(pkg.engines.node).toBe('>=18')
    expect(Object.keys(pkg.exports['.'])).toEqual(['import', 'require'])
    expect(Object.keys(pkg.exports['.'].import)[0]).toBe('types')
  })

  it('publint --strict is clean', () => {
    const r = run(bin('publint'), ['--strict'])
    expect(r.status, r.out).toBe(0)
    expect(r.out).not.toMatch(/warning|error|suggestion/i)
  })

  it('@arethetypeswrong/cli --pack is clean for every entry and resolution', () => {
    const r = run(bin('attw'), ['--pack', '.', '--format', 'table-flipped'], { timeoutMs: 180_000 })
    expect(r.status, r.out).toBe(0)
    expect(r.out).toContain('No problems found')
  })

  it('every entry loads from ESM and from CJS in Node', () => {
    const entries = ['', '/core', '/lz4', '/deflate', '/emulator']
    const esm = entries.map((e) => `await import('sls-webtrack${e}')`).join(';')
    const r1 = run('node', ['--input-type=module', '-e', `${esm}; const m = await import('sls-webtrack'); if (typeof m.createClient !== 'function') process.exit(3)`])
    expect(r1.status, r1.out).toBe(0)
    const cjs = entries.map((e) => `require('sls-webtrack${e}')`).join(';')
    const r2 = run('node', ['-e', `${cjs}; if (typeof require('sls-webtrack').createClient !== 'function') process.exit(3)`])
    expect(r2.status, r2.out).toBe(0)
  })

  it('the built CLI runs', () => {
    const r = run('node', [join(root, pkg.bin['sls-webtrack']), '--version'])
    expect(r.status, r.out).toBe(0)
    expect(r.out.trim()).toBe(pkg.version)
  })
})

describe('bundle size and tree-shaking (browser bundles, minified)', () => {
  it('every size-limit budget holds (gzip)', () => {
    const r = run(bin('size-limit'), ['--json'])
    const results = JSON.parse(r.stdout!) as { name: string; size: number; passed: boolean }[]
    expect(results.length).toBeGreaterThanOrEqual(6)
    for (const res of results) expect(res, `${res.name}: ${res.size} B`).toMatchObject({ passed: true })
    expect(r.status, r.out).toBe(0)
  })

  it('only a bundle that names deflatePortable contains fflate', async () => {
    const { build } = await import('esbuild')
    const inputs = async (code: string) => {
      const out = await build({ stdin: { contents: code, resolveDir: root, loader: 'js' }, bundle: true, minify: true, format: 'esm', platform: 'browser', write: false, metafile: true })
      // Files that put code in the bundle (an import tree-shaken to nothing is still an input).
      const [output] = Object.values(out.metafile.outputs)
      return Object.entries(output!.inputs)
        .filter(([, v]) => v.bytesInOutput > 0)
        .map(([f]) => f)
    }
    const withLz4 = await inputs("import { createClient } from 'sls-webtrack/core'; import { lz4 } from 'sls-webtrack/lz4'; createClient({ project: 'p-1', endpoint: 'e.com', compression: lz4 })")
    expect(withLz4.some((f) => f.includes('fflate'))).toBe(false)
    expect(withLz4.some((f) => f.includes('openapi-fetch'))).toBe(true)
    const withDeflate = await inputs("import { createClient } from 'sls-webtrack/core'; import { deflate } from 'sls-webtrack/deflate'; createClient({ project: 'p-1', endpoint: 'e.com', compression: deflate })")
    expect(withDeflate.some((f) => f.includes('fflate'))).toBe(false) // native: node:zlib or CompressionStream
    const withPortable = await inputs("import { createClient } from 'sls-webtrack/core'; import { deflatePortable } from 'sls-webtrack/deflate'; createClient({ project: 'p-1', endpoint: 'e.com', compression: deflatePortable })")
    expect(withPortable.some((f) => f.includes('fflate'))).toBe(true)
    const noCodec = await inputs("import { createClient } from 'sls-webtrack/core'; createClient({ project: 'p-1', endpoint: 'e.com' })")
    expect(noCodec.some((f) => f.includes('fflate') || f.includes('lz4'))).toBe(false)
  })
})
