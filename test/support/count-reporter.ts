// Prints the closing line CI reads: `N passed, N failed`. A test file that fails to load and an
// unhandled error each count as a failure, as does a suite whose beforeAll or afterAll failed, so a broken module can never pass silently.
import type { Reporter, TestModule } from 'vitest/node'

export default class CountReporter implements Reporter {
  onTestRunEnd(modules: readonly TestModule[], unhandledErrors: readonly unknown[]): void {
    let passed = 0
    let failed = unhandledErrors.length
    let skipped = 0
    for (const mod of modules) {
      let tests = 0
      for (const test of mod.children.allTests()) {
        tests++
        const state = test.result().state
        if (state === 'passed') passed++
        else if (state === 'failed') failed++
        else skipped++
      }
      // A suite whose hook failed (its tests are then skipped) counts as one failure of its own.
      for (const suite of mod.children.allSuites()) if (suite.errors().length > 0) failed++
      if (mod.state() === 'failed' && (tests === 0 || mod.errors().length > 0)) failed++
    }
    const line = (extra: number) => `\n${passed} passed, ${failed + extra} failed${skipped ? `, ${skipped} skipped` : ''}\n`
    // Printed as the process exits, after the coverage report and threshold messages that
    // vitest prints once the run has ended: the line must close the output. (stdout to a file or
    // a pipe is written synchronously on Linux, so it is not lost at exit.)
    // A run that exits non-zero with no failed test (a coverage threshold missed) counts one.
    process.once('exit', (code) => process.stdout.write(line(code !== 0 && failed === 0 ? 1 : 0)))
  }
}
