// `miniFetch`: the WHATWG `fetch` the client takes, over a mini-program's request function.
// The function is passed in, never looked up by name: the entry imports in any runtime, and a
// test hands it a stand-in.
import { ValidationError } from '../core.js'
import { checkOption, MAX_TIMER_MS, show } from '../check-option.js'
import { callRequest, type MiniDialect, type MiniHeaders, type MiniRequest } from './request.js'
import { bytesOf, miniResponse } from './response.js'

/** Options of `miniFetch`. */
export interface MiniFetchOptions {
  /**
   * The platform's field names. `'wx'` (default): `header`, `responseType`, `statusCode`, as
   * WeChat, ByteDance, QQ and Baidu take them. `'alipay'`: `headers`, `dataType`, `status`, as
   * Alipay and DingTalk take them.
   */
  dialect?: MiniDialect
  /**
   * The platform's own timeout of one request, in ms (its `timeout` option). Default 10 000,
   * the client's `timeoutMs` default; the client's own timeout applies as well.
   */
  timeoutMs?: number
}

type Input = string | URL | Request

/** Header fields of a `Headers`, a list of pairs or a record, as a plain record. */
function headerRecord(headers: HeadersInit | undefined): MiniHeaders {
  const out: MiniHeaders = {}
  const h = headers as { forEach?: (fn: (value: string, key: string) => void) => void } | undefined
  if (typeof h?.forEach === 'function' && !Array.isArray(headers)) {
    h.forEach((value, key) => {
      out[key] = value
    })
  } else if (headers) {
    for (const [key, value] of Array.isArray(headers) ? headers : Object.entries(headers as Record<string, string>)) out[key] = value
  }
  return out
}

/** The body as exactly its bytes, in an ArrayBuffer of its own (a view's buffer may be larger). */
async function bodyBuffer(body: unknown): Promise<ArrayBuffer | undefined> {
  if (body == null) return undefined
  const blob = body as { arrayBuffer?: () => Promise<ArrayBuffer> }
  const bytes = typeof blob.arrayBuffer === 'function' ? new Uint8Array(await blob.arrayBuffer()) : bytesOf(body)
  return bytes.byteLength ? bytes.slice().buffer : undefined
}

/**
 * A `fetch` over a mini-program's `request` function (`wx.request`, `my.request`,
 * `tt.request`, ...), for the `fetch` option of `createClient` and `createTracker`. Bodies go as
 * `ArrayBuffer` (compressed ones stay binary); answers are read as `arraybuffer`. The
 * platform's `fail` rejects with a `NetworkError` whose message carries its `errMsg`, its
 * timeout with a `TimeoutError`.
 *
 * @example
 * ```ts
 * import { createTracker } from 'sls-webtrack'
 * import { miniFetch } from 'sls-webtrack/mini'
 *
 * declare const wx: { request: Parameters<typeof miniFetch>[0] }
 * const tracker = createTracker({
 *   project: 'my-project',
 *   endpoint: 'cn-hangzhou.log.aliyuncs.com',
 *   logstore: 'mini',
 *   fetch: miniFetch(wx.request),
 * })
 * tracker.push({ event: 'launch' })
 * ```
 */
export function miniFetch(request: MiniRequest, options: MiniFetchOptions = {}): typeof fetch {
  if (typeof request !== 'function')
    throw new ValidationError('request', `expected the platform's request function (wx.request, my.request, ...), got ${show(request)}`)
  const dialect = options.dialect ?? 'wx'
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- a dialect from JavaScript is checked
  if (dialect !== 'wx' && dialect !== 'alipay') throw new ValidationError('dialect', `expected 'wx' or 'alipay', got ${show(dialect)}`)
  const timeoutMs = checkOption('timeoutMs', options.timeoutMs, 10_000, 1, MAX_TIMER_MS, ' ms')
  return async (input: Input, init: RequestInit = {}) => {
    // No `instanceof URL`: a mini-program may have no URL class. A Request has a method.
    const req = typeof input !== 'string' && 'method' in input ? input : undefined
    const url = req ? req.url : typeof input === 'string' ? input : (input as URL).href
    const method = (init.method ?? req?.method ?? 'GET').toUpperCase()
    const headers = headerRecord(init.headers ?? req?.headers)
    const data = await bodyBuffer(init.body ?? (req?.body ? req : undefined))
    const answer = await callRequest(request, dialect, { url, method, headers, data, timeoutMs }, init.signal ?? req?.signal)
    return miniResponse(url, answer)
  }
}
