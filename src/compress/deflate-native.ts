// Deflate, native: node:zlib in Node, Bun and Deno (found through `process.getBuiltinModule`,
// so that no bundler sees a `node:` import), `CompressionStream` in browsers and workers. Both
// are faster than any JavaScript deflate (node:zlib runs about 3.5× fflate here) and cost a
// bundle nothing. Runtimes with neither (React Native, mini-program engines, browsers before
// 2023) take `deflatePortable` (deflate-portable.ts), fflate in JavaScript. This module does not
// import it, not even to re-export it, so that the main entry, which imports this one, can load
// fflate on demand as a chunk of its own (a static import would put that chunk in its first load).
import { ValidationError } from '../errors.js'
import type { Codec } from './codec.js'

/** Deflate level 6, for both deflate codecs: zlib's default, the usual balance of ratio and speed for JSON. */
export const LEVEL = 6

type NodeZlib = typeof import('node:zlib')
const nodeZlib: NodeZlib | undefined =
  typeof process === 'object' && typeof process.getBuiltinModule === 'function' ? process.getBuiltinModule('node:zlib') : undefined

/** Whether this runtime has a native deflate (node:zlib or `CompressionStream`) for `deflate`. */
export const hasNativeDeflate: boolean = !!nodeZlib || typeof CompressionStream === 'function'

async function streamDeflate(raw: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([raw as BlobPart]).stream().pipeThrough(new CompressionStream('deflate'))
  return new Uint8Array(await new Response(stream).arrayBuffer())
}

/**
 * The `deflate` codec (`x-log-compresstype: deflate`, zlib-wrapped, level 6), native:
 * node:zlib where the runtime has it, else `CompressionStream`. A client or tracker given it
 * where neither exists throws a `ValidationError` when it is created; use `deflatePortable`
 * there (or `lz4`).
 */
export const deflate: Codec = {
  name: 'deflate',
  compress: nodeZlib
    ? (raw) => {
        const out = nodeZlib.deflateSync(raw, { level: LEVEL })
        return new Uint8Array(out.buffer, out.byteOffset, out.byteLength)
      }
    : streamDeflate,
  check() {
    if (!hasNativeDeflate) {
      throw new ValidationError(
        'compression',
        'deflate needs node:zlib or CompressionStream, and this runtime has neither: use deflatePortable or lz4',
      )
    }
  },
}
