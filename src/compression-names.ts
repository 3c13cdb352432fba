// The main entry accepts codec names; this is the one place that maps them, so that only the
// main entry (and not `sls-webtrack/core`) pulls every codec into a bundle.
import { deflate, deflatePortable, hasNativeDeflate } from './compress/deflate.js'
import type { CompressionOption } from './compress/policy.js'
import { auto } from './compress/policy.js'
import { lz4 } from './compress/lz4.js'

/** Compression by name: `'auto'` is LZ4 for bodies of 1 KiB and more that shrink. */
export type CompressionName = 'none' | 'lz4' | 'deflate' | 'auto'

/** Resolves a name (or passes a codec or policy through). */
export function resolveCompression(option: CompressionName | CompressionOption | undefined): CompressionOption {
  switch (option) {
    case undefined:
    case 'auto':
      return auto(lz4)
    case 'lz4':
      return lz4
    case 'deflate':
      // The main entry carries both: native where the runtime has it, else fflate.
      return hasNativeDeflate ? deflate : deflatePortable
    default:
      return option
  }
}
