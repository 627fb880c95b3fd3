import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));

describe('npm run demo', () => {
  it('runs the whole life of a session against the embedded kit and exits by itself', async () => {
    const { stdout } = await run(process.execPath, [`${root}node_modules/tsx/dist/cli.mjs`, 'examples/demo.ts'], {
      cwd: root,
      timeout: 30_000,
    });
    const steps = stdout
      .split('\n')
      .map((line) => line.replace(/^\s*\d+\.\d\ds\s+/, '').replace(/\s{2,}.*$/, ''))
      .filter((line) => /^\d\.|^done$/.test(line));
    expect(steps).toEqual([
      '1. long token issued with the client secret, exchanged for a short JWT',
      '2. GET /jobs through session.fetch',
      '3. waiting for the short token to reach its refresh window',
      '4. revoked the current short token behind the session’s back',
      '5. signed out: short and long token revoked, memory and store cleared',
      'done',
    ]);
    expect(stdout).toContain('refreshed before expiry  new short JWT');
    expect(stdout).toContain('HTTP 201 (server saw 401 then 201)');
    expect(stdout).toContain('4 tokens issued, 4 revoked');
    expect(stdout).not.toMatch(/lt_[0-9a-f]{24}|eyJhbGciOiJIUzI1NiJ9\./);
  }, 30_000);
});
