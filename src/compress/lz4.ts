// LZ4 block compressor (raw block, no frame): the format is
// https://github.com/lz4/lz4/blob/dev/doc/lz4_Block_format.md. SLS takes `x-log-compresstype: lz4`
// bodies as one raw block, with the raw length in `x-log-bodyrawsize`.
//
// The parse is lz4's fast mode (LZ4_compress_fast, acceleration 1): one hash probe per position,
// greedy matches extended both ways, and a search step that grows on incompressible data.
import type { Codec } from './codec.js'

// Shared across calls: allocating them dominates the cost of small bodies.
let table: Int32Array | undefined
// The table holds `position + gen`. Each call moves `gen` past every value the previous call
// stored, so old entries read as negative positions: a reset without touching the table.
let gen = 1
let scratch = new Uint8Array(0)

/**
 * Compresses `input` to one raw LZ4 block (the block format, without the frame header), as SLS
 * expects for `x-log-compresstype: lz4`; the receiver needs the raw length (`x-log-bodyrawsize`)
 * to decode it.
 *
 * Always returns a valid block, also for empty or incompressible input: at worst the input is
 * stored as literals, in `n + n/255 + 16` bytes. The same input always gives the same output.
 *
 * @param input - The bytes to compress.
 * @returns The block, in memory of its own: it shares nothing with `input` or with later calls.
 */
export function lz4Block(input: Uint8Array): Uint8Array {
  // One function of about 100 lines, on purpose: the match loop keeps its cursors in locals, which
  // V8 holds in registers; split into calls, they would pass through memory on every sequence
  // (fflate's deflate core is one long function for the same reason).
  // Constants local to the function, so that the minifier inlines them (a module-level const
  // survives bundling as a variable).
  const HASH_LOG = 16 // 256 KiB, allocated once; 2^14 is as fast here, but 0.5-1.3% larger on 1 MB bodies
  const MIN_MATCH = 4
  const MF_LIMIT = 12 // the last match starts at least 12 bytes before the end...
  const LAST_LITERALS = 5 // ...and the last 5 bytes are always literals
  const MAX_DISTANCE = 65535
  const SKIP_TRIGGER = 6 // after 2^6 misses in a row, probe every 2nd byte, then every 3rd...
  // From this size on, the hash covers 5 bytes (lz4 does so on 64-bit targets, from 64 KiB on): it finds
  // fewer short matches and longer ones, 1-9% smaller output on 64 KiB-1 MB text and JSON; below
  // ~8 KiB the short matches matter more, and it is up to 2% worse there.
  const HASH5_MIN = 16384
  const SCRATCH_MAX = 1 << 20

  const n = input.length
  const bound = n + ((n / 255) | 0) + 16
  // Sized for the worst case, so the loop never checks for room. A body over SCRATCH_MAX gets a
  // buffer of its own, so that one big body does not stay in memory after it is sent.
  const out =
    bound <= scratch.length
      ? scratch
      : bound > SCRATCH_MAX
        ? new Uint8Array(bound)
        : (scratch = new Uint8Array(Math.max(bound, Math.min(scratch.length * 2, SCRATCH_MAX))))
  let o = 0
  let anchor = 0
  // Shorter inputs cannot hold a match that obeys both end-of-block rules.
  if (n > MF_LIMIT) {
    const t = (table ??= new Int32Array(1 << HASH_LOG))
    if (gen > 0x7fffffff - n) {
      t.fill(0)
      gen = 1
    }
    const g = gen
    gen += n
    const mfLimit = n - MF_LIMIT
    const matchLimit = n - LAST_LITERALS
    // Unaligned little-endian 32-bit reads: one bounds check instead of four byte loads.
    const dv = new DataView(input.buffer, input.byteOffset, n)
    // A zero multiplier drops the 5th byte from the hash; the search loop branches on it instead
    // (the extra load costs ~10% on small bodies), the insertion below does not need to.
    const k5 = n < HASH5_MIN ? 0 : 0x85ebca6b
    let ip = 0
    search: for (;;) {
      let ref = 0
      for (let miss = 1 << SKIP_TRIGGER; ; ip += miss++ >> SKIP_TRIGGER) {
        if (ip > mfLimit) break search
        const seq = dv.getInt32(ip, true)
        const h = (k5 ? Math.imul(seq, 0x9e3779b1) ^ Math.imul(input[ip + 4]!, k5) : Math.imul(seq, 0x9e3779b1)) >>> (32 - HASH_LOG)
        ref = t[h]! - g
        t[h] = ip + g
        if (ref >= 0 && ip - ref <= MAX_DISTANCE && dv.getInt32(ref, true) === seq) break
      }
      // Extend forward from the 4 bytes known to match, 4 bytes at a time (the lowest set bit of
      // the XOR is the first differing byte), then backward into the pending literals.
      let end = ip + MIN_MATCH
      let r = ref + MIN_MATCH
      let x = 0
      for (; end < matchLimit - 3 && !(x = dv.getInt32(end, true) ^ dv.getInt32(r, true)); r += 4) end += 4
      if (x) end += (31 - Math.clz32(x & -x)) >> 3
      else for (; end < matchLimit && input[end] === input[r]; r++) end++
      for (; ip > anchor && ref > 0 && input[ip - 1] === input[ref - 1]; ref--) ip--

      let lit = ip - anchor
      let ml = end - ip - MIN_MATCH
      const tp = o++
      let token = ml < 15 ? ml : 15
      if (lit < 15) token |= lit << 4
      else {
        token |= 0xf0
        for (lit -= 15; lit >= 255; lit -= 255) out[o++] = 255
        out[o++] = lit
      }
      out[tp] = token
      while (anchor < ip) out[o++] = input[anchor++]!
      out[o++] = ip - ref
      out[o++] = (ip - ref) >> 8
      if (ml >= 15) {
        for (ml -= 15; ml >= 255; ml -= 255) out[o++] = 255
        out[o++] = ml
      }

      anchor = ip = end
      if (ip > mfLimit) break
      // Positions inside a match are not indexed; index one near its end (as lz4 does), where
      // the next repeat of the same text often starts.
      const p = ip - 2
      t[(Math.imul(dv.getInt32(p, true), 0x9e3779b1) ^ Math.imul(input[p + 4]!, k5)) >>> (32 - HASH_LOG)] = p + g
    }
  }
  // The last sequence: literals only.
  let lit = n - anchor
  if (lit < 15) out[o++] = lit << 4
  else {
    out[o++] = 0xf0
    for (lit -= 15; lit >= 255; lit -= 255) out[o++] = 255
    out[o++] = lit
  }
  out.set(input.subarray(anchor), o)
  // A copy out of the shared scratch; a buffer of its own is handed over as is.
  return out === scratch ? out.slice(0, o + n - anchor) : out.subarray(0, o + n - anchor)
}

/** The LZ4 codec (`x-log-compresstype: lz4`): {@link lz4Block}, synchronous in both forms. */
export const lz4: Codec = { name: 'lz4', compress: lz4Block }
