import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    reporters: ['default', './test/support/count-reporter.ts'],
    testTimeout: 20_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Coverage of the client modules (the emulator and the CLI are exercised end to end in
    // child processes, where v8 coverage does not reach). `npm test` enforces the threshold.
    coverage: {
      provider: 'v8',
      include: ['src/*.ts', 'src/request/*.ts', 'src/transport/*.ts', 'src/compress/*.ts', 'src/tracker/*.ts'],
      exclude: ['src/tracker/lifecycle.ts'],
      // Written to coverage/coverage.txt, so that the suite's last line stays `N passed, N failed`.
      reporter: [['text', { file: 'coverage.txt' }]],
      thresholds: { lines: 90 },
    },
  },
})
