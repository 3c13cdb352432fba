// Strict LZ4 block decoder for the emulator. It accepts exactly what the reference decoder
// (LZ4_decompress_safe into a buffer of `rawSize` bytes) accepts, so that a body the emulator takes
// is one the service takes too, plus it rejects offset 0. Format:
// https://github.com/lz4/lz4/blob/dev/doc/lz4_Block_format.md
//
// Every step consumes input or fails, so it ends after at most block.length steps; the only
// allocation is the output, after checking that `rawSize` is reachable from this many bytes.

const MIN_MATCH = 4
const MF_LIMIT = 12
const LAST_LITERALS = 5
// One input byte adds at most 255 to a length, so no block decodes to more than 255 bytes per byte.
const MAX_RATIO = 255

/**
 * Decodes one raw LZ4 block (block format, no frame) that must expand to exactly `rawSize`
 * bytes, as given by `x-log-bodyrawsize`.
 *
 * @param block - The compressed body.
 * @param rawSize - The expected length of the output.
 * @returns The `rawSize` decoded bytes.
 * @throws Error - If the block is malformed: truncated, an offset of 0 or before the start of the
 *   output, output past `rawSize`, a match in the last bytes that the format keeps as literals,
 *   or output shorter than `rawSize`.
 */
export function lz4BlockDecode(block: Uint8Array, rawSize: number): Uint8Array {
  const n = block.length
  if (!Number.isSafeInteger(rawSize) || rawSize < 0) throw new Error(`lz4: invalid raw size ${rawSize}`)
  if (rawSize > n * MAX_RATIO) throw new Error(`lz4: ${n} bytes cannot decode to ${rawSize} bytes`)
  const out = new Uint8Array(rawSize)
  let i = 0
  let o = 0
  for (;;) {
    if (i >= n) fail('truncated block: sequence expected', i, o)
    const token = block[i++]!
    let lit = token >> 4
    if (lit === 15) {
      let b = 255
      while (b === 255) {
        if (i >= n) fail('truncated literal length', i, o)
        lit += b = block[i++]!
      }
    }
    if (lit > n - i) fail(`truncated literals: ${lit} expected, ${n - i} left`, i, o)
    if (lit > rawSize - o) fail(`literals overflow the raw size ${rawSize}`, i, o)
    out.set(block.subarray(i, i + lit), o)
    i += lit
    o += lit
    // The last sequence has literals only, and ends the block.
    if (i === n) break
    if (o > rawSize - MF_LIMIT) fail(`a match starts within the last ${MF_LIMIT} bytes of the output`, i, o)
    if (n - i < 2) fail('truncated offset', i, o)
    const offset = block[i]! | (block[i + 1]! << 8)
    if (offset === 0) fail('offset 0', i, o)
    if (offset > o) fail(`offset ${offset} before the start of the output`, i, o)
    i += 2
    let ml = token & 15
    if (ml === 15) {
      let b = 255
      while (b === 255) {
        if (i >= n) fail('truncated match length', i, o)
        ml += b = block[i++]!
      }
    }
    ml += MIN_MATCH
    if (ml > rawSize - o) fail(`match overflows the raw size ${rawSize}`, i, o)
    if (ml > rawSize - LAST_LITERALS - o) fail(`a match ends within the last ${LAST_LITERALS} bytes, which must be literals`, i, o)
    // Overlapping copies (offset < length) repeat the last `offset` bytes, so go byte by byte.
    if (offset >= ml) {
      out.copyWithin(o, o - offset, o - offset + ml)
      o += ml
    } else for (const end = o + ml; o < end; o++) out[o] = out[o - offset]!
  }
  if (o !== rawSize) fail(`decoded ${o} bytes, raw size is ${rawSize}`, i, o)
  return out
}

function fail(what: string, i: number, o: number): never {
  throw new Error(`lz4: ${what} (at input byte ${i}, output byte ${o})`)
}
