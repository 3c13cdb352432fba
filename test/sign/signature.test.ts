// The request signature against an independent implementation: the Node SDK @alicloud/log, whose
// client computes `Authorization` in `_sign(verb, path, queries, headers, credentials)` from
// lowercase headers (`content-md5`, `content-type`, `date`, every `x-log-*`/`x-acs-*`). Our
// Content-MD5 is checked against node:crypto. The SDK sends `Date`; we send the same time in
// `x-log-date`, which the service reads in place of `Date` and does not sign as a header (Common
// request headers), so the SDK is given our time as `date` and no `x-log-date`.
import { createHash } from 'node:crypto'
import { createRequire } from 'node:module'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { lz4Block } from '../../src/compress/lz4.js'
import { isWebTrackError } from '../../src/errors.js'
import { contentMd5, signRequest, stringToSign, type SignCredentials, type SignInput } from '../../src/sign/index.js'
import { BIG, CASES, DATE, PLAIN, raw, STS, utf8 } from './cases.js'

// @alicloud/log ships no types; only the constructor and `_sign` are used, and nothing is sent.
interface AlicloudLogClient {
  _sign(verb: string, path: string, queries: Record<string, string>, headers: Record<string, string>, credentials: SignCredentials): string
}
const AlicloudLog = createRequire(import.meta.url)('@alicloud/log') as new (config: Record<string, unknown>) => AlicloudLogClient
const sdk = new AlicloudLog({ accessKeyId: 'unused', accessKeySecret: 'unused', endpoint: 'http://127.0.0.1:1' })

const md5Hex = (bytes: Uint8Array | string): string => createHash('md5').update(bytes).digest('hex').toUpperCase()

/** The SDK's Authorization for the request our signer signed. */
function sdkAuthorization(input: SignInput): string {
  const headers: Record<string, string> = {}
  for (const [name, value] of Object.entries(input.headers)) headers[name.toLowerCase()] = value
  headers['content-md5'] = md5Hex(input.body)
  headers.date = input.date.toUTCString()
  headers['x-log-signaturemethod'] = 'hmac-sha1'
  if (input.credentials.securityToken !== undefined) headers['x-acs-security-token'] = input.credentials.securityToken
  return sdk._sign(input.method, input.resource, input.query ?? {}, headers, input.credentials)
}

describe('signRequest against @alicloud/log', () => {
  it('the table has at least 20 cases', () => expect(Object.keys(CASES).length).toBeGreaterThanOrEqual(20))

  it.each(Object.entries(CASES))('%s', (_, { logstore = 'web', date = DATE, ...rest }) => {
    const input: SignInput = { method: 'POST', resource: `/logstores/${logstore}`, date, ...rest }
    const added = signRequest(input)
    expect(added.Authorization).toBe(sdkAuthorization(input))
    expect(added.Authorization).toMatch(new RegExp(`^LOG ${input.credentials.accessKeyId}:[A-Za-z0-9+/]{27}=$`))
    expect(added['Content-MD5']).toBe(md5Hex(input.body))
    expect(added['x-log-date']).toBe(date.toUTCString())
    expect(added['x-log-signaturemethod']).toBe('hmac-sha1')
    expect(added['x-acs-security-token']).toBe(input.credentials.securityToken)
  })

  it('agrees on random bodies, headers, queries, keys and dates', () => {
    // Query keys of letters and "_" only: the SDK sorts `key=value` texts, the documented rule
    // (and ours) sorts keys; the two differ only when a key continues another with a character
    // below "=" ("a" and "a-b").
    const headerName = fc
      .tuple(fc.constantFrom('x-log-', 'x-acs-', 'X-Log-', 'X-ACS-', 'x-'), fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,11}$/))
      .map(([prefix, rest]) => prefix + rest)
      .filter((name) => !['x-log-date', 'x-log-signaturemethod', 'x-acs-security-token'].includes(name.toLowerCase()))
    const input = fc.record({
      body: fc.oneof(fc.uint8Array({ maxLength: 2048 }), fc.string({ unit: 'grapheme', maxLength: 300 })),
      headers: fc.uniqueArray(fc.tuple(headerName, fc.stringMatching(/^[\x20-\x7e]{0,24}$/)), {
        selector: ([name]) => name.toLowerCase(),
        maxLength: 6,
      }),
      contentType: fc.option(fc.constantFrom('application/json', 'application/octet-stream', 'text/plain')),
      query: fc.option(fc.dictionary(fc.stringMatching(/^[A-Za-z_]{1,8}$/), fc.stringMatching(/^[\x21-\x7e]{0,12}$/), { maxKeys: 4 })),
      logstore: fc.stringMatching(/^[a-z0-9][a-z0-9_-]{1,61}[a-z0-9]$/),
      accessKeyId: fc.stringMatching(/^[A-Za-z0-9.]{1,32}$/),
      accessKeySecret: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 64 }),
      securityToken: fc.option(fc.stringMatching(/^[A-Za-z0-9+/=]{1,300}$/), { nil: undefined }),
      date: fc.date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('2099-12-31T23:59:59Z'), noInvalidDate: true }),
    })
    fc.assert(
      fc.property(input, (r) => {
        const headers = Object.fromEntries(r.headers)
        if (r.contentType !== null) headers['Content-Type'] = r.contentType
        const { accessKeyId, accessKeySecret, securityToken } = r
        const signed: SignInput = {
          method: 'POST',
          resource: `/logstores/${r.logstore}`,
          query: r.query ?? undefined,
          headers,
          body: r.body,
          date: r.date,
          credentials: { accessKeyId, accessKeySecret, securityToken },
        }
        expect(signRequest(signed).Authorization).toBe(sdkAuthorization(signed))
      }),
      { numRuns: 500 },
    )
  })
})

