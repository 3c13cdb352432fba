#!/usr/bin/env node
// Entry of the `sls-webtrack` binary. No top-level await: the CJS build must load too.
import { main } from './main.js'

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code
  },
  (error: unknown) => {
    process.stderr.write(`sls-webtrack: ${String((error as { stack?: unknown } | null | undefined)?.stack ?? error)}\n`)
    process.exitCode = 1
  },
)
