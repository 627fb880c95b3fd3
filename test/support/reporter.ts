import { DefaultReporter, type SerializedError, type TestModule, type TestRunEndReason } from 'vitest/node';
import { countedTest, summaryLines } from './skip-reasons.js';

/**
 * vitest's default reporter, ending the run with the plain lines CI reads: `tests: N passed, N failed`
 * (`, N skipped` when some were, `, N errors outside tests` for files, suites or hooks that failed), then
 * one line per skip reason with its count (`5 skipped: no Chromium`). See test/support/skip-reasons.ts.
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
    this.log(`\n${summaryLines(tests, errorsOutsideTests).join('\n')}`);
  }
}
