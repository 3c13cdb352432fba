// `npm run bench`: runs the benchmarks, prints their tables, and rewrites the results
// section of docs/benchmarks.md (between `<!-- bench:start -->` and `<!-- bench:end -->`).
// The fifth (our tracker and the official SDK in Chromium, then Firefox ESR and WebKitGTK) is
// skipped, with a notice, when there is no Chromium (`CHROMIUM_PATH`, default /usr/bin/chromium);
// Firefox or WebKit alone is skipped, with the reason, when it does not launch.
//   --no-write  print only, leave docs/benchmarks.md alone
//   --quick     a smoke run: small corpus, tiny rounds; checks that everything runs, the figures
//               mean nothing (never written to the doc unless asked for with --write)
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { availableParallelism, loadavg, release, totalmem } from 'node:os'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { CHROMIUM } from '../support/browser.js'
import type { EngineName } from '../support/engines.js'
import {
  benchBrowser,
  BROWSER_FULL,
  BROWSER_QUICK,
  ENGINE_PACKAGE,
  medianOf,
  type BrowserResult,
  type BrowserRow,
  type BrowserRun,
} from './browser.bench.js'
import { benchDeflate, type DeflateResult } from './deflate.bench.js'
import { benchE2e, BATCH_BYTES, type E2eResult } from './e2e.bench.js'
import { benchEncode, bodies, corpus, LOGS, NORMALISATION_ONLY, SEED, type EncodeResult } from './encode.bench.js'
import { collectsBetweenRounds, FULL, median, QUICK, type Figure, type Timing } from './harness.js'
import { benchLz4, type Lz4Result } from './lz4.bench.js'
import { benchPush, type PushResult } from './push.bench.js'
import { benchStore, renderStore, type StoreResult } from './store.bench.js'
import { benchTopics, type TopicsResult } from './topics.bench.js'
import { benchUtf8, type Utf8Result } from './utf8.bench.js'

export const DOC = fileURLToPath(new URL('../../docs/benchmarks.md', import.meta.url))
export const START = '<!-- bench:start -->'
export const END = '<!-- bench:end -->'
export const COMMAND = 'npm run bench'

/** Body sizes the compression benchmarks use: the tracker's batch, and small flushes. */
export const BODY_SETS = [
  { name: `bodies of ≤ ${BATCH_BYTES / 1024} KiB (tracker batches)`, maxBytes: BATCH_BYTES },
  { name: 'bodies of ≤ 16 KiB (small flushes)', maxBytes: 16 * 1024 },
] as const

/** E2E timing: calls take ~10² ms, so rounds are longer and fewer. */
const E2E_FULL: Timing = { warmupMs: 1000, rounds: 7, roundMs: 600 }
const QUICK_LOGS = 1000
/** Logs each SDK sends in the browser benchmark. */
export const BROWSER_LOGS = 10_000
const BROWSER_QUICK_LOGS = 500
/** Logs of the many-topics benchmark: as many as its largest row has topics. */
const TOPIC_LOGS = 20_000
const QUICK_TOPIC_LOGS = 2000

export interface Machine {
  readonly cpu: string
  readonly cores: number
  readonly memory: string
  readonly node: string
  readonly os: string
  readonly date: string
}

export interface Results {
  readonly quick: boolean
  readonly machine: Machine
  readonly logs: number
  readonly encode: EncodeResult
  readonly lz4: { readonly set: string; readonly result: Lz4Result }[]
  readonly deflate: { readonly set: string; readonly result: DeflateResult }[]
  readonly e2e: E2eResult
  readonly utf8: Utf8Result
  readonly push: PushResult
  readonly topics: TopicsResult
  /** The browser benchmark; `undefined` when it was skipped (see `browserSkipped`). */
  readonly browser: BrowserResult | undefined
  /** Why the browser benchmark was skipped. */
  readonly browserSkipped?: string
  /** The IndexedDB store's write cost against the memory store (Chromium); skipped with the browser benchmark. */
  readonly store?: StoreResult | undefined
  readonly seconds: number
  /** One-minute load average at the start and at the end: other work on the machine. */
  readonly load: { readonly start: number; readonly end: number }
}

