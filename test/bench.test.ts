// The benchmarks' smoke run (`run.ts --quick --no-write`, in-process): every benchmark runs and
// gives finite positive figures, the candidates' outputs are right, and the doc is left alone.
// No assertion on timing: figures of a smoke run mean nothing, and benchmarks do not gate CI.
import { readFileSync } from 'node:fs'
import { inflateSync } from 'node:zlib'
import { beforeAll, describe, expect, it } from 'vitest'
import { lz4Block } from '../src/compress/lz4.js'
import { deflate } from '../src/compress/deflate.js'
import { viaFflate } from './bench/deflate.bench.js'
import { bodies, corpus, encodingClient, floorEncode, ourEncode, type Corpus } from './bench/encode.bench.js'
import type { Figure } from './bench/harness.js'
import { OFFICIAL, OTHER_ENGINES } from './bench/browser.bench.js'
import { lz4jsCompressor, napiDecode } from './bench/lz4.bench.js'
import { BODY_SETS, DOC, END, main, renderSection, replaceSection, START, targets, type Results } from './bench/run.js'
import { skipBrowser } from './support/browser.js'
import { skipEngine } from './support/engines.js'

function expectFigures(figures: Figure[], what: string): void {
  expect(figures.length, what).toBeGreaterThanOrEqual(2)
  expect(figures.filter((f) => f.baseline).length, `${what}: one baseline`).toBe(1)
  for (const f of figures) {
    for (const [k, v] of Object.entries({ rate: f.rate, ratio: f.ratio, ratioLow: f.ratioLow, ratioHigh: f.ratioHigh })) {
      expect(Number.isFinite(v) && v > 0, `${what} / ${f.name}: ${k} = ${v}`).toBe(true)
    }
    expect(f.calls).toBeGreaterThanOrEqual(1)
  }
}

