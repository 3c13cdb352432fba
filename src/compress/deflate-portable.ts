// Deflate in JavaScript (fflate), synchronous, for runtimes without a native deflate. Its own
// module: fflate is about 3.3 kB of a bundle, paid only by an application that names it.
import { zlibSync } from 'fflate'
import type { Codec } from './codec.js'

/** Deflate level 6, for both deflate codecs: zlib's default, the usual balance of ratio and speed for JSON. */
export const LEVEL = 6

/**
 * The `deflate` codec computed by fflate (zlib-wrapped, level 6): runs anywhere, synchronously,
 * at about a third of node:zlib's speed. For React Native, mini-program engines and browsers
 * without `CompressionStream`; elsewhere prefer `deflate`.
 */
export const deflatePortable: Codec = {
  name: 'deflate',
  compress: (raw) => zlibSync(raw, { level: LEVEL }),
}