export function machine(): Machine {
  let cpu = 'unknown CPU'
  try {
    cpu = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? cpu
  } catch {
    // not Linux
  }
  let cores = availableParallelism()
  try {
    cores = Number(execFileSync('nproc', { encoding: 'utf8' }).trim()) || cores
  } catch {
    // no nproc
  }
  return {
    cpu,
    cores,
    memory: `${Math.round(totalmem() / 2 ** 30)} GiB`,
    node: process.version,
    os: `${process.platform} ${release()} ${process.arch}`,
    date: new Date().toISOString().slice(0, 10),
  }
}

export async function runBenchmarks(options: { quick?: boolean; log?: (line: string) => void } = {}): Promise<Results> {
  const log = options.log ?? (() => {})
  const quick = options.quick ?? false
  const timing = quick ? QUICK : FULL
  const started = performance.now()
  const loadStart = loadavg()[0]!
  const c = corpus(quick ? QUICK_LOGS : LOGS, SEED)
  log(`corpus: webLogs(${c.count}, ${SEED}), topics ${c.groups.map((g) => `${g.topic} ${g.raw.length}`).join(', ')}`)
  log('1/8 encoding')
  const encode = await benchEncode(c, timing)
  const sets = BODY_SETS.map((s) => ({ set: s.name, bodies: bodies(c, s.maxBytes) }))
  log('2/8 UTF-8')
  const decoder = new TextDecoder()
  const utf8 = await benchUtf8(
    c,
    sets[0]!.bodies.map((b) => decoder.decode(b)),
    timing,
  )
  log('3/8 lz4')
  const lz4 = []
  for (const s of sets) lz4.push({ set: s.set, result: await benchLz4(s.bodies, timing) })
  log('4/8 deflate')
  const deflate = []
  for (const s of sets) deflate.push({ set: s.set, result: await benchDeflate(s.bodies, timing) })
  log('5/8 end to end')
  const e2e = await benchE2e(c, quick ? QUICK : E2E_FULL)
  log('6/8 tracker push')
  const push = await benchPush(c, timing)
  log('7/8 tracker with many topics, dead server')
  const topics = await benchTopics(quick ? QUICK_TOPIC_LOGS : TOPIC_LOGS)
  let browser: BrowserResult | undefined
  let browserSkipped: string | undefined
  let store: StoreResult | undefined
  if (existsSync(CHROMIUM)) {
    log('8/8 in the browser: our tracker and the official SDK')
    browser = await benchBrowser({ ...(quick ? BROWSER_QUICK : BROWSER_FULL), logs: quick ? BROWSER_QUICK_LOGS : BROWSER_LOGS }, log)
    log('8/8 in the browser: the IndexedDB store against the memory store')
    store = await benchStore({ logs: quick ? BROWSER_QUICK_LOGS : BROWSER_LOGS, runs: quick ? 1 : 5 }, log)
  } else {
    browserSkipped = `no Chromium at ${CHROMIUM} (apt-get install -y chromium, or set CHROMIUM_PATH)`
    log(`8/8 in the browser: SKIPPED, ${browserSkipped}`)
  }
  return {
    quick,
    machine: machine(),
    logs: c.count,
    encode,
    lz4,
    deflate,
    e2e,
    utf8,
    push,
    topics,
    browser,
    browserSkipped,
    store,
    seconds: (performance.now() - started) / 1000,
    load: { start: loadStart, end: loadavg()[0]! },
  }
}

// ---------------------------------------------------------------------------------------------
// Targets

export interface TargetCheck {
  readonly benchmark: string
  readonly target: string
  readonly value: string
  readonly met: boolean
  /** Missed by the median, but the rounds' interquartile range reaches the target: noise may decide. */
  readonly withinNoise?: boolean
}

const fig = (figures: Figure[], prefix: string) => {
  const f = figures.find((x) => x.name.startsWith(prefix))
  if (!f) throw new Error(`no figure named ${prefix}…`)
  return f
}
const x = (r: number) => `${r.toFixed(2)}×`
/** A speed target on a ratio: the median decides, the quartiles say how close a call it was. */
function speed(benchmark: string, target: string, f: Figure, min: number): TargetCheck {
  const met = f.ratio >= min
  return {
    benchmark,
    target,
    value: `${x(f.ratio)} (IQR ${f.ratioLow.toFixed(2)}–${f.ratioHigh.toFixed(2)})`,
    met,
    withinNoise: !met && f.ratioHigh >= min,
  }
}
const pct = (r: number) => `${r >= 0 ? '+' : '−'}${Math.abs(r * 100).toFixed(1)} %`

