// Public types of the emulator: its options, what it records, and the faults it can inject.
import type { AuthErrorCode, ErrorCode } from '../../generated/spec.js'
import type { EmulatorCredentials } from './verify-signature.js'

export type { EmulatorCredentials }

/** Options of `startEmulator`. Every field is optional. */
export interface EmulatorOptions {
  /** TCP port to listen on. Default `0`: a free port chosen by the system. */
  port?: number
  /** Address to listen on. Default `'127.0.0.1'`. */
  host?: string
  /**
   * Path of a file to which every accepted log is appended as one NDJSON line (an
   * {@link EmulatorLogRecord}). It is opened when the emulator starts: `startEmulator` rejects,
   * naming the path and the cause (`ENOENT`, `EACCES`…), when it cannot be written. A missing
   * file is created with mode `0o600` (its owner only: logs may hold personal data); an
   * existing one keeps its mode and is never truncated.
   */
  store?: string
  /**
   * Projects that exist. A request for any other project is answered 404 `ProjectNotExist`.
   * Default: every well-formed project name exists.
   */
  projects?: readonly string[]
  /**
   * Logstores that exist (in every project). A request for any other Logstore is answered
   * 404 `LogStoreNotExist`. Default: every well-formed Logstore name exists.
   */
  logstores?: readonly string[]
  /**
   * Largest raw (uncompressed) body in bytes; larger is 400 `PostBodyTooLarge`. Default
   * 3 MB (`3 * 1024 * 1024`), the service's current documented limit.
   */
  maxBytes?: number
  /** Most logs in one request; more is 400 `PostBodyTooLarge`. Default 4096. */
  maxLogs?: number
  /**
   * How many log records, and how many request records, `logs()` and `requests()` keep: the
   * newest ones, the oldest evicted first. `stats()` still counts everything. `0` keeps none.
   * Default `Infinity`: a test reads every record of an emulator that lives for one test;
   * a long-running emulator should set a bound (`sls-webtrack serve` keeps 1000).
   */
  maxRecords?: number
  /**
   * Most connections open at once; a connection over the cap is closed as soon as it is
   * accepted, unread, and counted in `stats().refusedConnections`. Default `Infinity`.
   */
  maxConnections?: number
  /**
   * Called once per accepted log, after it was stored and before the answer is sent. If it
   * throws, the request is answered 500 `InternalServerError` (the logs stay stored).
   */
  onLog?: (record: EmulatorLogRecord) => void
  /**
   * Called once per request when it is recorded (see {@link Emulator.requests}): accepted,
   * refused with an error answer, or never answered. An error it throws is emitted as a
   * process warning; the request is not affected.
   */
  onRequest?: (record: EmulatorRequestRecord) => void
  /** Called when a connection is refused because `maxConnections` are open. */
  onConnectionRefused?: () => void
  /**
   * Keys that signed writes (`POST /logstores/{logstore}`) may be signed with: AccessKey
   * pairs, and STS temporary credentials (with `securityToken`, and `expiration` if they
   * expire). A signed write is checked as documented: `x-log-signaturemethod`, `x-log-date`
   * within 15 minutes of the emulator's clock (`400 RequestTimeExpired`), the AccessKey ID
   * (`401 InvalidAccessKeyId`), the token and its expiry (`401 Unauthorized`), `Content-MD5`
   * of the body as sent and the signature (`401 SignatureNotMatch`). Default: none, so every
   * signed write is refused.
   */
  credentials?: readonly EmulatorCredentials[]
  /**
   * Logstores with web tracking switched off: anonymous writes to them (`/track`, in any
   * form) are answered `401 Unauthorized`; only signed writes are accepted. Default: none.
   */
  secured?: readonly string[]
  /**
   * The emulator's clock, in ms since the epoch, for the time check of signed writes and the
   * `Date` header of its answers; a test sets it apart from the client's to model a device
   * with a wrong clock. Default `Date.now`.
   */
  now?: () => number
}

