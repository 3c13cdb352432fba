import { defineConfig } from 'tsup'

// Client entries run everywhere (browsers, workers, Node, edge); the emulator and the CLI are Node.
export default defineConfig([
  {
    entry: {
      index: 'src/index.ts',
      core: 'src/core.ts',
      lz4: 'src/compress/lz4.ts',
      deflate: 'src/compress/deflate.ts',
    },
    format: ['esm', 'cjs'],
    dts: true,
    clean: true,
    sourcemap: true,
    target: 'es2020',
    platform: 'neutral',
    splitting: true,
    treeshake: true,
  },
  {
    entry: { emulator: 'src/emulator/index.ts' },
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    target: 'node18',
    platform: 'node',
  },
])
