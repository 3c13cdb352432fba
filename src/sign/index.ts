/**
 * `sls-webtrack/sign`: authenticated writes. `createClient` and `createTracker` are the main
 * entry's, with `credentials` (static, or a provider of STS temporary credentials): every
 * request is signed (SLS request signature V1), synchronously, so that a Logstore need not
 * accept anonymous writes. `signRequest` signs a request by hand. An entry of its own, so that
 * anonymous users pay nothing for signing.
 * @packageDocumentation
 */
export { createClient, createTracker, type ClientOptions, type TrackerOptions, type SignOptions } from './client.js'
export {
  CredentialsError,
  REFRESH_MARGIN_MS,
  type CredentialsOption,
  type CredentialsProvider,
  type StaticCredentials,
  type TemporaryCredentials,
} from './credentials.js'
export { contentMd5, signRequest, type SignCredentials, type SignedHeaders, type SignInput } from './signature.js'
export { stringToSign, type CanonicalRequest } from './canonical.js'
