// Benchmark 5, in the browser: our tracker and the official `@aliyun-sls/web-track-browser`
// side by side in one headless Chromium page (then in Firefox ESR and WebKitGTK, through the
// engine harness test/support/engines.ts), each sending the same logs (`webLogs(n, 42)`, one
// call per log, both topics) to its own emulator, one SDK after the other (the order alternates
// by run). A run is timed from the first push, in the page, to the moment its emulator stored
// the last distinct log; it ends when every log is stored, or after a deadline (or a quiet
// spell), and then what is missing counts as lost.
//
// Settings, each SDK's documented defaults:
// - ours: `createTracker({ project, endpoint, logstore })` from the main entry — compression
//   'auto' (LZ4), lingerMs 1000, batches of ≤ 4096 logs / 512 KiB, concurrency 2; the topic per
//   push. After the last push, `tracker.flush()` (so its 1 s linger does not count).
// - official: one `SlsTracker` per topic (its topic is an option of the tracker), `count` 10 and
//   `time` 10 s left at their defaults. After the last log, `sendBatchLogsImmediate([])`: with
//   an empty array it only sends what the tracker holds — its flush — so the last < 10 logs of a
//   topic do not wait out the 10 s timer.
//
// Pointing the official SDK at the emulator needs no patch: when `host` starts with `http://`
// or `https://` it posts to `${host}/logstores/${logstore}/track` (its "custom domain" form,
// web-track-base's constructor), so `host: 'http://{project}.localhost:{port}'` reaches the
// emulator with the project in the host's first label, as the service reads it. The page only
// counts the official SDK's `navigator.sendBeacon` calls and their results through a
// pass-through wrapper; it changes nothing they do.
//
// Every figure of a run is measured in the page (`performance.now`, `Date.now`) or by the
// emulator, so it means the same in every engine; only the main thread's busy time (CDP
// `Performance.getMetrics`) and the HTTP probe (the CDP Network domain) are Chromium's alone.
import { execFileSync } from 'node:child_process'
import { createRequire } from 'node:module'
import { build } from 'esbuild'
import type { Browser, CDPSession, Page } from 'playwright-core'
import { webLogs } from '../../src/cli/corpus.js'
import { startEmulator, type Emulator, type EmulatorLogRecord } from '../../src/emulator/index.js'
import { launchChromium } from '../support/browser.js'
import { root } from '../support/run.js'
import { launchEngine, type Engine, type EngineName, type EnginePage } from '../support/engines.js'
import { serveStatic } from '../support/static-server.js'
import { median } from './harness.js'
import { SEED } from './encode.bench.js'

export const OFFICIAL = '@aliyun-sls/web-track-browser'
/** The installed version of the official SDK. */
export const OFFICIAL_VERSION = (createRequire(import.meta.url)(`${OFFICIAL}/package.json`) as { version: string }).version

export interface BrowserOptions {
  /** Logs per run. */
  readonly logs: number
  /** Runs per SDK; the order of the SDKs alternates by run. */
  readonly runs: number
  /** A run stops after this many ms from the first push, delivered or not. */
  readonly deadlineMs: number
  /** …or once the pushes are done and nothing was stored for this many ms. */
  readonly quietMs: number
  /** The engines run after Chromium (through test/support/engines.ts), and their runs per SDK. */
  readonly engines: readonly EngineName[]
  readonly engineRuns: number
}

/** The engines besides Chromium. */
export const OTHER_ENGINES: readonly EngineName[] = ['firefox', 'webkit']
export const BROWSER_FULL: Omit<BrowserOptions, 'logs'> = {
  runs: 5,
  deadlineMs: 60_000,
  quietMs: 5_000,
  engines: OTHER_ENGINES,
  engineRuns: 5,
}
export const BROWSER_QUICK: Omit<BrowserOptions, 'logs'> = {
  runs: 1,
  deadlineMs: 10_000,
  quietMs: 2_000,
  engines: OTHER_ENGINES,
  engineRuns: 1,
}

