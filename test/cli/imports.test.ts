// The command is a thin shell over the package: whatever it does, a user's program can do with
// the public entries. So src/cli/ imports only those (and its own modules, and Node's).
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { root } from '../support/run.js'

const PUBLIC = ['../index.js', '../core.js', '../emulator/index.js', '../sign/index.js']

describe('src/cli/', () => {
  it('imports only the public entries, its own modules and Node built-ins', () => {
    const dir = join(root, 'src', 'cli')
    const outside: string[] = []
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
      const text = readFileSync(join(dir, file), 'utf8')
      for (const [, spec] of text.matchAll(/^\s*(?:import|export)\b[^'"]*?\bfrom\s+['"]([^'"]+)['"]/gm)) {
        if (spec!.startsWith('node:') || /^\.\/[\w-]+\.js$/.test(spec!) || PUBLIC.includes(spec!)) continue
        outside.push(`${file}: ${spec}`)
      }
    }
    expect(outside).toEqual([])
  })
})
