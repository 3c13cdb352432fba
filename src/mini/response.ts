// The answer as the client reads it: a `Response`-shaped object built from the platform's
// `{ status, headers, data }`. Mini-programs have no `Response` or `Headers`, so neither is used:
// header names are matched without regard to case (platforms pass them as the server wrote
// them, `Content-Type` or `content-type`), and the body is the bytes the platform gave.
import type { MiniAnswer } from './request.js'

// TextEncoder as the client's encoder needs it anyway. An error body is decoded without
// TextDecoder where a base library lacks it: the service's error bodies are ASCII JSON.
const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text)
const fromUtf8 = (bytes: Uint8Array): string =>
  typeof TextDecoder === 'function' ? new TextDecoder().decode(bytes) : String.fromCharCode(...bytes)

/** The bytes of a body as a platform hands it over: an ArrayBuffer, or text, or parsed JSON. */
export function bytesOf(data: unknown): Uint8Array {
  if (data == null) return new Uint8Array(0)
  if (data instanceof ArrayBuffer) return new Uint8Array(data)
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
  return utf8(typeof data === 'string' ? data : JSON.stringify(data))
}

/** A `Response` for the client: status, headers by any case, the body read once. */
export function miniResponse(url: string, answer: MiniAnswer): Response {
  const fields = new Map(Object.entries(answer.headers).map(([k, v]) => [k.toLowerCase(), v]))
  const body = bytesOf(answer.data)
  let used = false
  const read = () => {
    if (used) return Promise.reject(new TypeError('body already read'))
    used = true
    return Promise.resolve(body)
  }
  const status = answer.status
  const response = {
    url,
    status,
    ok: status > 199 && status < 300,
    statusText: '',
    type: 'basic',
    redirected: false,
    body: null,
    get bodyUsed() {
      return used
    },
    headers: {
      get: (name: string) => fields.get(name.toLowerCase()) ?? null,
      has: (name: string) => fields.has(name.toLowerCase()),
      forEach: (fn: (value: string, key: string) => void) => fields.forEach(fn),
    },
    arrayBuffer: () => read().then((b) => b.slice().buffer),
    text: () => read().then(fromUtf8),
    json: () => read().then((b) => JSON.parse(fromUtf8(b)) as unknown),
  }
  return response as unknown as Response
}