/** One run of one SDK. */
export interface BrowserRun {
  /** Distinct logs stored per second, first push to the last distinct log stored. */
  readonly logsPerSecond: number
  /** ms from the first push to the last distinct log stored (to the end of the run when none). */
  readonly ms: number
  /** Main-thread time of the push loop (and the flush call), in ms. */
  readonly pushMs: number
  /**
   * From the first push until a task posted right after the loop runs, in ms: the loop plus
   * the microtasks it left (the official SDK opens and sends its XMLHttpRequests there), i.e.
   * how long the burst kept the page from doing anything else.
   */
  readonly blockedMs: number
  /**
   * Time the page's main thread spent in tasks during the run (CDP `Performance.getMetrics`
   * TaskDuration: the push loop, timers, request callbacks, compression), in ms. Chromium only.
   */
  readonly busyMs?: number
  /** POSTs the emulator recorded (CORS preflights are not recorded). */
  readonly requests: number
  /** Requests not answered 200. */
  readonly refused: number
  /** Body bytes on the wire (compressed where compressed), summed. */
  readonly wireBytes: number
  /** JSON bytes after decompression, summed. */
  readonly rawBytes: number
  /** Distinct expected logs stored. */
  readonly delivered: number
  /** Expected − distinct stored. */
  readonly lost: number
  /** Stored logs beyond the first copy of each. */
  readonly duplicates: number
  /** Stored logs that match no log of the corpus (should be 0). */
  readonly unexpected: number
  /** The SDK's own view: ours its `stats()`, the official its beacon counts. */
  readonly sdk: Record<string, number>
}

/**
 * HTTP traffic of one untimed run in a fresh browser context (so the CORS preflight cache is
 * empty, as on a first page load), read from the CDP Network domain (which is left off during
 * the timed runs: it costs per request). Request bytes are the request line, the headers as
 * Chromium sent them and the body; response bytes are what Chromium received (status line,
 * headers, body).
 */
export interface WireProbe {
  /** POSTs. */
  readonly posts: number
  /** CORS preflights (OPTIONS). */
  readonly preflights: number
  /** Request lines and headers, preflights included. */
  readonly requestHeaderBytes: number
  /** Request bodies. */
  readonly requestBodyBytes: number
  /** Responses, headers included. */
  readonly responseBytes: number
  /** Distinct logs stored by the emulator in the probe. */
  readonly delivered: number
}

export interface BrowserRow {
  readonly name: string
  readonly settings: string
  readonly runs: BrowserRun[]
  readonly probe: WireProbe
}

/** The runs in one engine besides Chromium, or why it was skipped. */
export interface EngineColumn {
  readonly engine: EngineName
  /** The version of the engine's Debian package (`ENGINE_PACKAGE`). */
  readonly version: string
  /** Per SDK, in the order of `BrowserResult.rows`; empty when skipped. */
  readonly runs: BrowserRun[][]
  readonly skipped?: string
}

export interface BrowserResult {
  readonly logs: number
  readonly options: BrowserOptions
  readonly chromium: string
  /** Chromium's rows, with its CDP-only figures. */
  readonly rows: BrowserRow[]
  /** The same runs in the other engines. */
  readonly engines: EngineColumn[]
}

const PAGE = `<!doctype html><meta charset="utf-8"><title>bench</title>
<script src="/corpus.js"></script>
<script src="/ours.js"></script>
<script src="/official.js"></script>
<script>
  // Counts the official SDK's beacons and whether the browser took them (pass-through).
  window.beacons = { taken: 0, refused: 0 }
  const sendBeacon = navigator.sendBeacon.bind(navigator)
  navigator.sendBeacon = (url, data) => {
    const ok = sendBeacon(url, data)
    ok ? beacons.taken++ : beacons.refused++
    return ok
  }
  // The loop's time now; the time until a task posted now runs (after the microtasks) later.
  const measured = (t0, p0) => {
    const pushMs = performance.now() - p0
    return new Promise((resolve) => {
      const channel = new MessageChannel()
      channel.port1.onmessage = () => resolve({ t0, pushMs, blockedMs: performance.now() - p0 })
      channel.port2.postMessage(0)
    })
  }
  window.runOurs = (project, endpoint) => {
    const errors = []
    const tracker = SlsWebtrack.createTracker({ project, endpoint, logstore: 'web', onError: (e, logs) => errors.push(e.message + ' (' + logs.length + ')') })
    window.finish = async () => {
      await tracker.close({ timeoutMs: 5000 })
      return { ...tracker.stats(), errors: errors.length }
    }
    const logs = window.corpus
    const t0 = Date.now()
    const p0 = performance.now()
    for (let i = 0; i < logs.length; i++) tracker.push(logs[i].log, { topic: logs[i].topic })
    tracker.flush()
    return measured(t0, p0)
  }
  window.runOfficial = (project, host) => {
    const trackers = {}
    for (const { topic } of window.corpus) trackers[topic] ??= new SLS_Tracker({ host, project, logstore: 'web', topic })
    beacons.taken = beacons.refused = 0
    window.finish = async () => ({ trackers: Object.keys(trackers).length, beaconsTaken: beacons.taken, beaconsRefused: beacons.refused })
    const logs = window.corpus
    const t0 = Date.now()
    const p0 = performance.now()
    for (let i = 0; i < logs.length; i++) trackers[logs[i].topic].send(logs[i].log)
    for (const t of Object.values(trackers)) t.sendBatchLogsImmediate([])
    return measured(t0, p0)
  }
</script>`

