#!/usr/bin/env node
// Puts `/// <reference lib="esnext.disposable" />` at the top of every published declaration
// file that names AsyncDisposable (Tracker and Emulator extend it). The declaration bundler
// drops such references from the sources, and without it a consumer whose `lib` stops at
// ES2022, such as a page without @types/node, fails with TS2304 (TypeScript 5.2 or later reads
// the reference; the consumer compile check covers it).
//
// Usage: node scripts/dts-lib.mjs [dist-dir]   (run by `npm run build` after tsup)
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

const REFERENCE = '/// <reference lib="esnext.disposable" />\n'

export function addDisposableLib(dir) {
  for (const name of readdirSync(dir)) {
    if (!/\.d\.c?ts$/.test(name)) continue
    const file = join(dir, name)
    const text = readFileSync(file, 'utf8')
    if (text.includes('AsyncDisposable') && !text.startsWith(REFERENCE)) writeFileSync(file, REFERENCE + text)
  }
}

addDisposableLib(process.argv[2] ?? 'dist')
