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
