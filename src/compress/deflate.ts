// Deflate, native where the runtime has it: node:zlib in Node, Bun and Deno (found through
// `process.getBuiltinModule`, so no bundler sees a `node:` import), `CompressionStream` in
// browsers and workers; fflate where neither exists or where the caller cannot wait
// (`compressSync`).
import { zlibSync } from 'fflate'
import type { Codec } from './codec.js'

/** Deflate level 6: zlib's default, the usual balance of ratio and speed for JSON. */
const LEVEL = 6

type NodeZlib = typeof import('node:zlib')
const nodeZlib: NodeZlib | undefined =
  typeof process === 'object' && typeof process.getBuiltinModule === 'function'
    ? (process.getBuiltinModule('node:zlib') as NodeZlib | undefined)
    : undefined

function fflateDeflate(raw: Uint8Array): Uint8Array {
  return zlibSync(raw, { level: LEVEL })
}

function nativeDeflateSync(zlib: NodeZlib, raw: Uint8Array): Uint8Array {
  const out = zlib.deflateSync(raw, { level: LEVEL })
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength)
}

/** zlib-wrapped (RFC 1950) deflate, synchronous: node:zlib where present, else fflate. */
export const deflateSync: (raw: Uint8Array) => Uint8Array = nodeZlib ? (raw) => nativeDeflateSync(nodeZlib, raw) : fflateDeflate

async function streamDeflate(raw: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([raw as BlobPart]).stream().pipeThrough(new CompressionStream('deflate'))
  return new Uint8Array(await new Response(stream).arrayBuffer())
}

/**
 * The `deflate` codec (`x-log-compresstype: deflate`, zlib-wrapped, level 6). Asynchronous
 * compression uses node:zlib or `CompressionStream`; the synchronous form uses node:zlib or
 * fflate.
 */
export const deflate: Codec = {
  name: 'deflate',
  compress: nodeZlib || typeof CompressionStream !== 'function' ? deflateSync : streamDeflate,
  compressSync: deflateSync,
}
