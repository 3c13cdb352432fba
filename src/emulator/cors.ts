// CORS as a public endpoint answers it: any origin, without credentials. `*` is deliberate:
// a page that needs credentialed CORS (sendBeacon with an `application/json` Blob) must fail
// here as it would against a service that answers `*`.
import type { ServerResponse } from 'node:http'

/** Headers a preflight may ask for. */
export const ALLOWED_REQUEST_HEADERS =
  'x-log-apiversion, x-log-bodyrawsize, x-log-compresstype, content-type, ' +
  // The signed write's (`POST /logstores/{logstore}`), which browsers send with the official STS plugin.
  'authorization, content-md5, x-log-date, x-log-signaturemethod, x-acs-security-token'

/** Sets the CORS headers that every answer carries, errors included. */
export function setCorsHeaders(res: ServerResponse): void {
  res.setHeader('access-control-allow-origin', '*')
  res.setHeader('access-control-expose-headers', 'x-log-requestid')
}

/** Answers a CORS preflight (`OPTIONS`) with 204 and the allowed methods and headers. */
export function answerPreflight(res: ServerResponse): void {
  res.writeHead(204, {
    'access-control-allow-methods': 'POST, GET, OPTIONS',
    'access-control-allow-headers': ALLOWED_REQUEST_HEADERS,
    'access-control-max-age': '86400',
    'content-length': '0',
  })
  res.end()
}
