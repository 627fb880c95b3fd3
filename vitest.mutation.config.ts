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
    // not once per file (each run still starts a fresh worker: about 0.34 s, see MUTATION.md).
    isolate: false,
    // Fast files first: a mutant's run stops at its first failing test.
    sequence: { sequencer: FastFirstSequencer },
    setupFiles: ['./test/support/secret-sweep.ts'],
    restoreMocks: true,
    unstubGlobals: true,
    silent: true,
    // The fuzz test runs once per mutant it covers: 250 generated responses each, not npm test's 5000.
    env: { FUZZ_RUNS: '250' },
  },
});
