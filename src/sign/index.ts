/**
 * `sls-webtrack/sign`: the request signature of authenticated writes (SLS request signature V1,
 * with STS tokens), synchronous, in an entry of its own so that anonymous users pay nothing
 * for it. The client and the tracker do not sign yet (issue 15): with these functions, a
 * request to the signed `POST /logstores/{logstore}` operation can be signed by hand.
 * @packageDocumentation
 */
export { contentMd5, signRequest, type SignCredentials, type SignedHeaders, type SignInput } from './signature.js'
export { stringToSign, type CanonicalRequest } from './canonical.js'
