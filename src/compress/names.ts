// The main entry accepts codec names; this is the one place that maps them, so that only the
// main entry (and not `sls-webtrack/core`) pulls codecs into a bundle. fflate is not among
// them: the main entry loads it on demand (`deflateOnDemand`).
import type { Codec } from './codec.js'
import { deflate, hasNativeDeflate } from './deflate-native.js'
import type { CompressionOption } from './policy.js'
import { auto } from './policy.js'
import { lz4 } from './lz4.js'

/** Compression by name: `'auto'` is LZ4 for bodies of 1 KiB and more that shrink. */
export type CompressionName = 'none' | 'lz4' | 'deflate' | 'auto'

/**
 * The main entry's `deflatePortable`: the `deflate` codec computed by fflate (zlib-wrapped,
 * level 6), for runtimes without a native deflate, loaded when it compresses its first body.
 * The main entry's `compression: 'deflate'` takes it where `hasNativeDeflate` is false. The
 * synchronous form, bundled in full, is `deflatePortable` of `sls-webtrack/deflate`.
 */
// Behind `import()`, and never imported statically from this entry: a bundler that splits code
// (Vite, webpack, Rollup, esbuild with `splitting`) puts fflate in a chunk of its own, fetched
// only by runtimes that use it, so the main entry costs every other application nothing for it
// (about 3.3 kB gzipped). Even an unused static re-export would put that chunk in the first load.
export const deflateOnDemand: Codec = {
  name: 'deflate',
  compress: async (raw) => (await import('./deflate-portable.js')).deflatePortable.compress(raw),
}

/** Resolves a name (or passes a codec or policy through). */
export function resolveCompression(option: CompressionName | CompressionOption | undefined): CompressionOption {
  switch (option) {
    case undefined:
    case 'auto':
      return auto(lz4)
    case 'lz4':
      return lz4
    case 'deflate':
      return hasNativeDeflate ? deflate : deflateOnDemand
    default:
      return option
  }
}