export function targets(r: Results): TargetCheck[] {
  const out: TargetCheck[] = []
  const raw = fig(r.encode.figures, 'ours, corpus')
  const same = fig(r.encode.figures, 'ours, same')
  out.push(speed('Encoding, corpus as generated', '≥ 0.95× the floor', raw, 0.95))
  out.push(speed('Encoding, same input (all strings)', '≥ 0.95× the floor', same, 0.95))
  out.push(speed('Encoding, corpus as generated, floor given it too', '≥ 0.95× the floor', fig(r.encode.literal, 'ours'), 0.95))
  for (const { set, result } of r.lz4) {
    const ours = fig(result.figures, 'ours')
    out.push(speed(`LZ4 speed, ${set}`, '≥ 1.2× lz4js', ours, 1.2))
    const size = result.sizes.ours / result.sizes.native - 1
    out.push({ benchmark: `LZ4 size, ${set}`, target: 'within 2 % of lz4-napi', value: `${pct(size)} bytes`, met: size <= 0.02 })
  }
  for (const { set, result } of r.deflate) {
    const ours = fig(result.figures, 'ours')
    out.push(speed(`Deflate speed, ${set}`, '≥ 0.95× node:zlib', ours, 0.95))
  }
  if (r.store) {
    const [memory, idb] = r.store.rows.map((row) => median(row.runs.map((run) => run.busyMs)))
    const ratio = idb! / memory!
    out.push({
      benchmark: 'IndexedDB store, main thread for 10,000 pushes',
      target: '≤ 2× the memory store',
      value: `${ratio.toFixed(2)}×`,
      met: ratio <= 2,
    })
  }
  return out
}

// ---------------------------------------------------------------------------------------------
// Tables

const mbps = (bytesPerSecond: number) => {
  const mb = bytesPerSecond / 1e6
  return `${mb >= 100 ? Math.round(mb).toLocaleString('en-US') : mb.toPrecision(3)} MB/s`
}
const int = (n: number) => Math.round(n).toLocaleString('en-US')
const kb = (bytes: number) => `${(bytes / 1000).toFixed(1)} kB`
const iqr = (f: Figure) => (f.baseline ? '—' : `${f.ratioLow.toFixed(2)}–${f.ratioHigh.toFixed(2)}`)

/** A Markdown table; the first `textColumns` columns are left-aligned, the rest (figures) right-aligned. */
function table(head: string[], rows: string[][], textColumns = 1): string {
  const rule = head.map((_, i) => (i < textColumns ? '---' : '---:')).join('|')
  return [`| ${head.join(' | ')} |`, `|${rule}|`, ...rows.map((row) => `| ${row.join(' | ')} |`)].join('\n')
}

function throughputRows(figures: Figure[], rate: (f: Figure) => string, extra: (f: Figure) => string[] = () => []): string[][] {
  return figures.map((f) => [f.baseline ? `${f.name} — baseline` : f.name, rate(f), f.baseline ? '1.00×' : x(f.ratio), iqr(f), ...extra(f)])
}

