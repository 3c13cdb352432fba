// The signed write's checks, as the API reference documents them ("Request signatures",
// "Common request headers", "Error codes"; cited in the spec): the signature method, the
// signed time within 15 minutes of the service's clock, a known AccessKey ID, the STS token of
// temporary credentials and its expiry, Content-MD5 of the body as sent, and the signature
// (base64 HMAC-SHA1 of the string to sign). Written from the documented algorithm with
// node:crypto, not imported from the client's signer, so that the emulator checks the client
// independently; test/emulator/verify-signature.test.ts runs it on the signer's table.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto'
import type { IncomingHttpHeaders } from 'node:http'
import { AUTH_ERROR_EXAMPLES, SIGNATURE_METHOD, type AuthErrorCode } from '../../generated/spec.js'
import { Rejection } from './rejection.js'

/** The documented window around the service's clock. */
export const TIME_WINDOW_MS = 15 * 60_000

/** A key the emulator knows, as `startEmulator({ credentials })` takes it. */
export interface EmulatorCredentials {
  accessKeyId: string
  accessKeySecret: string
  /** For STS temporary credentials: the token every request with this key must carry. */
  securityToken?: string
  /** For STS temporary credentials: when the token expires (Date, ms since the epoch, ISO 8601). */
  expiration?: Date | number | string
}

/** Refuses with an authentication code and its documented status. */
function refuse(code: AuthErrorCode, message: string): never {
  throw new Rejection(code, message, AUTH_ERROR_EXAMPLES[code].status)
}

const one = (headers: IncomingHttpHeaders, name: string): string | undefined => {
  const value = headers[name]
  return Array.isArray(value) ? value.join(', ') : value
}

/** What the header checks learnt, for the body's. */
export interface SignedRequest {
  key: EmulatorCredentials
  signature: string
}

/**
 * Checks a signed request's headers, before its body is read: method, time, key, token.
 * `now` is the service's clock.
 */
export function checkSignedHeaders(
  headers: IncomingHttpHeaders,
  keys: ReadonlyMap<string, EmulatorCredentials>,
  now: number,
): SignedRequest {
  const method = one(headers, 'x-log-signaturemethod')
  if (method === undefined) refuse('MissingParameter', 'Missing http extend header key : x-log-signaturemethod.')
  if (method !== SIGNATURE_METHOD) refuse('ParameterInvalid', `x-log-signaturemethod: ${method} pair is invalid.`)
  const date = one(headers, 'x-log-date') ?? one(headers, 'date')
  if (date === undefined) refuse('MissingParameter', 'Missing http extend header key : x-log-date.')
  const time = date.endsWith('GMT') ? Date.parse(date) : NaN
  if (Number.isNaN(time)) refuse('InvalidRequestTime', `Request time ${date} not follow RFC822 spec.`)
  if (Math.abs(time - now) > TIME_WINDOW_MS) {
    refuse('RequestTimeExpired', `Request time ${date} has been expired while server time is ${new Date(now).toUTCString()}.`)
  }
  const auth = /^LOG ([^:\s]+):(\S+)$/.exec(one(headers, 'authorization') ?? '')
  if (!auth) refuse('Unauthorized', 'The Authorization header is missing or not of the form "LOG {accessKeyId}:{signature}".')
  const key = keys.get(auth[1]!)
  if (!key) refuse('InvalidAccessKeyId', `The access key id you provided is invalid: ${auth[1]!}.`)
  if (key.securityToken !== undefined) {
    if (one(headers, 'x-acs-security-token') !== key.securityToken) refuse('Unauthorized', 'The security token you provided is invalid.')
    const expires =
      key.expiration instanceof Date
        ? key.expiration.getTime()
        : key.expiration === undefined
          ? Infinity
          : new Date(key.expiration).getTime()
    if (!(now < expires)) refuse('Unauthorized', 'The security token you provided has expired.')
  }
  return { key, signature: auth[2]! }
}

/** The documented string to sign, from the request as received. */
export function canonicalString(method: string, path: string, query: URLSearchParams, headers: IncomingHttpHeaders): string {
  const signed = Object.keys(headers)
    .filter((name) => /^x-(log|acs)-/.test(name) && name !== 'x-log-date')
    .sort()
    .map((name) => `${name}:${(one(headers, name) ?? '').trim()}\n`)
    .join('')
  const pairs = [...query].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => `${k}=${v}`)
  const date = one(headers, 'x-log-date') ?? one(headers, 'date') ?? ''
  return (
    `${method}\n${one(headers, 'content-md5') ?? ''}\n${one(headers, 'content-type') ?? ''}\n${date}\n` +
    signed +
    (pairs.length ? `${path}?${pairs.join('&')}` : path)
  )
}

/** Checks Content-MD5 against the body as received, then the signature. */
export function checkSignature(
  signed: SignedRequest,
  body: Uint8Array,
  request: { method: string; path: string; query: URLSearchParams; headers: IncomingHttpHeaders },
): void {
  const md5 = one(request.headers, 'content-md5')
  if (md5 === undefined) refuse('MissingParameter', 'Missing http header key : Content-MD5.')
  if (md5 !== createHash('md5').update(body).digest('hex').toUpperCase()) {
    refuse('ParameterInvalid', 'Content-MD5 does not match the body (the MD5 of the body as sent, in uppercase hexadecimal).')
  }
  const text = canonicalString(request.method, request.path, request.query, request.headers)
  const expected = Buffer.from(createHmac('sha1', signed.key.accessKeySecret).update(text).digest('base64'))
  const given = Buffer.from(signed.signature)
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    refuse('SignatureNotMatch', `Signature ${signed.signature} not matched.`)
  }
}
