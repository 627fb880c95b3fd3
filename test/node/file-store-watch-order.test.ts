import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FileTokenStore } from '../../src/node/index.js';
import { RecordWatch } from '../../src/node/record-watch.js';

const record = { version: 1, longToken: 'lt_order_1', expiresAtMs: 4_102_444_800_000, tokenId: 'tok_lt_1' } as const;
const revised = (revision: string) => ({ ...record, revision });
const FAKE: Parameters<typeof vi.useFakeTimers>[0] = { toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] };
let dir: string;
let path: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'c2m-auth-watch-order-'));
  path = join(dir, 'tokens.json');
  vi.useFakeTimers(FAKE);
});
afterEach(async () => {
  vi.useRealTimers();
  await rm(dir, { recursive: true, force: true });
});

const realTurn = () => new Promise((resolve) => setImmediate(resolve));
const quiet = async (turns = 30) => {
  for (let turn = 0; turn < turns; turn += 1) await realTurn();
};

/** Waits in real time (fake timers stand still meanwhile) until `done` holds, for up to `ms`; whether it held. */
async function until(done: () => boolean, ms = 2_000): Promise<boolean> {
  const endMs = performance.now() + ms;
  while (!done() && performance.now() < endMs) await realTurn();
  return done();
}

/** The file as another process writes it (no check of this watch follows). */
const write = (records: Record<string, unknown>) => writeFile(path, JSON.stringify({ version: 1, records }));

/**
 * Revisions read the way a sealed store's are, slowly: while held, each lookup waits for `release`,
 * which answers the waiting ones newest first, and the next ones at once.
 */
function slowRevisions() {
  let holding = true;
  const waiting: (() => void)[] = [];
  const lookups: string[] = [];
  const revisionOf = (key: string, stored: unknown) =>
    new Promise<string | undefined>((resolve) => {
      const revision = (stored as { revision?: string } | undefined)?.revision;
      lookups.push(`${key}:${revision}`);
      if (holding) waiting.push(() => resolve(revision));
      else resolve(revision);
    });
  const hold = () => {
    holding = true;
  };
  const release = () => {
    holding = false;
    for (let answer = waiting.pop(); answer !== undefined; answer = waiting.pop()) answer();
  };
  return { revisionOf, waiting, lookups, hold, release };
}

describe('FileTokenStore subscribe, while a change is being read', () => {
  it('tells the changes of checks asked for meanwhile one at a time, in order, the clock standing still', async () => {
    const slow = slowRevisions();
    const watch = new RecordWatch(path, slow.revisionOf);
    const told: unknown[] = [];
    const unsubscribe = watch.subscribe('k', (change) => told.push(change.revision));
    await write({ k: revised('r1') });
    watch.check();
    expect(await until(() => slow.waiting.length === 1)).toBe(true);
    await write({ k: revised('r2') });
    watch.check();
    // No second read of the file starts while the first is being told.
    expect(await until(() => slow.waiting.length > 1, 100)).toBe(false);
    slow.release();
    expect(await until(() => told.length === 2)).toBe(true);
    expect([told, slow.lookups]).toEqual([
      ['r1', 'r2'],
      ['k:r1', 'k:r2'],
    ]);
    unsubscribe();
  });

  it("re-reads the file only when asked: another process's write is told at the next poll", async () => {
    const slow = slowRevisions();
    const watch = new RecordWatch(path, slow.revisionOf);
    const told: unknown[] = [];
    const unsubscribe = watch.subscribe('k', (change) => told.push(change.revision));
    await write({ k: revised('r1') });
    watch.check();
    expect(await until(() => slow.waiting.length === 1)).toBe(true);
    await write({ k: revised('r2') });
    slow.release();
    expect(await until(() => told.length > 1, 150)).toBe(false);
    // A check asked for while one runs is the last: no endless re-reading after it.
    slow.hold();
    await write({ k: revised('r3') });
    watch.check();
    expect(await until(() => slow.waiting.length === 1)).toBe(true);
    await write({ k: revised('r4') });
    watch.check();
    slow.release();
    expect(await until(() => told.length === 3)).toBe(true);
    await write({ k: revised('r5') });
    expect(await until(() => told.length > 3, 150)).toBe(false);
    expect(told).toEqual(['r1', 'r3', 'r4']);
    await vi.advanceTimersByTimeAsync(200);
    expect(await until(() => told.length > 3)).toBe(true);
    expect(told).toEqual(['r1', 'r3', 'r4', 'r5']);
    unsubscribe();
  });

  it('tells no listener removed while the change is being read, and reads it once for all listeners of its key', async () => {
    const slow = slowRevisions();
    const watch = new RecordWatch(path, slow.revisionOf);
    const first: unknown[] = [];
    const second: unknown[] = [];
    const removeFirst = watch.subscribe('k', (change) => first.push(change.revision));
    const removeSecond = watch.subscribe('k', (change) => second.push(change.revision));
    await write({ k: revised('r1') });
    watch.check();
    expect(await until(() => slow.waiting.length === 1)).toBe(true);
    removeFirst();
    slow.release();
    expect(await until(() => second.length > 0)).toBe(true);
    await quiet();
    expect([first, second, slow.lookups]).toEqual([[], ['r1'], ['k:r1']]);
    removeSecond();
  });
});

describe('FileTokenStore subscribe, key names', () => {
  it('tells nothing to keys the file never held, whatever their names, from a missing or a corrupt file', async () => {
    const store = new FileTokenStore(path);
    const told: Record<string, unknown[]> = { 0: [], length: [] };
    const removeZero = store.subscribe('0', (change) => told[0]?.push(change.revision));
    await writeFile(path, 'not json');
    const removeLength = store.subscribe('length', (change) => told.length?.push(change.revision));
    await store.set('other', revised('o1'));
    await quiet();
    expect(told).toEqual({ 0: [], length: [] });
    await store.set('0', revised('z1'));
    expect(await until(() => told[0]?.length === 1)).toBe(true);
    expect(told).toEqual({ 0: ['z1'], length: [] });
    removeZero();
    removeLength();
  });
});
