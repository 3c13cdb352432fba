// `createClient` and `createTracker` of `sls-webtrack/sign`: the main entry's, with
// `credentials`. Each makes the main entry's client or tracker and signs the requests of its
// generated client (signed-post.ts): the client's is its `http`, the tracker's is reached
// through the store hook every tracker calls once at creation (`QueueStore.attach`). Nothing
// is added to the main entry's code, so anonymous users pay nothing for signing.
import {
  createClient as createAnonymousClient,
  createTracker as createAnonymousTracker,
  type Client,
  type ClientOptions as AnonymousClientOptions,
  type Connection,
  type QueueStore,
  type Tracker,
  type TrackerOptions as AnonymousTrackerOptions,
} from '../index.js'
import { credentialSource, type CredentialsOption } from './credentials.js'
import { signPosts } from './signed-post.js'
import { clock } from './skew.js'

/** The `credentials` of a signed client or tracker. */
export interface SignOptions {
  /**
   * Static credentials `{ accessKeyId, accessKeySecret, securityToken? }` (an AccessKey pair
   * belongs on a server only), or a provider of STS temporary credentials
   * `() => Promise<{ accessKeyId, accessKeySecret, securityToken, expiration }>`.
   */
  credentials: CredentialsOption
}

/** Options of the signed `createClient`: the main entry's, and `credentials`. */
export interface ClientOptions extends AnonymousClientOptions, SignOptions {}

/** Options of the signed `createTracker`: the main entry's, and `credentials`. */
export interface TrackerOptions extends AnonymousTrackerOptions, SignOptions {}

/**
 * Creates a client whose every request is signed: `POST /logstores/{logstore}` with the
 * service's request signature, so that the Logstore need not accept anonymous writes. Same
 * options, sends and errors as the main entry's `createClient`; besides, an answer
 * `401 Unauthorized` asks a provider for new credentials once and sends again, and a refusal
 * for the request's time (a wrong device clock) corrects the clock and sends again.
 *
 * @throws ValidationError for malformed static credentials, as for any other bad option.
 * @example
 * const client = createClient({
 *   project: 'my-project',
 *   endpoint: 'cn-hangzhou.log.aliyuncs.com',
 *   logstore: 'web',
 *   credentials: () => fetch('/api/sls-token').then((r) => r.json()),
 * })
 * await client.send({ event: 'click' })
 */
export function createClient(options: ClientOptions): Client {
  const { credentials, ...rest } = options
  const source = credentialSource(credentials)
  const client = createAnonymousClient(rest)
  signPosts(client.http, source, clock())
  return client
}

/**
 * Creates a batching tracker whose every request is signed; see the signed
 * {@link createClient} and the main entry's `createTracker`. While it holds valid
 * credentials, the unload path signs synchronously; a provider that has to be asked at
 * unload may be too late for the page.
 *
 * @throws ValidationError for malformed static credentials, as for any other bad option.
 */
export function createTracker(options: TrackerOptions): Tracker {
  const { credentials, ...rest } = options
  const source = credentialSource(credentials)
  const store: QueueStore = rest.store ?? { open: () => [], ack: () => {} }
  return createAnonymousTracker({
    ...rest,
    // The store's hook gets the tracker's state, whose connection holds the generated client:
    // its requests are signed before the store may queue anything.
    store: {
      open: (topic) => store.open(topic),
      ack: (topic, logs) => store.ack(topic, logs),
      attach(state) {
        signPosts((state as { conn: Connection }).conn.http, source, clock())
        store.attach?.(state)
      },
      ...(store.close && { close: () => store.close!() }),
    },
  })
}