export function renderTables(r: Results): string {
  const parts: string[] = []
  const { encode } = r
  parts.push(
    `### 1. Encoding\n\n${r.logs} logs in ${encode.requests} requests (one per topic), ${kb(encode.bytes)} of JSON; throughput is of that output. The last row times normalisation alone, which the floor, given strings, never does: its × is the floor's time over its time (5× would mean a fifth of the floor's time).\n\n` +
      table(
        ['subject', 'throughput', '× floor', 'rounds (IQR)', 'output'],
        throughputRows(
          encode.figures,
          (f) => (f.name === NORMALISATION_ONLY ? '—' : mbps(f.rate)),
          (f) => [f.name === NORMALISATION_ONLY ? '—' : kb(encode.bytes)],
        ),
      ) +
      `\n\nThe floor's formula taken literally, on the batch a user hands over: \`JSON.stringify\` leaves the numbers and booleans unquoted (not a body the service takes; ${kb(encode.literalBytes)}). Throughput is of our output, for both rows.\n\n` +
      table(
        ['subject', 'throughput', '× floor', 'rounds (IQR)'],
        throughputRows(encode.literal, (f) => mbps(f.rate)),
      ),
  )
  parts.push(
    `### 1b. UTF-8\n\nThe two UTF-8 steps of a send, each against what it replaced: the exact length of each log's JSON (${kb(r.utf8.logBytes)} in all; the tracker sizes every log at push) and the bytes of each request body (the ≤ 512 KiB bodies, ${kb(r.utf8.bodyBytes)}). Both give the same result as their baseline, checked before timing; throughput is of UTF-8 bytes.\n\n` +
      table(
        ['subject', 'throughput', '× baseline', 'rounds (IQR)'],
        throughputRows([...r.utf8.length], (f) => mbps(f.rate)),
      ) +
      '\n\n' +
      table(
        ['subject', 'throughput', '× baseline', 'rounds (IQR)'],
        throughputRows([...r.utf8.encode], (f) => mbps(f.rate)),
      ),
  )
  const lz4 = r.lz4.map(({ set, result }) => {
    const size = (name: string) =>
      name.startsWith('ours') ? result.sizes.ours : name.startsWith('lz4js') ? result.sizes.lz4js : result.sizes.native
    return (
      `**${set}**: ${result.bodies} bodies, ${kb(result.inputBytes)}; throughput is of input.\n\n` +
      table(
        ['subject', 'throughput', '× lz4js', 'rounds (IQR)', 'output', 'ratio (in/out)'],
        throughputRows(
          result.figures,
          (f) => mbps(f.rate),
          (f) => [kb(size(f.name)), (result.inputBytes / size(f.name)).toFixed(2)],
        ),
      )
    )
  })
  parts.push(`### 2. LZ4\n\n${lz4.join('\n\n')}`)
  const deflate = r.deflate.map(({ set, result }) => {
    const size = (name: string) =>
      name.startsWith('ours') ? result.sizes.ours : name.startsWith('fflate') ? result.sizes.fflate : result.sizes.zlib
    return (
      `**${set}**: ${result.bodies} bodies, ${kb(result.inputBytes)}; level 6, zlib-wrapped; throughput is of input.\n\n` +
      table(
        ['subject', 'throughput', '× node:zlib', 'rounds (IQR)', 'output', 'ratio (in/out)'],
        throughputRows(
          result.figures,
          (f) => mbps(f.rate),
          (f) => [kb(size(f.name)), (result.inputBytes / size(f.name)).toFixed(2)],
        ),
      )
    )
  })
  parts.push(`### 3. Deflate\n\n${deflate.join('\n\n')}`)
  const rows = new Map(r.e2e.rows.map((row) => [`compression: ${row.compression}`, row]))
  parts.push(
    `### 4. End to end\n\n${r.e2e.logs} logs per call, sent as one \`client.send\` per topic in requests of ≤ ${BATCH_BYTES / 1024} KiB, into the emulator in a child process.\n\n` +
      table(
        ['subject', 'logs/s', '× none', 'rounds (IQR)', 'requests', 'raw bytes/log', 'wire bytes/log'],
        throughputRows(
          r.e2e.figures,
          (f) => int(f.rate),
          (f) => {
            const row = rows.get(f.name)!
            return [String(row.requests), row.rawBytesPerLog.toFixed(1), row.wireBytesPerLog.toFixed(1)]
          },
        ),
      ),
  )
  parts.push(
    `### 6. Tracker push\n\n${r.push.logs} logs pushed one at a time into a fresh tracker (\`createTracker\` from the core, no codec), nothing sent during the timing, the same logs spread over more and more topics; logs/s is pushes per second.\n\n` +
      table(
        ['subject', 'logs/s', '× 1 topic', 'rounds (IQR)'],
        throughputRows(r.push.figures, (f) => int(f.rate)),
      ),
  )
  parts.push(renderTopics(r.topics))
  parts.push(renderBrowser(r))
  parts.push(
    `### 8. In the browser: the IndexedDB store's write cost\n\n${r.store ? renderStore(r.store) : `Skipped in this run: ${r.browserSkipped ?? 'not run'}.`}`,
  )
  return parts.join('\n\n')
}