describe('contentMd5', () => {
  it('is the uppercase MD5 of the bytes as sent: of the compressed body when compressed', () => {
    const lz4 = lz4Block(utf8(BIG))
    expect(contentMd5(lz4)).toBe(md5Hex(lz4))
    expect(contentMd5(lz4)).not.toBe(contentMd5(BIG))
    expect(contentMd5('')).toBe('D41D8CD98F00B204E9800998ECF8427E')
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (text) => contentMd5(text) === md5Hex(text) && contentMd5(utf8(text)) === md5Hex(text)),
    )
  })
})

describe('stringToSign', () => {
  it('is the documented layout, with x-log-date as the DATE line and not as a signed header', () => {
    const text = stringToSign({
      method: 'POST',
      resource: '/logstores/web',
      query: { b: '2', a: '1' },
      headers: {
        'Content-MD5': 'ABC',
        'Content-Type': 'application/json',
        'X-Log-Date': 'ignored as a header',
        'x-log-bodyrawsize': '5',
        'x-acs-security-token': 't',
        Host: 'p.example',
      },
      date: 'Mon, 03 Jan 2010 08:33:47 GMT',
    })
    expect(text).toBe(
      'POST\nABC\napplication/json\nMon, 03 Jan 2010 08:33:47 GMT\nx-acs-security-token:t\nx-log-bodyrawsize:5\n/logstores/web?a=1&b=2',
    )
  })
})

describe('errors', () => {
  const base: SignInput = { method: 'POST', resource: '/logstores/web', headers: raw(PLAIN), body: PLAIN, date: DATE, credentials: STS }
  const bad: Record<string, SignInput> = {
    'no access key id': { ...base, credentials: { ...STS, accessKeyId: '' } },
    'an access key id with ":"': { ...base, credentials: { ...STS, accessKeyId: 'a:b' } },
    'no secret': { ...base, credentials: { ...STS, accessKeySecret: '' } },
    'a token with a line break': { ...base, credentials: { ...STS, securityToken: `${STS.securityToken}\r\nX-Evil: 1` } },
    'an empty token': { ...base, credentials: { ...STS, securityToken: '' } },
    'no credentials at all': { ...base, credentials: undefined as unknown as SignCredentials },
    'an invalid date': { ...base, date: new Date(Number.NaN) },
    'a header the signer sets': { ...base, headers: { ...base.headers, 'X-ACS-Security-Token': STS.securityToken } },
    'a header given twice in different case': { ...base, headers: { ...base.headers, 'X-Log-BodyRawSize': '1' } },
    'a lowercase method': { ...base, method: 'post' },
    'a resource without a leading slash': { ...base, resource: 'logstores/web' },
  }
  it.each(Object.entries(bad))('%s: a ValidationError before anything is signed, naming no secret and no token', (_, input) => {
    let error: unknown
    try {
      signRequest(input)
    } catch (e) {
      error = e
    }
    expect(isWebTrackError(error)).toBe(true)
    expect((error as Error).name).toBe('ValidationError')
    const text = `${(error as Error).message} ${String((error as { path?: string }).path)}`
    for (const secret of [STS.accessKeySecret, STS.securityToken, 'tmpSecret', 'CAIS8gF1']) expect(text).not.toContain(secret)
  })
})
