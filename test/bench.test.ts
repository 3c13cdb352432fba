// The benchmarks' smoke run (`run.ts --quick --no-write`, in-process): every benchmark runs and
// gives finite positive figures, the candidates' outputs are right, and the doc is left alone.
// No assertion on timing: figures of a smoke run mean nothing, and benchmarks do not gate CI.
import { readFileSync } from 'node:fs'
import { inflateSync } from 'node:zlib'
import { beforeAll, describe, expect, it } from 'vitest'
import { lz4Block } from '../src/compress/lz4.js'
import { deflateSync } from '../src/compress/deflate.js'
import { viaFflate } from './bench/deflate.bench.js'
import { bodies, corpus, encodingClient, floorEncode, ourEncode, type Corpus } from './bench/encode.bench.js'
import type { Figure } from './bench/harness.js'
import { lz4jsCompressor, napiDecode } from './bench/lz4.bench.js'
import { BODY_SETS, DOC, END, main, renderSection, replaceSection, START, targets, type Results } from './bench/run.js'

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
  }, 60_000)

  it('gives finite, positive figures for every benchmark', () => {
    expectFigures(results.encode.figures, 'encode')
    expect(results.encode.figures).toHaveLength(3)
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
    for (const heading of ['### Targets', '### 1. Encoding', '### 2. LZ4', '### 3. Deflate', '### 4. End to end']) expect(out).toContain(heading)
    expect(out).toContain('--quick smoke run')
    expect(targets(results).every((t) => typeof t.met === 'boolean' && t.value.length > 0)).toBe(true)
    expect(readFileSync(DOC, 'utf8')).toBe(docBefore)
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
        expect(Buffer.compare(inflateSync(deflateSync(body)), body)).toBe(0)
        expect(Buffer.compare(inflateSync(viaFflate(body)), body)).toBe(0)
      }
    })
  }
})
