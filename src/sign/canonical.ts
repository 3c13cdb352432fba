// The string a request signature (SLS request signature V1) is computed over. Pure text, no
// hashing, so that a signer and a verifier (the emulator, later) build it the same way.
//
// Source: the "Request signatures" page of the SLS API reference
// (https://www.alibabacloud.com/help/en/sls/developer-reference/request-signatures, document
// 29012) and "Common request headers" (https://help.aliyun.com/document_detail/29010.htm):
//
//   VERB \n CONTENT-MD5 \n CONTENT-TYPE \n DATE \n CanonicalizedLOGHeaders CanonicalizedResource
//
// CanonicalizedLOGHeaders: every `x-log-*` and `x-acs-*` header, names in lowercase, sorted,
// each `name:value\n` with the value trimmed. `x-log-date` is the one exception: it "replaces
// the Date header for the service's check and is itself not signed" (Common request headers);
// the official browser plugin and the Python SDK both set it after signing. Its value is DATE.
// CanonicalizedResource: the path, then `?` and `key=value` pairs sorted by key, joined by `&`.
import { ValidationError } from '../errors.js'

/** A request as the signature sees it. */
export interface CanonicalRequest {
  /** The HTTP method, uppercase: `POST`. */
  method: string
  /** The path without the query: `/logstores/web`. */
  resource: string
  /** Query parameters, unencoded; absent or empty for none. */
  query?: Readonly<Record<string, string>> | undefined
  /**
   * The request's headers, names in any case: `Content-MD5` and `Content-Type` fill their
   * lines; every `x-log-*` and `x-acs-*` header but `x-log-date` is signed.
   */
  headers: Readonly<Record<string, string>>
  /** The signed time, as sent in `x-log-date`: RFC 1123 in GMT, `Mon, 03 Jan 2010 08:33:47 GMT`. */
  date: string
}

/** The header that carries the signed time; its value is the DATE line, not a signed header. */
const DATE_HEADER = 'x-log-date'

/**
 * The headers with names in lowercase. Two names that differ only in case are refused: on the
 * wire they are one header, and which value the service would sign is not knowable here.
 * Messages name the header, never its value (it may be the STS token).
 */
export function lowerCaseHeaders(headers: Readonly<Record<string, string>>): Map<string, string> {
  const lower = new Map<string, string>()
  for (const [name, value] of Object.entries(headers)) {
    const key = name.toLowerCase()
    if (lower.has(key)) throw new ValidationError(`headers.${name}`, 'is given twice (header names are case-insensitive); give it once')
    if (typeof value !== 'string') throw new ValidationError(`headers.${name}`, `must be a string, not ${typeof value}`)
    lower.set(key, value)
  }
  return lower
}

/** `x-log-*` and `x-acs-*` headers but `x-log-date`, as `name:value\n` lines sorted by name. */
export function canonicalizedLogHeaders(headers: ReadonlyMap<string, string>): string {
  const names = [...headers.keys()].filter((name) => (name.startsWith('x-log-') || name.startsWith('x-acs-')) && name !== DATE_HEADER)
  // Code-unit order: the documented "dictionary order" of lowercase ASCII names.
  names.sort()
  return names.map((name) => `${name}:${headers.get(name)!.trim()}\n`).join('')
}

/** The path, then `?` and the query sorted by key, when there is one. */
export function canonicalizedResource(resource: string, query?: Readonly<Record<string, string>>): string {
  // Sorted by key alone, not as `key=value` text: "a" and "a-b" would swap as text ("-" < "=").
  const pairs = Object.entries(query ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  return pairs.length ? `${resource}?${pairs.map(([key, value]) => `${key}=${value}`).join('&')}` : resource
}

/**
 * The string to sign of a request (SLS request signature V1): method, `Content-MD5`,
 * `Content-Type` and the signed time, one per line, then the canonical `x-log-*`/`x-acs-*`
 * headers and the canonical resource. Pure and synchronous.
 *
 * @throws {@link ValidationError} when a header is given twice in different case, or the
 * method or resource is not of the expected form.
 */
export function stringToSign(request: CanonicalRequest): string {
  if (!/^[A-Z]+$/.test(request.method)) throw new ValidationError('method', 'must be an uppercase HTTP method such as POST')
  if (!request.resource.startsWith('/')) throw new ValidationError('resource', 'must be a path starting with "/", such as /logstores/web')
  const headers = lowerCaseHeaders(request.headers)
  return (
    `${request.method}\n${headers.get('content-md5') ?? ''}\n${headers.get('content-type') ?? ''}\n${request.date}\n` +
    canonicalizedLogHeaders(headers) +
    canonicalizedResource(request.resource, request.query)
  )
}
