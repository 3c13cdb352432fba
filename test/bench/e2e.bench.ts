// Benchmark 4, end to end: logs per second from one Node process into the emulator, through
// `client.send` (normalise, split, encode, compress, POST, answer), for each compression. The
// emulator runs in a child process, so it has the other core and its work (decompress, parse,
// check, store) is not done on the client's thread; sends go one at a time, as the tracker
// sends them, so a figure still includes the round trip and the emulator's time per request.
// The baseline is the same client without compression.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { createRequire } from 'node:module'
import { createInterface } from 'node:readline'
import { pathToFileURL } from 'node:url'
import { createClient, type Client } from '../../src/client.js'
import { deflate } from '../../src/compress/deflate.js'
import { lz4 } from '../../src/compress/lz4.js'
import type { CompressionOption } from '../../src/compress/policy.js'
import { createForwardFetch } from '../../src/emulator/forward-fetch.js'
import type { Corpus } from './encode.bench.js'
import { SOURCE, TAGS } from './encode.bench.js'
import { compare, type Figure, type Timing } from './harness.js'

/** Bytes per request: the tracker's default batch (`maxBatchBytes`, 512 KiB). */
export const BATCH_BYTES = 512 * 1024

// The child: starts an emulator, prints its port, then answers each line of stdin with the
// counts it holds (logs, requests, requests not answered 200) and forgets them.
const CHILD = (emulator: string) => `
const { startEmulator } = await import(${JSON.stringify(emulator)})
const { createInterface } = await import('node:readline')
const emu = await startEmulator({ logstores: ['web'] })
process.stdout.write(JSON.stringify({ port: emu.port }) + '\\n')
for await (const _ of createInterface({ input: process.stdin })) {
  const requests = emu.requests()
  process.stdout.write(JSON.stringify({ logs: emu.logs().length, requests: requests.length, failed: requests.filter((r) => r.status !== 200).length }) + '\\n')
  emu.clear()
}
await emu.close()
`

export interface EmulatorCounts {
  readonly logs: number
  readonly requests: number
  readonly failed: number
}

/** An emulator in a child process. */
export interface ChildEmulator {
  readonly port: number
  readonly fetch: typeof globalThis.fetch
  /** What it received since the last call; then it forgets it (its memory stays flat). */
  take(): Promise<EmulatorCounts>
  close(): Promise<void>
}

export async function startChildEmulator(): Promise<ChildEmulator> {
  const require = createRequire(import.meta.url)
  const tsx = pathToFileURL(require.resolve('tsx')).href
  const emulator = new URL('../../src/emulator/index.ts', import.meta.url).href
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, ['--import', tsx, '--input-type=module', '-e', CHILD(emulator)], {
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  let stderr = ''
  child.stderr.on('data', (d) => (stderr += d))
  const waiting: ((line: string) => void)[] = []
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  child.once('exit', (code) => {
    for (const w of waiting.splice(0)) w(JSON.stringify({ exit: code, stderr }))
  })
  createInterface({ input: child.stdout }).on('line', (line) => waiting.shift()?.(line))
  const next = () => new Promise<string>((resolve) => waiting.push(resolve))
  const ready = JSON.parse(await next()) as { port?: number; exit?: number; stderr?: string }
  if (typeof ready.port !== 'number') throw new Error(`emulator child did not start (exit ${ready.exit}): ${ready.stderr}`)
  const port = ready.port
  return {
    port,
    fetch: createForwardFetch(`http://127.0.0.1:${port}`),
    async take() {
      const answer = next()
      child.stdin.write('take\n')
      const counts = JSON.parse(await answer) as EmulatorCounts & { exit?: number; stderr?: string }
      if (counts.exit !== undefined) throw new Error(`emulator child exited (${counts.exit}): ${counts.stderr}`)
      return counts
    },
    async close() {
      child.stdin.end()
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
      await exited
      clearTimeout(timer)
    },
  }
}

export const COMPRESSIONS: readonly { readonly name: string; readonly option: CompressionOption }[] = [
  { name: 'none', option: 'none' },
  { name: 'lz4', option: lz4 },
  { name: 'deflate', option: deflate },
]

export function e2eClient(emu: ChildEmulator, compression: CompressionOption): Client {
  return createClient({
    project: 'bench',
    endpoint: `http://localhost:${emu.port}`,
    logstore: 'web',
    source: SOURCE,
    tags: TAGS,
    compression,
    fetch: emu.fetch,
    retry: false,
    limits: { maxBytes: BATCH_BYTES },
  })
}

/** One call: the whole corpus, one send per topic, one after the other. */
export async function sendCorpus(
  client: Client,
  c: Corpus,
): Promise<{ logs: number; requests: number; rawBytes: number; wireBytes: number }> {
  const sum = { logs: 0, requests: 0, rawBytes: 0, wireBytes: 0 }
  for (const g of c.groups) {
    const r = await client.send(g.raw, { topic: g.topic })
    sum.logs += r.logs
    sum.requests += r.requests
    sum.rawBytes += r.rawBytes
    sum.wireBytes += r.wireBytes
  }
  return sum
}

export interface E2eRow {
  readonly compression: string
  readonly requests: number
  readonly rawBytesPerLog: number
  readonly wireBytesPerLog: number
}

export interface E2eResult {
  readonly figures: Figure[]
  readonly rows: E2eRow[]
  readonly logs: number
}

export async function benchE2e(c: Corpus, timing: Timing): Promise<E2eResult> {
  const emu = await startChildEmulator()
  try {
    const clients = COMPRESSIONS.map((x) => ({ ...x, client: e2eClient(emu, x.option) }))
    // One checked send per compression: the emulator stored every log, and the sizes per log.
    const rows: E2eRow[] = []
    for (const { name, client } of clients) {
      const r = await sendCorpus(client, c)
      const got = await emu.take()
      if (r.logs !== c.count || got.logs !== c.count || got.failed !== 0 || got.requests !== r.requests) {
        throw new Error(
          `e2e benchmark (${name}): sent ${r.logs} logs in ${r.requests} requests, the emulator stored ${got.logs} from ${got.requests} (${got.failed} refused)`,
        )
      }
      rows.push({ compression: name, requests: r.requests, rawBytesPerLog: r.rawBytes / r.logs, wireBytesPerLog: r.wireBytes / r.logs })
    }
    const [none, ...others] = clients.map(({ name, client }) => ({ name: `compression: ${name}`, run: () => sendCorpus(client, c) }))
    let refused = 0
    const figures = await compare(
      {
        baseline: none!,
        candidates: others,
        units: c.count,
        between: async () => {
          refused += (await emu.take()).failed
        },
      },
      timing,
    )
    if (refused) throw new Error(`e2e benchmark: the emulator refused ${refused} requests`)
    return { figures, rows, logs: c.count }
  } finally {
    await emu.close()
  }
}
