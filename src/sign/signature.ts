// Signs a request as the service's request signature V1 asks (see canonical.ts for the string
// to sign and its sources). Synchronous on purpose: a page's unload handler cannot await
// WebCrypto, which also has no MD5. MD5 and HMAC-SHA1 come from @noble/hashes (audited, no
// dependencies); both are weak hashes, but they are what the service checks.
import { hmac } from '@noble/hashes/hmac'
import { md5, sha1 } from '@noble/hashes/legacy'
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils'
import type { operations } from '../../generated/schema.js'
import { SIGNATURE_METHOD } from '../../generated/spec.js'
import { ValidationError } from '../errors.js'
import { lowerCaseHeaders, stringToSign } from './canonical.js'

/** An AccessKey pair, or STS temporary credentials (with `securityToken`). */
export interface SignCredentials {
  accessKeyId: string
  accessKeySecret: string
  /** The STS security token; absent for a plain AccessKey pair. */
  securityToken?: string | undefined
}

/** What {@link signRequest} signs. */
export interface SignInput {
  /** The HTTP method, uppercase: `POST`. */
  method: string
  /** The path without the query: `/logstores/web`. */
  resource: string
  /** Query parameters, unencoded; absent for none. */
  query?: Readonly<Record<string, string>> | undefined
  /**
   * The headers the request already carries, names in any case: `Content-Type`,
   * `x-log-apiversion`, `x-log-bodyrawsize`, `x-log-compresstype`. Every `x-log-*` and `x-acs-*`
   * header among them is signed, so none may change after signing.
   */
  headers: Readonly<Record<string, string>>
  /** The body exactly as sent: the compressed bytes when the body is compressed. A string is sent as UTF-8. */
  body: Uint8Array | string
  /** The time to sign (the client's clock, corrected for a known skew). */
  date: Date
  credentials: SignCredentials
}

type SpecHeaders = operations['putLogsSigned']['parameters']['header']

/** The headers {@link signRequest} adds to a request; their names are the spec's. */
export interface SignedHeaders extends Pick<SpecHeaders, 'Content-MD5' | 'x-log-date' | 'x-log-signaturemethod' | 'x-acs-security-token'> {
  /** `LOG {accessKeyId}:{signature}`. */
  Authorization: string
}

// The headers the signer sets itself: a caller's own would be signed or sent twice.
const ADDED: readonly string[] = ['content-md5', 'x-log-date', 'x-log-signaturemethod', 'x-acs-security-token', 'authorization']

/**
 * The MD5 of a body as `Content-MD5` carries it: 32 uppercase hexadecimal digits. A string is
 * hashed as its UTF-8 bytes.
 *
 * It is the MD5 of the body *as sent*, so of the compressed bytes when the body is compressed:
 * the API reference's "Common request headers" defines `Content-MD5` as the MD5 of the request
 * body and `Content-Length` as that body's length, and its "Data compression" page sets
 * `Content-Length` to the compressed size and `x-log-bodyrawsize` to the size before
 * compression (https://help.aliyun.com/document_detail/29010.htm,
 * https://www.alibabacloud.com/help/en/sls/developer-reference/data-compression). The official
 * SDKs hash the bytes they send after compressing them.
 */
export function contentMd5(body: Uint8Array | string): string {
  return bytesToHex(md5(typeof body === 'string' ? utf8ToBytes(body) : body)).toUpperCase()
}

/** base64 of a few bytes; `btoa` is in every runtime this package supports. */
const base64 = (bytes: Uint8Array): string => btoa(String.fromCharCode(...bytes))

// Header values must be one line of visible text; messages name the field, never its value.
const HEADER_VALUE = /^[\x21-\x7e]+$/

/** Checks the form of credentials; messages name the field, never its value. */
export function checkCredentials(credentials: SignCredentials): void {
  // Plain JavaScript callers may pass nothing at all.
  const { accessKeyId, accessKeySecret, securityToken } = (credentials as SignCredentials | undefined) ?? ({} as Partial<SignCredentials>)
  if (typeof accessKeyId !== 'string' || !HEADER_VALUE.test(accessKeyId) || accessKeyId.includes(':')) {
    throw new ValidationError('credentials.accessKeyId', 'must be a non-empty string of visible ASCII characters without ":"')
  }
  if (typeof accessKeySecret !== 'string' || accessKeySecret === '')
    throw new ValidationError('credentials.accessKeySecret', 'must be a non-empty string')
  if (securityToken !== undefined && (typeof securityToken !== 'string' || !HEADER_VALUE.test(securityToken))) {
    throw new ValidationError(
      'credentials.securityToken',
      'must be a non-empty string of visible ASCII characters when given (leave it out for an AccessKey pair)',
    )
  }
}

/**
 * Signs a request with the service's request signature V1 (HMAC-SHA1), synchronously.
 * Returns the headers to add: `Content-MD5` (of the body as sent), `x-log-date` (the signed
 * time, RFC 1123 GMT), `x-log-signaturemethod`, `x-acs-security-token` with STS credentials,
 * and `Authorization: LOG {accessKeyId}:{base64 signature}`.
 *
 * @throws {@link ValidationError} for malformed credentials, an invalid date, a header the
 * signer sets itself, or a header given twice; no message contains a secret or a token.
 */
export function signRequest(input: SignInput): SignedHeaders {
  const { credentials, date } = input
  checkCredentials(credentials)
  if (!(date instanceof Date) || Number.isNaN(date.getTime())) throw new ValidationError('date', 'must be a valid Date')
  for (const name of lowerCaseHeaders(input.headers).keys()) {
    if (ADDED.includes(name)) throw new ValidationError(`headers.${name}`, 'is set by the signer; leave it out')
  }
  const signed: Omit<SignedHeaders, 'Authorization'> = {
    'Content-MD5': contentMd5(input.body),
    'x-log-date': date.toUTCString(),
    'x-log-signaturemethod': SIGNATURE_METHOD,
  }
  if (credentials.securityToken !== undefined) signed['x-acs-security-token'] = credentials.securityToken
  const headers = { ...input.headers, ...signed } as Record<string, string>
  const text = stringToSign({ method: input.method, resource: input.resource, query: input.query, headers, date: signed['x-log-date'] })
  const signature = base64(hmac(sha1, utf8ToBytes(credentials.accessKeySecret), utf8ToBytes(text)))
  return { ...signed, Authorization: `LOG ${credentials.accessKeyId}:${signature}` }
}
