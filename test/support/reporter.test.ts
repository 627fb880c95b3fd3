import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const run = promisify(execFile);

describe('the summary reporter, on a machine without Chromium nor redis-server', () => {
  it('ends the run by counting the skipped tests under each reason', async () => {
    // This project's own vitest, on the browser suite and a Redis suite, told both are missing.
    const env = Object.fromEntries(
      Object.entries(process.env).filter(([name]) => !name.startsWith('VITEST') && !name.startsWith('REQUIRE_')),
    );
    const { stdout } = await run(
      process.execPath,
      [`${root}node_modules/vitest/vitest.mjs`, 'run', 'test/browser/', 'test/redis/RedisTokenStore.test.ts'],
      {
        cwd: root,
        env: { ...env, CHROMIUM_PATH: `${root}no-such-chromium`, REDIS_SERVER_PATH: `${root}no-such-redis-server`, NO_COLOR: '1' },
      },
    );
    const closing = stdout
      .slice(stdout.lastIndexOf('\ntests: ') + 1)
      .trimEnd()
      .split('\n');
    expect(closing).toHaveLength(3);
    const [total, redis, chromium] = closing.map((line) => /^(?:tests: 0 passed, 0 failed, )?(\d+) skipped(?:: (.*))?$/.exec(line));
    expect([redis?.[2], chromium?.[2]]).toEqual(['no redis-server', 'no Chromium']);
    // Every test of both suites is counted (the Redis suite has dozens, the browser suite a few).
    expect(Number(redis?.[1])).toBeGreaterThan(50);
    expect(Number(chromium?.[1])).toBeGreaterThanOrEqual(5);
    expect(Number(total?.[1])).toBe(Number(redis?.[1]) + Number(chromium?.[1]));
  }, 120_000);
});
