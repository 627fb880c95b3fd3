import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));
const SOAK_MS = 20_000;

describe('a session under outage (bounded soak, its own process)', () => {
  it(`stays correct for ${SOAK_MS / 1000} s of concurrent calls with 10% injected faults, then exits by itself`, async () => {
    const { stdout } = await run(process.execPath, ['--expose-gc', '--import', 'tsx', 'test/reliability/soak-child.ts', String(SOAK_MS)], {
      cwd: root,
      timeout: SOAK_MS + 30_000,
    });
    const summary = JSON.parse(stdout) as Record<string, number | boolean>;
    console.log(`soak: ${JSON.stringify(summary)}`);
    expect(summary.calls).toBeGreaterThan(20_000);
    expect((summary.injected as unknown as { auth: number }).auth).toBeGreaterThan(2);
    expect((summary.injected as unknown as { jobs: number }).jobs).toBeGreaterThan(1000);
    expect(summary.expiredUses).toBe(0);
    expect(summary.jobs401).toBe(0);
    expect(summary.unhandled).toBe(0);
    expect(summary.untypedFailures).toBe(0);
    expect(Math.abs((summary.successfulExchanges as number) - (summary.idealExchanges as number))).toBeLessThanOrEqual(1);
    expect(summary.heapGrowthMb).toBeLessThan(5);
    expect(summary.resourcesBack).toBe(true);
  }, 60_000);
});
