// A fleet of real processes (test/fleet/worker.ts, at most 8) sharing one FileTokenStore file in a
// temporary folder, against the kit's mock auth server on a real socket in this process. Every wait
// has a deadline and waits on something observable (a line a worker prints, its exit, the kit's log);
// leftover workers are killed by PID. Each test prints its figures.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FileTokenStore } from '../../src/node/index.js';
import { type ServedAuthMock, serveAuthMock } from '../../src/testing/node/index.js';
import { buildWorker, FLEET_CREDENTIALS, judgeByKit, killLeftovers, printedSecrets, removeWorkerBuild, sum } from './fleet.js';
import {
  coldStart,
  type FleetStore,
  leaseHolderKilled,
  leaseWaitedMaxMs,
  rotationByCompareAndSet,
  rotationUnderLease,
} from './scenarios.js';

describe('a fleet of processes sharing one FileTokenStore file', () => {
  let dir: string;
  let served: ServedAuthMock | undefined;

  beforeAll(() => buildWorker(), 30_000);
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'c2m-file-fleet-'));
  });
  afterEach(async () => {
    await killLeftovers();
    const secrets = [FLEET_CREDENTIALS.client_secret, ...(served?.mock.tokens.map((token) => token.value) ?? [])];
    await served?.close();
    served = undefined;
    await rm(dir, { recursive: true, force: true });
    // The workers print ids, hashes and counts: never a token the kit issued, nor the client secret.
    expect(printedSecrets(secrets)).toEqual([]);
  });
  afterAll(() => removeWorkerBuild());

  const serve = async (options: Parameters<typeof serveAuthMock>[0] = {}) => {
    served = await serveAuthMock(options);
    return served;
  };
  const path = () => join(dir, 'tokens.json');
  const fileStore: FleetStore = {
    label: 'file',
    on: (kit, options = {}) => ({ baseUrl: kit.url, store: 'file', path: path(), mode: 'cold', callers: 250, ...options }),
    get: (key) => new FileTokenStore({ path: path() }).get(key),
    set: (key, record) => new FileTokenStore({ path: path() }).set(key, record),
  };

  it('cold: 8 processes × 250 concurrent callers share 1 long-token issuance and 1 exchange', async () => {
    await coldStart(await serve(), fileStore, 8, {
      figures: (summaries) => ({ leaseWaitedMaxMs: leaseWaitedMaxMs(summaries) }),
      handOuts: (kit, summaries) => {
        expect(sum(summaries, (summary) => summary.expiredHandOuts + summary.unknownHandOuts)).toBe(0);
        expect(judgeByKit(summaries, kit.mock.tokens)).toMatchObject({ expired: 0, unknown: 0 });
      },
    });
  }, 60_000);

  it('two processes in the rotation window at once: one rotates, the other adopts; the old long token is revoked', async () => {
    await rotationUnderLease(await serve(), fileStore);
  }, 60_000);

  it('two processes rotating at once with compare-and-set and no lease: one new long token survives, every other is revoked', async () => {
    await rotationByCompareAndSet(await serve(), fileStore);
  }, 60_000);

  it('the lease holder killed mid-exchange: a survivor refreshes within leaseTtlMs + 1 s, and no surviving caller fails', async () => {
    // As on Redis: the worker whose exchange is sent holds the lease; killed once the kit has it.
    await leaseHolderKilled(await serve(), fileStore, 4);
  }, 60_000);
});