/** Totals since the emulator started or `clear()` was last called, evicted records included. */
export interface EmulatorStats {
  /** Logs accepted (stored). */
  logs: number
  /** Requests recorded (CORS preflights are not). */
  requests: number
  /** Requests answered with an error status (400 and above). */
  rejected: number
  /** Connections closed unread because `maxConnections` were open. */
  refusedConnections: number
}

/** One accepted log, as the emulator stored it. */
export interface EmulatorLogRecord {
  /** Project, from the first label of the (forwarded) host. */
  project: string
  /** Logstore, from the path. */
  logstore: string
  /** `__topic__` of the request; `undefined` when the request had none. */
  topic: string | undefined
  /** `__source__` of the request; `undefined` when the request had none. */
  source: string | undefined
  /** `__tags__` of the request; `{}` when the request had none. */
  tags: Record<string, string>
  /**
   * The log's fields. `__time__` is always present: the time of receipt in whole seconds
   * since the epoch, as a decimal string; a value sent by the client is overwritten.
   */
  log: Record<string, string>
  /** `x-log-requestid` of the request that carried the log. */
  requestId: string
  /** Time of receipt, in milliseconds since the epoch. */
  receivedAt: number
}

/**
 * How a request was sent: `headers` (POST with `x-log-*` headers, possibly compressed),
 * `headerless` (POST with `?APIVersion=0.6.0` and a plain JSON body), `get` (one log as
 * query parameters), `signed` (POST to `/logstores/{logstore}`, signed), or `other` (any
 * other method).
 */
export type RequestForm = 'headers' | 'headerless' | 'get' | 'signed' | 'other'

/**
 * A fault that was applied to a request by {@link Injection}. `'stall'` marks a request that
 * a stall held and that was never processed: its client went away, or the emulator closed,
 * before the stall was released (a request that a stall held and then released is processed
 * normally and carries no `'stall'`).
 */
export type FaultKind = 'fail' | 'drop' | 'ackLoss' | 'stall'

/** One request the emulator received (CORS preflights are not recorded). */
export interface EmulatorRequestRecord {
  /** HTTP method. */
  method: string
  /** Path and query as received. */
  path: string
  /** Project from the host; `undefined` when the host has no project label. */
  project: string | undefined
  /** Logstore from the path; `undefined` when the path is neither `/logstores/{logstore}/track` nor `/logstores/{logstore}`. */
  logstore: string | undefined
  /**
   * HTTP status the emulator decided on (200 means the logs were stored). `0` when no
   * decision was made: the request was dropped by an injected `drop`, the client went away
   * (while a stall held the request: with `fault: 'stall'`, and nothing of it was stored),
   * or the emulator closed while the request was held by a stall (`fault: 'stall'`). With
   * `fault: 'ackLoss'`, or when the emulator closed during an injected delay, the status was
   * decided but never sent.
   */
  status: number
  /** Error code of an error answer (an authentication code for a refused signed write). */
  errorCode?: ErrorCode | AuthErrorCode
  /** Error message of an error answer. */
  errorMessage?: string
  /** `x-log-requestid` of the answer (also set when the answer was withheld). */
  requestId: string
  /**
   * Length of the JSON document in bytes after decompression; `0` when the request was
   * refused before that point. For the GET form, the length of the query string.
   */
  rawBytes: number
  /** Length of the body on the wire in bytes. For the GET form, the length of the query string. */
  wireBytes: number
  /** `x-log-compresstype` as sent, or `'none'` when absent. */
  compressType: string
  /** Number of logs in the request; `0` when the request was refused before they were counted. */
  logs: number
  /** How the request was sent. */
  form: RequestForm
  /** The injected fault applied to this request, if any. */
  fault?: FaultKind
  /** Injected delay applied to the answer, in milliseconds, if any. */
  delayedMs?: number
  /** Time of receipt, in milliseconds since the epoch. */
  receivedAt: number
}

