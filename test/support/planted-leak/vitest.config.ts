import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// The planted-leak fixture, under the project's own secret sweep and summary reporter (as the node
// project of vitest.config.ts sets them). Used by test/support/reporter.test.ts only.
export default defineConfig({
  root: fileURLToPath(new URL('../../..', import.meta.url)),
  test: {
    include: ['test/support/planted-leak/*.fixture.ts'],
    environment: 'node',
    setupFiles: ['./test/support/secret-sweep.ts'],
    reporters: ['./test/support/reporter.ts'],
  },
});