/** A log's identity: topic and fields as the service stores them (strings), `__time__` left out. */
function fingerprint(topic: string | undefined, log: Record<string, unknown>): string {
  const keys = Object.keys(log)
    .filter((k) => k !== '__time__')
    .sort()
  return `${topic ?? ''}\u0001${keys.map((k) => `${k}\u0002${String(log[k])}`).join('\u0001')}`
}

/** Watches one emulator: distinct logs of the corpus stored, and when the last new one was. */
class Watch {
  seen = new Map<string, number>()
  stored = 0
  unexpected = 0
  lastNewAt = 0
  lastAt = 0
  constructor(readonly expected: ReadonlySet<string>) {}
  reset(): void {
    this.seen.clear()
    this.stored = this.unexpected = this.lastNewAt = this.lastAt = 0
  }
  onLog = (r: EmulatorLogRecord): void => {
    const now = Date.now()
    this.stored++
    this.lastAt = now
    const key = fingerprint(r.topic, r.log)
    if (!this.expected.has(key)) {
      this.unexpected++
      return
    }
    const n = this.seen.get(key) ?? 0
    this.seen.set(key, n + 1)
    if (n === 0) this.lastNewAt = now
  }
}

async function bundles(): Promise<{ ours: string; official: string }> {
  const common = {
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    write: false,
    logLevel: 'silent',
  } as const
  const [ours, official] = await Promise.all([
    build({ ...common, entryPoints: [`${root}/src/index.ts`], globalName: 'SlsWebtrack' }),
    // The package's module entry defines `window.SLS_Tracker` itself.
    build({ ...common, stdin: { contents: `import '${OFFICIAL}'`, resolveDir: root } }),
  ])
  return { ours: ours.outputFiles[0]!.text, official: official.outputFiles[0]!.text }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Seconds the page's main thread has spent in tasks so far. */
async function taskSeconds(cdp: CDPSession): Promise<number> {
  const { metrics } = await cdp.send('Performance.getMetrics')
  const task = metrics.find((m) => m.name === 'TaskDuration')
  if (!task) throw new Error('browser benchmark: CDP Performance.getMetrics gave no TaskDuration')
  return task.value
}

type Evaluate = EnginePage['evaluate']
interface Started {
  t0: number
  pushMs: number
  blockedMs: number
}

/** A Playwright page's `evaluate` as the engine harness types it. */
const viaPlaywright =
  (page: Page): Evaluate =>
  (fn, arg) =>
    page.evaluate(fn as (arg?: unknown) => unknown, arg) as never

interface Subject {
  readonly name: string
  readonly settings: string
  readonly project: string
  /** Where the SDK is pointed so that it posts to `http://{project}.localhost:{port}`. */
  readonly address: (project: string, port: number) => string
  readonly start: (evaluate: Evaluate, project: string, address: string) => Promise<Started>
}

const SUBJECTS: readonly Subject[] = [
  {
    name: 'ours: `createTracker`',
    settings:
      'defaults (compression auto → LZ4, linger 1 s, ≤ 4096 logs / 512 KiB a request, 2 in flight), one `push` per log, `flush()` after the last',
    project: 'bench-ours',
    // The client puts the project in front of the endpoint's host.
    address: (_project, port) => `http://localhost:${port}`,
    start: (evaluate, project, url) => evaluate(([p, u]) => (window as any).runOurs(p, u) as Started, [project, url]),
  },
  {
    name: `official: \`${OFFICIAL}\` ${OFFICIAL_VERSION}`,
    settings: 'defaults (count 10, time 10 s), one tracker per topic, one `send` per log, `sendBatchLogsImmediate([])` after the last',
    project: 'bench-official',
    // A `host` with a scheme is used as is (its "custom domain" form): the project goes in it.
    address: (project, port) => `http://${project}.localhost:${port}`,
    start: (evaluate, project, url) => evaluate(([p, u]) => (window as any).runOfficial(p, u) as Started, [project, url]),
  },
]

/** A page to run in, and (Chromium) a reading of its main thread's task seconds. */
interface Runner {
  readonly evaluate: Evaluate
  readonly taskSeconds?: () => Promise<number>
}

async function runOnce(page: Runner, subject: Subject, emu: Emulator, watch: Watch, o: BrowserOptions): Promise<BrowserRun> {
  emu.clear()
  watch.reset()
  const url = subject.address(subject.project, emu.port)
  const busy0 = await page.taskSeconds?.()
  const { t0, pushMs, blockedMs } = await subject.start(page.evaluate, subject.project, url)
  const pushedAt = t0 + pushMs
  for (;;) {
    const now = Date.now()
    if (watch.seen.size >= watch.expected.size) break
    if (now - t0 > o.deadlineMs) break
    if (now - Math.max(pushedAt, watch.lastAt) > o.quietMs) break
    await sleep(5)
  }
  const sdk = await page.evaluate(() => (window as any).finish() as Promise<Record<string, number>>)
  for (let i = 0; i < 200 && emu.pending() > 0; i++) await sleep(10)
  const busy1 = await page.taskSeconds?.()
  const busyMs = busy0 === undefined || busy1 === undefined ? undefined : (busy1 - busy0) * 1000
  const requests = emu.requests()
  let duplicates = 0
  for (const n of watch.seen.values()) duplicates += n - 1
  const delivered = watch.seen.size
  const ms = delivered > 0 ? watch.lastNewAt - t0 : Date.now() - t0
  return {
    logsPerSecond: delivered / (Math.max(ms, 1) / 1000),
    ms,
    pushMs,
    blockedMs,
    busyMs,
    requests: requests.length,
    refused: requests.filter((r) => r.status !== 200).length,
    wireBytes: requests.reduce((s, r) => s + r.wireBytes, 0),
    rawBytes: requests.reduce((s, r) => s + r.rawBytes, 0),
    delivered,
    lost: watch.expected.size - delivered,
    duplicates,
    unexpected: watch.unexpected,
    sdk,
  }
}

interface NetRequest {
  method?: string
  url?: string
  /** Headers as sent (ExtraInfo): only requests that went on the network have them. */
  headers?: Record<string, string>
  /** Status line and headers as received. */
  responseHead?: string
  responseHeaders?: Record<string, string>
  /** `loadingFailed`: a refused beacon; also our fetches, whose empty 200 body is never read (net::ERR_ABORTED after the answer). */
  failed?: string
}

/** One run of `subject` with the CDP Network domain on, in a fresh context: its HTTP traffic. */
async function probeWire(
  browser: Browser,
  siteOrigin: string,
  subject: Subject,
  emu: Emulator,
  watch: Watch,
  o: BrowserOptions,
): Promise<WireProbe> {
  const context = await browser.newContext()
  try {
    const page = await context.newPage()
    await page.goto(`${siteOrigin}/`)
    const cdp = await context.newCDPSession(page)
    await cdp.send('Performance.enable')
    const host = `${subject.project}.localhost:${emu.port}`
    const seen = new Map<string, NetRequest>()
    const at = (id: string) => {
      let r = seen.get(id)
      if (!r) seen.set(id, (r = {}))
      return r
    }
    cdp.on('Network.requestWillBeSent', (e) => {
      const r = at(e.requestId)
      r.method = e.request.method
      r.url = e.request.url
    })
    cdp.on('Network.requestWillBeSentExtraInfo', (e) => {
      at(e.requestId).headers = e.headers
    })
    cdp.on('Network.responseReceivedExtraInfo', (e) => {
      const r = at(e.requestId)
      r.responseHead = e.headersText
      r.responseHeaders = e.headers
    })
    cdp.on('Network.loadingFailed', (e) => {
      at(e.requestId).failed = e.errorText
    })
    await cdp.send('Network.enable')
    const run = await runOnce({ evaluate: viaPlaywright(page), taskSeconds: () => taskSeconds(cdp) }, subject, emu, watch, o)
    // Requests to this SDK's host that went on the network (a refused beacon has no sent headers).
    const mine = () => [...seen.values()].filter((r) => r.url && new URL(r.url).host === host && (r.headers ?? !r.failed))
    // Let the last events arrive: every request that went out has its answer.
    for (let i = 0; i < 100 && !mine().every((r) => r.headers && r.responseHead !== undefined); i++) await sleep(20)
    const probe = { posts: 0, preflights: 0, requestHeaderBytes: 0, requestBodyBytes: 0, responseBytes: 0, delivered: run.delivered }
    const header = (h: Record<string, string> | undefined, name: string) =>
      Object.entries(h ?? {}).find(([k]) => k.toLowerCase() === name)?.[1]
    for (const r of mine()) {
      if (!r.headers || r.responseHead === undefined) continue
      const url = new URL(r.url!)
      if (r.method === 'OPTIONS') probe.preflights++
      else if (r.method === 'POST') probe.posts++
      const lines = Object.entries(r.headers).reduce((n, [k, v]) => n + Buffer.byteLength(`${k}: ${v}\r\n`), 0)
      probe.requestHeaderBytes += Buffer.byteLength(`${r.method} ${url.pathname}${url.search} HTTP/1.1\r\n`) + lines + 2
      probe.requestBodyBytes += Number(header(r.headers, 'content-length') ?? 0)
      probe.responseBytes += Buffer.byteLength(r.responseHead) + Number(header(r.responseHeaders, 'content-length') ?? 0)
    }
    return probe
  } finally {
    await context.close()
  }
}

/** `runs` rounds of every SDK in `page`, the order of the SDKs alternating by round. */
async function timedRuns(
  page: Runner,
  emulators: Emulator[],
  watches: Watch[],
  o: BrowserOptions,
  runs: number,
  log: (line: string) => void,
  engine: EngineName,
): Promise<BrowserRun[][]> {
  const out: BrowserRun[][] = SUBJECTS.map(() => [])
  for (let r = 0; r < runs; r++) {
    for (let k = 0; k < SUBJECTS.length; k++) {
      const i = (k + r) % SUBJECTS.length
      const run = await runOnce(page, SUBJECTS[i]!, emulators[i]!, watches[i]!, o)
      out[i]!.push(run)
      log(
        `  ${engine} run ${r + 1}/${runs} ${SUBJECTS[i]!.project}: ${Math.round(run.logsPerSecond)} logs/s, ${run.requests} requests, ${run.lost} lost, ${run.duplicates} duplicates`,
      )
    }
  }
  return out
}

/** The Debian package of an engine. */
export const ENGINE_PACKAGE: Record<EngineName, string> = { chromium: 'chromium', firefox: 'firefox-esr', webkit: 'webkit2gtk-driver' }

/** The version of an engine's Debian package (`dpkg-query`), for the doc. */
function engineVersion(engine: EngineName): string {
  try {
    return execFileSync('dpkg-query', ['-W', '-f', '${Version}', ENGINE_PACKAGE[engine]], { encoding: 'utf8' }).trim()
  } catch {
    return 'version unknown'
  }
}

/** An engine of the harness launching, or why it did not. */
type Launch = Promise<{ engine: Engine } | { error: string }>

/** Launches an engine; logs how long it took or why it failed. */
function launch(name: EngineName, log: (line: string) => void): Launch {
  const started = performance.now()
  return launchEngine(name).then(
    (engine) => {
      log(`  ${name} launched in ${Math.round(performance.now() - started)} ms`)
      return { engine }
    },
    (error: unknown) => {
      log(`  ${name}: SKIPPED, ${String(error)}`)
      return { error: error instanceof Error ? error.message : String(error) }
    },
  )
}

/** The timed runs in one engine of the harness; an engine that did not launch is skipped with its reason. */
async function benchEngine(
  name: EngineName,
  launched: Launch,
  origin: string,
  emulators: Emulator[],
  watches: Watch[],
  o: BrowserOptions,
  log: (line: string) => void,
): Promise<EngineColumn> {
  const version = engineVersion(name)
  const got = await launched
  if ('error' in got) return { engine: name, version, runs: [], skipped: got.error }
  const { engine } = got
  try {
    const page = await engine.newPage()
    await page.goto(`${origin}/`)
    const runs = await timedRuns(page, emulators, watches, o, o.engineRuns, log, name)
    await page.close()
    return { engine: name, version, runs }
  } finally {
    await engine.close()
  }
}

/**
 * Chromium's timed runs (with its main thread's task time), then its wire probes, which are
 * not timed: `untimed` is called in between (the other engines launch meanwhile).
 */
async function benchChromium(
  origin: string,
  emulators: Emulator[],
  watches: Watch[],
  o: BrowserOptions,
  log: (line: string) => void,
  untimed: () => void,
) {
  const browser = await launchChromium()
  try {
    const page = await browser.newPage()
    page.on('console', (m) => {
      if (m.type() === 'error') log(`  page: ${m.text()}`)
    })
    await page.goto(`${origin}/`)
    const cdp = await page.context().newCDPSession(page)
    await cdp.send('Performance.enable')
    const runner = { evaluate: viaPlaywright(page), taskSeconds: () => taskSeconds(cdp) }
    const runs = await timedRuns(runner, emulators, watches, o, o.runs, log, 'chromium')
    await page.close()
    untimed()
    const probes: WireProbe[] = []
    for (let i = 0; i < SUBJECTS.length; i++) {
      probes.push(await probeWire(browser, origin, SUBJECTS[i]!, emulators[i]!, watches[i]!, o))
      log(`  wire probe ${SUBJECTS[i]!.project}: ${JSON.stringify(probes[i])}`)
    }
    const rows = SUBJECTS.map((s, i) => ({ name: s.name, settings: s.settings, runs: runs[i]!, probe: probes[i]! }))
    return { version: browser.version(), rows }
  } finally {
    await browser.close()
  }
}

/** Runs benchmark 5. Needs Chromium (see `test/support/browser.ts`); Firefox and WebKit are skipped, with the reason, when they do not launch. */
export async function benchBrowser(o: BrowserOptions, log: (line: string) => void = () => {}): Promise<BrowserResult> {
  const corpus = webLogs(o.logs, SEED)
  const expected = new Set(corpus.map((x) => fingerprint(x.topic, x.log)))
  if (expected.size !== corpus.length)
    throw new Error(`browser benchmark: the corpus has ${corpus.length - expected.size} identical logs; losses could not be counted`)
  const code = await bundles()
  const site = await serveStatic({
    '/': { type: 'text/html', body: PAGE },
    '/corpus.js': { type: 'text/javascript', body: `window.corpus = ${JSON.stringify(corpus)}` },
    '/ours.js': { type: 'text/javascript', body: code.ours },
    '/official.js': { type: 'text/javascript', body: code.official },
    '/favicon.ico': { type: 'image/x-icon', body: '' },
  })
  const watches = SUBJECTS.map(() => new Watch(expected))
  const emulators: Emulator[] = []
  try {
    for (const w of watches) emulators.push(await startEmulator({ logstores: ['web'], onLog: w.onLog }))
    // The other engines launch together while Chromium's untimed probes run (Firefox takes
    // seconds); then each runs alone, and closes.
    let launches: Launch[] = []
    const chromium = await benchChromium(site.origin, emulators, watches, o, log, () => {
      launches = o.engines.map((name) => launch(name, log))
    })
    const engines: EngineColumn[] = []
    try {
      for (const [i, name] of o.engines.entries())
        engines.push(await benchEngine(name, launches[i]!, site.origin, emulators, watches, o, log))
    } finally {
      // Those not run (an error above) are closed too.
      await Promise.all(
        launches.slice(engines.length).map(async (l) => {
          const got = await l
          if ('engine' in got) await got.engine.close()
        }),
      )
    }
    return { logs: o.logs, options: o, chromium: chromium.version, rows: chromium.rows, engines }
  } finally {
    await Promise.all(emulators.map((e) => e.close()))
    await site.close()
  }
}

/** Median of one figure over a row's runs. */
export const medianOf = (row: BrowserRow, f: (r: BrowserRun) => number): number => median(row.runs.map(f))
