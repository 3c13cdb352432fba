// The house rules that a reviewer would otherwise check by eye: the linter and the formatter
// pass, no function in src/ grows past about 80 lines without a comment that says why, and every
// folder of src/ has a README. Run inside `npm test`, so CI holds them.
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'
import { root, run } from './support/run.js'

const walk = (dir: string): string[] =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? walk(path) : [path]
  })

describe('the house', () => {
  it('eslint (typescript-eslint strict and stylistic, type-checked) finds nothing', () => {
    const r = run(process.execPath, [join(root, 'node_modules/eslint/bin/eslint.js'), '.'], { cwd: root, timeoutMs: 300_000 })
    expect(r.out).toBe('')
    expect(r.status).toBe(0)
  }, 300_000)

  it('prettier finds every file formatted', () => {
    const prettier = join(root, 'node_modules/prettier/bin/prettier.cjs')
    const r = run(process.execPath, [prettier, '--check', 'src', 'test', 'scripts', '*.config.ts', 'eslint.config.js'], {
      cwd: root,
      timeoutMs: 120_000,
    })
    expect(r.status, r.out).toBe(0)
  }, 120_000)

  it('no function in src/ is longer than 80 lines, unless a comment at its top says why (“on purpose”)', () => {
    const long: string[] = []
    for (const file of walk(join(root, 'src')).filter((f) => f.endsWith('.ts'))) {
      const text = readFileSync(file, 'utf8')
      const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true)
      const visit = (node: ts.Node): void => {
        if (ts.isFunctionLike(node) && 'body' in node && node.body) {
          const line = (pos: number) => source.getLineAndCharacterOfPosition(pos).line
          const lines = line(node.end) - line(node.getStart()) + 1
          const top = text.slice(node.body.getStart(), node.body.getStart() + 400)
          if (lines > 80 && !top.includes('on purpose')) long.push(`${relative(root, file)}:${line(node.getStart()) + 1} (${lines} lines)`)
        }
        ts.forEachChild(node, visit)
      }
      visit(source)
    }
    expect(long).toEqual([])
  })

  it('every folder of src/ has a README that names each of its modules', () => {
    const src = join(root, 'src')
    const folders = readdirSync(src)
      .map((name) => join(src, name))
      .filter((path) => statSync(path).isDirectory())
    for (const dir of [src, ...folders]) {
      const readme = readFileSync(join(dir, 'README.md'), 'utf8')
      for (const name of readdirSync(dir).filter((n) => n.endsWith('.ts'))) {
        expect(readme, `${relative(root, dir)}/README.md names ${name}`).toContain(name)
      }
    }
  })
})
