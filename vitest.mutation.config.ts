// The test set Stryker runs against each mutant (`npm run mutation`): every suite that runs in one
// process in seconds (api, session, testing kit, stores on a real file system and a real Redis, the
// reliability suites but the soak and Prism). Left out: the multi-process fleet and store tests, the
// package and tarball tests (they test dist/, not src/), the browser and Chromium tabs suites and the
// type tests.
import { defineConfig } from 'vitest/config';
import FastFirstSequencer from './test/support/fast-first-sequencer.js';

// A scoped run (mutation/scoped.config.mjs) may name its test files in MUTATION_TESTS (comma-separated).
const only = process.env.MUTATION_TESTS?.split(',').filter(Boolean);

export default defineConfig({
  test: {
    include: only?.length ? only : ['test/**/*.test.ts'],
    exclude: [
      'test/browser/**',
      'test/tabs/**',
      'test/fleet/**',
      'test/package/**',
      'test/support/**',
      'test/**/*.processes.test.ts',
      'test/reliability/soak.test.ts',
      'test/reliability/prism.test.ts',
    ],
    environment: 'node',
    // One module graph for all the files of a mutant's run: the SDK, msw and the kit load once per run,
    // not once per file; mutation/reuse-runner.mjs keeps it from one mutant to the next.
    isolate: false,
    // Fast files first: a mutant's run stops at its first failing test.
    sequence: { sequencer: FastFirstSequencer },
    // A mutant that makes a test hang is killed after 2.5 s, not vitest's 5 s: 217 mutants of the full
    // run are killed that way. The slowest test of this set takes 0.93 s; tests that need longer say so.
    testTimeout: 2_500,
    setupFiles: ['./test/support/secret-sweep.ts'],
    restoreMocks: true,
    unstubGlobals: true,
    silent: true,
    // The fuzz test runs once per mutant it covers: 250 generated responses each, not npm test's 5000.
    env: { FUZZ_RUNS: '250' },
  },
});
