import { DefaultReporter, type SerializedError, type TestModule, type TestRunEndReason } from 'vitest/node';
import { countedTest, summaryLines } from './skip-reasons.js';

/**
 * vitest's default reporter, ending the run with the plain lines CI reads: `tests: N passed, N failed`
 * (`, N skipped` when some were, `, N errors outside tests` for files, suites or hooks that failed, such
 * as a file the secret sweep fails after its tests), then one line per skip reason with its count
 * (`5 skipped: no Chromium`). See test/support/skip-reasons.ts. The first line shows a failure exactly
 * when vitest exits non-zero: a failed run with nothing else to count says why (`, run failed: ...`).
 */
export default class SummaryReporter extends DefaultReporter {
  override onTestRunEnd(
    testModules: ReadonlyArray<TestModule>,
    unhandledErrors: ReadonlyArray<SerializedError>,
    reason: TestRunEndReason,
  ): void {
    super.onTestRunEnd(testModules, unhandledErrors, reason);
    const tests = testModules.flatMap((testModule) => [...testModule.children.allTests()].map(countedTest));
    const suites = testModules.flatMap((testModule) => [testModule, ...testModule.children.allSuites()]);
    const errorsOutsideTests = unhandledErrors.length + suites.reduce((sum, suite) => sum + suite.errors().length, 0);
    // vitest fails a run when a file is not ok, or when there is no file at all (see its hasFailed).
    const runFailure =
      reason === 'interrupted'
        ? 'interrupted'
        : reason === 'failed'
          ? testModules.length === 0
            ? 'no test files'
            : `${testModules.filter((testModule) => !testModule.ok()).length} file(s) not ok`
          : undefined;
    this.log(`\n${summaryLines(tests, errorsOutsideTests, runFailure).join('\n')}`);
  }
}
