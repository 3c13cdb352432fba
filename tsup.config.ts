import { readFileSync } from 'node:fs'
import { defineConfig } from 'tsup'

const { version } = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }

// Client entries run everywhere (browsers, workers, Node, edge); the emulator, the file store
// (`persist`) and the CLI are Node.
// The client entries share chunks (one copy of each class across entries, in ESM and in CJS),
// and the main entry's fflate is a chunk of its own, behind `import()` in both formats (Node,
// Bun and Deno run `import()` in CommonJS too, and bundlers split it there as in ESM).
export default defineConfig([
  {
    entry: {
      // Imports the tracker through src/core.ts, so that it shares the chunks above as they are.
      otel: 'src/otel/index.ts',
      // As otel: the tracker through src/core.ts (check-option.ts is in the shared chunk already).
      capture: 'src/capture/index.ts',
      index: 'src/index.ts',
      core: 'src/core.ts',
      lz4: 'src/compress/lz4.ts',
      deflate: 'src/compress/deflate.ts',
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
    // Request signing (issue 15): a build of its own, so that adding it moves no chunk of the
    // client entries (their size rows count bytes). @noble/hashes stays a dependency, not bundled.
    entry: { sign: 'src/sign/index.ts' },
    format: ['esm', 'cjs'],
    dts: true,
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
