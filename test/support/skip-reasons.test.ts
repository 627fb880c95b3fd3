import { describe, expect, it } from 'vitest';
import {
  type CountedTest,
  countedTest,
  NO_CHROMIUM,
  NO_REASON,
  NO_REDIS,
  type SuiteLike,
  summaryLines,
  type TestCaseLike,
} from './skip-reasons.js';

const file: SuiteLike = { type: 'module', errors: () => [] };

/** A fake of vitest's TestCase, as the reporter reads it. */
function fakeTest(
  state: CountedTest['state'],
  {
    note,
    meta,
    provided,
    mode = 'run',
    parent = file,
  }: { note?: string; meta?: string; provided?: string; mode?: string; parent?: SuiteLike } = {},
): TestCaseLike {
  return {
    result: () => ({ state, note }),
    meta: () => (meta === undefined ? {} : { skipReason: meta }),
    options: { mode },
    project: { getProvidedContext: () => (provided === undefined ? {} : { skipReason: provided }) },
    parent,
  };
}

describe('the closing lines of a run', () => {
  it('count the skipped tests and say why: 5 skipped: no Chromium', () => {
    const tests = [
      ...Array.from({ length: 3 }, () => fakeTest('passed')),
      ...Array.from({ length: 5 }, () => fakeTest('skipped', { provided: NO_CHROMIUM })),
    ].map(countedTest);
    expect(summaryLines(tests)).toEqual(['tests: 3 passed, 0 failed, 5 skipped', '5 skipped: no Chromium']);
  });

  it('print one line per reason, most tests first', () => {
    const tests = [
      fakeTest('passed'),
      fakeTest('failed'),
      ...Array.from({ length: 5 }, () => fakeTest('skipped', { provided: NO_CHROMIUM })),
      ...Array.from({ length: 75 }, () => fakeTest('skipped', { meta: NO_REDIS })),
      fakeTest('skipped', { note: 'needs IPv6' }),
    ].map(countedTest);
    expect(summaryLines(tests)).toEqual([
      'tests: 1 passed, 1 failed, 81 skipped',
      '75 skipped: no redis-server',
      '5 skipped: no Chromium',
      '1 skipped: needs IPv6',
    ]);
  });

  it('say nothing of skips when none was skipped, and count errors outside tests', () => {
    expect(summaryLines([{ state: 'passed' }, { state: 'passed' }])).toEqual(['tests: 2 passed, 0 failed']);
    expect(summaryLines([{ state: 'passed' }], 1)).toEqual(['tests: 1 passed, 0 failed, 1 error outside tests']);
    expect(summaryLines([], 2)).toEqual(['tests: 0 passed, 0 failed, 2 errors outside tests']);
  });

  it('say why a failed run failed when no failed test nor error shows it, and only then', () => {
    expect(summaryLines([], 0, 'no test files')).toEqual(['tests: 0 passed, 0 failed, run failed: no test files']);
    expect(summaryLines([{ state: 'failed' }], 0, '1 file(s) not ok')).toEqual(['tests: 0 passed, 1 failed']);
    expect(summaryLines([{ state: 'passed' }], 1, '1 file(s) not ok')).toEqual(['tests: 1 passed, 0 failed, 1 error outside tests']);
  });
});

describe('why a test was skipped', () => {
  it('is its skip note first, then its suite meta, then its project', () => {
    expect(countedTest(fakeTest('skipped', { note: 'a note', meta: 'meta', provided: 'project' }))).toEqual({
      state: 'skipped',
      reason: 'a note',
    });
    expect(countedTest(fakeTest('skipped', { meta: NO_REDIS, provided: 'project' }))).toEqual({ state: 'skipped', reason: NO_REDIS });
    expect(countedTest(fakeTest('skipped', { provided: NO_CHROMIUM }))).toEqual({ state: 'skipped', reason: NO_CHROMIUM });
  });

  it('is a failure of its suite or file when nothing else says why', () => {
    const failedFile: SuiteLike = { type: 'module', errors: () => [new Error('beforeAll threw')] };
    const suite: SuiteLike = { type: 'suite', errors: () => [], parent: failedFile };
    expect(countedTest(fakeTest('skipped', { parent: suite }))).toEqual({ state: 'skipped', reason: 'not run: its file failed' });
    const failedSuite: SuiteLike = { type: 'suite', errors: () => [new Error('beforeAll threw')], parent: file };
    expect(countedTest(fakeTest('skipped', { parent: failedSuite }))).toEqual({ state: 'skipped', reason: 'not run: its suite failed' });
  });

  it('is "todo" for a todo test, "not run" for one that never ran, and else says that no reason was given', () => {
    expect(countedTest(fakeTest('skipped', { mode: 'todo' }))).toEqual({ state: 'skipped', reason: 'todo' });
    expect(countedTest(fakeTest('pending'))).toEqual({ state: 'pending', reason: 'not run' });
    expect(countedTest(fakeTest('skipped'))).toEqual({ state: 'skipped', reason: NO_REASON });
    expect(countedTest(fakeTest('passed', { provided: NO_CHROMIUM }))).toEqual({ state: 'passed' });
  });
});
