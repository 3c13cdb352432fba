// The signed client and tracker, and what they need, as one module: built apart from the
// signer (`dist/sign-client.js`, see tsup.config.ts), so that a bundle of `signRequest` alone
// stays as it was, to the byte, while `sls-webtrack/sign` exports both.
export { createClient, createTracker, type ClientOptions, type SignOptions, type TrackerOptions } from './client.js'
export {
  CredentialsError,
  REFRESH_MARGIN_MS,
  type CredentialsOption,
  type CredentialsProvider,
  type StaticCredentials,
  type TemporaryCredentials,
} from './credentials.js'