/** The many-topics benchmark's section (`topics`: its result). */
export function renderTopics(topics: TopicsResult): string {
  const [base] = topics.rows
  const rows = topics.rows.map((row) => [
    row === base ? `${int(row.topics)} topic — baseline` : `${int(row.topics)} topics`,
    int(row.atBurst.queued + row.atBurst.inFlight),
    int(row.after.dropped),
    int(row.after.requests),
    ms(row.stallMs),
    ms(row.totalMs),
    ms(row.totalMs / row.after.requests),
  ])
  return (
    `### 7. Tracker with many topics, dead server\n\n${int(base!.logs)} logs, log *i* on topic *i* mod *topics*, pushed 100 per macrotask into a tracker (\`createTracker\` from the core, \`maxQueueBytes\` ${base!.maxQueueBytes / 1048576} MiB, one retry, \`maxRetryMs: 0\`) whose every request is refused (a closed 127.0.0.1 port), then \`close()\`: one run per row. A refused request takes about a millisecond, so the total follows the number of requests (one retry per batch, one batch per topic kept); what must not grow with the topics is the longest stall and the time per request. *Kept* is what the queue held once everything was pushed (each topic counts \`TOPIC_OVERHEAD_BYTES\` and its envelope against the bound; the rest is dropped and reported); *longest stall* is the longest the event loop was blocked (\`monitorEventLoopDelay\`); *total* runs from the first push until \`close()\` resolved, every log failed or dropped.\n\n` +
    table(['subject', 'kept', 'dropped', 'requests', 'longest stall', 'total', 'total per request'], rows)
  )
}

const ms = (n: number) => `${n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toPrecision(2)} ms`

const ENGINE_LABEL: Record<EngineName, string> = { chromium: 'Chromium', firefox: 'Firefox', webkit: 'WebKit' }

/** Per engine that ran, per SDK (in the order of `b.rows`), its timed runs. */
function engineRuns(b: BrowserResult): { engine: EngineName; runs: BrowserRun[][] }[] {
  const chromium = { engine: 'chromium' as const, runs: b.rows.map((row) => row.runs) }
  return [chromium, ...b.engines.filter((e) => !e.skipped)]
}

/** Section 5's first table: a metric per line, a column per engine and SDK. */
function engineTable(b: BrowserResult): string {
  const columns = engineRuns(b).flatMap(({ engine, runs }) =>
    b.rows.map((row, i) => ({ head: `${ENGINE_LABEL[engine]}: ${row.name.split(':')[0]}`, runs: runs[i]!, all: runs })),
  )
  const med = (runs: BrowserRun[], f: (run: BrowserRun) => number) => median(runs.map(f))
  const sum = (runs: BrowserRun[], f: (run: BrowserRun) => number) => runs.reduce((n, run) => n + f(run), 0)
  const officialOf = (all: BrowserRun[][]) => all[b.rows.findIndex((row) => row.name.startsWith('official'))]
  const sdk = (runs: BrowserRun[], key: string) => (runs[0]?.sdk[key] === undefined ? '—' : int(med(runs, (run) => run.sdk[key]!)))
  const metrics: [string, (runs: BrowserRun[], all: BrowserRun[][]) => string][] = [
    ['logs/s', (runs) => int(med(runs, (run) => run.logsPerSecond))],
    [
      '× official (same engine)',
      (runs, all) => {
        const official = officialOf(all)
        return official ? x(med(runs, (run) => run.logsPerSecond) / med(official, (run) => run.logsPerSecond)) : '—'
      },
    ],
    [
      'logs/s, runs (min–max)',
      (runs) => `${int(Math.min(...runs.map((run) => run.logsPerSecond)))}–${int(Math.max(...runs.map((run) => run.logsPerSecond)))}`,
    ],
    ['first push → last log', (runs) => ms(med(runs, (run) => run.ms))],
    ['push loop', (runs) => ms(med(runs, (run) => run.pushMs))],
    ['page blocked', (runs) => ms(med(runs, (run) => run.blockedMs))],
    ['requests', (runs) => int(med(runs, (run) => run.requests))],
    ['body bytes', (runs) => kb(med(runs, (run) => run.wireBytes))],
    ['body bytes/log', (runs) => (med(runs, (run) => run.wireBytes) / b.logs).toFixed(1)],
    [
      'beacons taken / refused',
      (runs) => (sdk(runs, 'beaconsTaken') === '—' ? '—' : `${sdk(runs, 'beaconsTaken')} / ${sdk(runs, 'beaconsRefused')}`),
    ],
    ['lost', (runs) => `${int(sum(runs, (run) => run.lost))} of ${int(b.logs * runs.length)}`],
    ['duplicates', (runs) => int(sum(runs, (run) => run.duplicates))],
    ['runs', (runs) => String(runs.length)],
  ]
  return table(
    ['', ...columns.map((c) => c.head)],
    metrics.map(([name, f]) => [name, ...columns.map((c) => f(c.runs, c.all))]),
  )
}

