// The emulator works as a library under another test runner (node:test), with no global state.
import { describe, expect, it } from 'vitest'
import { root, runAsync } from '../support/run.js'

describe('emulator as a library', () => {
  it('runs under node:test, two instances at once', async () => {
    const r = await runAsync('node', ['--import', 'tsx', '--test', `${root}test/fixtures/emulator-under-node-test.ts`])
    expect(r.status, r.out).toBe(0)
    expect(r.out).toMatch(/# pass 1/)
    expect(r.out).toMatch(/two emulators started in \d+ ms/)
  })
})