describe('npm run bench -- --quick --no-write', () => {
  let results: Results
  let lines: string[]
  let docBefore: string

  beforeAll(async () => {
    docBefore = readFileSync(DOC, 'utf8')
    lines = []
    results = await main(['--quick', '--no-write'], (line) => lines.push(line))
  }, 150_000)

  it('gives finite, positive figures for every benchmark', () => {
    expectFigures(results.encode.figures, 'encode')
    expect(results.encode.figures).toHaveLength(4)
    expectFigures(results.encode.literal, 'encode, literal floor')
    expect(results.encode.literal).toHaveLength(2)
    for (const { set, result } of [...results.lz4, ...results.deflate]) {
      expectFigures(result.figures, set)
      expect(result.figures.length).toBeGreaterThanOrEqual(3)
      for (const size of Object.values(result.sizes)) expect(size).toBeGreaterThan(0)
      expect(result.inputBytes).toBeGreaterThan(0)
    }
    expect(results.lz4).toHaveLength(BODY_SETS.length)
    expect(results.deflate).toHaveLength(BODY_SETS.length)
    expectFigures(results.e2e.figures, 'e2e')
    expect(results.e2e.figures.map((f) => f.name)).toEqual(['compression: none', 'compression: lz4', 'compression: deflate'])
    expectFigures(results.utf8.length, 'utf8 length')
    expectFigures(results.utf8.encode, 'utf8 encode')
    expect(results.utf8.logBytes).toBeGreaterThan(0)
    expectFigures(results.push.figures, 'push')
    expect(results.push.figures.map((f) => f.name)).toEqual(['1 topic', '100 topics', '1000 topics'])
  })

  it('end to end: every log reached the emulator; compression shrinks what goes on the wire', () => {
    const [none, lz4, deflate] = results.e2e.rows
    expect(none!.wireBytesPerLog).toBe(none!.rawBytesPerLog)
    for (const row of [lz4!, deflate!]) {
      expect(row.rawBytesPerLog).toBe(none!.rawBytesPerLog)
      expect(row.wireBytesPerLog).toBeGreaterThan(0)
      expect(row.wireBytesPerLog).toBeLessThan(row.rawBytesPerLog / 2)
    }
    expect(deflate!.wireBytesPerLog).toBeLessThan(lz4!.wireBytesPerLog)
  })

  it('prints the tables and a verdict per target, and leaves docs/benchmarks.md alone', () => {
    const out = lines.join('\n')
    for (const heading of ['### Targets', '### 1. Encoding', '### 2. LZ4', '### 3. Deflate', '### 4. End to end', '### 5. In the browser'])
      expect(out).toContain(heading)
    expect(out).toContain('--quick smoke run')
    expect(targets(results).every((t) => typeof t.met === 'boolean' && t.value.length > 0)).toBe(true)
    expect(readFileSync(DOC, 'utf8')).toBe(docBefore)
  })

  // The browser benchmark runs in the smoke run when Chromium is there (500 logs per SDK, one
  // run each). Checked: every log of both SDKs arrived exactly once, the counts add up, and
  // compression shows on the wire. No timing.
  it.skipIf(skipBrowser())('in the browser: both SDKs delivered all 500 logs exactly once, ours in fewer and smaller requests', () => {
    const b = results.browser
    expect(b, results.browserSkipped).toBeDefined()
    expect(b!.logs).toBe(500)
    const [ours, official] = b!.rows
    expect(ours!.name).toMatch(/^ours/)
    expect(official!.name).toContain(OFFICIAL)
    for (const row of b!.rows) {
      expect(row.runs.length).toBeGreaterThanOrEqual(1)
      for (const run of row.runs) {
        expect(run, row.name).toMatchObject({ delivered: 500, lost: 0, duplicates: 0, unexpected: 0, refused: 0 })
        expect(Number.isFinite(run.logsPerSecond) && run.logsPerSecond > 0, `${row.name}: logs/s`).toBe(true)
        expect(run.requests).toBeGreaterThan(0)
        expect(run.rawBytes).toBeGreaterThanOrEqual(run.wireBytes)
        expect(run.blockedMs).toBeGreaterThanOrEqual(run.pushMs) // measured from the same start, the one later
      }
      // The probe saw the same bodies the emulator counted.
      expect(row.probe.delivered).toBe(500)
      expect(row.probe.posts).toBe(row.runs[0]!.requests)
      expect(row.probe.requestBodyBytes).toBe(row.runs[0]!.wireBytes)
      expect(row.probe.requestHeaderBytes).toBeGreaterThan(0)
    }
    for (const run of ours!.runs) {
      expect(run.sdk).toMatchObject({ pushed: 500, sent: 500, failed: 0, dropped: 0, errors: 0 })
      expect(run.wireBytes).toBeLessThan(run.rawBytes / 2) // LZ4 by default
    }
    // count 10: at least one request per 10 logs; headers form: a preflight; beacons: none.
    for (const run of official!.runs) expect(run.requests).toBeGreaterThanOrEqual(50)
    expect(ours!.probe.preflights).toBeGreaterThanOrEqual(1)
    expect(official!.probe.preflights).toBe(0)
    expect(lines.join('\n')).toContain('| official: ')
  })

  // The same smoke run in Firefox ESR and WebKitGTK (test/support/engines.ts, each launched once,
  // one run per SDK): every log of both SDKs arrived exactly once. No timing; the CDP figures
  // (main thread busy, the HTTP probe) are Chromium's alone.
  for (const engine of OTHER_ENGINES)
    it.skipIf(skipBrowser() || skipEngine(engine))(`in ${engine}: both SDKs delivered all 500 logs exactly once`, () => {
      const column = results.browser?.engines.find((e) => e.engine === engine)
      expect(column, results.browserSkipped).toBeDefined()
      expect(column!.skipped, `${engine} skipped`).toBeUndefined()
      const [ours, official] = column!.runs
      for (const runs of [ours!, official!]) {
        expect(runs).toHaveLength(1)
        for (const run of runs) {
          expect(run, engine).toMatchObject({ delivered: 500, lost: 0, duplicates: 0, unexpected: 0, refused: 0 })
          expect(Number.isFinite(run.logsPerSecond) && run.logsPerSecond > 0, `${engine}: logs/s`).toBe(true)
          expect(run.rawBytes).toBeGreaterThanOrEqual(run.wireBytes)
          expect(run.blockedMs).toBeGreaterThanOrEqual(run.pushMs)
          expect(run.busyMs).toBeUndefined()
        }
      }
      for (const run of ours!) {
        expect(run.sdk).toMatchObject({ pushed: 500, sent: 500, failed: 0, dropped: 0, errors: 0 })
        expect(run.wireBytes).toBeLessThan(run.rawBytes / 2) // LZ4 by default
      }
      for (const run of official!) expect(run.requests).toBeGreaterThanOrEqual(50)
      expect(lines.join('\n')).toMatch(
        engine === 'firefox' ? /\| Firefox: ours \| Firefox: official \|/ : /\| WebKit: ours \| WebKit: official \|/,
      )
    })

  it('replaces only the section between the markers, and can do it again', () => {
    const section = renderSection(results)
    const once = replaceSection(docBefore, section)
    expect(once.split(START)).toHaveLength(2)
    expect(once.split(END)).toHaveLength(2)
    expect(once.slice(0, once.indexOf(START))).toBe(docBefore.slice(0, docBefore.indexOf(START)))
    expect(once.slice(once.indexOf(END))).toBe(docBefore.slice(docBefore.indexOf(END)))
    expect(once).toContain(section)
    expect(replaceSection(once, section)).toBe(once)
    expect(() => replaceSection('# no markers', section)).toThrow(/markers/)
  })
})

