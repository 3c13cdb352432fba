// `sls-webtrack send`: NDJSON in, batches out through the public client. A bad line (not JSON,
// not UTF-8, longer than a request may be, or refused by the client) is reported with its
// number and skipped; the rest still go. When the service cannot be reached for several
// batches in a row, it stops and says which lines were not sent. The exit code says whether
// anything was skipped or not sent.
import { createReadStream } from 'node:fs'
import { createClient, fitsInRequest, isWebTrackError, prepare, sendBatch, target as resolveTarget, type CompressionName, type LogInput, type PreparedLog } from '../index.js'
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
    const list = parts.length > 1 ? `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}` : parts[0]
    return `${parts.length === 1 && !parts[0]!.includes('–') ? 'line' : 'lines'} ${list}`
  }
}

function lineProblem(line: Exclude<InputLine, { text: string }>, maxBytes: number): string {
  return line.skipped === 'too long' ? `${bytes(line.bytes)}, longer than a request may be (${bytes(maxBytes)}); skipped` : 'not valid UTF-8; skipped'
}

/** Sends the NDJSON file (or stdin for `-`). Resolves with the exit code. */
export async function sendCommand(opts: SendCommandOptions, stdin: NodeJS.ReadableStream = process.stdin, err: NodeJS.WritableStream = process.stderr): Promise<number> {
  const client = createClient({
    project: opts.project,
    endpoint: opts.endpoint,
    logstore: opts.logstore,
    topic: opts.topic,
    source: opts.source,
    tags: opts.tags,
    compression: opts.compression,
    fetch: localhostFetch(opts.endpoint),
  })
  const input = (opts.file === '-' ? stdin : createReadStream(opts.file)) as AsyncIterable<Uint8Array | string>
  const t: Totals = { sent: 0, failed: 0, bad: 0, requests: 0, rawBytes: 0, wireBytes: 0 }
  const unsent = new Unsent()
  let unreachableInARow = 0
  const started = Date.now()
  const tty = (err as NodeJS.WriteStream).isTTY === true
  const say = (text: string) => err.write(`${tty ? '\n' : ''}${text}\n`)
  const progress = () => {
    if (!tty) return
    const secs = Math.max((Date.now() - started) / 1000, 0.001)
    err.write(`\r${plural(t.sent, 'log')} sent, ${Math.round(t.sent / secs)} logs/s, ${bytes(t.rawBytes)} raw, ${bytes(t.wireBytes)} on the wire   `)
  }
  // Each line is checked and serialised once (`prepare`), and its exact size decides, by the
  // packing rule (`fitsInRequest`), where a request closes; the prepared logs go out as they
  // are (`sendBatch`), never serialised again.
  const target = resolveTarget(client)
  const limits = client.limits
  const envelopeBytes = target.envelope.bytes
  let batch: PreparedLog[] = []
  let batchBytes = 0
  let batchLines: [number, number] = [0, 0]
  const flush = async () => {
    if (batch.length === 0) return
    const logs = batch
    const [first, last] = batchLines
    batch = []
    batchBytes = 0
    try {
      const r = await sendBatch(client, logs, target)
      t.sent += logs.length
      t.requests++
      t.rawBytes += r.rawBytes
      t.wireBytes += r.wireBytes
      unsent.close()
      unreachableInARow = 0
    } catch (e) {
      t.failed += logs.length
      unsent.add(first, last)
      unreachableInARow = unreachable(e) ? unreachableInARow + 1 : 0
      say(`error: ${plural(logs.length, 'log')} not sent (${first === last ? `line ${first}` : `lines ${first}–${last}`}): ${visible((e as Error).message)}`)
    }
    progress()
  }
  let stoppedAt: number | undefined
  for await (const line of inputLines(input, limits.maxBytes)) {
    if ('skipped' in line) {
      t.bad++
      say(`line ${line.number}: ${lineProblem(line, limits.maxBytes)}`)
      continue
    }
    if (line.text.trim() === '') continue
    let prepared: PreparedLog
    try {
      prepared = prepare(JSON.parse(line.text) as LogInput, line.number)
      if (!fitsInRequest(0, 0, prepared.bytes, envelopeBytes, limits)) {
        throw new Error(`log: ${prepared.bytes} bytes cannot fit in one request (room for ${limits.maxBytes - envelopeBytes})`)
      }
    } catch (e) {
      t.bad++
      const why = isWebTrackError(e) ? e.message.replace(/^logs\[\d+\]/, 'log') : e instanceof SyntaxError ? `invalid JSON (${e.message})` : (e as Error).message
      say(`line ${line.number}: ${visible(why)}`)
      continue
    }
    if (!fitsInRequest(batch.length, batchBytes, prepared.bytes, envelopeBytes, limits)) {
      await flush()
      if (unreachableInARow >= STOP_AFTER_UNREACHABLE) {
        stoppedAt = line.number
        break
      }
    }
    if (batch.length === 0) batchLines = [line.number, line.number]
    batch.push(prepared)
    batchBytes += prepared.bytes
    batchLines[1] = line.number
  }
  if (stoppedAt === undefined) await flush()
  else unsent.add(stoppedAt, Infinity)
  const secs = Math.max((Date.now() - started) / 1000, 0.001)
  if (tty) err.write('\n')
  if (stoppedAt !== undefined) {
    err.write(`stopped: ${STOP_AFTER_UNREACHABLE} batches in a row could not reach the service; the rest of the input was not read\n`)
  }
  err.write(
    `${plural(t.sent, 'log')} sent in ${plural(t.requests, 'request')} (${secs.toFixed(2)} s, ${Math.round(t.sent / secs)} logs/s), ` +
      `${bytes(t.rawBytes)} raw, ${bytes(t.wireBytes)} on the wire; ${plural(t.bad, 'bad line')}, ${t.failed} failed\n`,
  )
  if (unsent.spans.length > 0) err.write(`${unsent} not sent\n`)
  return t.bad > 0 || t.failed > 0 || stoppedAt !== undefined ? 1 : 0
}
