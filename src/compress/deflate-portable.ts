// Deflate in JavaScript (fflate), synchronous, for runtimes without a native deflate. Its own
// module: fflate is about 3.3 kB of a bundle, paid only by an application that names it, or
// loaded on demand by the main entry's `'deflate'` (names.ts). It imports only
// fflate, so that as a chunk of its own it shares no code with the main entry's chunk.
import { zlibSync } from 'fflate'
import type { Codec } from './codec.js'

/**
 * The `deflate` codec computed by fflate (zlib-wrapped, level 6): runs anywhere, synchronously,
 * at about a third of node:zlib's speed. For React Native, mini-program engines and browsers
 * without `CompressionStream`; elsewhere prefer `deflate`.
 */
export const deflatePortable: Codec = {
  name: 'deflate',
  // Level 6, LEVEL of deflate-native.ts, written out so as to import nothing of ours.
  compress: (raw) => zlibSync(raw, { level: 6 }),
}
