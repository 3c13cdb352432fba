// CRC-32 as zlib computes it (ISO-HDLC: reflected polynomial 0xEDB88320, initial and final
// value 0xFFFFFFFF), one table lookup per byte. It guards the journal's records: it detects every
// error burst of up to 32 bits, so any single damaged byte, and a random one with odds of 2⁻³².
// Written here (256 words of table, built on first use) rather than taken from node:zlib, which
// has `crc32` only from Node 20.15 and 22.2, and is absent from browsers and Deno's defaults.

let table: Uint32Array | undefined

function makeTable(): Uint32Array {
  const t = new Uint32Array(256)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
    t[n] = c
  }
  return t
}

/**
 * The CRC-32 of `bytes[start, end)`, continuing from `crc` (the CRC of the bytes before them, 0
 * for none): `crc32(b, crc32(a))` equals the CRC of `a` followed by `b`, as zlib's `crc32` does.
 */
export function crc32(bytes: Uint8Array, crc = 0, start = 0, end = bytes.length): number {
  const t = (table ??= makeTable())
  let c = ~crc
  for (let i = start; i < end; i++) c = t[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8)
  return ~c >>> 0
}
