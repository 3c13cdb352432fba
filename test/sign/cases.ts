// The table of signed requests shared by the signer's check against @alicloud/log
// (signature.test.ts) and the emulator's verifier (test/emulator/verify-signature.test.ts).
import { deflateSync } from 'node:zlib'
import { lz4Block } from '../../src/compress/lz4.js'
import type { SignInput } from '../../src/sign/index.js'

export const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text)
export const envelope = (logs: Record<string, string>[], topic = 'web'): string =>
  JSON.stringify({ __topic__: topic, __source__: 'test', __logs__: logs })
export const PLAIN = envelope([
  { level: 'info', msg: 'hello' },
  { level: 'warn', msg: 'disk 91%' },
])
export const UNICODE = envelope([{ msg: '日志服务 ✓ — naïve café 🚀🧪', path: '/über/straße' }])
export const BIG = envelope(Array.from({ length: 800 }, (_, i) => ({ i: String(i), msg: `event ${i} `.repeat(8) })))
export const KEY = { accessKeyId: 'LTAI5tTestKeyId0001', accessKeySecret: 'testSecretKey0123456789abcdefABCDEF' }
export const STS = {
  accessKeyId: 'STS.NUexampleTemp01',
  accessKeySecret: 'tmpSecret/with+Base64=chars',
  securityToken: 'CAIS8gF1q6Ft5B2yfSjIr5bmYqqY/Tok+dW8mjfZ0WQbbJ1Zr4W0sx==',
}
export const DATE = new Date('2026-11-23T08:33:47Z')
export const JSON_HEADERS = { 'Content-Type': 'application/json', 'x-log-apiversion': '0.6.0' }
export const raw = (text: string): Record<string, string> => ({ ...JSON_HEADERS, 'x-log-bodyrawsize': String(utf8(text).length) })
export const compressed = (text: string, type: 'lz4' | 'deflate'): { body: Uint8Array; headers: Record<string, string> } => ({
  body: type === 'lz4' ? lz4Block(utf8(text)) : new Uint8Array(deflateSync(utf8(text))),
  headers: { ...raw(text), 'Content-Type': 'application/octet-stream', 'x-log-compresstype': type },
})
export const ALL_BYTES = Uint8Array.from({ length: 256 }, (_, i) => i)

export type Case = Omit<SignInput, 'method' | 'date' | 'resource'> & { logstore?: string; date?: Date }
export const CASES: Record<string, Case> = {
  'plain JSON, AccessKey pair': { headers: raw(PLAIN), body: PLAIN, credentials: KEY },
  'plain JSON, STS token': { headers: raw(PLAIN), body: PLAIN, credentials: STS },
  'UTF-8 body, AccessKey pair': { headers: raw(UNICODE), body: UNICODE, credentials: KEY },
  'UTF-8 body, STS token': { headers: raw(UNICODE), body: UNICODE, credentials: STS },
  'UTF-8 body given as bytes': { headers: raw(UNICODE), body: utf8(UNICODE), credentials: STS },
  'LZ4 body, AccessKey pair': { ...compressed(PLAIN, 'lz4'), credentials: KEY },
  'LZ4 body, STS token': { ...compressed(UNICODE, 'lz4'), credentials: STS },
  'LZ4 body of 800 logs, STS token': { ...compressed(BIG, 'lz4'), credentials: STS },
  'deflate body, AccessKey pair': { ...compressed(PLAIN, 'deflate'), credentials: KEY },
  'deflate body, STS token': { ...compressed(UNICODE, 'deflate'), credentials: STS },
  'query string, one key': { headers: raw(PLAIN), body: PLAIN, credentials: KEY, query: { APIVersion: '0.6.0' } },
  'query string, keys given unsorted': {
    headers: raw(PLAIN),
    body: PLAIN,
    credentials: STS,
    query: { topic: 'b', APIVersion: '0.6.0', _x: 'y=z&w' },
  },
  'query string, LZ4 body, STS token': { ...compressed(PLAIN, 'lz4'), credentials: STS, query: { type: 'log', action: 'put' } },
  'header names in upper and mixed case': {
    headers: { 'CONTENT-TYPE': 'application/json', 'X-LOG-APIVERSION': '0.6.0', 'X-Log-BodyRawSize': String(PLAIN.length) },
    body: PLAIN,
    credentials: KEY,
  },
  'header names in mixed case, deflate body, STS token': {
    body: compressed(UNICODE, 'deflate').body,
    headers: {
      'Content-type': 'application/octet-stream',
      'X-Log-ApiVersion': '0.6.0',
      'x-LOG-bodyrawsize': String(utf8(UNICODE).length),
      'X-LOG-COMPRESSTYPE': 'deflate',
    },
    credentials: STS,
  },
  'header values with surrounding spaces (trimmed when signed)': {
    headers: { ...raw(PLAIN), 'x-log-apiversion': '  0.6.0 ' },
    body: PLAIN,
    credentials: KEY,
  },
  'an extra x-acs-* header is signed': { headers: { ...raw(PLAIN), 'x-acs-request-origin': 'web' }, body: PLAIN, credentials: STS },
  'Content-Type text/plain': { headers: { ...raw(PLAIN), 'Content-Type': 'text/plain;charset=UTF-8' }, body: PLAIN, credentials: KEY },
  'Logstore with underscore and hyphen': { logstore: 'app_log-2', headers: raw(PLAIN), body: PLAIN, credentials: KEY },
  'Logstore of 63 characters': { logstore: `a${'b_-'.repeat(20)}z9`, headers: raw(PLAIN), body: PLAIN, credentials: STS },
  'Logstore of 3 characters, empty log list': { logstore: 'web', headers: raw(envelope([])), body: envelope([]), credentials: KEY },
  'every byte value in the body': {
    headers: { ...raw(''), 'Content-Type': 'application/octet-stream' },
    body: ALL_BYTES,
    credentials: KEY,
  },
  'empty body': { headers: raw(''), body: '', credentials: STS },
  'secret with non-ASCII characters': {
    headers: raw(PLAIN),
    body: PLAIN,
    credentials: { accessKeyId: 'LTAI5tUnicode', accessKeySecret: 'sécret-密钥-🔑' },
  },
  'leap day, last second': { headers: raw(PLAIN), body: PLAIN, credentials: KEY, date: new Date('2024-02-29T23:59:59Z') },
  'date past 2038': { headers: raw(PLAIN), body: PLAIN, credentials: STS, date: new Date('2040-01-01T00:00:00Z') },
}
