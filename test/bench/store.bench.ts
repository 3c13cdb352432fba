// Benchmark 6, in the browser: what `indexedDBStore` costs the main thread (issue 13: pushing
// 10,000 logs with it should cost no more than twice what the memory store costs). One headless
// Chromium, the same logs (`webLogs(n, 42)`, one `push` per log, both topics) into a tracker with
// the memory store (the same-run baseline) and one with `indexedDBStore`, each in a fresh
// browser context (an empty database), to its own emulator, the order alternating by run.
// Timed, in the page: the push loop (`push` is synchronous; the store only records what to
// write), and the main thread's task time (CDP `Performance.getMetrics` TaskDuration) from the
// first push until every log is sent and, for IndexedDB, every write and delete committed.
// Sending costs both the same; the difference is the store's.
//
// Alone: `npx tsx test/bench/store.bench.ts [logs] [runs]` prints the table.
import { build } from 'esbuild'
import type { Browser } from 'playwright-core'
import { webLogs } from '../../src/cli/corpus.js'
import { startEmulator } from '../../src/emulator/index.js'
import { launchChromium } from '../support/browser.js'
import { root } from '../support/run.js'
import { serveStatic } from '../support/static-server.js'
import { SEED } from './encode.bench.js'
import { median } from './harness.js'

const PAGE = `<!doctype html><meta charset="utf-8"><title>store bench</title>
<script src="/bundle.js"></script>
<script>
  window.run = async (endpoint, persisted, name) => {
    const { createTracker, indexedDBStore } = SlsWebtrack
    const store = (window.store = persisted ? indexedDBStore({ name }) : undefined)
    const tracker = createTracker({ project: 'bench', endpoint, logstore: 'web', store })
    // The database open before the clock starts, as on a page that loaded a while ago.
    if (store) await store.flush()
    return tracker
  }
  window.pushAll = async () => {
    const logs = window.corpus
    const p0 = performance.now()
    for (let i = 0; i < logs.length; i++) tracker.push(logs[i].log, { topic: logs[i].topic })
    const pushMs = performance.now() - p0
    const sent = await tracker.flush({ timeoutMs: 60000 })
    if (window.store) await window.store.flush()
    return { pushMs, sent, stats: tracker.stats() }
  }
</script>`

/** One run of one store. */
export interface StoreRun {
  /** The push loop, in ms. */
  readonly pushMs: number
  /** Main-thread task time from the first push until all is sent and committed, in ms. */
  readonly busyMs: number
}

export interface StoreRow {
  readonly name: string
  readonly runs: StoreRun[]
}

export interface StoreResult {
  readonly logs: number
  readonly runs: number
  readonly chromium: string
  /** The memory store first (the baseline), then `indexedDBStore`. */
  readonly rows: StoreRow[]
}

const ROWS = [
  { name: 'memory store (default)', persisted: false },
  { name: '`indexedDBStore()`', persisted: true },
] as const

/** Runs benchmark 6. Needs Chromium (see `test/support/browser.ts`). */
export async function benchStore(o: { logs: number; runs: number }, log: (line: string) => void = () => {}): Promise<StoreResult> {
  const corpus = webLogs(o.logs, SEED)
  const bundle = await build({
    stdin: {
      contents: `export { createTracker } from './src/index.ts'\nexport { indexedDBStore } from './src/persist/browser.ts'`,
      resolveDir: root,
      loader: 'ts',
    },
    bundle: true,
    format: 'iife',
    globalName: 'SlsWebtrack',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    write: false,
    logLevel: 'silent',
  })
  const site = await serveStatic({
    '/': { type: 'text/html', body: PAGE },
    '/bundle.js': { type: 'text/javascript', body: bundle.outputFiles[0]!.text },
    '/favicon.ico': { type: 'image/x-icon', body: '' },
  })
  const emu = await startEmulator({ port: 0, host: '127.0.0.1' })
  let browser: Browser | undefined
  const rows = ROWS.map((r) => ({ name: r.name, runs: [] as StoreRun[] }))
  try {
    browser = await launchChromium()
    for (let run = 0; run < o.runs; run++) {
      // The order alternates by run.
      const order = run % 2 ? [1, 0] : [0, 1]
      for (const i of order)
        rows[i]!.runs.push(await runOnce(browser, site.origin, emu.endpoint, corpus, ROWS[i]!.persisted, `bench-${run}`))
      emu.clear()
      log(`  store run ${run + 1}/${o.runs}`)
    }
    return { logs: o.logs, runs: o.runs, chromium: browser.version(), rows }
  } finally {
    await browser?.close()
    await emu.close()
    await site.close()
  }
}

