// @ts-check
/**
 * Mutation testing (`npm run mutate`, not part of `npm test`: it runs the unit tests once per mutant).
 * Scope: the pure parts with unit tests. The wiring (start-up, preload) is covered by end-to-end tests
 * in child processes, which Stryker's in-process runner cannot see; its mutants are left out here.
 * @type {import('@stryker-mutator/api/core').PartialStrykerOptions}
 */
export default {
  testRunner: 'jest',
  jest: {
    projectType: 'custom',
    configFile: 'jest.config.cjs',
    // The CLI tests that build and run the bin in child processes see no mutant of the sandbox's sources.
    config: { roots: ['<rootDir>/test/unit'], testPathIgnorePatterns: ['/node_modules/', 'spanlens-bin', 'control-characters.test'] },
  },
  coverageAnalysis: 'perTest',
  mutate: [
    'src/detection/**/*.ts',
    'src/sql/**/*.ts',
    'src/stats/**/*.ts',
    'src/processors/**/*.ts',
    'src/config/**/*.ts',
    'instrumentations/keyv/**/*.ts',
  ],
  checkers: [],
  concurrency: 2,
  timeoutMS: 20_000,
  reporters: ['clear-text', 'progress-append-only', 'json'],
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  tempDirName: '.stryker-tmp',
  thresholds: { high: 85, low: 70, break: null },
};