/** What section 5 says about the engines besides Chromium: versions, runs, skips. */
function enginesText(b: BrowserResult): string {
  const ran = b.engines.filter((e) => !e.skipped)
  const skipped = b.engines.filter((e) => e.skipped)
  const runs = b.options.engineRuns
  const versions = ran.map((e) => `${ENGINE_LABEL[e.engine]} is Debian \`${ENGINE_PACKAGE[e.engine]}\` ${e.version}`)
  const fewer = runs < b.options.runs ? ` (fewer than Chromium's ${b.options.runs}: this 2-core machine is slow to drive them)` : ''
  return [
    ran.length
      ? `Then the same runs in ${ran.map((e) => ENGINE_LABEL[e.engine]).join(' and ')}, through the engine harness (\`test/support/engines.ts\`: Firefox ESR over WebDriver BiDi, WebKitGTK's MiniBrowser through WebKitWebDriver under \`xvfb-run\`), ${runs} run${runs === 1 ? '' : 's'} per SDK${fewer}; ${versions.join(', ')}.`
      : '',
    ...skipped.map((e) => `${ENGINE_LABEL[e.engine]} was skipped in this run: ${e.skipped}`),
  ]
    .filter(Boolean)
    .join(' ')
}

function renderBrowser(r: Results): string {
  const head = '### 5. In the browser: our tracker and the official SDK'
  const b = r.browser
  if (!b) return `${head}\n\nSkipped in this run: ${r.browserSkipped ?? 'not run'}.`
  const runs = b.options.runs
  const total = (row: BrowserRow, f: (run: BrowserRun) => number) => row.runs.reduce((n, run) => n + f(run), 0)
  const all = engineRuns(b).flatMap((e) => e.runs.flat())
  const refused = all.reduce((n, run) => n + run.refused + run.unexpected, 0)
  return [
    head,
    '',
    `The same ${int(b.logs)} logs (\`webLogs(${b.logs}, ${SEED})\`, both topics, one call per log) from each SDK in one headless Chromium ${b.chromium} page, each SDK to its own emulator in the benchmark's process; ${runs} run${runs === 1 ? '' : 's'} per SDK, one SDK at a time, the order alternating. ${enginesText(b)} Figures are medians over runs; *lost* and *duplicates* are totals over all runs. A run ends when every log is stored, or ${b.options.deadlineMs / 1000} s after the first push, or after ${b.options.quietMs / 1000} s without a stored log. Every figure here is measured in the page (\`performance.now\`) or by the emulator, so it means the same in each engine; *beacons* are the official SDK's \`sendBeacon\` calls the browser took and refused (a refused one it sends again by \`XMLHttpRequest\`). Requests not answered 200 or logs not in the corpus, in all engines: ${refused}.`,
    '',
    engineTable(b),
    '',
    ...chromiumDetail(b, total),
  ].join('\n')
}

