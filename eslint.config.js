// Lint: typescript-eslint's strict and stylistic type-checked sets, with the type information of
// `tsconfig.test.json` (src, generated and test). Formatting is Prettier's job (.prettierrc.json);
// no rule here formats. Each option below says why it departs from the preset.
import js from '@eslint/js'
import { defineConfig } from 'eslint/config'
import globals from 'globals'
import tseslint from 'typescript-eslint'

export default defineConfig(
  { ignores: ['generated/', 'dist/', 'site/', 'coverage/', '.tmp/'] },
  js.configs.recommended,
  tseslint.configs.strictTypeChecked,
  tseslint.configs.stylisticTypeChecked,
  {
    languageOptions: {
      parserOptions: { project: './tsconfig.test.json', tsconfigRootDir: import.meta.dirname },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // `noUncheckedIndexedAccess` is on: `a[i]!` is how the code states "i is in range".
      '@typescript-eslint/no-non-null-assertion': 'off',
      // Numbers in messages (`${bytes} bytes`) are the common case; `undefined`, objects and
      // `unknown` in a template are still reported. (Naming one option resets the others to the
      // rule's lax defaults, so all are given.)
      '@typescript-eslint/restrict-template-expressions': [
        'error',
        { allowNumber: true, allowAny: false, allowBoolean: false, allowNever: false, allowNullish: false, allowRegExp: false },
      ],
      // `() => void promise` and `(x) => list.push(x)` are fine as one-line arrows.
      '@typescript-eslint/no-confusing-void-expression': ['error', { ignoreArrowShorthand: true }],
      // `signal.reason` (typed `any`) is whatever the caller aborted with: passed on as it is.
      '@typescript-eslint/prefer-promise-reject-errors': ['error', { allowThrowingAny: true, allowThrowingUnknown: true }],
      // `const noop = () => {}` is a deliberate no-op.
      '@typescript-eslint/no-empty-function': ['error', { allow: ['arrowFunctions'] }],
      // `const { __time__, ...rest } = log` drops a key on purpose.
      '@typescript-eslint/no-unused-vars': ['error', { ignoreRestSiblings: true }],
      // Beyond the presets: a `switch` over a union names every case or has a `default`.
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      // Golfed idioms (issue 17, point 6): the comma operator.
      'no-sequences': 'error',
    },
  },
  {
    files: ['src/**/*.ts'],
    rules: {
      // Golfed idioms in the library: an assignment as a return value, `(x = y)` included.
      'no-return-assign': ['error', 'always'],
      // `return done()` from a function that returns nothing, and `t.linger = clear(t.linger)`
      // (see batcher.ts's `clear`): kept, as each spelled out costs bytes in every tracker bundle.
      '@typescript-eslint/no-confusing-void-expression': 'off',
    },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      // Tests reach into untyped worlds on purpose: `window` inside `page.evaluate`, vm sandboxes,
      // JSON read back from child processes. The promise and condition rules stay on.
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      // A failing assertion's message may print `undefined` or `null`: that is what it reports.
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true, allowNullish: true }],
      // Sums over JSON read back from a child process or a page (`any`) are the common case.
      '@typescript-eslint/restrict-plus-operands': 'off',
      // Stubs are `async` to match the interface they stand in for, awaiting nothing.
      '@typescript-eslint/require-await': 'off',
      // node:test's `test()` returns a promise the runner awaits.
      '@typescript-eslint/no-floating-promises': [
        'error',
        { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'it', 'describe', 'suite'] }] },
      ],
    },
  },
  {
    // Plain JavaScript outside the TypeScript project: syntax rules only.
    files: ['**/*.js', '**/*.mjs'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { globals: globals.node },
  },
  {
    // Root config files are not in tsconfig.test.json either.
    files: ['*.config.ts'],
    extends: [tseslint.configs.disableTypeChecked],
  },
)
