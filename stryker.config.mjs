// Mutation testing (`npm run mutation`): Stryker mutates src/ and runs vitest.mutation.config.ts
// against each mutant, only the tests that cover it. The run is incremental: mutation/incremental.json
// (committed) holds the last results, so a run re-tests only mutants in changed code or covered by
// changed tests. `npm run mutation -- --force` re-tests everything. Below 90% the run fails. The output
// is the score per file; the surviving mutants are listed in mutation/report.json (a scoped run,
// mutation/scoped.config.mjs, prints them).
import { fileURLToPath } from 'node:url';

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  // mutation/reuse-runner.mjs: Stryker's vitest runner keeping its worker between mutants (a full run
  // in 23 min instead of 73, see MUTATION.md); MUTATION_RUNNER=vitest runs Stryker's own runner instead.
  testRunner: process.env.MUTATION_RUNNER === 'vitest' ? 'vitest' : 'vitest-reuse',
  vitest: { configFile: 'vitest.mutation.config.ts' },
  plugins: ['@stryker-mutator/vitest-runner', fileURLToPath(new URL('./mutation/reuse-runner.mjs', import.meta.url))],
  coverageAnalysis: 'perTest',
  mutate: ['src/**/*.ts', '!src/**/index.ts', '!src/types.ts'],
  incremental: true,
  incrementalFile: 'mutation/incremental.json',
  thresholds: { high: 95, low: 90, break: 90 },
  concurrency: 2,
  timeoutMS: 10_000,
  reporters: ['clear-text', 'progress-append-only', 'json'],
  jsonReporter: { fileName: 'mutation/report.json' },
  clearTextReporter: { allowColor: false, logTests: false, reportTests: false, reportScoreTable: true, reportMutants: false },
  tempDirName: '.stryker-tmp',
  // Not needed by the tests: other runs' sandboxes and results, the build.
  ignorePatterns: ['.stryker-tmp-*', '.mutation-scoped', 'dist', 'coverage'],
  cleanTempDir: 'always',
};
