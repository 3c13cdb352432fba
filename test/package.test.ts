// The package as users get it: built, packed, linted by publint and attw, importable from ESM
// and CJS, runtime dependencies limited to openapi-fetch and fflate (and @noble/hashes for
// request signing), the CLI runnable.
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { beforeAll, describe, expect, it } from 'vitest'
import { startEmulator } from '../src/emulator/index.js'
import { upFrontOutputs } from './size/up-front.mjs'
import { bin, root, run } from './support/run.js'

const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))

beforeAll(() => {
  const r = run('npm', ['run', 'build'])
  if (r.status !== 0) throw new Error(`build failed:\n${r.out}`)
}, 180_000)

describe('package', () => {
  it('has only openapi-fetch and fflate as runtime dependencies, and @noble/hashes for the signing step alone', () => {
    expect(Object.keys(pkg.dependencies).sort()).toEqual(['@noble/hashes', 'fflate', 'openapi-fetch'])
    // Issue 15 allows @noble/hashes for request signing only: no module outside src/sign/ imports it.
    const importers = (readdirSync(join(root, 'src'), { recursive: true }) as string[])
      .filter((file) => file.endsWith('.ts') && readFileSync(join(root, 'src', file), 'utf8').includes("from '@noble/hashes"))
      .map((file) => file.replaceAll('\\', '/'))
    expect(importers.length).toBeGreaterThan(0)
    expect(importers.filter((file) => !file.startsWith('sign/'))).toEqual([])
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
    const entries = [
      '',
      '/core',
      '/lz4',
      '/deflate',
      '/emulator',
      '/persist',
      '/otel',
      '/sign',
      '/context',
      '/consent',
      '/mini',
      '/capture',
      '/pino',
      '/winston',
      '/offline',
    ]
    const esm = entries.map((e) => `await import('sls-webtrack${e}')`).join(';')
    const r1 = run('node', [
      '--input-type=module',
      '-e',
      `${esm}; const m = await import('sls-webtrack'); if (typeof m.createClient !== 'function') process.exit(3)`,
    ])
    expect(r1.status, r1.out).toBe(0)
    const cjs = entries.map((e) => `require('sls-webtrack${e}')`).join(';')
    const r2 = run('node', ['-e', `${cjs}; if (typeof require('sls-webtrack').createClient !== 'function') process.exit(3)`])
    expect(r2.status, r2.out).toBe(0)
  })

  it("with no native deflate, the main entry's 'deflate' loads fflate on demand and sends deflate, from ESM and from CJS", () => {
    // Node with node:zlib (as `getBuiltinModule` finds it) and CompressionStream taken away
    // before the package loads: what React Native or a mini-program engine offers. Each run
    // sends through the main entry's 'deflate' and its `deflatePortable`, and compresses with
    // `sls-webtrack/deflate`'s synchronous `deflatePortable`; node:zlib, loaded first, decodes.
    const script = (load: string) => `
      delete process.getBuiltinModule; delete globalThis.CompressionStream
      ${load}
      const sent = []
      const fetch = async (url, init) => {
        const r = new Request(url, init)
        sent.push({ type: r.headers.get('x-log-compresstype'), logs: JSON.parse(zlib.inflateSync(new Uint8Array(await r.arrayBuffer()))).__logs__ })
        return new Response(null, { status: 200, headers: { 'x-log-requestid': 'r' } })
      }
      const options = { project: 'p-1', endpoint: 'e.example.com', logstore: 'web', fetch }
      Promise.all([
        main.createClient({ ...options, compression: 'deflate' }).send([{ a: 'x'.repeat(2000) }]),
        main.createClient({ ...options, compression: main.deflatePortable }).send([{ b: 'y'.repeat(2000) }]),
      ]).then(() => {
        const raw = new TextEncoder().encode('z'.repeat(2000))
        const out = sub.deflatePortable.compress(raw)
        console.log(JSON.stringify({ native: main.hasNativeDeflate || sub.hasNativeDeflate, sent, portableSync: out instanceof Uint8Array, portable: zlib.inflateSync(out).toString() === 'z'.repeat(2000) }))
      })`
    const expected = {
      native: false,
      sent: [
        { type: 'deflate', logs: [{ a: 'x'.repeat(2000) }] },
        { type: 'deflate', logs: [{ b: 'y'.repeat(2000) }] },
      ],
      portableSync: true,
      portable: true,
    }
    const esm = run('node', [
      '--input-type=module',
      '-e',
      script(
        "const zlib = await import('node:zlib'); const main = await import('sls-webtrack'); const sub = await import('sls-webtrack/deflate')",
      ),
    ])
    expect(esm.status, esm.out).toBe(0)
    expect(JSON.parse(esm.stdout!)).toEqual(expected)
    const cjs = run('node', [
      '-e',
      script("const zlib = require('node:zlib'); const main = require('sls-webtrack'); const sub = require('sls-webtrack/deflate')"),
    ])
    expect(cjs.status, cjs.out).toBe(0)
    expect(JSON.parse(cjs.stdout!)).toEqual(expected)
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
    // The main entry's rows are in: every feature the main entry gains must fit them.
    expect(results.map((res) => res.name.split(' (')[0])).toEqual(
      expect.arrayContaining(['main entry, createClient', 'main entry, createTracker', "main entry's on-demand chunk"]),
    )
    expect(results.length).toBeGreaterThanOrEqual(10)
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
      expect(
        Math.abs(Number(size) - res.size / 1000),
        `${name}: stated ${size} kB, measured ${res.size} B: update docs/benchmarks.md`,
      ).toBeLessThanOrEqual(0.01)
      expect(limit, `${name}: the CI limit`).toBe(config.find((c) => c.name === res.name)!.limit)
    }
  })

  it('only a bundle that names deflatePortable contains fflate; the main entry loads it only on demand', async () => {
    const has = (chunks: Chunk[], name: string) => chunks.some((c) => c.inputs.some((f) => f.includes(name)))
    const withLz4 = await bundle(
      "import { createClient } from 'sls-webtrack/core'; import { lz4 } from 'sls-webtrack/lz4'; createClient({ project: 'p-1', endpoint: 'e.com', compression: lz4 })",
    )
    expect(has(withLz4.upFront, 'fflate')).toBe(false)
    expect(has(withLz4.upFront, 'openapi-fetch')).toBe(true)
    const withDeflate = await bundle(
      "import { createClient } from 'sls-webtrack/core'; import { deflate } from 'sls-webtrack/deflate'; createClient({ project: 'p-1', endpoint: 'e.com', compression: deflate })",
    )
    expect(has(withDeflate.upFront, 'fflate')).toBe(false) // native: node:zlib or CompressionStream
    const withPortable = await bundle(
      "import { createClient } from 'sls-webtrack/core'; import { deflatePortable } from 'sls-webtrack/deflate'; createClient({ project: 'p-1', endpoint: 'e.com', compression: deflatePortable })",
    )
    expect(has(withPortable.upFront, 'fflate')).toBe(true)
    const noCodec = await bundle("import { createClient } from 'sls-webtrack/core'; createClient({ project: 'p-1', endpoint: 'e.com' })")
    expect(has(noCodec.upFront, 'fflate') || has(noCodec.upFront, 'lz4')).toBe(false)
    for (const bundled of [withLz4, withDeflate, withPortable, noCodec]) expect(bundled.onDemand).toEqual([])
    // The main entry: LZ4 and the native deflate up front; fflate, for a 'deflate' without a
    // native one, in a chunk of its own behind import(). An import of fflate's module anywhere
    // in the main entry's static graph, even unused, would put it up front (esbuild splits by
    // files reached, not by exports used).
    for (const code of [
      apps.mainClient,
      apps.mainTracker,
      "import { createClient, deflatePortable } from 'sls-webtrack'; globalThis.x = [createClient, deflatePortable]",
    ]) {
      const main = await bundle(code)
      expect(has(main.upFront, 'fflate'), code).toBe(false)
      expect(has(main.upFront, 'dist/chunk-'), code).toBe(true) // the client itself
      expect(main.upFront).toHaveLength(1)
      expect(has(main.onDemand, 'fflate'), code).toBe(true)
      expect(has(main.onDemand, 'openapi-fetch'), code).toBe(false)
    }
  })
})

