// @ts-check
/**
 * Mutation testing (`npm run mutate`, not part of `npm test`: it runs the unit tests once per mutant).
 * Scope: the pure parts with unit tests. The wiring (start-up, preload) is covered by end-to-end tests
 * in child processes, which Stryker's in-process runner cannot see; its mutants are left out here.
 *
 * A whole run is about 5,000 mutants: `npm run mutate` runs one folder after another (scripts/mutate.mjs),
 * each with its own report and incremental file, and `npm run mutate:table` prints the score per folder.
 * One folder: `npx stryker run --mutate 'src/sql/**\/*.ts'`.
 *
 * Left out, and why:
 * - static mutants (`ignoreStatic`): code run once when a module loads (constants, tables of patterns).
 *   Stryker can only test them by reloading everything and running every test, per mutant: most of a run's
 *   time for a few per cent of its mutants. Their count is in the report as "ignored".
 * - tests marked `itUnlessMutationRun` (the jest global SPANLENS_SKIP_SLOW_TESTS): two tests of 200,000
 *   spans (10 s each) that cover nearly every mutant of src/processors, src/detection and src/sql. They
 *   protect the processor's detection budget; `SPANLENS_MUTATE_SLOW_TESTS=1` runs them, to check those lines.
 * - the CLI tests that build and run the bin in child processes, which see no mutant of the sandbox's sources.
 *
 * @type {import('@stryker-mutator/api/core').PartialStrykerOptions}
 */
export default {
  testRunner: 'jest',
  jest: {
    projectType: 'custom',
    configFile: 'jest.config.cjs',
    config: {
      roots: ['<rootDir>/test/unit'],
      testPathIgnorePatterns: ['/node_modules/', 'spanlens-bin', 'control-characters.test'],
      globals: { SPANLENS_SKIP_SLOW_TESTS: process.env.SPANLENS_MUTATE_SLOW_TESTS !== '1' },
    },
  },
  coverageAnalysis: 'perTest',
  ignoreStatic: true,
  mutate: [
    'src/detection/**/*.ts',
    'src/sql/**/*.ts',
    'src/stats/**/*.ts',
    'src/processors/**/*.ts',
    'src/config/**/*.ts',
    'instrumentations/keyv/**/*.ts',
  ],
  checkers: [],
  // At most 2 workers: the machine has 2 cores, shared. SPANLENS_MUTATE_WORKERS=1 when others need them.
  concurrency: Number(process.env.SPANLENS_MUTATE_WORKERS ?? 2),
  timeoutMS: 20_000,
  reporters: ['clear-text', 'progress-append-only', 'json'],
  jsonReporter: { fileName: process.env.SPANLENS_MUTATE_REPORT ?? 'reports/mutation/mutation.json' },
  incrementalFile: process.env.SPANLENS_MUTATE_INCREMENTAL ?? 'reports/stryker-incremental.json',
  tempDirName: '.stryker-tmp',
  thresholds: { high: 85, low: 70, break: null },
};
