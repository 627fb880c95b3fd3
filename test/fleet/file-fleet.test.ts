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
import {
  buildWorker,
  FLEET_CREDENTIALS,
  failureNames,
  finish,
  firstLine,
  fleetStoreKey,
  go,
  judgeByKit,
  killLeftovers,
  liveLongTokenIds,
  printedSecrets,
  recordDueForRotation,
  removeWorkerBuild,
  startFleet,
  storeErrors,
  sum,
  until,
  type WorkerOptions,
  type WorkerSummary,
} from './fleet.js';

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
  const onFile = (kit: ServedAuthMock, options: Partial<WorkerOptions> = {}): WorkerOptions => ({
    baseUrl: kit.url,
    store: 'file',
    path: path(),
    mode: 'cold',
    callers: 250,
    ...options,
  });
  const noFailures = (summaries: readonly WorkerSummary[]) => {
    expect(failureNames(summaries)).toEqual({});
    expect(sum(summaries, (summary) => summary.failures)).toBe(0);
  };

  it('cold: 8 processes × 250 concurrent callers share 1 long-token issuance and 1 exchange', async () => {
    const kit = await serve();
    const workers = await startFleet(8, onFile(kit));
    go(workers);
    const summaries = await finish(workers, 30_000);
    const figures = {
      issuances: kit.mock.count('issueLongTermToken'),
      exchanges: kit.mock.count('issueShortTermToken'),
      calls: sum(summaries, (summary) => summary.calls),
      leaseWaited: sum(summaries, (summary) => summary.events.leaseWaited),
      leaseWaitedMaxMs: Math.max(...summaries.map((summary) => summary.events.leaseWaitedMaxMs)),
      storeErrors: sum(summaries, storeErrors),
    };
    console.log(`fleet cold (file): ${JSON.stringify(figures)}`);
    expect(figures.issuances).toBe(1);
    expect(figures.exchanges).toBe(1);
    expect(figures.calls).toBe(2_000);
    noFailures(summaries);
    expect(sum(summaries, (summary) => summary.expiredHandOuts + summary.unknownHandOuts)).toBe(0);
    expect(judgeByKit(summaries, kit.mock.tokens)).toMatchObject({ expired: 0, unknown: 0 });
    expect(figures.storeErrors).toBe(0);
    expect(sum(summaries, (summary) => summary.events.tokenRefreshed)).toBe(1);
    expect(sum(summaries, (summary) => summary.events.tokenAdopted.short)).toBe(7);
  }, 60_000);

  it('two processes in the rotation window at once: one rotates, the other adopts; the old long token is revoked', async () => {
    const kit = await serve();
    const due = recordDueForRotation(kit.mock);
    await new FileTokenStore({ path: path() }).set(fleetStoreKey(kit.url), due.record);
    const workers = await startFleet(2, onFile(kit, { callers: 50, longTokenTtlSeconds: 3_600 }));
    go(workers);
    const summaries = await finish(workers, 30_000);
    const stored = await new FileTokenStore({ path: path() }).get(fleetStoreKey(kit.url));
    await until(() => liveLongTokenIds(kit.mock).length === 1, 5_000, 'the old long token revoked');
    const figures = {
      issuances: kit.mock.count('issueLongTermToken'),
      rotations: sum(summaries, (summary) => summary.events.longTokenRotated),
      live: liveLongTokenIds(kit.mock),
      stored: stored?.tokenId,
      revoked: kit.mock.tokens.filter((token) => token.kind === 'long' && token.revoked).map((token) => token.id),
    };
    console.log(`fleet rotation (file, lease): ${JSON.stringify(figures)}`);
    expect(figures.issuances).toBe(1);
    expect(figures.rotations).toBe(1);
    expect(figures.live).toEqual([figures.stored]);
    expect(figures.revoked).toEqual([due.tokenId]);
    expect(sum(summaries, (summary) => summary.calls)).toBe(100);
    noFailures(summaries);
  }, 60_000);

  it('two processes rotating at once with compare-and-set and no lease: one new long token survives, every other is revoked', async () => {
    const kit = await serve();
    const due = recordDueForRotation(kit.mock);
    await new FileTokenStore({ path: path() }).set(fleetStoreKey(kit.url), due.record);
    const workers = await startFleet(2, onFile(kit, { callers: 50, longTokenTtlSeconds: 3_600, capabilities: 'cas' }));
    go(workers);
    const summaries = await finish(workers, 30_000);
    const stored = await new FileTokenStore({ path: path() }).get(fleetStoreKey(kit.url));
    // Revocations are sent fire-and-forget; the kit's state is polled until they landed.
    await until(() => liveLongTokenIds(kit.mock).length === 1, 5_000, 'every long token but one revoked');
    const longTokens = kit.mock.tokens.filter((token) => token.kind === 'long');
    const figures = {
      issuances: kit.mock.count('issueLongTermToken'),
      rotations: sum(summaries, (summary) => summary.events.longTokenRotated),
      live: liveLongTokenIds(kit.mock),
      stored: stored?.tokenId,
      revoked: longTokens.filter((token) => token.revoked).length,
    };
    console.log(`fleet rotation (file, compare-and-set only): ${JSON.stringify(figures)}`);
    expect(figures.live).toEqual([figures.stored]);
    expect(figures.stored).not.toBe(due.tokenId);
    expect(figures.revoked).toBe(longTokens.length - 1);
    expect(figures.rotations).toBe(1);
    expect(sum(summaries, (summary) => summary.calls)).toBe(100);
    noFailures(summaries);
  }, 60_000);

  it('the lease holder killed mid-exchange: a survivor refreshes within leaseTtlMs + 1 s, and no surviving caller fails', async () => {
    const kit = await serve();
    const leaseTtlMs = 2_000;
    kit.mock.failNext('issueShortTermToken', { delayMs: 60_000 });
    const workers = await startFleet(4, onFile(kit, { callers: 50, leaseTtlMs }));
    go(workers);
    // As on Redis: the worker whose exchange is sent holds the lease; killed once the kit has it.
    const { worker: holder } = await firstLine(workers, (line) => line.type === 'exchange-sent', 20_000, 'the first exchange');
    await until(() => kit.mock.count('issueShortTermToken') === 1, 10_000, "the holder's exchange at the kit");
    holder.kill('SIGKILL');
    const killedAtMs = Date.now();
    const survivors = workers.filter((worker) => worker !== holder);
    const { received } = await firstLine(survivors, (line) => line.type === 'refreshed', 15_000, "a survivor's refresh");
    const summaries = await finish(survivors, 20_000);
    const figures = {
      takeoverMs: received.receivedAtMs - killedAtMs,
      issuances: kit.mock.count('issueLongTermToken'),
      exchanges: kit.mock.count('issueShortTermToken'),
      survivorCalls: sum(summaries, (summary) => summary.calls),
      storeErrors: sum(summaries, storeErrors),
    };
    console.log(`fleet lease holder killed (file): ${JSON.stringify(figures)}`);
    expect(await holder.exited).toEqual({ code: null, signal: 'SIGKILL' });
    expect(figures.takeoverMs).toBeLessThanOrEqual(leaseTtlMs + 1_000);
    expect(figures.issuances).toBe(1);
    expect(figures.exchanges).toBe(2);
    expect(sum(summaries, (summary) => summary.exchangesSent)).toBe(1);
    expect(figures.survivorCalls).toBe(3 * 50);
    noFailures(summaries);
    expect(figures.storeErrors).toBe(0);
  }, 60_000);
});