/** Section 5's Chromium-only part: the main thread's busy time (CDP) and the HTTP probe (CDP Network domain). */
function chromiumDetail(b: BrowserResult, total: (row: BrowserRow, f: (run: BrowserRun) => number) => number): string[] {
  const official = b.rows.find((row) => row.name.startsWith('official'))
  const logsPerSecond = (row: BrowserRow) => medianOf(row, (run) => run.logsPerSecond)
  const timed = table(
    [
      'subject',
      'logs/s',
      '× official',
      'runs (min–max)',
      'first push → last log',
      'push loop',
      'page blocked',
      'main thread busy',
      'requests',
      'body bytes',
      'body bytes/log',
      'lost',
      'duplicates',
    ],
    b.rows.map((row) => {
      const rates = row.runs.map((run) => run.logsPerSecond)
      const wire = medianOf(row, (run) => run.wireBytes)
      return [
        row.name,
        int(logsPerSecond(row)),
        official ? x(logsPerSecond(row) / logsPerSecond(official)) : '—',
        `${int(Math.min(...rates))}–${int(Math.max(...rates))}`,
        ms(medianOf(row, (run) => run.ms)),
        ms(medianOf(row, (run) => run.pushMs)),
        ms(medianOf(row, (run) => run.blockedMs)),
        ms(medianOf(row, (run) => run.busyMs ?? NaN)),
        int(medianOf(row, (run) => run.requests)),
        kb(wire),
        (wire / b.logs).toFixed(1),
        `${int(total(row, (run) => run.lost))} of ${int(b.logs * row.runs.length)}`,
        int(total(row, (run) => run.duplicates)),
      ]
    }),
  )
  const wire = table(
    ['subject', 'POSTs', 'preflights', 'request lines + headers', 'request bodies', 'responses', 'HTTP bytes, both ways', 'per log'],
    b.rows.map((row) => {
      const p = row.probe
      const all = p.requestHeaderBytes + p.requestBodyBytes + p.responseBytes
      return [
        row.name,
        int(p.posts),
        int(p.preflights),
        kb(p.requestHeaderBytes),
        kb(p.requestBodyBytes),
        kb(p.responseBytes),
        kb(all),
        (all / b.logs).toFixed(1),
      ]
    }),
  )
  const officialSdk = official?.runs.map((run) => run.sdk)
  const beacons = officialSdk?.length
    ? ` The official SDK's sends went by \`sendBeacon\` ${int(median(officialSdk.map((s) => s.beaconsTaken ?? 0)))} times (median per run); the browser refused ${int(median(officialSdk.map((s) => s.beaconsRefused ?? 0)))} beacons (its 64 KiB keep-alive quota was full), which the SDK then sent by \`XMLHttpRequest\`.`
    : ''
  return [
    `**Chromium in detail.** Two figures come from the Chrome DevTools Protocol, which Firefox and WebKit do not have, and so are Chromium's alone: *main thread busy* (\`Performance.getMetrics\` TaskDuration during the run: the push loop, timers, request callbacks, compression) and the HTTP traffic below.${beacons}`,
    '',
    timed,
    '',
    `**HTTP traffic** (Chromium only) of one more, untimed run per SDK in a fresh browser context (CORS preflight cache empty), read from the CDP Network domain:`,
    '',
    wire,
    '',
    ...b.rows.map((row) => `- *${row.name}*: ${row.settings}.`),
  ]
}

/** The generated section of docs/benchmarks.md (without the markers). */
export function renderSection(r: Results): string {
  const m = r.machine
  const checks = targets(r)
  const met = checks.filter((c) => c.met).length
  return [
    `Run of ${m.date}${r.quick ? ' (**--quick smoke run: the figures mean nothing**)' : ''}, ${r.seconds.toFixed(0)} s, by \`${COMMAND}\`.`,
    '',
    `- Machine: ${m.cpu}, ${m.cores} cores (\`nproc\`), ${m.memory}, ${m.os}; load average ${r.load.start.toFixed(1)} at the start, ${r.load.end.toFixed(1)} at the end`,
    `- Runtime: Node ${m.node}${collectsBetweenRounds ? ', a garbage collection before every timed round' : ''}`,
    `- Corpus: \`webLogs(${r.logs}, ${SEED})\` from \`src/cli/corpus.ts\``,
    '',
    `### Targets: ${met} of ${checks.length} met`,
    '',
    table(
      ['benchmark', 'target', 'this run', 'met'],
      checks.map((c) => [c.benchmark, c.target, c.value, c.met ? 'yes' : c.withinNoise ? '**no** (within noise)' : '**no**']),
      2,
    ),
    '',
    renderTables(r),
  ].join('\n')
}

/** `doc` with the text between the markers replaced by `section`. */
export function replaceSection(doc: string, section: string): string {
  const a = doc.indexOf(START)
  const b = doc.indexOf(END)
  if (a < 0 || b < a) throw new Error(`docs/benchmarks.md: markers ${START} … ${END} not found`)
  return `${doc.slice(0, a + START.length)}\n\n${section}\n\n${doc.slice(b)}`
}

export async function main(argv: readonly string[], log: (line: string) => void = (l) => console.log(l)): Promise<Results> {
  const unknown = argv.filter((a) => !['--quick', '--no-write', '--write'].includes(a))
  if (unknown.length) throw new Error(`unknown option ${unknown.join(' ')}; use --quick, --no-write`)
  const quick = argv.includes('--quick')
  // A smoke run's figures are not results: they are written only when asked for.
  const write = quick ? argv.includes('--write') : !argv.includes('--no-write')
  const results = await runBenchmarks({ quick, log })
  log('')
  log(renderSection(results))
  if (write) {
    writeFileSync(DOC, replaceSection(readFileSync(DOC, 'utf8'), renderSection(results)))
    log(`\nwrote the results section of ${DOC}`)
  }
  return results
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    console.error(error)
    process.exitCode = 1
  })
}
