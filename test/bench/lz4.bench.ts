// Benchmark 2, LZ4: our block compressor against lz4js (pure JavaScript, the baseline) and
// lz4-napi (native, lz4_flex), on the corpus's request bodies. Every subject compresses every
// body of a set per call; throughput is of input bytes.
import { createRequire } from 'node:module'
import { compressSync, uncompressSync } from 'lz4-napi'
import { lz4Block } from '../../src/compress/lz4.js'
import { compare, type Figure, type Timing, totalBytes } from './harness.js'

// lz4js ships no types; only these two are used.
const lz4js = createRequire(import.meta.url)('lz4js') as {
  compressBlock(src: Uint8Array, dst: Uint8Array, sIndex: number, sLength: number, hashTable: Uint32Array): number
  compressBound(n: number): number
}

/** lz4js, used correctly at least cost: its hash table zeroed per block, buffers reused. */
export function lz4jsCompressor(maxInput: number): (input: Uint8Array) => Uint8Array {
  const table = new Uint32Array(1 << 16)
  const dst = new Uint8Array(lz4js.compressBound(maxInput))
  return (input) => {
    table.fill(0)
    const n = lz4js.compressBlock(input, dst, 0, input.length, table)
    // 0: lz4js could not shrink the input, which then goes as it is.
    return n === 0 ? input : dst.subarray(0, n)
  }
}

/** lz4-napi's raw block: its output less the 4-byte little-endian size in front. */
export function napiBlock(input: Uint8Array): Uint8Array {
  return compressSync(input as Buffer).subarray(4)
}

/** Decodes a raw block with lz4-napi (which wants its 4-byte size in front). */
export function napiDecode(block: Uint8Array, rawSize: number): Uint8Array {
  const framed = Buffer.alloc(4 + block.length)
  framed.writeUInt32LE(rawSize, 0)
  framed.set(block, 4)
  return new Uint8Array(uncompressSync(framed))
}

export interface Lz4Result {
  readonly figures: Figure[]
  readonly inputBytes: number
  readonly bodies: number
  /** Compressed bytes of all bodies, per subject. */
  readonly sizes: { readonly ours: number; readonly lz4js: number; readonly native: number }
}

export async function benchLz4(bodies: Uint8Array[], timing: Timing): Promise<Lz4Result> {
  const inputBytes = totalBytes(bodies)
  const viaLz4js = lz4jsCompressor(Math.max(...bodies.map((b) => b.length)))
  // Ours must decode (with lz4-napi's decoder) to the body before it is worth timing.
  for (const b of bodies) {
    if (Buffer.compare(napiDecode(lz4Block(b), b.length), b) !== 0) throw new Error('lz4 benchmark: our block does not decode to its input')
  }
  const sizes = {
    ours: totalBytes(bodies.map(lz4Block)),
    lz4js: totalBytes(bodies.map((b) => viaLz4js(b).slice())),
    native: totalBytes(bodies.map(napiBlock)),
  }
  const figures = await compare(
    {
      baseline: { name: 'lz4js 0.2 (`compressBlock`)', run: () => bodies.map(viaLz4js) },
      candidates: [
        { name: 'ours (`lz4Block`)', run: () => bodies.map(lz4Block) },
        { name: 'lz4-napi 2.10 (native, `compressSync`)', run: () => bodies.map(napiBlock) },
      ],
      units: inputBytes,
    },
    timing,
  )
  return { figures, inputBytes, bodies: bodies.length, sizes }
}
