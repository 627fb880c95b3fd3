// Why tests are skipped. A suite is skipped only when something it needs is missing on this machine
// (with REQUIRE_BROWSER=1 / REQUIRE_REDIS=1, as in CI, that is an error instead), and the skip says why
// where it is declared: in the test's skip note (`context.skip(note)`), in the `skipReason` meta of a
// skipped suite (its tests inherit it), or in the `skipReason` its project provides (a whole project
// skipped). The summary reporter (test/support/reporter.ts) counts the skipped tests by reason.

declare module 'vitest' {
  interface TaskMeta {
    /** Why this test (every test of this suite) is skipped. */
    skipReason?: string;
  }
  interface ProvidedContext {
    /** Why every test of this project is skipped. */
    skipReason?: string;
  }
}

/** The browser suite, when the machine has no Chromium (see vitest.config.ts). */
export const NO_CHROMIUM = 'no Chromium';
/** The Redis suites, when the machine has no redis-server (see test/support/redis-server.ts). */
export const NO_REDIS = 'no redis-server';
/** A skip that does not say why: one to fix where it is declared. */
export const NO_REASON = 'no reason given';

/** What the summary needs of a test: its state, and why it was skipped. */
export interface CountedTest {
  readonly state: 'passed' | 'failed' | 'skipped' | 'pending';
  /** For a skipped test: why (a todo test: "todo"; one that never ran: "not run"). */
  readonly reason?: string;
}

/** The shape of vitest's TestSuite and TestModule this file reads. */
export interface SuiteLike {
  readonly type: 'suite' | 'module';
  errors(): ReadonlyArray<unknown>;
  readonly parent?: SuiteLike;
}

/** The shape of vitest's TestCase this file reads (a fake one will do in tests). */
export interface TestCaseLike {
  result(): { state: CountedTest['state']; note?: string | undefined };
  meta(): { skipReason?: string };
  readonly options: { readonly mode: string };
  readonly project: { getProvidedContext(): { skipReason?: string } };
  readonly parent: SuiteLike;
}

/**
 * A test's state and, if it was skipped, why: its skip note, its suite's reason, its project's, or
 * else a failure of its suite or file (a hook that threw) that kept it from running.
 */
export function countedTest(test: TestCaseLike): CountedTest {
  const result = test.result();
  if (result.state === 'passed' || result.state === 'failed') return { state: result.state };
  if (result.state === 'pending') return { state: 'pending', reason: 'not run' };
  if (test.options.mode === 'todo') return { state: 'skipped', reason: 'todo' };
  const declared = result.note || test.meta().skipReason || test.project.getProvidedContext().skipReason;
  if (declared) return { state: 'skipped', reason: declared };
  for (let suite: SuiteLike | undefined = test.parent; suite !== undefined; suite = suite.parent)
    if (suite.errors().length > 0) return { state: 'skipped', reason: `not run: its ${suite.type === 'module' ? 'file' : 'suite'} failed` };
  return { state: 'skipped', reason: NO_REASON };
}

/**
 * The closing lines of a run: `tests: N passed, N failed[, N skipped][, N errors outside tests]`, then
 * one line per skip reason, most tests first: `5 skipped: no Chromium`. Errors outside tests are those
 * of files, suites and hooks (a file failed after its tests by an afterAll), and unhandled ones. A run
 * that failed (`runFailure`: why) with no failed test nor error to show ends the first line with
 * `, run failed: <why>`, so the line never reads as a pass when vitest exits non-zero.
 */
export function summaryLines(tests: Iterable<CountedTest>, errorsOutsideTests = 0, runFailure?: string): string[] {
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  const reasons = new Map<string, number>();
  for (const test of tests) {
    if (test.state === 'passed') passed += 1;
    else if (test.state === 'failed') failed += 1;
    else {
      skipped += 1;
      const reason = test.reason ?? NO_REASON;
      reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
    }
  }
  const byCount = [...reasons].sort(([a, countA], [b, countB]) => countB - countA || a.localeCompare(b));
  const errors = errorsOutsideTests > 0 ? `, ${errorsOutsideTests} error${errorsOutsideTests > 1 ? 's' : ''} outside tests` : '';
  const unexplained = runFailure !== undefined && failed === 0 && errorsOutsideTests === 0 ? `, run failed: ${runFailure}` : '';
  return [
    `tests: ${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}${errors}${unexplained}`,
    ...byCount.map(([reason, count]) => `${count} skipped: ${reason}`),
  ];
}
