// `sls-webtrack send`: NDJSON in, batches out through the public client. A bad line (not JSON,
// not UTF-8, longer than a request may be, or refused by the client) is reported with its
// number and skipped; the rest still go. When the service cannot be reached for several
// batches in a row, it stops and says which lines were not sent. The exit code says whether
// anything was skipped or not sent. With credentials, every request is a signed write.
import { createReadStream } from 'node:fs'
import {
  createClient,
  fitsInRequest,
  isWebTrackError,
  prepare,
  sendBatch,
  target as resolveTarget,
  type Client,
  type CompressionName,
  type Limits,
  type LogInput,
  type PreparedLog,
  type Target,
} from '../index.js'
import { createClient as createSignedClient, type SignCredentials } from '../sign/index.js'
import { bytes, plural, visible } from './format.js'
import { inputLines, type InputLine } from './lines.js'
import { localhostFetch } from './localhost-fetch.js'

export interface SendCommandOptions {
  project: string
  endpoint: string
  logstore: string
  topic?: string | undefined
  source?: string | undefined
  tags: Record<string, string>
  compression: CompressionName
  file: string
  /** When set, every request is signed with them (from the environment: credentials.ts). */
  credentials?: SignCredentials | undefined
}

/** Batches in a row that fail to reach the service (after the client's retries) before `send` gives up. */
export const STOP_AFTER_UNREACHABLE = 3

interface Totals {
  sent: number
  failed: number
  bad: number
  requests: number
  rawBytes: number
  wireBytes: number
}

/** A batch that could not reach the service: no answer, or none in time. */
const unreachable = (e: unknown) => isWebTrackError(e) && (e.name === 'NetworkError' || e.name === 'TimeoutError')

/**
 * The lines that were not sent, as spans of line numbers. A failed batch spans from its first
 * log's line to its last; consecutive failed batches make one span (lines skipped in between
 * were reported on their own), and an open end (`Infinity`) stands for the lines never read.
 */
class Unsent {
  readonly spans: [number, number][] = []
  #open = false

  add(first: number, last: number): void {
    const prev = this.spans[this.spans.length - 1]
    if (this.#open && prev) prev[1] = last
    else this.spans.push([first, last])
    this.#open = true
  }

  /** A batch went through: the next failure starts a new span. */
  close(): void {
    this.#open = false
  }

  /** `lines 1–5000, 5003 and 9001–end` */
  toString(): string {
    const parts = this.spans.map(([a, b]) => (a === b ? `${a}` : `${a}–${b === Infinity ? 'end' : b}`))
    const list = parts.length > 1 ? `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]!}` : parts[0]!
    return `${parts.length === 1 && !parts[0]!.includes('–') ? 'line' : 'lines'} ${list}`
  }
}

function lineProblem(line: Exclude<InputLine, { text: string }>, maxBytes: number): string {
  return line.skipped === 'too long'
    ? `${bytes(line.bytes)}, longer than a request may be (${bytes(maxBytes)}); skipped`
    : 'not valid UTF-8; skipped'
}

/**
 * A line checked and serialised once (`prepare`), ready to go as it is; or, when it cannot go,
 * why, in words. Its exact size must leave it room in a request by the packing rule.
 */
function prepareLine(text: string, number: number, envelopeBytes: number, limits: Limits): PreparedLog | string {
  let prepared: PreparedLog
  try {
    prepared = prepare(JSON.parse(text) as LogInput, number)
  } catch (e) {
    if (isWebTrackError(e)) return e.message.replace(/^logs\[\d+\]/, 'log')
    if (e instanceof SyntaxError) return `invalid JSON (${e.message})`
    return e instanceof Error ? e.message : String(e)
  }
  if (!fitsInRequest(0, 0, prepared.bytes, envelopeBytes, limits)) {
    return `log: ${prepared.bytes} bytes cannot fit in one request (room for ${limits.maxBytes - envelopeBytes})`
  }
  return prepared
}

/**
 * One run of `send`: the batch being filled, the totals, the lines not sent, and what is said on
 * stderr (on a terminal, a progress line that each message starts below).
 */
class SendRun {
  readonly #client: Client
  readonly #target: Target
  readonly #err: NodeJS.WritableStream
  readonly #tty: boolean
  readonly #started = Date.now()
  readonly #totals: Totals = { sent: 0, failed: 0, bad: 0, requests: 0, rawBytes: 0, wireBytes: 0 }
  readonly #unsent = new Unsent()
  #unreachableInARow = 0
  #batch: PreparedLog[] = []
  #batchBytes = 0
  #batchLines: [number, number] = [0, 0]

  constructor(client: Client, err: NodeJS.WritableStream) {
    this.#client = client
    this.#target = resolveTarget(client)
    this.#err = err
    // Any writable stream may stand in for stderr; only a terminal's has `isTTY`.
    this.#tty = (err as { isTTY?: unknown }).isTTY === true
  }

  get envelopeBytes(): number {
    return this.#target.envelope.bytes
  }

  /** A line that cannot go: counted, reported, skipped. */
  bad(number: number, problem: string): void {
    this.#totals.bad++
    this.#say(`line ${number}: ${visible(problem)}`)
  }