// Bundles of tiny apps, made the same way for ours and the peers': esbuild, minified, ESM, split
// as a bundler that splits code splits it (`splitting`), gzip level 9 of what loads up front
// (test/size/up-front.mjs; size-limit also subtracts esbuild's empty-bundle overhead, so its
// figures are a little lower). Code behind `import()` is a chunk of its own, fetched when first
// called: `onDemand`. `standIn` swaps openapi-fetch for STAND_IN, below.
interface Chunk {
  text: string
  /** Files that put code in the chunk (an import tree-shaken to nothing is still an input). */
  inputs: string[]
}
interface BundleOptions {
  standIn?: boolean
  platform?: 'browser' | 'node'
  splitting?: boolean
}
async function bundle(
  code: string,
  { standIn = false, platform = 'browser', splitting = true }: BundleOptions = {},
): Promise<{ upFront: Chunk[]; onDemand: Chunk[] }> {
  const { build } = await import('esbuild')
  const plugins = standIn
    ? [
        {
          name: 'stand-in',
          setup: (b: import('esbuild').PluginBuild) => {
            b.onResolve({ filter: /^openapi-fetch$/ }, () => ({ path: 'openapi-fetch', namespace: 'stand-in' }))
            b.onLoad({ filter: /.*/, namespace: 'stand-in' }, () => ({ contents: STAND_IN, loader: 'js' }))
          },
        },
      ]
    : []
  const out = await build({
    stdin: { contents: code, resolveDir: root, loader: 'js' },
    bundle: true,
    minify: true,
    format: 'esm',
    platform,
    splitting,
    outdir: join(root, '.tmp/bundle'),
    absWorkingDir: root,
    write: false,
    metafile: true,
    logLevel: 'error',
    plugins,
  })
  const chunk = (key: string): Chunk => ({
    text: out.outputFiles.find((f) => f.path === join(root, key))!.text,
    inputs: Object.entries(out.metafile.outputs[key]!.inputs)
      .filter(([, v]) => v.bytesInOutput > 0)
      .map(([f]) => f),
  })
  const { upFront, onDemand } = upFrontOutputs(out.metafile)
  return { upFront: upFront.map(chunk), onDemand: onDemand.map(chunk) }
}
const gz = (chunks: Chunk[]) => chunks.reduce((sum, c) => sum + gzipSync(c.text, { level: 9 }).length, 0)
const apps = {
  core: "import { createClient } from 'sls-webtrack/core'; globalThis.x = createClient",
  coreLz4: "import { createClient } from 'sls-webtrack/core'; import { lz4 } from 'sls-webtrack/lz4'; globalThis.x = [createClient, lz4]",
  trackerLz4:
    "import { createTracker } from 'sls-webtrack/core'; import { lz4 } from 'sls-webtrack/lz4'; globalThis.x = [createTracker, lz4]",
  mainClient: "import { createClient } from 'sls-webtrack'; globalThis.x = createClient",
  mainTracker: "import { createTracker } from 'sls-webtrack'; globalThis.x = createTracker",
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

// Issue 6's budgets (5 / 6.5 / 8 kB) were missed, and the note said why: openapi-fetch is most of
// the gap. Checked here, so the claim cannot go stale: openapi-fetch's `createClient` alone is
// over half the core budget, and takes more than 2 kB off each bundle when a stand-in replaces
// it. (With the stand-in every budget held until issues 12 and 18 added plain-word errors and
// option checks; docs/benchmarks.md states the stand-in sizes of today, checked here too.)
// The stand-in is shown to work against the emulator.
describe('what the size budgets are up against (gzip level 9 of the minified bundle)', () => {
  const budgets = { core: 5000, coreLz4: 6500, trackerLz4: 8000 }

  it('openapi-fetch alone is over half the core budget, and over 2 kB of each bundle; the doc states the stand-in sizes', async () => {
    const alone = gz((await bundle("import createClient from 'openapi-fetch'; globalThis.x = createClient")).upFront)
    expect(alone).toBeGreaterThan(budgets.core / 2)
    const standIns: string[] = []
    for (const name of Object.keys(budgets) as (keyof typeof budgets)[]) {
      const code = apps[name]
      const [real, standIn] = [gz((await bundle(code)).upFront), gz((await bundle(code, { standIn: true })).upFront)]
      expect(real - standIn, `${name}: what openapi-fetch adds`).toBeGreaterThan(2000)
      standIns.push((standIn / 1000).toFixed(2))
    }
    const doc = readFileSync(join(root, 'docs/benchmarks.md'), 'utf8').replace(/\s+/g, ' ')
    expect(doc, 'docs/benchmarks.md: the stand-in sizes').toContain(`(${standIns.join(' / ')} kB today,`)
  })

  it('the stand-in is a working client: a send through it is stored by the emulator', async () => {
    const { upFront } = await bundle("export { createClient } from 'sls-webtrack/core'", { standIn: true, platform: 'node' })
    expect(upFront).toHaveLength(1)
    const code = upFront[0]!.text
    const { createClient } = (await import(
      `data:text/javascript;base64,${Buffer.from(code).toString('base64')}`
    )) as typeof import('../src/core.js')
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
  const peers: [row: string, app: string, splitting?: false][] = [
    ['sls-webtrack core', apps.core],
    ['sls-webtrack main entry (`createClient`)', apps.mainClient],
    ['sls-webtrack main entry (`createTracker`)', apps.mainTracker],
    ['sls-webtrack main entry, esbuild without `splitting` (`createClient`)', apps.mainClient, false],
    ['sls-webtrack tracker + LZ4', apps.trackerLz4],
    [
      '`@aliyun-sls/web-track-browser`',
      "import SlsTracker from '@aliyun-sls/web-track-browser'; globalThis.x = new SlsTracker({ host: 'cn-hangzhou.log.aliyuncs.com', project: 'p', logstore: 'l' })",
    ],
    [
      'OpenTelemetry logs',
      "import { LoggerProvider, BatchLogRecordProcessor } from '@opentelemetry/sdk-logs'; import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-http'; new LoggerProvider({ processors: [new BatchLogRecordProcessor(new OTLPLogExporter({ url: 'https://collector.example.com/v1/logs' }))] }).getLogger('web').emit({ body: 'click', attributes: { target: 'buy' } })",
    ],
    [
      '`@datadog/browser-logs`',
      "import { datadogLogs } from '@datadog/browser-logs'; datadogLogs.init({ clientToken: 'pub', site: 'datadoghq.com' }); datadogLogs.logger.info('click', { target: 'buy' })",
    ],
  ]
  const doc = readFileSync(join(root, 'docs/benchmarks.md'), 'utf8').split('\n')

  it.each(peers)('%s: the figure stated is the one measured', async (row, app, splitting) => {
    const measured = gz((await bundle(app, { splitting: splitting ?? true })).upFront) / 1000
    const line = doc.find((l) => l.startsWith(`| ${row}`))
    expect(line, `a row starting "| ${row}"`).toBeDefined()
    const stated = Number(/([\d.]+) kB \|$/.exec(line!)?.[1])
    expect(
      Math.abs(stated - measured),
      `stated ${stated} kB, measured ${measured.toFixed(3)} kB: update docs/benchmarks.md`,
    ).toBeLessThanOrEqual(0.01)
  })
})
