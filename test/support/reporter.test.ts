import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const run = promisify(execFile);

/** This project's vitest, run on `args` in a child process: its exit code and output. */
async function vitest(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  // Without the parent run's VITEST* and REQUIRE_* variables, so the child is a run of its own.
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('VITEST') && !name.startsWith('REQUIRE_')),
  );
  return run(process.execPath, [`${root}node_modules/vitest/vitest.mjs`, 'run', ...args], {
    cwd: root,
    env: { ...inherited, ...env, NO_COLOR: '1' },
  }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
  );
}

const closingLines = (stdout: string): string[] =>
  stdout
    .slice(stdout.lastIndexOf('\ntests: ') + 1)
    .trimEnd()
    .split('\n');

describe('the summary reporter, on a file the secret sweep fails after its tests passed', () => {
  it('counts that failure in its closing line, and vitest exits non-zero', async () => {
    // A planted leak (test/support/planted-leak/): its one test passes, then the sweep finds the secret.
    const { code, stdout, stderr } = await vitest(['--config', 'test/support/planted-leak/vitest.config.ts']);
    expect(stderr).toContain("secrets found in 1 collected errors, events and log lines: expected [ 'supersecret123' ] to deeply equal []");
    expect(closingLines(stdout)).toEqual(['tests: 1 passed, 0 failed, 1 error outside tests']);
    expect(code).toBe(1);
  }, 60_000);

  it('says why a run with nothing to count failed, and vitest exits non-zero', async () => {
    const { code, stdout } = await vitest(['--config', 'test/support/planted-leak/vitest.config.ts', 'no-such-file']);
    expect(closingLines(stdout)).toEqual(['tests: 0 passed, 0 failed, run failed: no test files']);
    expect(code).toBe(1);
  }, 60_000);
});

describe('the summary reporter, on a machine without Chromium nor redis-server', () => {
  it('ends the run by counting the skipped tests under each reason', async () => {
    // This project's own vitest, on the browser suite and a Redis suite, told both are missing.
    const { code, stdout } = await vitest(['test/browser/', 'test/redis/RedisTokenStore.test.ts'], {
      CHROMIUM_PATH: `${root}no-such-chromium`,
      REDIS_SERVER_PATH: `${root}no-such-redis-server`,
    });
    expect(code).toBe(0);
    const closing = closingLines(stdout);
    expect(closing).toHaveLength(3);
    const [total, redis, chromium] = closing.map((line) => /^(?:tests: 0 passed, 0 failed, )?(\d+) skipped(?:: (.*))?$/.exec(line));
    expect([redis?.[2], chromium?.[2]]).toEqual(['no redis-server', 'no Chromium']);
    // Every test of both suites is counted (the Redis suite has dozens, the browser suite a few).
    expect(Number(redis?.[1])).toBeGreaterThan(50);
    expect(Number(chromium?.[1])).toBeGreaterThanOrEqual(5);
    expect(Number(total?.[1])).toBe(Number(redis?.[1]) + Number(chromium?.[1]));
  }, 120_000);
});
