// Beyond the Node that runs the suite (20): `engines.node` says >= 18, 22 and 24 are the other
// maintained lines, and servers and edge code run
// on Bun and Deno too. scripts/provision.mjs (run by `npm test`) installs them from the npm
// registry into .tmp/; a missing one is skipped outside CI and fails with CI=true.
import { join } from 'node:path'
import { build } from 'esbuild'
import { describe, expect, it } from 'vitest'
import { CACHE, runtimeBin } from '../scripts/provision.mjs'
import { startEmulator } from '../src/emulator/index.js'
import { requireInstalled, root, runAsync, skipWithout } from './support/run.js'

const smoke = `${root}test/fixtures/runtime-smoke.ts`
const denoSmoke = join(CACHE, 'deno-smoke.mjs')
const runtimes = [
  { name: 'Node 18', need: 'node18', args: ['--import', 'tsx', smoke], expect: /ok on Node 18\./ },
  { name: 'Node 22', need: 'node22', args: ['--import', 'tsx', smoke], expect: /ok on Node 22\./ },
  { name: 'Node 24', need: 'node24', args: ['--import', 'tsx', smoke], expect: /ok on Node 24\./ },
  { name: 'Bun', need: 'bun', args: [smoke], expect: /ok on Bun 1\./ },
  // Deno does not map `.js` specifiers to `.ts` sources: it runs the fixture bundled by esbuild.
  { name: 'Deno', need: 'deno', args: ['run', '-A', denoSmoke], expect: /ok on Deno 2\./, bundle: true },
]

describe('other runtimes', () => {
  for (const rt of runtimes) {
    it.skipIf(skipWithout(rt.need))(`${rt.name}: every codec, the tracker and the emulator`, async () => {
      requireInstalled(rt.need)
      if (rt.bundle)
        await build({ entryPoints: [smoke], bundle: true, platform: 'node', format: 'esm', outfile: denoSmoke, logLevel: 'silent' })
      const r = await runAsync(runtimeBin(rt.need), rt.args)
      expect(r.status, r.out).toBe(0)
      expect(r.out).toMatch(rt.expect)
    })
  }
})

// Edge: workerd (Cloudflare Workers' runtime) through miniflare, installed under .tmp/miniflare.
// The worker's outbound fetches are handed to the emulator's forwarding fetch.
describe.skipIf(skipWithout('miniflare'))('edge', () => {
  it('workerd: the core client with LZ4 and the tracker send from a worker', async () => {
    requireInstalled('miniflare')
    // miniflare lives outside node_modules (see scripts/provision.mjs), so its types are described here.
    interface Mf {
      dispatchFetch(url: string, init: RequestInit): Promise<Response>
      dispose(): Promise<void>
    }
    interface MfOptions {
      modules: boolean
      script: string
      compatibilityDate: string
      outboundService: (req: Request) => Promise<Response>
    }
    const { Miniflare } = (await import(runtimeBin('miniflare'))) as { Miniflare: new (options: MfOptions) => Mf }
    await using emu = await startEmulator({ logstores: ['web'] })
    const out = await build({
      entryPoints: [`${root}test/fixtures/edge-worker.ts`],
      bundle: true,
      format: 'esm',
      platform: 'browser',
      conditions: ['worker', 'browser'],
      write: false,
    })
    const mf = new Miniflare({
      modules: true,
      script: out.outputFiles[0]!.text,
      compatibilityDate: '2026-04-01',
      outboundService: async (req) =>
        emu.fetch(req.url, { method: req.method, headers: req.headers, body: req.body ? await req.arrayBuffer() : undefined }),
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