/** Answer the next `fail` requests with an error instead of processing them. */
export interface FailInjection {
  /** How many requests to fail. */
  fail: number
  /** HTTP status, 400–599. Default: the documented status of `errorCode`. */
  status?: number
  /** Error code of the body (the signed write's authentication codes too). Default `'InternalServerError'`. */
  errorCode?: ErrorCode | AuthErrorCode
  /**
   * Error message of the body. Default: the documented message of `errorCode` (for status
   * 499, "The post data time is out of range.").
   */
  errorMessage?: string
  /** Extra headers on the error answer, e.g. `{ 'retry-after': '1' }`. */
  headers?: Record<string, string>
}

/** Destroy the socket of the next `drop` requests without any answer; nothing is stored. */
export interface DropInjection {
  /** How many requests to drop. */
  drop: number
}

/**
 * Process and store the next `ackLoss` requests normally, then destroy the socket instead
 * of answering: a lost acknowledgement.
 */
export interface AckLossInjection {
  /** How many requests lose their acknowledgement. */
  ackLoss: number
}

/** Delay answers (and drops) by `delayMs`. `delayMs: 0` cancels a delay. */
export interface DelayInjection {
  /** Delay in milliseconds. */
  delayMs: number
  /** How many requests to delay. Default: every request until cancelled or `clear()`. */
  count?: number
}

/**
 * `stall: true` holds every request unanswered (body unread) until `stall: false`, which
 * releases the held requests in arrival order. `close()` also releases them (by closing
 * their connections).
 *
 * A held request is one the server has not got to yet: when its client goes away (aborts,
 * or a browser cancels it as the page unloads) before the stall is released, the request
 * leaves the hold at once and is never processed. Its logs are not stored, even though its
 * body may already have reached the emulator; it is recorded at that moment with
 * `status: 0` and `fault: 'stall'`, and no longer counts in `pending()`. The same record
 * marks the requests still held when the emulator closes.
 */
export interface StallInjection {
  /** Whether to hold requests. */
  stall: boolean
}

/**
 * A fault to inject. `fail`, `drop` and `ackLoss` are queued in the order injected and each
 * is consumed by the next requests, one per request; a delay applies on top of them. CORS
 * preflights consume nothing.
 */
export type Injection = FailInjection | DropInjection | AckLossInjection | DelayInjection | StallInjection

/** A running emulator, returned by `startEmulator`. */
export interface Emulator extends AsyncDisposable {
  /**
   * Base URL for clients: `http://localhost:{port}`. A client puts the project in front of
   * the host (`http://my-project.localhost:{port}`); browsers resolve `*.localhost` to
   * loopback, Node clients use {@link Emulator.fetch}.
   */
  readonly endpoint: string
  /** Port the emulator listens on. */
  readonly port: number
  /**
   * A WHATWG `fetch` for Node clients, which cannot resolve `{project}.localhost` nor set
   * `Host`: it sends any request to this emulator, keeping method, path, query, headers, body
   * and signal, with the original host in `X-Forwarded-Host`.
   */
  readonly fetch: typeof globalThis.fetch
  /** Accepted logs, oldest first (a copy); the newest `maxRecords` of them. */
  logs(): EmulatorLogRecord[]
  /**
   * Every request received except CORS preflights, in the order answered (a copy); the newest
   * `maxRecords` of them.
   */
  requests(): EmulatorRequestRecord[]
  /** Counts of logs, requests, refusals and refused connections, evicted records included. */
  stats(): EmulatorStats
  /**
   * Number of requests received and not yet answered (held by a stall, delayed or in
   * progress). A request whose client went away while a stall held it is no longer counted.
   */
  pending(): number
  /**
   * Forgets recorded logs and requests, resets `stats()`, and forgets every injection not yet
   * consumed. A stall stays in force; release it with `inject({ stall: false })`.
   */
  clear(): void
  /** Injects a fault; see {@link Injection}. Throws a `ValidationError` on a malformed injection. */
  inject(injection: Injection): void
  /**
   * Stops listening, destroys every connection (keep-alive, held or in progress) and waits
   * for pending writes to the store file. Safe to call more than once.
   */
  close(): Promise<void>
}
