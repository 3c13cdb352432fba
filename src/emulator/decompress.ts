// Decompressing a body as `x-log-compresstype` names it. The output is never allowed to grow
// past `x-log-bodyrawsize` (already checked against the size limit), and must match it exactly.
import { inflateSync } from 'node:zlib'
import { lz4BlockDecode } from './lz4-decode.js'
import { reject } from './rejection.js'

/** Whether `body` starts with a valid zlib (RFC 1950) header using deflate. */
function hasZlibHeader(body: Uint8Array): boolean {
  const cmf = body[0]
  const flg = body[1]
  return cmf !== undefined && flg !== undefined && (cmf & 0x0f) === 8 && cmf >> 4 <= 7 && ((cmf << 8) | flg) % 31 === 0
}

function inflate(body: Uint8Array, rawSize: number): Uint8Array {
  if (!hasZlibHeader(body)) {
    reject('PostBodyUncompressError', 'Failed to decompress logs: deflate body has no zlib header (raw deflate and gzip are not accepted).')
  }
  try {
    // maxOutputLength must be at least 1; a longer output throws instead of being allocated.
    return inflateSync(body, { maxOutputLength: Math.max(1, rawSize) })
  } catch (error) {
    const detail =
      (error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE'
        ? `decompresses to more than x-log-bodyrawsize (${rawSize}) bytes`
        : (error as Error).message
    return reject('PostBodyUncompressError', `Failed to decompress logs: deflate: ${detail}.`)
  }
}

function lz4(body: Uint8Array, rawSize: number): Uint8Array {
  try {
    return lz4BlockDecode(body, rawSize)
  } catch (error) {
    return reject('PostBodyUncompressError', `Failed to decompress logs: lz4: ${(error as Error).message}.`)
  }
}

/**
 * Decompresses `body` (lz4: a raw LZ4 block; deflate: zlib-wrapped) to exactly `rawSize`
 * bytes, else throws a `PostBodyUncompressError` rejection.
 */
export function decompressBody(body: Uint8Array, compressType: 'lz4' | 'deflate', rawSize: number): Uint8Array {
  const raw = compressType === 'lz4' ? lz4(body, rawSize) : inflate(body, rawSize)
  if (raw.length !== rawSize) {
    reject(
      'PostBodyUncompressError',
      `Failed to decompress logs: ${compressType} body decompresses to ${raw.length} bytes, x-log-bodyrawsize says ${rawSize}.`,
    )
  }
  return raw
}
