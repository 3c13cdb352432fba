// Checks on a request before its body is parsed: which form it is sent in, the API version,
// the `x-log-*` headers of the headers form, the content type of the header-less form, and
// the query of the GET form.
import type { IncomingHttpHeaders } from 'node:http'
import { API_VERSION } from '../../generated/spec.js'
import { reject } from './rejection.js'
import type { RequestForm } from './types.js'

const X_LOG_HEADERS = ['x-log-apiversion', 'x-log-bodyrawsize', 'x-log-compresstype'] as const
const HEADERLESS_TYPES = ['text/plain', 'application/json']

/**
 * The form of a request: a POST with any `x-log-*` header is the headers form; a POST with
 * none but `?APIVersion=` is header-less; a POST with neither is treated as the headers form
 * (and refused for its missing headers).
 */
export function detectForm(method: string | undefined, headers: IncomingHttpHeaders, query: URLSearchParams): RequestForm {
  if (method === 'GET') return 'get'
  if (method !== 'POST') return 'other'
  if (X_LOG_HEADERS.some((name) => header(headers, name) !== undefined)) return 'headers'
  return query.has('APIVersion') ? 'headerless' : 'headers'
}

/** What the `x-log-*` headers say about the body. */
export interface HeaderForm {
  /** `x-log-bodyrawsize`: length of the JSON document before compression. */
  rawSize: number
  /** `x-log-compresstype`; `undefined` for an uncompressed body. */
  compressType: 'lz4' | 'deflate' | undefined
}

/** A header as one string (repeated headers joined by `, `, as Node does for custom ones). */
function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name]
  return Array.isArray(value) ? value.join(', ') : value
}

/** Refuses an `APIVersion` query parameter that is repeated, or (when present or `required`) not 0.6.0. */
export function checkQueryApiVersion(query: URLSearchParams, required: boolean): void {
  const values = query.getAll('APIVersion')
  if (values.length === 0 && !required) return
  if (values.length === 0) reject('PostBodyInvalid', `Missing query parameter APIVersion (must be ${API_VERSION}).`)
  if (values.length > 1) reject('PostBodyInvalid', 'Query parameter APIVersion is repeated.')
  if (values[0] !== API_VERSION) {
    reject('PostBodyInvalid', `Unsupported APIVersion ${JSON.stringify(values[0])} (must be ${API_VERSION}).`)
  }
}

/**
 * Checks the headers form: `x-log-apiversion` is 0.6.0, `x-log-compresstype` is absent,
 * `lz4` or `deflate`, and `x-log-bodyrawsize` is a decimal integer no larger than
 * `maxBytes` (checked before any byte is read or allocated).
 */
export function checkHeaderForm(headers: IncomingHttpHeaders, query: URLSearchParams, maxBytes: number): HeaderForm {
  checkQueryApiVersion(query, false)
  const version = header(headers, 'x-log-apiversion')
  if (version === undefined) {
    reject('PostBodyInvalid', `Missing header x-log-apiversion (must be ${API_VERSION}), and no header-less ?APIVersion=${API_VERSION}.`)
  }
  if (version !== API_VERSION) {
    reject('PostBodyInvalid', `Unsupported x-log-apiversion ${JSON.stringify(version)} (must be ${API_VERSION}).`)
  }
  const compress = header(headers, 'x-log-compresstype')
  const compressType = compress === 'lz4' || compress === 'deflate' || compress === undefined ? compress : undefined
  if (compress !== compressType) {
    reject('PostBodyInvalid', `Unknown x-log-compresstype ${JSON.stringify(compress)} (must be lz4 or deflate, or absent).`)
  }
  const size = header(headers, 'x-log-bodyrawsize')
  if (size === undefined) reject('PostBodyInvalid', 'Missing header x-log-bodyrawsize.')
  if (!/^\d+$/.test(size)) {
    reject('PostBodyInvalid', `x-log-bodyrawsize ${JSON.stringify(size)} is not a non-negative decimal integer.`)
  }
  const rawSize = Number(size)
  if (rawSize > maxBytes) {
    reject('PostBodyTooLarge', `x-log-bodyrawsize ${size} is over the limit of ${maxBytes} bytes.`)
  }
  return { rawSize, compressType }
}

/**
 * Checks the header-less form: `?APIVersion=0.6.0` and a `Content-Type` of `text/plain` or
 * `application/json` (parameters such as `charset` allowed), as `sendBeacon` and keep-alive
 * `fetch` send it.
 */
export function checkHeaderlessForm(headers: IncomingHttpHeaders, query: URLSearchParams): void {
  checkQueryApiVersion(query, true)
  const contentType = header(headers, 'content-type')
  const type = contentType?.split(';')[0]?.trim().toLowerCase()
  if (type === undefined || !HEADERLESS_TYPES.includes(type)) {
    reject(
      'PostBodyInvalid',
      `A header-less POST must be sent as text/plain or application/json; got ${contentType === undefined ? 'no Content-Type' : JSON.stringify(contentType)}.`,
    )
  }
}

/**
 * Turns the query of the GET form into a track body (checked later like any other): every
 * key other than `APIVersion`, `__topic__` and `__source__` is a field of the one log. A
 * repeated key is refused.
 */
export function trackBodyFromQuery(query: URLSearchParams): unknown {
  checkQueryApiVersion(query, true)
  const fields = new Map<string, string>()
  const body: Record<string, unknown> = {}
  for (const [key, value] of query) {
    if (key === 'APIVersion') continue
    if (key === '__topic__' || key === '__source__') {
      if (key in body) reject('PostBodyInvalid', `Query parameter ${key} is repeated.`)
      body[key] = value
    } else {
      if (fields.has(key)) reject('PostBodyInvalid', `Query parameter ${JSON.stringify(key)} is repeated.`)
      fields.set(key, value)
    }
  }
  body.__logs__ = [Object.fromEntries(fields)]
  return body
}
