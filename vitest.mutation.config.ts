// The test set Stryker runs against each mutant (`npm run mutation`): every suite that runs in one
// process in seconds (api, session, testing kit, stores on a real file system and a real Redis, the
// reliability suites but the soak and Prism). Left out: the multi-process fleet and store tests, the
// package and tarball tests (they test dist/, not src/), the browser suite and the type tests.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: [
      'test/browser/**',
      'test/fleet/**',
      'test/package/**',
      'test/support/**',
      'test/**/*.processes.test.ts',
      'test/reliability/soak.test.ts',
      'test/reliability/prism.test.ts',
    ],
    environment: 'node',
    // One module graph for all files of a worker: a mutant's tests start in ms, not a second.
    isolate: false,
    setupFiles: ['./test/support/secret-sweep.ts'],
    restoreMocks: true,
    unstubGlobals: true,
    silent: true,
  },
});
