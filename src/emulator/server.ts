// The emulator's HTTP server: one instance per call, no module state. Each request goes
// through: CORS/request id → preflight? → stall gate → injected fault → route → form checks →
// body → decompression → document checks → store → (delay) → answer. A request whose client
// goes away while a stall holds it stops at the gate, recorded with `fault: 'stall'`. What it
// keeps in memory is bounded by `maxRecords` (ring.ts); counts cover everything.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { MAX_LOGS_PER_REQUEST } from '../../generated/spec.js'
import { checkOption } from '../check-option.js'
import { reason } from '../errors.js'
import { answerPreflight, setCorsHeaders } from './cors.js'
import { decompressBody } from './decompress.js'
import { FaultPlan } from './faults.js'
import { createForwardFetch } from './forward-fetch.js'
import { ClientGone, readBody } from './read-body.js'
import { internalError, reject, Rejection } from './rejection.js'
import { requestIdGenerator } from './request-id.js'
import { Ring } from './ring.js'
import { sendAnswer, type Answer } from './respond.js'
import { checkRoute, parseRoute, type Catalog, type RequestRoute } from './route-request.js'
import { StoreFile } from './store-file.js'
import type { Emulator, EmulatorLogRecord, EmulatorOptions, EmulatorRequestRecord, EmulatorStats, Injection } from './types.js'
import { parseTrackBody, checkTrackBody, type TrackBody } from './validate-body.js'
import { checkHeaderForm, checkHeaderlessForm, detectForm, trackBodyFromQuery } from './validate-request.js'
import { checkSignature, checkSignedHeaders, type EmulatorCredentials, type SignedRequest } from './verify-signature.js'

/** The documented raw body limit: 3 MB. */
export const DEFAULT_MAX_BYTES = 3 * 1024 * 1024

/**
 * The options, checked before a file or a socket is opened, by the client's checker: a bad one
 * is a `ValidationError` naming the option, its range and the value given. The bounds of what
 * is kept may be `Infinity` (the default: no bound).
 */
function checkOptions(options: EmulatorOptions) {
  return {
    maxBytes: checkOption('maxBytes', options.maxBytes, DEFAULT_MAX_BYTES, 1, Number.MAX_SAFE_INTEGER),
    maxLogs: checkOption('maxLogs', options.maxLogs, MAX_LOGS_PER_REQUEST, 1, Number.MAX_SAFE_INTEGER),
    maxRecords: checkOption('maxRecords', options.maxRecords, Infinity, 0, Infinity),
    maxConnections: checkOption('maxConnections', options.maxConnections, Infinity, 1, Infinity),
  }
}

const noStats = (): EmulatorStats => ({ logs: 0, requests: 0, rejected: 0, refusedConnections: 0 })

/** Compressed bodies may be slightly larger than raw ones (LZ4 and zlib worst cases are under 1/128 + 1 KiB). */
function wireLimit(maxBytes: number): number {
  return maxBytes + Math.ceil(maxBytes / 128) + 1024
}

/**
 * What becomes of a request: its answer (none for a dropped request), the delay before it, and
 * whether it is lost on the way (`ackLoss`: the request was processed, then the connection is cut).
 */
interface Outcome {
  answer: Answer | undefined
  delayMs: number
  ackLoss: boolean
}

function answerOf(rejection: Rejection): Answer {
  return { status: rejection.status, body: rejection.body }
}

function delay(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0 || signal.aborted) return Promise.resolve()
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer)
      signal.removeEventListener('abort', done)
      resolve()
    }
    const timer = setTimeout(done, ms)
    signal.addEventListener('abort', done)
  })
}

/** A running emulator; see {@link Emulator}. Created by {@link EmulatorServer.start}. */
export class EmulatorServer implements Emulator {
  readonly endpoint: string
  readonly port: number
  readonly fetch: typeof globalThis.fetch

