// `sls-webtrack send`: NDJSON in, batches out through the public client. A bad line is reported
// with its number and skipped; the rest still go. The exit code says whether anything failed.
import { createReadStream } from 'node:fs'
import { createInterface } from 'node:readline'
import { bodySize } from '../encode.js'
import { tooLarge } from '../split.js'
import { createClient, isWebTrackError, prepare, sendBatch, target as resolveTarget, type CompressionName, type LogInput, type PreparedLog } from '../index.js'
import { bytes } from './format.js'
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

interface Totals {
  lines: number
  sent: number
  failed: number
  bad: number
  requests: number
  rawBytes: number
  wireBytes: number
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
  const input = opts.file === '-' ? stdin : createReadStream(opts.file)
  const lines = createInterface({ input, crlfDelay: Infinity })
  const t: Totals = { lines: 0, sent: 0, failed: 0, bad: 0, requests: 0, rawBytes: 0, wireBytes: 0 }
  const started = Date.now()
  const tty = (err as NodeJS.WriteStream).isTTY === true
  const progress = () => {
    if (!tty) return
    const secs = Math.max((Date.now() - started) / 1000, 0.001)
    err.write(`\r${t.sent} logs sent, ${Math.round(t.sent / secs)} logs/s, ${bytes(t.rawBytes)} raw, ${bytes(t.wireBytes)} on the wire   `)
  }
  // Each line is checked and serialised once (`prepare`), and its exact size decides where a
  // request closes; the prepared logs go out as they are (`sendBatch`), never serialised again.
  const target = resolveTarget(client)
  const room = client.limits.maxBytes - target.envelope.bytes
  let batch: PreparedLog[] = []
  let batchBytes = 0
  const flush = async () => {
    if (batch.length === 0) return
    const logs = batch
    batch = []
    batchBytes = 0
    try {
      const r = await sendBatch(client, logs, target)
      t.sent += logs.length
      t.requests++
      t.rawBytes += r.rawBytes
      t.wireBytes += r.wireBytes
    } catch (e) {
      t.failed += logs.length
      err.write(`${tty ? '\n' : ''}error: ${logs.length} logs not sent: ${(e as Error).message}\n`)
    }
    progress()
  }
  for await (const line of lines) {
    t.lines++
    if (line.trim() === '') continue
    let prepared: PreparedLog
    try {
      prepared = prepare(JSON.parse(line) as LogInput, t.lines)
      if (prepared.bytes > room) throw tooLarge('log', prepared.bytes, room)
    } catch (e) {
      t.bad++
      const why = isWebTrackError(e) ? e.message.replace(/^logs\[\d+\]/, 'log') : `invalid JSON (${(e as Error).message})`
      err.write(`${tty ? '\n' : ''}line ${t.lines}: ${why}\n`)
      continue
    }
    if (batch.length === client.limits.maxLogs || bodySize(target.envelope, batch.length + 1, batchBytes + prepared.bytes) > client.limits.maxBytes) await flush()
    batch.push(prepared)
    batchBytes += prepared.bytes
  }
  await flush()
  const secs = Math.max((Date.now() - started) / 1000, 0.001)
  if (tty) err.write('\n')
  err.write(
    `${t.sent} logs sent in ${t.requests} requests (${secs.toFixed(2)} s, ${Math.round(t.sent / secs)} logs/s), ` +
      `${bytes(t.rawBytes)} raw, ${bytes(t.wireBytes)} on the wire; ${t.bad} bad lines, ${t.failed} failed\n`,
  )
  return t.bad > 0 || t.failed > 0 ? 1 : 0
}
