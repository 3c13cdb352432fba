// Benchmark 1, encoding: from logs to the bytes of each request body, as `client.send` does it
// before compression (normalise and serialise each log, split by the limits, encode each body),
// against the floor: one `JSON.stringify` of the whole batch, already in the service's
// all-string form, and one `TextEncoder.encode`. The corpus also supplies the request bodies
// that the compression benchmarks compress.
import { webLogs } from '../../src/cli/corpus.js'
import { createClient, type Client } from '../../src/client.js'
import { target } from '../../src/request/connection.js'
import { requestBodies } from '../../src/request/split.js'
import { normalizeLogs, tally, type Log, type LogInput } from '../../src/request/normalize.js'
import { compare, type Figure, type Timing } from './harness.js'

/** The corpus: `webLogs(LOGS, SEED)`, the shared deterministic web logs. */
export const LOGS = 5000
export const SEED = 42
export const SOURCE = 'bench'
export const TAGS: Log = { app: 'shop-web', release: '2026.11.1' }

/** Logs of one topic: one send, as the corpus gives them and with every value already a string. */
export interface TopicGroup {
  readonly topic: string
  readonly raw: LogInput[]
  readonly strings: Log[]
}

export interface Corpus {
  readonly count: number
  readonly groups: TopicGroup[]
}

/** `String(value)` of every field: what normalisation makes of the corpus's numbers and booleans. */
function stringified(log: LogInput): Log {
  const out: Log = {}
  for (const key of Object.keys(log)) out[key] = String(log[key])
  return out
}

/** The corpus grouped by topic (a send carries one topic), in the order of first appearance. */
export function corpus(count = LOGS, seed = SEED): Corpus {
  const byTopic = new Map<string, TopicGroup>()
  for (const { topic, log } of webLogs(count, seed)) {
    let g = byTopic.get(topic)
    if (!g) byTopic.set(topic, (g = { topic, raw: [], strings: [] }))
    g.raw.push(log)
    g.strings.push(stringified(log))
  }
  return { count, groups: [...byTopic.values()] }
}

/** A client that never sends: only its `target` and `prepare` are used. */
export function encodingClient(maxBytes?: number): Client {
  return createClient({
    project: 'bench',
    endpoint: 'cn-hangzhou.log.aliyuncs.com',
    logstore: 'web',
    source: SOURCE,
    tags: TAGS,
    limits: { maxBytes },
  })
}

const encoder = new TextEncoder()

/**
 * The floor: one stringify and one encode per topic, on the all-string logs; or, with `'raw'`,
 * the formula taken literally on the corpus as generated, numbers and booleans left as they are.
 * Those bodies are not ones the service takes (values must be strings), but it is the issue's
 * formula applied to the very batch a user hands over.
 */
export function floorEncode(c: Corpus, input: 'raw' | 'strings' = 'strings'): Uint8Array[] {
  return c.groups.map((g) => encoder.encode(JSON.stringify({ __topic__: g.topic, __source__: SOURCE, __tags__: TAGS, __logs__: g[input] })))
}

/**
 * Our path, as `client.send` takes it up to compression: `target`, normalisation of every log,
 * then `requestBodies` (one stringify and encode when the send fits in a request; otherwise
 * each log serialised once, split, and each request's body encoded). Returns every request
 * body, topic after topic.
 */
export function ourEncode(client: Client, c: Corpus, input: 'raw' | 'strings'): Uint8Array[] {
  const bodies: Uint8Array[] = []
  for (const g of c.groups) {
    const t = target(client, { topic: g.topic })
    const counts = tally()
    const normalized = normalizeLogs(g[input], counts)
    for (const { raw } of requestBodies(t.envelope, normalized, client.limits, counts.minBytes)) bodies.push(raw)
  }
  return bodies
}

/** Request bodies of the corpus, each of at most `maxBytes` (the client's split). */
export function bodies(c: Corpus, maxBytes: number): Uint8Array[] {
  return ourEncode(encodingClient(maxBytes), c, 'raw')
}

export interface EncodeResult {
  readonly figures: Figure[]
  /** Ours on the corpus as generated against the floor given that same corpus. */
  readonly literal: Figure[]
  /** Bytes of the literal floor's output (unquoted numbers: fewer than ours). */
  readonly literalBytes: number
  /** Bytes of the floor's output (= ours, checked). */
  readonly bytes: number
  readonly requests: number
}

function sameBytes(a: Uint8Array[], b: Uint8Array[]): boolean {
  return a.length === b.length && a.every((x, i) => Buffer.compare(x, b[i]!) === 0)
}

/** The row that times normalisation alone, on the corpus as generated (it makes no bytes). */
export const NORMALISATION_ONLY = 'normalisation alone (corpus as generated, no serialising)'

export async function benchEncode(c: Corpus, timing: Timing): Promise<EncodeResult> {
  const client = encodingClient()
  const floor = floorEncode(c)
  // Both inputs must give the floor's very bytes, or the comparison means nothing.
  const fromRaw = ourEncode(client, c, 'raw')
  const fromStrings = ourEncode(client, c, 'strings')
  if (!sameBytes(fromRaw, floor) || !sameBytes(fromStrings, floor))
    throw new Error('encode benchmark: our bodies differ from the floor’s bytes')
  const bytes = floor.reduce((n, b) => n + b.length, 0)
  const figures = await compare(
    {
      baseline: { name: 'floor: `JSON.stringify` + `TextEncoder` (all-string logs)', run: () => floorEncode(c) },
      candidates: [
        { name: 'ours, same input (all-string logs)', run: () => ourEncode(client, c, 'strings') },
        { name: 'ours, corpus as generated (numbers, booleans)', run: () => ourEncode(client, c, 'raw') },
        // What the floor never pays: turning the corpus's numbers and booleans into strings.
        { name: NORMALISATION_ONLY, run: () => c.groups.map((g) => normalizeLogs(g.raw, tally())) },
      ],
      units: bytes,
    },
    timing,
  )
  const literal = await compare(
    {
      baseline: { name: 'floor on the corpus as generated (numbers and booleans unquoted)', run: () => floorEncode(c, 'raw') },
      candidates: [{ name: 'ours, corpus as generated (numbers, booleans)', run: () => ourEncode(client, c, 'raw') }],
      units: bytes,
    },
    timing,
  )
  const literalBytes = floorEncode(c, 'raw').reduce((n, b) => n + b.length, 0)
  return { figures, literal, literalBytes, bytes, requests: floor.length }
}
