// The published declarations compile for every consumer: the packed tarball, installed in a
// folder outside the repository, compiled with TypeScript's default `skipLibCheck: false` and
// `strict`, under moduleResolution node16, bundler and node10, from ESM and from CJS. The
// repository's own typecheck cannot see a bundled `.d.ts` that names a type it does not import.
import { describe, expect, it } from 'vitest'
import { run } from './support/run.js'

const variants = ['node16 ESM', 'node16 CJS', 'bundler ESM', 'bundler CJS', 'node10 ESM', 'node10 CJS', 'browser ESM']

describe('published types', () => {
  it('a consumer of the packed tarball compiles with skipLibCheck: false and strict, for every moduleResolution and module format', () => {
    // --build packs a private build, as test/package.test.ts rebuilds dist/ meanwhile.
    const r = run('node', ['scripts/check-consumer.mjs', '--build'], { timeoutMs: 300_000 })
    expect(r.out).not.toMatch(/error TS/)
    for (const v of variants) expect(r.out).toMatch(new RegExp(`^${v}: ok`, 'm'))
    expect(r.status, r.out).toBe(0)
  }, 300_000)
})