describe('the candidates’ outputs', () => {
  let c: Corpus
  beforeAll(() => {
    c = corpus()
  })

  it('encoding: our bodies are the floor’s very bytes, from the all-string logs and from the corpus as generated', () => {
    const client = encodingClient()
    const floor = floorEncode(c)
    expect(floor).toHaveLength(c.groups.length)
    for (const input of ['strings', 'raw'] as const) {
      const ours = ourEncode(client, c, input)
      expect(ours).toHaveLength(floor.length)
      ours.forEach((body, i) => expect(Buffer.compare(body, floor[i]!), `${input}, body ${i}`).toBe(0))
    }
    // The all-string corpus is what normalisation makes of the generated one.
    for (const g of c.groups) for (const log of g.strings) for (const v of Object.values(log)) expect(typeof v).toBe('string')
  })

  it('encoding: split bodies hold every log once, in order', () => {
    const split = bodies(c, 16 * 1024)
    const logs = split.flatMap((b) => (JSON.parse(new TextDecoder().decode(b)) as { __logs__: unknown[] }).__logs__)
    expect(logs).toEqual(c.groups.flatMap((g) => g.strings))
    for (const b of split) expect(b.length).toBeLessThanOrEqual(16 * 1024)
  })

  for (const set of BODY_SETS) {
    it(`LZ4, ${set.name}: our blocks (and lz4js's) decode with lz4-napi`, () => {
      const viaLz4js = lz4jsCompressor(set.maxBytes)
      for (const body of bodies(c, set.maxBytes)) {
        expect(Buffer.compare(napiDecode(lz4Block(body), body.length), body)).toBe(0)
        const theirs = viaLz4js(body)
        expect(theirs.length).toBeLessThan(body.length)
        expect(Buffer.compare(napiDecode(theirs, body.length), body)).toBe(0)
      }
    })

    it(`deflate, ${set.name}: our output (and fflate's) inflates with node:zlib`, () => {
      for (const body of bodies(c, set.maxBytes)) {
        expect(Buffer.compare(inflateSync(deflate.compress(body) as Uint8Array), body)).toBe(0)
        expect(Buffer.compare(inflateSync(viaFflate(body)), body)).toBe(0)
      }
    })
  }
})
