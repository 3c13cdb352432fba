import { readFileSync } from 'node:fs'
import type { Plugin } from 'esbuild'
import { defineConfig } from 'tsup'

const { version } = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }

// Client entries run everywhere (browsers, workers, Node, edge); the emulator, the file store
// (`persist`) and the CLI are Node.
// The client entries share chunks (one copy of each class across entries, in ESM and in CJS),
// and the main entry's fflate is a chunk of its own, behind `import()` in both formats (Node,
// Bun and Deno run `import()` in CommonJS too, and bundlers split it there as in ESM).
/**
 * Resolves imports matching `filter` to a built file beside the entry (`name.js` or
 * `name.cjs`), left as an import: one copy of its code, shared.
 */
const beside = (filter: RegExp, name: string): Plugin => ({
  name: `beside-${name}`,
  setup(build) {
    const file = `./${name}.${build.initialOptions.format === 'cjs' ? 'cjs' : 'js'}`
    build.onResolve({ filter }, () => ({ path: file, external: true }))
  },
})

export default defineConfig([
  {
    entry: {
      // Imports the tracker through src/core.ts, so that it shares the chunks above as they are.
      otel: 'src/otel/index.ts',
      context: 'src/context/index.ts',
      consent: 'src/consent/index.ts',
      // The same: its errors are the client's classes, from the shared chunk.
      mini: 'src/mini/index.ts',
      index: 'src/index.ts',
      core: 'src/core.ts',
      lz4: 'src/compress/lz4.ts',
      deflate: 'src/compress/deflate.ts',
      // As otel: the tracker through src/core.ts. Last: placed before `index`, it changed the
      // order of the main entry's chunk imports, and with it the gzip of its rows (+14 B).
      capture: 'src/capture/index.ts',
    },
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    target: 'es2020',
    platform: 'neutral',
    splitting: true,
    treeshake: true,
  },
  {
    // Request signing (issue 15): builds of their own, so that adding them moves no chunk of
    // the client entries (their size rows count bytes). @noble/hashes stays a dependency, not
    // bundled. The signer is `sign`; the signed client and tracker are `sign-client`, which
    // `sign` re-exports: a bundle of `signRequest` alone then minifies as it did before them
    // (any more imports in its files change how its names are minified). `sign-client` wraps
    // the built main entry beside it (one copy of the client and of its error classes).
    entry: { sign: 'src/sign/index.ts' },
    esbuildPlugins: [beside(/^\.\/authenticated\.js$/, 'sign-client')],
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    target: 'es2020',
    platform: 'neutral',
  },
  {
    // sls-webtrack/persist for browsers (the `browser` export condition): indexedDBStore and a
    // fileStore that throws, no node:fs. A build of its own, so that no client chunk moves.
    entry: { 'persist.browser': 'src/persist/browser.ts' },
    format: ['esm', 'cjs'],
    sourcemap: true,
    target: 'es2020',
    platform: 'browser',
  },
  {
    // Offline as a state (issue 13): `withOffline` wraps any store. A build of its own, so that
    // neither a client chunk nor the persist builds move: imported beside `persist`, its uses of
    // the option check changed how a bundle of `indexedDBStore` alone minifies (±1 B).
    entry: { offline: 'src/offline/index.ts' },
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    target: 'es2020',
    platform: 'neutral',
  },
  {
    // The script-tag build (issue 16): one minified IIFE, `dist/sls-webtrack.global.js` (tsup
    // names an IIFE `[name].global.js`), defining the `SLS_WEBTRACK` global. A build of its own,
    // so that no chunk of the client entries moves; everything it needs is inside.
    entry: { 'sls-webtrack': 'src/global/index.ts' },
    format: ['iife'],
    minify: true,
    sourcemap: true,
    target: 'es2020',
    platform: 'browser',
  },
  {
    entry: { 'sign-client': 'src/sign/authenticated.ts' },
    // The signer is `sign`'s: imported from it, not bundled twice (a cycle, which neither
    // module touches while it loads).
    esbuildPlugins: [beside(/^\.\.\/index\.js$/, 'index'), beside(/^\.\/signature\.js$/, 'sign')],
    format: ['esm', 'cjs'],
    sourcemap: true,
    target: 'es2020',
    platform: 'neutral',
  },
  {
    // The pino and winston transports (issue 16): Node, a build of their own, so that no chunk of
    // the client entries moves; pino, winston-transport and node: modules stay imports.
    entry: { pino: 'src/pino/index.ts', winston: 'src/winston/index.ts' },
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    target: 'node18',
    platform: 'node',
  },
  {
    // The emulator and the file store: Node (Bun and Deno run node:fs too).
    entry: { emulator: 'src/emulator/index.ts', persist: 'src/persist/index.ts' },
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    target: 'node18',
    platform: 'node',
  },
  {
    entry: { cli: 'src/cli/bin.ts' },
    format: ['esm'],
    // One file: the main entry's on-demand fflate is inlined, not a chunk beside the client's.
    splitting: false,
    sourcemap: true,
    target: 'node18',
    platform: 'node',
    define: { __VERSION__: JSON.stringify(version) },
  },
])