async function runOnce(
  browser: Browser,
  origin: string,
  endpoint: string,
  corpus: unknown,
  persisted: boolean,
  name: string,
): Promise<StoreRun> {
  const context = await browser.newContext()
  try {
    const page = await context.newPage()
    await page.goto(`${origin}/`)
    await page.evaluate((c) => ((window as any).corpus = c), corpus)
    await page.evaluate(async ([e, p, n]) => ((window as any).tracker = await (window as any).run(e, p, n)) && true, [
      endpoint,
      persisted,
      name,
    ] as const)
    const cdp = await context.newCDPSession(page)
    await cdp.send('Performance.enable')
    const busy0 = await taskSeconds(cdp)
    const { pushMs, sent, stats } = await page.evaluate(() => (window as any).pushAll())
    if (!sent || stats.sent !== stats.pushed) throw new Error(`store benchmark: not everything was sent (${JSON.stringify(stats)})`)
    return { pushMs, busyMs: ((await taskSeconds(cdp)) - busy0) * 1000 }
  } finally {
    await context.close()
  }
}

async function taskSeconds(cdp: import('playwright-core').CDPSession): Promise<number> {
  const { metrics } = await cdp.send('Performance.getMetrics')
  const task = metrics.find((m) => m.name === 'TaskDuration')
  if (!task) throw new Error('store benchmark: CDP Performance.getMetrics gave no TaskDuration')
  return task.value
}

/** The table of benchmark 6: medians over runs, and each as a multiple of the memory store's. */
export function renderStore(s: StoreResult): string {
  const ms = (n: number) => `${n.toFixed(1)} ms`
  const pushMs = (row: StoreRow) => median(row.runs.map((r) => r.pushMs))
  const busyMs = (row: StoreRow) => median(row.runs.map((r) => r.busyMs))
  const base = s.rows[0]!
  const lines = s.rows.map(
    (row) =>
      `| ${row.name} | ${ms(pushMs(row))} | ${(pushMs(row) / pushMs(base)).toFixed(2)}× | ${ms(busyMs(row))} | ${(busyMs(row) / busyMs(base)).toFixed(2)}× |`,
  )
  return [
    `${s.logs.toLocaleString('en')} logs (\`webLogs(${s.logs}, ${SEED})\`, one \`push\` per log, both topics) into a tracker in one headless Chromium ${s.chromium} page, each store in a fresh context, to an emulator; ${s.runs} runs per store, the order alternating; medians. *Main thread*: task time (CDP TaskDuration) from the first push until every log is sent and, for IndexedDB, every write and delete committed (sending costs both the same).`,
    '',
    '| store | push loop | × memory | main thread, push to committed | × memory |',
    '| --- | ---: | ---: | ---: | ---: |',
    ...lines,
  ].join('\n')
}

if (process.argv[1]?.endsWith('store.bench.ts')) {
  const [logs = '10000', runs = '5'] = process.argv.slice(2)
  benchStore({ logs: Number(logs), runs: Number(runs) }, (l) => console.log(l))
    .then((r) => console.log(`\n${renderStore(r)}`))
    .catch((error: unknown) => {
      console.error(error)
      process.exitCode = 1
    })
}
