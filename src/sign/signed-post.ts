// Signing a client's requests: the POST of its generated client to `/logstores/{logstore}/track`
// (either form: with headers, or header-less at unload) becomes the signed
// `POST /logstores/{logstore}` of the spec, with the same body bytes, signed as sent. While the
// credentials are held, the signed request reaches `fetch` synchronously, as the unload path
// needs. An answer `401 Unauthorized` asks the provider once more and sends again; a refusal
// for the request's time corrects the clock and sends again; each at most once per request.
// Everything else (classification, retries, timeouts) stays the client's.
import type { operations } from '../../generated/schema.js'
import type { TrackClient } from '../../generated/client.js'
import { API_VERSION } from '../../generated/spec.js'
import type { CredentialSource } from './credentials.js'
import { signRequest, type SignCredentials } from './signature.js'
import { serviceTime, type Clock } from './skew.js'

type SignedHeader = operations['putLogsSigned']['parameters']['header']
type TrackHeader = NonNullable<operations['putWebTracking']['parameters']['header']>

/** What the client's `post` hands its generated client (transport/post.ts). */
interface TrackInit {
  params: { path: { logstore: string }; header?: TrackHeader; query?: unknown }
  body: Uint8Array
  headers?: unknown
  [option: string]: unknown
}

interface Answer {
  response: Response
  error?: unknown
}

const TRACK_PATH = '/logstores/{logstore}/track'

/**
 * Makes every track POST of `http` a signed write. `http` is the connection's generated
 * client, shared by the client's or the tracker's sends.
 */
export function signPosts(http: TrackClient, source: CredentialSource, time: Clock): void {
  const original = http.POST as (path: string, init: unknown) => Promise<Answer>

  // One signed request, sent now: signing and `fetch` are synchronous.
  const signed = (init: TrackInit, credentials: SignCredentials): Promise<Answer> => {
    // The track form's own params and headers give way to the signed operation's.
    const { params, body, headers: _track, ...options } = init
    const { logstore } = params.path
    const compressType = params.header?.['x-log-compresstype']
    const header = {
      'x-log-apiversion': API_VERSION,
      'x-log-bodyrawsize': params.header?.['x-log-bodyrawsize'] ?? body.length,
      ...(compressType && { 'x-log-compresstype': compressType }),
    }
    const contentType = compressType ? 'application/octet-stream' : 'application/json'
    const { Authorization, ...added } = signRequest({
      method: 'POST',
      resource: `/logstores/${logstore}`,
      headers: { ...header, 'x-log-bodyrawsize': String(header['x-log-bodyrawsize']), 'Content-Type': contentType },
      body,
      date: time.now(),
      credentials,
    })
    return original('/logstores/{logstore}', {
      ...options,
      params: { path: { logstore }, header: { ...header, ...added } satisfies SignedHeader },
      body,
      headers: { 'Content-Type': contentType, Authorization },
    })
  }

  // The first request is signed and sent synchronously; a refusal that new credentials or a
  // corrected clock may mend is sent once more.
  const send = async (init: TrackInit, first: SignCredentials): Promise<Answer> => {
    let credentials = first
    let answer = await signed(init, credentials)
    let refreshed = false
    let corrected = false
    for (;;) {
      const { response, error } = answer
      const code = (error as { errorCode?: unknown } | undefined)?.errorCode
      const now = serviceTime(response, error)
      if (!refreshed && response.status === 401 && code === 'Unauthorized' && source.invalidate(credentials)) {
        refreshed = true
        credentials = await source.get()
      } else if (!corrected && now !== undefined) {
        corrected = true
        time.learn(now)
      } else {
        return answer
      }
      answer = await signed(init, credentials)
    }
  }

  http.POST = ((path: string, init: TrackInit) => {
    if (path !== TRACK_PATH) return original(path, init)
    const credentials = source.get()
    return credentials instanceof Promise ? credentials.then((got) => send(init, got)) : send(init, credentials)
  }) as TrackClient['POST']
}
