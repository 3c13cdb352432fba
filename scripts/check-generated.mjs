#!/usr/bin/env node
// Fails when generated/ is stale against openapi/: regenerates into a temporary folder and
// compares file by file (openapi-typescript --check misses stale files with several outputs).
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { defaultOut, generate } from './generate.mjs'

// --dir DIR compares another folder (the tests use it to prove that a hand edit is caught).
const dirArg = process.argv.indexOf('--dir')
const committedDir = dirArg > 0 ? process.argv[dirArg + 1] : defaultOut
const tmp = mkdtempSync(join(tmpdir(), 'sls-webtrack-gen-'))
try {
  await generate({ out: tmp, lint: false })
  const fresh = readdirSync(tmp).sort()
  const committed = readdirSync(committedDir).sort()
  const problems = []
  for (const name of new Set([...fresh, ...committed])) {
    if (!fresh.includes(name)) problems.push(`generated/${name} is not produced by the spec any more`)
    else if (!committed.includes(name)) problems.push(`generated/${name} is missing`)
    else if (readFileSync(join(tmp, name), 'utf8') !== readFileSync(join(committedDir, name), 'utf8')) {
      problems.push(`generated/${name} differs from what openapi/ generates`)
    }
  }
  if (problems.length) {
    console.error(problems.join('\n') + '\nRun `npm run generate` and commit the result; never edit generated/ by hand.')
    process.exit(1)
  }
  console.log(`generated/ is up to date (${fresh.length} files)`)
} finally {
  rmSync(tmp, { recursive: true, force: true })
}
