// `sls-webtrack/deflate`: both deflate codecs. `deflate` is native (node:zlib or
// `CompressionStream`, deflate-native.ts); `deflatePortable` is fflate in JavaScript
// (deflate-portable.ts), for runtimes with neither. Each lives in its own module, so that a
// bundle naming only `deflate` carries no fflate.
export { deflate, hasNativeDeflate, LEVEL } from './deflate-native.js'
export { deflatePortable } from './deflate-portable.js'