  readonly #server: Server
  readonly #maxBytes: number
  readonly #maxLogs: number
  readonly #catalog: Catalog
  readonly #keys: ReadonlyMap<string, EmulatorCredentials>
  readonly #secured: ReadonlySet<string>
  readonly #now: () => number
  readonly #onLog: ((record: EmulatorLogRecord) => void) | undefined
  readonly #onRequest: ((record: EmulatorRequestRecord) => void) | undefined
  readonly #store: StoreFile | undefined
  readonly #faults = new FaultPlan()
  readonly #nextId = requestIdGenerator()
  readonly #closing = new AbortController()
  readonly #logs: Ring<EmulatorLogRecord>
  readonly #requests: Ring<EmulatorRequestRecord>
  #stats = noStats()
  #pending = 0
  #closed: Promise<void> | undefined

  private constructor(server: Server, options: EmulatorOptions, store: StoreFile | undefined, listenHost: string) {
    const checked = checkOptions(options)
    this.#server = server
    this.#maxBytes = checked.maxBytes
    this.#maxLogs = checked.maxLogs
    this.#logs = new Ring(checked.maxRecords)
    this.#requests = new Ring(checked.maxRecords)
    this.#catalog = {
      projects: options.projects ? new Set(options.projects) : undefined,
      logstores: options.logstores ? new Set(options.logstores) : undefined,
    }
    this.#keys = new Map((options.credentials ?? []).map((key) => [key.accessKeyId, { ...key }]))
    this.#secured = new Set(options.secured)
    this.#now = options.now ?? Date.now
    this.#onLog = options.onLog
    this.#onRequest = options.onRequest
    this.#store = store
    this.port = (server.address() as AddressInfo).port
    this.endpoint = `http://localhost:${this.port}`
    this.fetch = createForwardFetch(`http://${listenHost}:${this.port}`)
  }

  /** Starts an emulator and resolves once it listens. */
  static async start(options: EmulatorOptions = {}): Promise<EmulatorServer> {
    // Options first, then the store file, then the socket: each failure before the next step.
    const { maxConnections } = checkOptions(options)
    const store = options.store === undefined ? undefined : await StoreFile.open(options.store)
    const host = options.host ?? '127.0.0.1'
    const server = createServer()
    // Node closes a connection over the cap at once, unread, and emits 'drop'.
    if (maxConnections !== Infinity) server.maxConnections = maxConnections
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject)
        server.listen(options.port ?? 0, host, () => {
          server.off('error', reject)
          resolve()
        })
      })
    } catch (error) {
      await store?.close()
      throw error
    }
    const emulator = new EmulatorServer(server, options, store, connectHost(host))
    server.on('request', (req: IncomingMessage, res: ServerResponse) => void emulator.#handle(req, res))
    server.on('drop', () => {
      emulator.#stats.refusedConnections++
      options.onConnectionRefused?.()
    })
    return emulator
  }

  logs(): EmulatorLogRecord[] {
    return this.#logs.toArray()
  }

  requests(): EmulatorRequestRecord[] {
    return this.#requests.toArray()
  }

  stats(): EmulatorStats {
    return { ...this.#stats }
  }

  pending(): number {
    return this.#pending
  }

  clear(): void {
    this.#logs.clear()
    this.#requests.clear()
    this.#stats = noStats()
    this.#faults.reset()
  }

  inject(injection: Injection): void {
    this.#faults.add(injection)
  }

  close(): Promise<void> {
    this.#closed ??= (async () => {
      this.#closing.abort()
      const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()))
      this.#server.closeAllConnections()
      this.#faults.releaseAll()
      await closed
      await this.#store?.close()
    })()
    return this.#closed
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close()
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // Errors of a socket the client or close() destroyed are expected; never let them crash.
    req.on('error', () => {})
    res.on('error', () => {})
    const requestId = this.#nextId()
    res.setHeader('x-log-requestid', requestId)
    // The emulator's clock, which a test may set apart from the client's.
    res.setHeader('date', new Date(this.#now()).toUTCString())
    setCorsHeaders(res)
    if (req.method === 'OPTIONS') {
      answerPreflight(res)
      return
    }
    this.#pending++
    const receivedAt = Date.now()
    let record: EmulatorRequestRecord | undefined
    // Recorded before the answer leaves, so that a client that got it also sees the record.
    const recordOnce = () => {
      if (record) this.#record(record)
      record = undefined
    }
    try {
      const route = parseRoute(req.url, req.headers)
      record = requestRecord(req, route, requestId, receivedAt)
      if (!(await this.#passGate(req, record))) return
      const { answer, delayMs, ackLoss } = await this.#answer(req, route, record)
      await delay(delayMs, this.#closing.signal)
      recordOnce()
      if (!answer || ackLoss || this.#closing.signal.aborted) {
        req.socket.destroy()
        return
      }
      await sendAnswer(req, res, answer)
    } catch (error) {
      // Only a client that went away, or a bug in the lines above, gets here.
      if (!(error instanceof ClientGone) && !res.headersSent && !res.destroyed) {
        const answer = answerOf(internalError(error))
        if (record) noteAnswer(record, answer)
        recordOnce()
        await sendAnswer(req, res, answer).catch(() => req.socket.destroy())
      }
    } finally {
      recordOnce()
      this.#pending--
    }
  }

  /**
   * The stall gate. A request held by a stall is unread, as at a server that has not got to it
   * yet: if its client goes away meanwhile, it leaves the hold at once and is never processed
   * (its body, already buffered here, is not stored). So does every held request when the
   * emulator closes. Resolves false for a request that stops here.
   */
  async #passGate(req: IncomingMessage, record: EmulatorRequestRecord): Promise<boolean> {
    // The request's own 'close', not the response's: a request pipelined behind another has no
    // response attached to the socket yet, but Node destroys it too when the connection goes.
    // A held request's body is unread, so its 'close' can only mean the client left.
    const gone = new AbortController()
    const onGone = () => gone.abort()
    req.once('close', onGone)
    const passed = await this.#faults.gate(gone.signal)
    req.off('close', onGone)
    if (passed === 'gone' || this.#closing.signal.aborted) {
      if (passed !== 'open') record.fault = 'stall'
      return false
    }
    return true
  }

  /** The fault plan's turn, then the answer: an injected failure's, none for a drop, otherwise the request's own. */
  async #answer(req: IncomingMessage, route: RequestRoute, record: EmulatorRequestRecord): Promise<Outcome> {
    const { fault, delayMs } = this.#faults.take()
    if (fault) record.fault = fault.kind
    if (delayMs > 0) record.delayedMs = delayMs
    let answer: Answer | undefined
    if (fault?.kind === 'fail') {
      answer = { status: fault.status, body: fault.body, headers: fault.headers }
    } else if (fault?.kind !== 'drop') {
      answer = await this.#process(req, route, record)
    }
    if (answer) noteAnswer(record, answer)
    return { answer, delayMs, ackLoss: fault?.kind === 'ackLoss' }
  }

  /** Checks, decodes and stores one request; every refusal becomes an error answer. */
  async #process(req: IncomingMessage, route: RequestRoute, record: EmulatorRequestRecord): Promise<Answer> {
    try {
      const { project, logstore } = checkRoute(route, this.#catalog)
      if (!route.signed && this.#secured.has(logstore)) {
        throw new Rejection(
          'Unauthorized',
          `Web tracking is switched off for logstore ${logstore}: anonymous writes are refused; sign the request.`,
          401,
        )
      }
      const body = await this.#receive(req, route, record)
      record.logs = body.__logs__.length
      await this.#accept(project, logstore, body, record)
      return { status: 200 }
    } catch (error) {
      if (error instanceof ClientGone) throw error
      return answerOf(error instanceof Rejection ? error : internalError(error))
    }
  }

  /** Reads the logs of a request in whichever form it was sent. */
  async #receive(req: IncomingMessage, route: RequestRoute, record: EmulatorRequestRecord): Promise<TrackBody> {
    switch (record.form) {
      case 'get': {
        record.rawBytes = record.wireBytes = Buffer.byteLength(route.query.toString())
        return checkTrackBody(trackBodyFromQuery(route.query), this.#maxLogs)
      }
      case 'headerless': {
        checkHeaderlessForm(req.headers, route.query)
        const read = await readBody(req, this.#maxBytes)
        record.wireBytes = read.wireBytes
        if (read.overLimit) reject('PostBodyTooLarge', `The body is over the limit of ${this.#maxBytes} bytes.`)
        record.rawBytes = read.bytes.length
        return parseTrackBody(read.bytes, this.#maxLogs)
      }
      case 'headers':
        return this.#receiveHeaderForm(req, route, record)
      case 'signed': {
        // The signature's headers before anything is read; the body's MD5 and the signature after.
        const signed = checkSignedHeaders(req.headers, this.#keys, this.#now())
        return this.#receiveHeaderForm(req, route, record, signed)
      }
      default:
        return reject('PostBodyInvalid', `Method ${record.method} is not allowed; use POST or GET (OPTIONS for CORS preflights).`, 405)
    }
  }

  /** Reads the body of the headers form (or of a signed write, checking its signature first). */
  async #receiveHeaderForm(
    req: IncomingMessage,
    route: RequestRoute,
    record: EmulatorRequestRecord,
    signed?: SignedRequest,
  ): Promise<TrackBody> {
    const { rawSize, compressType } = checkHeaderForm(req.headers, route.query, this.#maxBytes)
    const read = await readBody(req, wireLimit(this.#maxBytes))
    record.wireBytes = read.wireBytes
    if (read.overLimit) reject('PostBodyTooLarge', `The body on the wire is over the limit of ${wireLimit(this.#maxBytes)} bytes.`)
    if (signed) checkSignature(signed, read.bytes, { method: 'POST', path: route.pathname, query: route.query, headers: req.headers })
    if (compressType === undefined && read.bytes.length !== rawSize) {
      reject('PostBodyInvalid', `x-log-bodyrawsize is ${rawSize} but the uncompressed body has ${read.bytes.length} bytes.`)
    }
    const raw = compressType === undefined ? read.bytes : decompressBody(read.bytes, compressType, rawSize)
    record.rawBytes = raw.length
    return parseTrackBody(raw, this.#maxLogs)
  }

  /** Stores the logs of an accepted request: file first, then memory, then `onLog`. */
  async #accept(project: string, logstore: string, body: TrackBody, record: EmulatorRequestRecord): Promise<void> {
    const time = String(Math.floor(record.receivedAt / 1000))
    const records: EmulatorLogRecord[] = body.__logs__.map((log) => ({
      project,
      logstore,
      topic: body.__topic__,
      source: body.__source__,
      tags: { ...body.__tags__ },
      log: { ...log, __time__: time },
      requestId: record.requestId,
      receivedAt: record.receivedAt,
    }))
    await this.#store?.append(records)
    this.#stats.logs += records.length
    for (const stored of records) this.#logs.push(stored)
    for (const stored of records) this.#onLog?.(stored)
  }

  /** Keeps a request's record (within `maxRecords`), counts it and tells `onRequest`. */
  #record(record: EmulatorRequestRecord): void {
    this.#requests.push(record)
    this.#stats.requests++
    if (record.status >= 400) this.#stats.rejected++
    try {
      this.#onRequest?.(record)
    } catch (error) {
      process.emitWarning(`sls-webtrack emulator: onRequest threw: ${reason(error)}`)
    }
  }
}

/** The record of a request as it arrives; its status and outcome are filled in on the way. */
function requestRecord(req: IncomingMessage, route: RequestRoute, requestId: string, receivedAt: number): EmulatorRequestRecord {
  const compress = req.headers['x-log-compresstype']
  return {
    method: req.method ?? '',
    path: req.url ?? '',
    project: route.project,
    logstore: route.logstore,
    status: 0,
    requestId,
    rawBytes: 0,
    wireBytes: 0,
    compressType: compress === undefined ? 'none' : String(compress),
    logs: 0,
    form: route.signed ? (req.method === 'POST' ? 'signed' : 'other') : detectForm(req.method, req.headers, route.query),
    receivedAt,
  }
}

/** Copies the status and error of an answer into its request record. */
function noteAnswer(record: EmulatorRequestRecord, answer: Answer): void {
  record.status = answer.status
  if ('body' in answer) {
    record.errorCode = answer.body.errorCode
    record.errorMessage = answer.body.errorMessage
  }
}

/** The address to connect to for a listen address (wildcards mean loopback). */
function connectHost(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1'
  if (host === '::') return '[::1]'
  return host.includes(':') ? `[${host}]` : host
}
