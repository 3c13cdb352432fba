#!/usr/bin/env node
// Writes the measured sizes into docs/benchmarks.md's size table, so that the table is output
// of a run, never typed by hand (test/package.test.ts checks each figure against size-limit).
// With --limits, each row's limit in .size-limit.json becomes its size rounded up to 0.05 kB:
// used when a row's budget is decided anew, never in CI.
//
// Usage: npm run build && node scripts/size-table.mjs [--limits]
import { spawnSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'

// size-limit exits 1 when a row is over its limit; its JSON is complete either way.
const results = JSON.parse(spawnSync('node_modules/.bin/size-limit', ['--json'], { encoding: 'utf8' }).stdout)
const config = JSON.parse(readFileSync('.size-limit.json', 'utf8'))
const kB = (bytes) => `${(bytes / 1000).toFixed(2)} kB`

if (process.argv.includes('--limits')) {
  for (const row of config) {
    const { size } = results.find((r) => r.name === row.name)
    row.limit = `${String((Math.ceil(size / 50) * 50) / 1000)} kB`
  }
  writeFileSync('.size-limit.json', `${JSON.stringify(config, null, 2)}\n`)
}

const doc = readFileSync('docs/benchmarks.md', 'utf8').split('\n')
for (const r of results) {
  const name = r.name.split(' (')[0]
  const i = doc.findIndex((l) => l.startsWith(`| ${name} |`) || l.startsWith(`| ${name} (`))
  if (i < 0) throw new Error(`docs/benchmarks.md has no row for "${name}"`)
  const limit = config.find((c) => c.name === r.name).limit
  // | what | imports | gzip | CI limit | budget | budget met |
  const cells = doc[i].split(' | ')
  cells[2] = kB(r.size)
  cells[3] = limit
  const budget = /≤ ([\d.]+) kB/.exec(cells[4] ?? '')
  if (budget) cells[5] = `${r.size <= Number(budget[1]) * 1000 ? 'yes' : 'no'} |`
  doc[i] = cells.join(' | ')
  console.log(`${name}: ${r.size} B, limit ${limit}`)
}
writeFileSync('docs/benchmarks.md', doc.join('\n'))
