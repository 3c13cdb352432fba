// The client in real browsers (Chromium, Firefox ESR, WebKitGTK: test/support/engines.ts, each
// launched once) against the emulator on another origin: CORS preflight, readable request ids,
// and each codec's browser path (CompressionStream, fflate, LZ4) decoded by the emulator
// (node:zlib for deflate). WebKitWebDriver has no console events: the page records its own
// errors (`console.error`, uncaught errors and rejections).
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { build } from 'esbuild'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startEmulator, type Emulator } from '../src/emulator/index.js'
import { ENGINES, launchEngine, skipEngine, type Engine, type EnginePage } from './support/engines.js'
import { serveStatic, type StaticServer } from './support/static-server.js'
import { root } from './support/run.js'

const PAGE = `<!doctype html><title>client</title>
<script>
  window.errors = []
  const error = console.error
  console.error = (...args) => (errors.push(args.join(' ')), error(...args))
  addEventListener('error', (e) => errors.push('page error: ' + e.message))
  addEventListener('unhandledrejection', (e) => errors.push('unhandled rejection: ' + e.reason))
</script>
<script src="/sdk.js"></script>`

for (const name of ENGINES)
  describe.skipIf(skipEngine(name))(`client in ${name}`, () => {
    let engine: Engine | undefined
    let page: EnginePage
    let emu: Emulator | undefined
    let site: StaticServer | undefined
    const errors = () => page.evaluate(() => (window as any).errors as string[])

    beforeAll(async () => {
      const bundle = await build({
        entryPoints: [`${root}src/index.ts`],
        bundle: true,
        format: 'iife',
        globalName: 'SlsWebtrack',
        platform: 'browser',
        write: false,
        target: 'es2022',
      })
      site = await serveStatic({
        '/': { type: 'text/html', body: PAGE },
        '/sdk.js': { type: 'text/javascript', body: bundle.outputFiles[0]!.text },
        '/favicon.ico': { type: 'image/x-icon', body: '' },
      })
      emu = await startEmulator({ logstores: ['web'] })
      engine = await launchEngine(name)
      page = await engine.newPage()
      await page.goto(site.origin + '/')
    }, 120_000)
    afterAll(async () => {
      await engine?.close()
      await emu?.close()
      await site?.close()
    })

    const send = (compression: string, count: number) =>
      page.evaluate(
        async ({ endpoint, compression, count }) => {
          const { createClient, deflatePortable } = (globalThis as any).SlsWebtrack
          // 'fflate' is deflatePortable, the codec of runtimes without a native deflate.
          const codec = compression === 'fflate' ? deflatePortable : compression
          const client = createClient({ project: 'browser-test', endpoint, logstore: 'web', compression: codec })
          const logs = Array.from({ length: count }, (_, i) => ({ i, page: `/item/${i % 40}`, msg: `第${i}条 😀` }))
          return client.send(logs, { topic: compression })
        },
        { endpoint: emu!.endpoint, compression, count },
      )

    it.each(['deflate', 'fflate', 'lz4', 'none'])(
      '%s: the preflighted POST arrives, decoded, with a readable request id',
      async (compression) => {
        const before = emu!.logs().length
        const res = await send(compression, 800)
        expect(res.logs).toBe(800)
        expect(res.requestIds[0]).toMatch(/^[0-9A-F]{24}$/)
        const got = emu!.logs().slice(before)
        expect(got).toHaveLength(800)
        expect(got[7]!.log).toMatchObject({ i: '7', page: '/item/7', msg: '第7条 😀' })
        expect(got[0]!.project).toBe('browser-test')
        const req = emu!.requests().at(-1)!
        expect(req.compressType).toBe(compression === 'none' ? 'none' : compression === 'fflate' ? 'deflate' : compression)
        if (compression !== 'none') expect(req.wireBytes).toBeLessThan(req.rawBytes / 2)
        expect(await errors()).toEqual([])
      },
    )

    it('a 302 is not followed: the opaque redirect is a ServiceError, and only the POST reaches the server', async () => {
      const seen: string[] = []
      const cors = { 'access-control-allow-origin': '*', 'access-control-allow-headers': '*', 'access-control-allow-methods': 'POST' }
      const server = createServer((req, res) => {
        seen.push(`${req.method} ${req.url}`)
        req.resume()
        if (req.method === 'OPTIONS') res.writeHead(204, cors).end()
        else if (req.method === 'POST') res.writeHead(302, { ...cors, location: '/landing' }).end()
        else res.writeHead(200, cors).end('landing')
      })
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
      try {
        const endpoint = `http://localhost:${(server.address() as AddressInfo).port}`
        const outcome = await page.evaluate(async (endpoint) => {
          const { createClient } = (globalThis as any).SlsWebtrack
          const client = createClient({ project: 'browser-test', endpoint, logstore: 'web', compression: 'none', retry: false })
          return client.send([{ a: '1' }]).then(
            (res: { logs: number }) => `sent ${res.logs}`,
            (e: { name: string; status: number; retryable: boolean; message: string }) => ({
              name: e.name,
              status: e.status,
              retryable: e.retryable,
              message: e.message,
            }),
          )
        }, endpoint)
        expect(outcome).toMatchObject({ name: 'ServiceError', status: 0, retryable: false })
        expect((outcome as { message: string }).message).toContain('redirected, not followed')
        expect(seen.filter((s) => !s.startsWith('OPTIONS'))).toEqual(['POST /logstores/web/track'])
      } finally {
        await new Promise((r) => server.close(r))
      }
    })
  })
