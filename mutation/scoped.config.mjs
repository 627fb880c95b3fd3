// A scoped mutation run, for working on the survivors of a few files while other runs go on:
//   MUTATION_SCOPE=<name> MUTATION_TESTS=<test files, comma-separated> \
//     npx stryker run mutation/scoped.config.mjs --mutate src/a.ts,src/b.ts
// Each scope has its own sandbox (.stryker-tmp-<name>), incremental file and report under
// .mutation-scoped/<name>/ (not committed), one worker, and no threshold. MUTATION_TESTS limits the
// tests run to the files given (vitest.mutation.config.ts reads it); without it, the whole mutation set.
import base from '../stryker.config.mjs';

const scope = process.env.MUTATION_SCOPE;
if (!scope || !/^[\w-]+$/.test(scope)) throw new Error('set MUTATION_SCOPE to a name ([A-Za-z0-9_-])');

export default {
  ...base,
  concurrency: Number(process.env.MUTATION_CONCURRENCY ?? 1),
  // The tests are MUTATION_TESTS (or the whole set), not only those vitest finds importing the files.
  vitest: { ...base.vitest, related: false },
  incrementalFile: `.mutation-scoped/${scope}/incremental.json`,
  tempDirName: `.stryker-tmp-${scope}`,
  ignorePatterns: ['.stryker-tmp-*', '.mutation-scoped', 'mutation', 'dist', 'coverage'],
  reporters: ['clear-text', 'json'],
  jsonReporter: { fileName: `.mutation-scoped/${scope}/report.json` },
  clearTextReporter: { allowColor: false, logTests: false, reportScoreTable: true, reportMutants: true },
  thresholds: { high: 95, low: 90, break: null },
};
