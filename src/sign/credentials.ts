// Where a signed request's keys come from: fixed credentials, or a provider of STS temporary
// credentials that is asked again before they expire. The source answers synchronously while
// it holds valid credentials (the unload path signs synchronously); only a refresh is async.
// Concurrent sends share one refresh (single-flight). A provider's failure is a
// CredentialsError; no message carries a key, a secret or a token.
import { WebTrackError } from '../index.js'
import { signRequest, type SignCredentials } from './signature.js'

/** Credentials that do not change: an AccessKey pair, or STS credentials used until they fail. */
export type StaticCredentials = SignCredentials

/** STS temporary credentials, as a provider returns them. */
export interface TemporaryCredentials {
  accessKeyId: string
  accessKeySecret: string
  securityToken: string
  /**
   * When they expire: a `Date`, milliseconds since the epoch, or an ISO 8601 text such as the
   * `Expiration` of STS AssumeRole (`2026-11-23T09:33:47Z`).
   */
  expiration: Date | number | string
}

/**
 * Fetches STS temporary credentials, typically from the page's own backend. Called before the
 * current ones expire (with a margin), once for any number of concurrent sends, and once more
 * when the service answers `401 Unauthorized`.
 */
export type CredentialsProvider = () => Promise<TemporaryCredentials>

/** The `credentials` option: static credentials or a provider. */
export type CredentialsOption = StaticCredentials | CredentialsProvider

/** The credentials could not be had: the provider failed or returned something unusable. */
export class CredentialsError extends WebTrackError {
  declare name: 'CredentialsError'
  constructor(message: string, retryable: boolean, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'CredentialsError'
    ;(this as { retryable: boolean }).retryable = retryable
  }
}

/** Refresh this long before expiry at most; never more than half a token's lifetime early. */
// A literal: esbuild keeps a module-level product in bundles that do not use it.
export const REFRESH_MARGIN_MS = 300_000

/** What signing reads credentials from; see {@link credentialSource}. */
export interface CredentialSource {
  /** Valid credentials: at once while they are held, else after one (shared) refresh. */
  get(): SignCredentials | Promise<SignCredentials>
  /**
   * The service refused `used`: forget them, so that the next `get` refreshes. False for
   * static credentials (nothing to refresh).
   */
  invalidate(used: SignCredentials): boolean
}

/**
 * Checks the form of credentials as the signer does (its messages name the field, never the
 * value), by signing an empty request: the signer's own check, without a second copy of it.
 * @throws {@link ValidationError} for malformed credentials.
 */
function checkCredentials(credentials: SignCredentials): void {
  signRequest({ method: 'POST', resource: '/', headers: {}, body: '', date: new Date(0), credentials })
}

const message = (error: unknown): string => String((error as { message?: unknown } | undefined)?.message ?? error)

/**
 * A source of credentials for the option. Static credentials are checked now.
 * @throws {@link ValidationError} for malformed static credentials.
 */
export function credentialSource(option: CredentialsOption, now: () => number = Date.now): CredentialSource {
  if (typeof option !== 'function') {
    checkCredentials(option)
    const fixed = { ...option }
    return { get: () => fixed, invalidate: () => false }
  }
  let held: { credentials: SignCredentials; refreshAt: number } | undefined
  let pending: Promise<SignCredentials> | undefined
  const refresh = async (): Promise<SignCredentials> => {
    let got: TemporaryCredentials
    try {
      got = await option()
    } catch (error) {
      throw new CredentialsError(`the credentials provider failed: ${message(error)}`, true, { cause: error })
    }
    const credentials = usable(got)
    const expires = expiry(got.expiration)
    const fetched = now()
    held = { credentials, refreshAt: expires - Math.min(REFRESH_MARGIN_MS, (expires - fetched) / 2) }
    return credentials
  }
  return {
    get() {
      if (held && now() < held.refreshAt) return held.credentials
      pending ??= refresh().finally(() => {
        pending = undefined
      })
      return pending
    },
    invalidate(used) {
      if (held?.credentials === used) held = undefined
      return true
    },
  }
}

/** The provider's answer as credentials, checked; messages name the field, never its value. */
function usable(got: TemporaryCredentials | undefined): SignCredentials {
  const { accessKeyId, accessKeySecret, securityToken } = got ?? ({} as Partial<TemporaryCredentials>)
  const credentials = { accessKeyId, accessKeySecret, securityToken } as SignCredentials
  try {
    checkCredentials(credentials)
    if (typeof securityToken !== 'string') throw new Error('credentials.securityToken: must be the STS security token')
  } catch (error) {
    throw new CredentialsError(`the credentials provider returned unusable credentials: ${message(error)}`, false)
  }
  return credentials
}

/** The expiration as milliseconds since the epoch. */
function expiry(expiration: TemporaryCredentials['expiration'] | undefined): number {
  const ms = expiration instanceof Date ? expiration.getTime() : typeof expiration === 'string' ? Date.parse(expiration) : expiration
  if (typeof ms !== 'number' || Number.isNaN(ms)) {
    throw new CredentialsError(
      'the credentials provider returned no usable expiration: expected a Date, milliseconds since the epoch or an ISO 8601 text',
      false,
    )
  }
  return ms
}
