/**
 * `sls-webtrack/sign`: authenticated writes. `createClient` and `createTracker` are the main
 * entry's, with `credentials` (static, or a provider of STS temporary credentials): every
 * request is signed (SLS request signature V1), synchronously, so that a Logstore need not
 * accept anonymous writes. `signRequest` signs a request by hand. An entry of its own, so that
 * anonymous users pay nothing for signing.
 * @packageDocumentation
 */
export { contentMd5, signRequest, type SignCredentials, type SignedHeaders, type SignInput } from './signature.js'
export { stringToSign, type CanonicalRequest } from './canonical.js'
// The signed client and tracker, a build of their own (see authenticated.ts): re-exported
// whole, which keeps this module's built text as it was (its signer minifies the same).
export * from './authenticated.js'
