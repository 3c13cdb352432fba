// Benchmark 3, deflate: our path (the `deflate` codec, node:zlib in Node, synchronous there)
// against node:zlib called directly (the baseline) and fflate (what `deflatePortable` runs), all
// zlib-wrapped at level 6, on the corpus's request bodies. Throughput is of input bytes.
import { deflateSync as zlibDeflateSync } from 'node:zlib'
import { zlibSync } from 'fflate'
import { deflate, LEVEL } from '../../src/compress/deflate.js'
import { compare, type Figure, type Timing, totalBytes } from './harness.js'

export const viaZlib = (b: Uint8Array): Uint8Array => zlibDeflateSync(b, { level: LEVEL })
export const viaFflate = (b: Uint8Array): Uint8Array => zlibSync(b, { level: LEVEL })

export interface DeflateResult {
  readonly figures: Figure[]
  readonly inputBytes: number
  readonly bodies: number
  readonly sizes: { readonly ours: number; readonly zlib: number; readonly fflate: number }
}

export async function benchDeflate(bodies: Uint8Array[], timing: Timing): Promise<DeflateResult> {
  // In Node the codec's `compress` is synchronous (node:zlib): no promise to await.
  const ours = (b: Uint8Array): Uint8Array => {
    const out = deflate.compress(b)
    if (!(out instanceof Uint8Array)) throw new Error('deflate benchmark: expected the node:zlib path (synchronous) in Node')
    return out
  }
  const sizes = { ours: totalBytes(bodies.map(ours)), zlib: totalBytes(bodies.map(viaZlib)), fflate: totalBytes(bodies.map(viaFflate)) }
  const figures = await compare(
    {
      baseline: { name: '`node:zlib` `deflateSync`', run: () => bodies.map(viaZlib) },
      candidates: [
        { name: 'ours (`deflate` codec)', run: () => bodies.map(ours) },
        { name: 'fflate 0.8 (`zlibSync`)', run: () => bodies.map(viaFflate) },
        // Ours is the same native call: this row shows how far noise alone moves a ratio.
        { name: '`node:zlib` again (A/A control)', run: () => bodies.map(viaZlib) },
      ],
      units: totalBytes(bodies),
    },
    timing,
  )
  return { figures, inputBytes: totalBytes(bodies), bodies: bodies.length, sizes }
}
