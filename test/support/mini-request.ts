// Stand-ins for a mini-program's request function, over real HTTP (node:http), following the
// published contracts that src/mini/request.ts cites: WeChat's `wx.request` (the family of
// `tt.request`, `qq.request`, `swan.request`) and Alipay's `my.request`. What a platform
// ignores is ignored here too (an unknown key), and what it converts is converted: a `data`
// that is neither a string nor an ArrayBuffer is sent as JSON text, as the platforms do with an
// object, so a typed array passed as is would arrive as `{"0":...}`.
import { request as httpRequest } from 'node:http'
import type { MiniRequest, MiniRequestOptions } from '../../src/mini/index.js'

export interface StandIn {
  request: MiniRequest
  /** Every call's options, in order. */
  calls: MiniRequestOptions[]
  /** How many calls were aborted through their task. */
  aborted: number
}

/** The body as the platform sends it. */
function wireData(data: unknown): Buffer {
  if (data === undefined) return Buffer.alloc(0)
  if (data instanceof ArrayBuffer) return Buffer.from(data)
  return Buffer.from(typeof data === 'string' ? data : JSON.stringify(data))
}

/**
 * A `request` of the `wx` or `alipay` dialect. `{project}.localhost` resolves to loopback as a
 * browser's does; header names of answers are given in `Title-Case` for Alipay, to exercise
 * case-blind reading.
 */
export function standIn(dialect: 'wx' | 'alipay'): StandIn {
  const self: StandIn = { calls: [], aborted: 0, request: undefined as unknown as MiniRequest }
  self.request = (o) => {
    self.calls.push(o)
    const url = new URL(o.url)
    const wx = dialect === 'wx'
    const binary = wx ? o.responseType === 'arraybuffer' : o.dataType === 'arraybuffer'
    const headers = { ...(wx ? o.header : o.headers) }
    const body = wireData(o.data)
    let done = false
    const fail = (errMsg: string, alipayError: number) => {
      if (done) return
      done = true
      o.fail(wx ? { errMsg } : { error: alipayError, errorMessage: errMsg })
    }
    const req = httpRequest({
      host: url.hostname.endsWith('localhost') ? '127.0.0.1' : url.hostname,
      port: url.port,
      path: url.pathname + url.search,
      method: o.method,
      headers: { ...headers, host: url.host, 'content-length': String(body.length) },
    })
    req.setTimeout(o.timeout, () => {
      fail(wx ? 'request:fail timeout' : 'request timed out', 13)
      req.destroy()
    })
    req.on('error', (e: NodeJS.ErrnoException) => fail(wx ? `request:fail ${e.code ?? e.message}` : `network error: ${e.code}`, 12))
    req.on('response', (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => {
        if (done) return
        done = true
        const all = Buffer.concat(chunks)
        const data = binary ? all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength) : all.toString('utf8')
        const status = res.statusCode ?? 0
        if (wx) {
          o.success({ statusCode: status, header: { ...res.headers } as Record<string, string>, data })
          return
        }
        const title = Object.fromEntries(
          Object.entries(res.headers).map(([k, v]) => [k.replace(/(^|-)([a-z])/g, (m) => m.toUpperCase()), String(v)]),
        )
        // Alipay: an error status goes to `fail` as error 19, here with the answer.
        if (status < 200 || status > 299) o.fail({ error: 19, errorMessage: 'http status error', status, headers: title, data })
        else o.success({ status, headers: title, data })
      })
    })
    req.end(body)
    return {
      abort: () => {
        self.aborted++
        fail(wx ? 'request:fail abort' : 'request aborted', 9)
        req.destroy()
      },
    }
  }
  return self
}