  /**
   * Adds a log to the batch; a batch it would overflow (by the packing rule) is sent first.
   * Resolves false, adding nothing, when the service has been out of reach for too many batches
   * in a row to go on.
   */
  async add(log: PreparedLog, number: number): Promise<boolean> {
    if (!fitsInRequest(this.#batch.length, this.#batchBytes, log.bytes, this.envelopeBytes, this.#client.limits)) {
      await this.#flush()
      if (this.#unreachableInARow >= STOP_AFTER_UNREACHABLE) return false
    }
    if (this.#batch.length === 0) this.#batchLines = [number, number]
    this.#batch.push(log)
    this.#batchBytes += log.bytes
    this.#batchLines[1] = number
    return true
  }

  /**
   * Sends what is left (unless the run stopped at line `stoppedAt`: then the rest of the input
   * counts as not sent), prints the summary and resolves with the exit code.
   */
  async finish(stoppedAt: number | undefined): Promise<number> {
    if (stoppedAt === undefined) await this.#flush()
    else this.#unsent.add(stoppedAt, Infinity)
    const t = this.#totals
    const secs = Math.max((Date.now() - this.#started) / 1000, 0.001)
    if (this.#tty) this.#err.write('\n')
    if (stoppedAt !== undefined) {
      this.#err.write(
        `stopped: ${STOP_AFTER_UNREACHABLE} batches in a row could not reach the service; the rest of the input was not read\n`,
      )
    }
    this.#err.write(
      `${plural(t.sent, 'log')} sent in ${plural(t.requests, 'request')} (${secs.toFixed(2)} s, ${Math.round(t.sent / secs)} logs/s), ` +
        `${bytes(t.rawBytes)} raw, ${bytes(t.wireBytes)} on the wire; ${plural(t.bad, 'bad line')}, ${t.failed} failed\n`,
    )
    if (this.#unsent.spans.length > 0) this.#err.write(`${this.#unsent.toString()} not sent\n`)
    return t.bad > 0 || t.failed > 0 || stoppedAt !== undefined ? 1 : 0
  }

  /** Sends the batch as it is (`sendBatch`: the prepared logs are never serialised again). */
  async #flush(): Promise<void> {
    if (this.#batch.length === 0) return
    const logs = this.#batch
    const [first, last] = this.#batchLines
    const t = this.#totals
    this.#batch = []
    this.#batchBytes = 0
    try {
      const r = await sendBatch(this.#client, logs, this.#target)
      t.sent += logs.length
      t.requests++
      t.rawBytes += r.rawBytes
      t.wireBytes += r.wireBytes
      this.#unsent.close()
      this.#unreachableInARow = 0
    } catch (e) {
      t.failed += logs.length
      this.#unsent.add(first, last)
      this.#unreachableInARow = unreachable(e) ? this.#unreachableInARow + 1 : 0
      const lines = first === last ? `line ${first}` : `lines ${first}–${last}`
      this.#say(`error: ${plural(logs.length, 'log')} not sent (${lines}): ${visible(isWebTrackError(e) ? e.message : String(e))}`)
    }
    this.#progress()
  }

  #say(text: string): void {
    this.#err.write(`${this.#tty ? '\n' : ''}${text}\n`)
  }

  #progress(): void {
    if (!this.#tty) return
    const t = this.#totals
    const secs = Math.max((Date.now() - this.#started) / 1000, 0.001)
    this.#err.write(
      `\r${plural(t.sent, 'log')} sent, ${Math.round(t.sent / secs)} logs/s, ${bytes(t.rawBytes)} raw, ${bytes(t.wireBytes)} on the wire   `,
    )
  }
}

/** Sends the NDJSON file (or stdin for `-`). Resolves with the exit code. */
export async function sendCommand(
  opts: SendCommandOptions,
  stdin: NodeJS.ReadableStream = process.stdin,
  err: NodeJS.WritableStream = process.stderr,
): Promise<number> {
  const options = {
    project: opts.project,
    endpoint: opts.endpoint,
    logstore: opts.logstore,
    topic: opts.topic,
    source: opts.source,
    tags: opts.tags,
    compression: opts.compression,
    fetch: localhostFetch(opts.endpoint),
  }
  const client = opts.credentials ? createSignedClient({ ...options, credentials: opts.credentials }) : createClient(options)
  const input = (opts.file === '-' ? stdin : createReadStream(opts.file)) as AsyncIterable<Uint8Array | string>
  const run = new SendRun(client, err)
  const limits = client.limits
  let stoppedAt: number | undefined
  for await (const line of inputLines(input, limits.maxBytes)) {
    if ('skipped' in line) {
      run.bad(line.number, lineProblem(line, limits.maxBytes))
      continue
    }
    if (line.text.trim() === '') continue
    const prepared = prepareLine(line.text, line.number, run.envelopeBytes, limits)
    if (typeof prepared === 'string') {
      run.bad(line.number, prepared)
    } else if (!(await run.add(prepared, line.number))) {
      stoppedAt = line.number
      break
    }
  }
  return run.finish(stoppedAt)
}
