// The fleet scenarios both stores run (test/fleet/redis-fleet.test.ts, test/fleet/file-fleet.test.ts):
// one function a scenario, given the kit the test serves, the store the workers share (how a worker is
// told to use it, and how this process seeds and reads its record), how many workers and the label
// of the figures printed. Each returns the summaries and figures, for checks only one store makes.
import { expect } from 'vitest';
import type { TokenRecord } from '../../src/session/TokenStore.js';
import type { ServedAuthMock } from '../../src/testing/node/index.js';
import {
  exchangesAt,
  failureNames,
  finish,
  firstLine,
  fleetStoreKey,
  go,
  liveLongTokenIds,
  recordDueForRotation,
  startFleet,
  storeErrors,
  sum,
  until,
  type WorkerOptions,
  type WorkerSummary,
} from './fleet.js';

/** The store a fleet shares, as a test file sets it up. */
export interface FleetStore {
  /** How the figures printed name the store: `file`, `redis`. */
  readonly label: string;
  /** A worker's options on this store, against `kit` (`onFile`, `onRedis`). */
  readonly on: (kit: ServedAuthMock, options?: Partial<WorkerOptions>) => WorkerOptions;
  /** Reads the record at `key` through a store of this process. */
  readonly get: (key: string) => Promise<TokenRecord | undefined>;
  /** Seeds the record at `key` through a store of this process. */
  readonly set: (key: string, record: TokenRecord) => Promise<void>;
}

/** Figures a test file adds to a scenario's (printed after the scenario's own, in this order). */
export type MoreFigures = (summaries: readonly WorkerSummary[]) => Record<string, unknown>;

/** No caller of the fleet failed. */
export function noFailures(summaries: readonly WorkerSummary[]): void {
  expect(failureNames(summaries)).toEqual({});
  expect(sum(summaries, (summary) => summary.failures)).toBe(0);
}

/** The longest any worker waited for the lease. */
export function leaseWaitedMaxMs(summaries: readonly WorkerSummary[]): number {
  return Math.max(...summaries.map((summary) => summary.events.leaseWaitedMaxMs));
}

/**
 * The kit's exchanges, and the single-process ideal count of them: one starts the run, then one every
 * `refreshPeriodMs` until the last caller stops (counted from the first exchange).
 */
export function exchangesAgainstIdeal(kit: ServedAuthMock, summaries: readonly WorkerSummary[], refreshPeriodMs: number) {
  const exchanges = exchangesAt(kit.mock);
  const firstMs = exchanges[0] ?? Number.NaN;
  const endMs = Math.max(...summaries.map((summary) => summary.endedAtMs));
  return { exchanges, firstMs, endMs, ideal: 1 + Math.floor((endMs - firstMs) / refreshPeriodMs) };
}

/**
 * cold: `workers` processes × 250 concurrent callers share 1 long-token issuance and 1 exchange.
 * `handOuts` checks that no token was handed out expired (each store's test file checks its own way).
 */
export async function coldStart(
  kit: ServedAuthMock,
  store: FleetStore,
  workerCount: number,
  more: { figures: MoreFigures; handOuts: (kit: ServedAuthMock, summaries: readonly WorkerSummary[]) => void },
) {
  const workers = await startFleet(workerCount, store.on(kit));
  go(workers);
  const summaries = await finish(workers, 30_000);
  const figures = {
    issuances: kit.mock.count('issueLongTermToken'),
    exchanges: kit.mock.count('issueShortTermToken'),
    calls: sum(summaries, (summary) => summary.calls),
    leaseWaited: sum(summaries, (summary) => summary.events.leaseWaited),
    ...more.figures(summaries),
    storeErrors: sum(summaries, storeErrors),
  };
  console.log(`fleet cold (${store.label}): ${JSON.stringify(figures)}`);
  expect(figures.issuances).toBe(1);
  expect(figures.exchanges).toBe(1);
  expect(figures.calls).toBe(workerCount * 250);
  noFailures(summaries);
  more.handOuts(kit, summaries);
  expect(figures.storeErrors).toBe(0);
  // One process issued and exchanged; the others adopted its tokens from the store.
  expect(sum(summaries, (summary) => summary.events.tokenRefreshed)).toBe(1);
  expect(sum(summaries, (summary) => summary.events.tokenAdopted.short)).toBe(workerCount - 1);
  return { summaries, figures };
}

