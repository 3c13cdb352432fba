// The signing step of authenticated writes (issue 15), on its own so that anonymous users pay
// nothing for it. Not yet a published entry: `sls-webtrack/sign`, its tsup entry and its size
// row come with the client's wiring.
export { contentMd5, signRequest, type SignCredentials, type SignedHeaders, type SignInput } from './signature.js'
export { stringToSign, type CanonicalRequest } from './canonical.js'
