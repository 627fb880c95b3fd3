// The order of test files in a mutation run (vitest.mutation.config.ts). Stryker stops a mutant's run
// at its first failing test (bail), and a static mutant (one in code run when a module loads) runs every
// test file: so the files that run in milliseconds go first, and those that wait in real time (a real
// Redis, lock files, a server that does not answer) last, where only a surviving mutant reaches them.
import { relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/** Files that take over 100 ms, slowest last (measured by `vitest run -c vitest.mutation.config.ts --reporter=json`). */
const SLOW = [
  'test/reliability/fuzz.test.ts',
  'test/reliability/socket-faults.test.ts',
  'test/cli/login.test.ts',
  'test/cli/token.test.ts',
  'test/node/file-store-locks.test.ts',
  'test/node/file-store-watch-order.test.ts',
  'test/web/browser-sessions.test.ts',
  'test/session/refresh.test.ts',
  'test/node/file-store-lock-folder.test.ts',
  'test/node/FileTokenStore.contract.test.ts',
  'test/cli/status-revoke.test.ts',
  'test/node/FileTokenStore.test.ts',
  'test/redis/RedisTokenStore.test.ts',
];

export default class FastFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (spec: TestSpecification) => SLOW.indexOf(relative(process.cwd(), spec.moduleId).replaceAll('\\', '/'));
    const name = (spec: TestSpecification) => spec.moduleId;
    return [...files].sort((a, b) => rank(a) - rank(b) || (name(a) < name(b) ? -1 : name(a) > name(b) ? 1 : 0));
  }
}
