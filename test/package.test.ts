// The package as users get it: built, packed, linted by publint and attw, importable from ESM
// and CJS, runtime dependencies limited to openapi-fetch and fflate, the CLI runnable.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { beforeAll, describe, expect, it } from 'vitest'
import { startEmulator } from '../src/emulator/index.js'
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
  it('every size-limit budget holds (gzip), and docs/benchmarks.md states each size and limit as measured', () => {
    const r = run(bin('size-limit'), ['--json'])
    const results = JSON.parse(r.stdout!) as { name: string; size: number; passed: boolean }[]
    expect(results.length).toBeGreaterThanOrEqual(6)
    for (const res of results) expect(res, `${res.name}: ${res.size} B`).toMatchObject({ passed: true })
    expect(r.status, r.out).toBe(0)
    // The doc's table has a row per check, named as the check up to its parenthesis.
    const config = JSON.parse(readFileSync(join(root, '.size-limit.json'), 'utf8')) as { name: string; limit: string }[]
    const doc = readFileSync(join(root, 'docs/benchmarks.md'), 'utf8').split('\n')
    for (const res of results) {
      const name = res.name.split(' (')[0]!
      const line = doc.find((l) => l.startsWith(`| ${name} |`) || l.startsWith(`| ${name} (`))
      expect(line, `a row for "${name}"`).toBeDefined()
      const [, size, limit] = /\| ([\d.]+) kB \| ([\d.]+ k?B) \|/.exec(line!) ?? []
      expect(Math.abs(Number(size) - res.size / 1000), `${name}: stated ${size} kB, measured ${res.size} B: update docs/benchmarks.md`).toBeLessThanOrEqual(0.01)
      expect(limit, `${name}: the CI limit`).toBe(config.find((c) => c.name === res.name)!.limit)
    }
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

// Bundles of tiny apps, made the same way for ours and the peers': esbuild, minified, ESM, gzip
// level 9 (size-limit also subtracts esbuild's empty-bundle overhead, so its figures are a
// little lower). `standIn` swaps openapi-fetch for STAND_IN, below.
async function bundle(code: string, { standIn = false, platform = 'browser' as 'browser' | 'node' } = {}): Promise<string> {
  const { build } = await import('esbuild')
  const plugins = standIn
    ? [{ name: 'stand-in', setup: (b: import('esbuild').PluginBuild) => {
        b.onResolve({ filter: /^openapi-fetch$/ }, () => ({ path: 'openapi-fetch', namespace: 'stand-in' }))
        b.onLoad({ filter: /.*/, namespace: 'stand-in' }, () => ({ contents: STAND_IN, loader: 'js' }))
      } }]
    : []
  const out = await build({ stdin: { contents: code, resolveDir: root, loader: 'js' }, bundle: true, minify: true, format: 'esm', platform, write: false, logLevel: 'error', plugins })
  return out.outputFiles[0]!.text
}
const gz = (text: string) => gzipSync(text, { level: 9 }).length
const apps = {
  core: "import { createClient } from 'sls-webtrack/core'; globalThis.x = createClient",
  coreLz4: "import { createClient } from 'sls-webtrack/core'; import { lz4 } from 'sls-webtrack/lz4'; globalThis.x = [createClient, lz4]",
  trackerLz4: "import { createTracker } from 'sls-webtrack/core'; import { lz4 } from 'sls-webtrack/lz4'; globalThis.x = [createTracker, lz4]",
}

// What a client generated for our one operation would be: build the URL, set the headers,
// fetch, read the error body.
const STAND_IN = `export default (o) => ({ async POST(path, init) {
  const p = init.params
  let url = init.baseUrl + path.replace('{logstore}', p.path.logstore)
  if (p.query) url += '?' + new URLSearchParams(p.query)
  const headers = new Headers(init.headers)
  for (const k in p.header) if (p.header[k] !== undefined) headers.set(k, String(p.header[k]))
  const response = await (o.fetch || fetch)(url, { method: 'POST', headers, body: init.body, signal: init.signal, keepalive: init.keepalive })
  let error
  if (!response.ok) { const text = await response.text(); try { error = JSON.parse(text) } catch { error = text } }
  return { response, error }
} })`

// Issue 6's budgets (5 / 6.5 / 8 kB) are missed, and the note says why: openapi-fetch is most of
// the gap. Checked here, so the claim cannot go stale: openapi-fetch's `createClient` alone is
// over half the core budget, and with the stand-in for it every budget holds with every feature
// of ours kept. The stand-in is shown to work against the emulator.
describe('what the size budgets are up against (gzip level 9 of the minified bundle)', () => {
  const budgets = { core: 5000, coreLz4: 6500, trackerLz4: 8000 }

  it('openapi-fetch alone is over half the core budget; with a stand-in, every budget holds', async () => {
    const alone = gz(await bundle("import createClient from 'openapi-fetch'; globalThis.x = createClient"))
    expect(alone).toBeGreaterThan(budgets.core / 2)
    for (const [name, code] of Object.entries(apps) as [keyof typeof apps, string][]) {
      const [real, standIn] = [gz(await bundle(code)), gz(await bundle(code, { standIn: true }))]
      expect(real - standIn, `${name}: what openapi-fetch adds`).toBeGreaterThan(2000)
      expect(standIn, `${name} with the stand-in`).toBeLessThanOrEqual(budgets[name])
    }
  })

  it('the stand-in is a working client: a send through it is stored by the emulator', async () => {
    const code = await bundle("export { createClient } from 'sls-webtrack/core'", { standIn: true, platform: 'node' })
    const { createClient } = (await import(`data:text/javascript;base64,${Buffer.from(code).toString('base64')}`)) as typeof import('../src/core.js')
    const emu = await startEmulator({ projects: ['stand-in'], logstores: ['web'] })
    try {
      const client = createClient({ project: 'stand-in', endpoint: emu.endpoint, logstore: 'web', fetch: emu.fetch })
      await client.send([{ event: 'click', n: 1 }], { topic: 't' })
      await expect(client.send([{ __topic__: 'x' }])).rejects.toThrow(/reserved/)
      expect(emu.logs().map((l) => l.log)).toMatchObject([{ event: 'click', n: '1' }])
      expect(emu.requests().map((r) => r.status)).toEqual([200]) // the reserved key never left
    } finally {
      await emu.close()
    }
  })
})

// docs/benchmarks.md sets our bundles next to the peers'. Every figure of that table is measured
// here, the same way for all, so none is stale.
describe('the peers table in docs/benchmarks.md', () => {
  const peers: [row: string, app: string][] = [
    ['sls-webtrack core', apps.core],
    ['sls-webtrack tracker + LZ4', apps.trackerLz4],
    ['`@aliyun-sls/web-track-browser`', "import SlsTracker from '@aliyun-sls/web-track-browser'; globalThis.x = new SlsTracker({ host: 'cn-hangzhou.log.aliyuncs.com', project: 'p', logstore: 'l' })"],
    [
      'OpenTelemetry logs',
      "import { LoggerProvider, BatchLogRecordProcessor } from '@opentelemetry/sdk-logs'; import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-http'; new LoggerProvider({ processors: [new BatchLogRecordProcessor(new OTLPLogExporter({ url: 'https://collector.example.com/v1/logs' }))] }).getLogger('web').emit({ body: 'click', attributes: { target: 'buy' } })",
    ],
    ['`@datadog/browser-logs`', "import { datadogLogs } from '@datadog/browser-logs'; datadogLogs.init({ clientToken: 'pub', site: 'datadoghq.com' }); datadogLogs.logger.info('click', { target: 'buy' })"],
  ]
  const doc = readFileSync(join(root, 'docs/benchmarks.md'), 'utf8').split('\n')

  it.each(peers)('%s: the figure stated is the one measured', async (row, app) => {
    const measured = gz(await bundle(app)) / 1000
    const line = doc.find((l) => l.startsWith(`| ${row}`))
    expect(line, `a row starting "| ${row}"`).toBeDefined()
    const stated = Number(/([\d.]+) kB \|$/.exec(line!)?.[1])
    expect(Math.abs(stated - measured), `stated ${stated} kB, measured ${measured.toFixed(3)} kB: update docs/benchmarks.md`).toBeLessThanOrEqual(0.01)
  })
})
