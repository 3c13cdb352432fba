// The platforms' request contract, as published, and the one call this entry makes through it.
//
// WeChat `wx.request`, and the same shape in ByteDance `tt.request`, QQ `qq.request` and Baidu
// `swan.request`: `{ url, method, header, data, timeout, responseType: 'arraybuffer', success,
// fail }`; `success` gets `{ statusCode, header, data }` whatever the status (the network usage
// notes: once the server's answer is received, `success` is called whatever the statusCode),
// `fail` gets `{ errMsg }`, e.g. `request:fail timeout`; the default timeout is 60 s.
//   https://developers.weixin.qq.com/miniprogram/dev/api/network/request/wx.request.md
//   https://developers.weixin.qq.com/miniprogram/dev/framework/ability/network.md
//   tt.request (a copy of ByteDance's page): https://www.w3cschool.cn/microapp/microapp-9acf3661.html
//   swan.request (a copy of Baidu's page): https://w3cschool.cn/baiduapp/baiduapp-zhu639lz.html
// Alipay `my.request` (DingTalk's mini-programs follow it): `headers`, not `header`;
// `dataType: 'arraybuffer'`, not `responseType`; `data` an Object or ArrayBuffer; default
// timeout 30 s; `success` gets `{ status, headers, data }`; `fail` gets `{ error, errorMessage }`,
// error 12 a network error, 13 a timeout, 19 an HTTP error status.
//   https://help.aliyun.com/document_detail/67556.html (my.request)
//   https://w3cschool.cn/aliminiapp/aliminiapp-morj28xo.html (the error codes, my.httpRequest)
// The documents found do not say whether an error 19 carries the answer; when it carries
// `status`, it is read as the answer (a ServiceError then), otherwise it is a NetworkError.
import { NetworkError, TimeoutError } from '../core.js'

/** Header fields as the platforms pass them: a plain object, names in any case. */
export type MiniHeaders = Record<string, string>

/** What `miniFetch` passes to the platform's request function. */
export interface MiniRequestOptions {
  url: string
  method: string
  /** WeChat, ByteDance, QQ, Baidu (`dialect: 'wx'`). */
  header?: MiniHeaders
  /** Alipay, DingTalk (`dialect: 'alipay'`). */
  headers?: MiniHeaders
  /** The body: always an `ArrayBuffer` of exactly its bytes (a compressed body stays binary). */
  data?: ArrayBuffer
  /** `'arraybuffer'` in the `wx` dialect. */
  responseType?: 'arraybuffer'
  /** `'arraybuffer'` in the `alipay` dialect. */
  dataType?: 'arraybuffer'
  /** In ms. */
  timeout: number
  success: (res: MiniRequestSuccess) => void
  fail: (err: MiniRequestFailure) => void
}

/** The `success` argument, in either dialect. */
export interface MiniRequestSuccess {
  statusCode?: number
  status?: number
  header?: MiniHeaders
  headers?: MiniHeaders
  data?: unknown
}

/** The `fail` argument, in either dialect. */
export interface MiniRequestFailure {
  errMsg?: string
  errorMessage?: string
  error?: number
  /** An Alipay error 19 may carry the answer. */
  status?: number
  headers?: MiniHeaders
  data?: unknown
}

/** A platform request function: `wx.request`, `my.request`, `tt.request` and their relatives. */
// The return is the platform's task (`RequestTask`, with `abort()`), or nothing.
export type MiniRequest = (options: MiniRequestOptions) => unknown

/** What one request came back with, in one shape. */
export interface MiniAnswer {
  status: number
  headers: MiniHeaders
  data: unknown
}

/** Which field names the platform's contract uses. */
export type MiniDialect = 'wx' | 'alipay'

const ALIPAY_TIMEOUT = 13

/**
 * Calls `request` once and settles with the answer (any status), or rejects with a
 * `TimeoutError` (the platform's timeout) or a `NetworkError` whose cause is the platform's
 * words (`errMsg`, `errorMessage`).
 */
export function callRequest(
  request: MiniRequest,
  dialect: MiniDialect,
  init: { url: string; method: string; headers: MiniHeaders; data: ArrayBuffer | undefined; timeoutMs: number },
  signal: AbortSignal | null | undefined,
): Promise<MiniAnswer> {
  return new Promise((resolve, reject) => {
    const { url, timeoutMs } = init
    const fail = (err: MiniRequestFailure) => {
      // Alipay reports an error status through `fail`; with the answer, it is an answer.
      const status = err.status
      if (typeof status === 'number' && status > 0) return resolve({ status, headers: err.headers ?? {}, data: err.data })
      const text = err.errMsg ?? err.errorMessage ?? `error ${String(err.error)}`
      // WeChat's words are `request:fail timeout`; Alipay's code is 13.
      if (err.error === ALIPAY_TIMEOUT || /\btime(d ?)?out\b/i.test(text)) return reject(new TimeoutError(url, timeoutMs))
      reject(new NetworkError(url, new Error(text)))
    }
    const wx = dialect === 'wx'
    const task = request({
      url,
      method: init.method,
      ...(wx ? { header: init.headers, responseType: 'arraybuffer' } : { headers: init.headers, dataType: 'arraybuffer' }),
      ...(init.data ? { data: init.data } : {}),
      timeout: timeoutMs,
      success: (res) => resolve({ status: res.statusCode ?? res.status ?? 0, headers: res.header ?? res.headers ?? {}, data: res.data }),
      fail,
    })
    if (!signal) return
    if (signal.aborted) reject(signal.reason)
    signal.addEventListener('abort', () => {
      ;(task as { abort?: () => void } | undefined)?.abort?.()
      reject(signal.reason)
    })
  })
}