/** Two processes in the rotation window at once: one rotates, the other adopts; the old long token is revoked. */
export async function rotationUnderLease(kit: ServedAuthMock, store: FleetStore) {
  const due = recordDueForRotation(kit.mock);
  await store.set(fleetStoreKey(kit.url), due.record);
  const workers = await startFleet(2, store.on(kit, { callers: 50, longTokenTtlSeconds: 3_600 }));
  go(workers);
  const summaries = await finish(workers, 30_000);
  const stored = await store.get(fleetStoreKey(kit.url));
  await until(() => liveLongTokenIds(kit.mock).length === 1, 5_000, 'the old long token revoked');
  const figures = {
    issuances: kit.mock.count('issueLongTermToken'),
    rotations: sum(summaries, (summary) => summary.events.longTokenRotated),
    live: liveLongTokenIds(kit.mock),
    stored: stored?.tokenId,
    revoked: kit.mock.tokens.filter((token) => token.kind === 'long' && token.revoked).map((token) => token.id),
  };
  console.log(`fleet rotation (${store.label}, lease): ${JSON.stringify(figures)}`);
  expect(figures.issuances).toBe(1);
  expect(figures.rotations).toBe(1);
  expect(figures.live).toEqual([figures.stored]);
  expect(figures.revoked).toEqual([due.tokenId]);
  expect(sum(summaries, (summary) => summary.calls)).toBe(100);
  noFailures(summaries);
  return { summaries, figures };
}

/** Two processes rotating at once with compare-and-set and no lease: one new long token survives, every other is revoked. */
export async function rotationByCompareAndSet(kit: ServedAuthMock, store: FleetStore) {
  const due = recordDueForRotation(kit.mock);
  await store.set(fleetStoreKey(kit.url), due.record);
  const workers = await startFleet(2, store.on(kit, { callers: 50, longTokenTtlSeconds: 3_600, capabilities: 'cas' }));
  go(workers);
  const summaries = await finish(workers, 30_000);
  const stored = await store.get(fleetStoreKey(kit.url));
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
  console.log(`fleet rotation (${store.label}, compare-and-set only): ${JSON.stringify(figures)}`);
  expect(figures.live).toEqual([figures.stored]);
  expect(figures.stored).not.toBe(due.tokenId);
  expect(figures.revoked).toBe(longTokens.length - 1);
  expect(figures.rotations).toBe(1);
  expect(sum(summaries, (summary) => summary.calls)).toBe(100);
  noFailures(summaries);
  return { summaries, figures };
}

/**
 * The lease holder killed mid-exchange: a survivor refreshes within leaseTtlMs + 1 s, and no surviving
 * caller fails. `workerCount` processes × 50 callers; the first exchange hangs at the kit.
 */
export async function leaseHolderKilled(kit: ServedAuthMock, store: FleetStore, workerCount: number, more: { figures?: MoreFigures } = {}) {
  const leaseTtlMs = 2_000;
  kit.mock.failNext('issueShortTermToken', { delayMs: 60_000 });
  const workers = await startFleet(workerCount, store.on(kit, { callers: 50, leaseTtlMs }));
  go(workers);
  // Exchanges are sent under the lease: the worker whose exchange is sent holds it. It is killed once
  // the kit has that exchange (killed sooner, its request might never arrive, and the hang would
  // catch the next holder's exchange instead).
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
    ...more.figures?.(summaries),
    storeErrors: sum(summaries, storeErrors),
  };
  console.log(`fleet lease holder killed (${store.label}): ${JSON.stringify(figures)}`);
  expect(await holder.exited).toEqual({ code: null, signal: 'SIGKILL' });
  expect(figures.takeoverMs).toBeLessThanOrEqual(leaseTtlMs + 1_000);
  // The holder's long token was stored before its exchange hung: the survivors adopt it.
  expect(figures.issuances).toBe(1);
  expect(figures.exchanges).toBe(2);
  expect(sum(summaries, (summary) => summary.exchangesSent)).toBe(1);
  expect(figures.survivorCalls).toBe((workerCount - 1) * 50);
  noFailures(summaries);
  expect(figures.storeErrors).toBe(0);
  return { summaries, figures };
}
