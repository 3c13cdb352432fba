/**
 * `sls-webtrack/mini`: the client and the tracker in WeChat, Alipay, ByteDance, DingTalk, QQ and
 * Baidu mini-programs, which have no `fetch`, only their `request` function. `miniFetch` builds
 * the `fetch` option from it; nothing else changes.
 *
 * @example
 * ```ts
 * import { createClient } from 'sls-webtrack'
 * import { miniFetch } from 'sls-webtrack/mini'
 *
 * declare const my: { request: Parameters<typeof miniFetch>[0] }
 * const client = createClient({
 *   project: 'my-project',
 *   endpoint: 'cn-hangzhou.log.aliyuncs.com',
 *   logstore: 'mini',
 *   compression: 'lz4',
 *   fetch: miniFetch(my.request, { dialect: 'alipay' }),
 * })
 * await client.send({ event: 'launch' })
 * ```
 * @packageDocumentation
 */
export { miniFetch } from './fetch.js'
export type { MiniFetchOptions } from './fetch.js'
export type { MiniDialect, MiniHeaders, MiniRequest, MiniRequestFailure, MiniRequestOptions, MiniRequestSuccess } from './request.js'
