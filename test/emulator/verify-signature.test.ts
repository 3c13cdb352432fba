// The emulator's verifier (its own node:crypto implementation of the documented algorithm) on
// the signer's table, the one test/sign/signature.test.ts checks against @alicloud/log: every
// signed request passes; a changed secret, body, header, token or time is refused with the
// documented code and status.
import type { IncomingHttpHeaders } from 'node:http'
import { describe, expect, it } from 'vitest'
import { signRequest, type SignInput } from '../../src/sign/index.js'
import { Rejection } from '../../src/emulator/rejection.js'
import { checkSignature, checkSignedHeaders, type EmulatorCredentials } from '../../src/emulator/verify-signature.js'
import { CASES, DATE } from '../sign/cases.js'

/** The request as Node's server would see it: lowercase header names, the body as bytes. */
function received(input: SignInput) {
  const signed = signRequest(input)
  const headers: IncomingHttpHeaders = {}
  for (const [name, value] of Object.entries({ ...input.headers, ...signed })) headers[name.toLowerCase()] = value
  const body = typeof input.body === 'string' ? new TextEncoder().encode(input.body) : input.body
  const query = new URLSearchParams(Object.entries(input.query ?? {}))
  return { headers, body, request: { method: 'POST', path: input.resource, query, headers } }
}

function verify(input: SignInput, keys: EmulatorCredentials[], now: number, change?: (r: ReturnType<typeof received>) => void) {
  const r = received(input)
  change?.(r)
  const signed = checkSignedHeaders(r.headers, new Map(keys.map((k) => [k.accessKeyId, k])), now)
  checkSignature(signed, r.body, r.request)
}

function refusal(run: () => void): { status: number; errorCode: string } {
  try {
    run()
  } catch (error) {
    expect(error).toBeInstanceOf(Rejection)
    const { status, body } = error as Rejection
    return { status, errorCode: body.errorCode }
  }
  throw new Error('accepted')
}

const inputs = Object.entries(CASES).map(([name, { logstore = 'web', date = DATE, ...rest }]) => {
  const input: SignInput = { method: 'POST', resource: `/logstores/${logstore}`, date, ...rest }
  return [name, input] as const
})

describe("the emulator's verifier on the signer's table", () => {
  it.each(inputs)('accepts: %s', (_, input) => {
    verify(input, [{ ...input.credentials }], input.date.getTime())
  })

  it.each(inputs)('refuses a wrong secret, a changed body and a changed signed header: %s', (_, input) => {
    const key = { ...input.credentials }
    const now = input.date.getTime()
    expect(refusal(() => verify(input, [{ ...key, accessKeySecret: `${key.accessKeySecret}x` }], now))).toEqual({
      status: 401,
      errorCode: 'SignatureNotMatch',
    })
    expect(refusal(() => verify(input, [key], now, (r) => (r.body = new Uint8Array([...r.body, 32]))))).toEqual({
      status: 400,
      errorCode: 'ParameterInvalid',
    })
    expect(refusal(() => verify(input, [key], now, (r) => (r.headers['x-log-apiversion'] = '0.5.0')))).toEqual({
      status: 401,
      errorCode: 'SignatureNotMatch',
    })
  })

  it('refuses time outside 15 minutes (RequestTimeExpired, 400), an unknown key, a missing or expired token', () => {
    const [, sts] = inputs.find(([name]) => name === 'plain JSON, STS token')!
    const key = { ...sts.credentials } as EmulatorCredentials
    const now = sts.date.getTime()
    verify(sts, [key], now + 15 * 60_000)
    expect(refusal(() => verify(sts, [key], now + 15 * 60_000 + 1000))).toEqual({ status: 400, errorCode: 'RequestTimeExpired' })
    expect(refusal(() => verify(sts, [key], now - 16 * 60_000))).toEqual({ status: 400, errorCode: 'RequestTimeExpired' })
    expect(refusal(() => verify(sts, [], now))).toEqual({ status: 401, errorCode: 'InvalidAccessKeyId' })
    expect(refusal(() => verify(sts, [{ ...key, expiration: now }], now))).toEqual({ status: 401, errorCode: 'Unauthorized' })
    const noToken = { ...sts, credentials: { ...sts.credentials, securityToken: undefined } }
    expect(refusal(() => verify(noToken, [key], now))).toEqual({ status: 401, errorCode: 'Unauthorized' })
    expect(refusal(() => verify(sts, [key], now, (r) => delete r.headers['x-log-date']))).toEqual({
      status: 400,
      errorCode: 'MissingParameter',
    })
    expect(refusal(() => verify(sts, [key], now, (r) => (r.headers['x-log-signaturemethod'] = 'hmac-md5')))).toEqual({
      status: 400,
      errorCode: 'ParameterInvalid',
    })
  })
})
