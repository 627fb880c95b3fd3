import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { TokenStoreChange } from '../../src/index.js';
import { FileTokenStore } from '../../src/node/index.js';

const record = { version: 1, longToken: 'lt_watch_1', expiresAtMs: 4_102_444_800_000, tokenId: 'tok_lt_1' } as const;
const revised = (revision: string) => ({ ...record, revision });
const FAKE: Parameters<typeof vi.useFakeTimers>[0] = { toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] };
let dir: string;
let path: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'c2m-auth-watch-'));
  path = join(dir, 'tokens.json');
});
afterEach(async () => {
  vi.useRealTimers();
  await rm(dir, { recursive: true, force: true });
});

const realTurn = () => new Promise((resolve) => setImmediate(resolve));

/** Waits in real time (fake timers stand still meanwhile) until `done` holds, for up to `ms`; whether it held. */
async function until(done: () => boolean, ms = 2_000): Promise<boolean> {
  const endMs = performance.now() + ms;
  while (!done() && performance.now() < endMs) await realTurn();
  return done();
}

/** Lets real file I/O run for a while with the fake clock standing still. */
async function quiet(turns = 30): Promise<void> {
  for (let turn = 0; turn < turns; turn += 1) await realTurn();
}

/** Advances fake time by `ms`, letting real file I/O finish between timers. */
async function advance(ms: number): Promise<void> {
  const endMs = Date.now() + ms;
  while (Date.now() < endMs) {
    await quiet(3);
    await vi.advanceTimersByTimeAsync(Math.min(50, endMs - Date.now()));
  }
  await quiet(3);
}

const listen = (store: FileTokenStore, key: string) => {
  const changes: TokenStoreChange[] = [];
  const unsubscribe = store.subscribe(key, (change) => changes.push(change));
  return { changes, unsubscribe };
};

describe('FileTokenStore subscribe', () => {
  it('tells each key its own changes only, and each listener of a key', async () => {
    vi.useFakeTimers(FAKE);
    const store = new FileTokenStore(path);
    const [a, alsoA, b] = [listen(store, 'a'), listen(store, 'a'), listen(store, 'b')];
    await store.set('a', revised('a1'));
    expect(await until(() => a.changes.length === 1 && alsoA.changes.length === 1)).toBe(true);
    await store.set('b', revised('b1'));
    expect(await until(() => b.changes.length === 1)).toBe(true);
    await quiet();
    expect([a.changes, alsoA.changes, b.changes]).toEqual([[{ revision: 'a1' }], [{ revision: 'a1' }], [{ revision: 'b1' }]]);
    for (const listener of [a, alsoA, b]) listener.unsubscribe();
  });

  it('starts from the record as it is when subscribing, telling only later changes', async () => {
    vi.useFakeTimers(FAKE);
    const store = new FileTokenStore(path);
    await store.set('k', revised('r1'));
    const other = new FileTokenStore(path);
    const { changes, unsubscribe } = listen(store, 'k');
    await other.set('other', revised('o1'));
    await advance(400);
    expect(changes).toEqual([]);
    await other.set('k', revised('r2'));
    await advance(200);
    expect(await until(() => changes.length > 0)).toBe(true);
    expect(changes).toEqual([{ revision: 'r2' }]);
    unsubscribe();
  });

  it('tells the last of many quick writes of this store at once', async () => {
    vi.useFakeTimers(FAKE);
    const store = new FileTokenStore(path);
    const { changes, unsubscribe } = listen(store, 'k');
    await Promise.all(Array.from({ length: 6 }, (_, index) => store.set('k', revised(`r${index}`))));
    expect(await until(() => changes.at(-1)?.revision === 'r5')).toBe(true);
    expect(new Set(changes.map((change) => change.revision)).size).toBe(changes.length);
    unsubscribe();
  });

  it('keeps telling the other listeners when one throws', async () => {
    vi.useFakeTimers(FAKE);
    const store = new FileTokenStore(path);
    const failing = store.subscribe('k', () => {
      throw new Error('listener failed');
    });
    const { changes, unsubscribe } = listen(store, 'k');
    await store.set('k', revised('r1'));
    expect(await until(() => changes.length === 1)).toBe(true);
    await store.set('k', revised('r2'));
    expect(await until(() => changes.length === 2)).toBe(true);
    expect(changes).toEqual([{ revision: 'r1' }, { revision: 'r2' }]);
    failing();
    unsubscribe();
  });

  it('says nothing of a corrupt file, and tells the record the next write brings', async () => {
    vi.useFakeTimers(FAKE);
    await writeFile(path, 'not json');
    const store = new FileTokenStore(path);
    const { changes, unsubscribe } = listen(store, 'k');
    await advance(400);
    await store.set('k', revised('r1'));
    expect(await until(() => changes.length === 1)).toBe(true);
    await writeFile(path, 'not json again');
    await advance(400);
    expect(changes).toEqual([{ revision: 'r1' }]);
    await new FileTokenStore(path).set('k', revised('r1'));
    await advance(200);
    expect(changes).toEqual([{ revision: 'r1' }]);
    unsubscribe();
  });

  it('tells a removed file as no record', async () => {
    vi.useFakeTimers(FAKE);
    const store = new FileTokenStore(path);
    await store.set('k', revised('r1'));
    const { changes, unsubscribe } = listen(store, 'k');
    await rm(path);
    await advance(200);
    expect(await until(() => changes.length > 0)).toBe(true);
    expect(changes).toEqual([{ revision: undefined }]);
    unsubscribe();
  });

  it('keeps polling while one listener remains, and stops with the last', async () => {
    vi.useFakeTimers(FAKE);
    const store = new FileTokenStore(path);
    const [first, second] = [listen(store, 'k'), listen(store, 'k')];
    first.unsubscribe();
    await new FileTokenStore(path).set('k', revised('r1'));
    await advance(200);
    expect(await until(() => second.changes.length > 0)).toBe(true);
    expect([first.changes, second.changes, vi.getTimerCount()]).toEqual([[], [{ revision: 'r1' }], 1]);
    second.unsubscribe();
    expect(vi.getTimerCount()).toBe(0);
    await store.set('k', revised('r2'));
    await quiet();
    expect(second.changes).toEqual([{ revision: 'r1' }]);
    const third = listen(store, 'k');
    expect(vi.getTimerCount()).toBe(1);
    await new FileTokenStore(path).set('k', revised('r3'));
    await advance(200);
    expect(await until(() => third.changes.length > 0)).toBe(true);
    expect(third.changes).toEqual([{ revision: 'r3' }]);
    third.unsubscribe();
  });

  it('opens a sealed record once for all listeners of its key, telling its revision', async () => {
    vi.useFakeTimers(FAKE);
    const encryptionKey = randomBytes(32);
    const store = new FileTokenStore({ path, encryptionKey });
    const listeners = [listen(store, 'k'), listen(store, 'k')];
    await new FileTokenStore({ path, encryptionKey }).set('k', revised('r1'));
    await advance(200);
    expect(await until(() => listeners.every((listener) => listener.changes.length > 0))).toBe(true);
    expect(listeners.map((listener) => listener.changes)).toEqual([[{ revision: 'r1' }], [{ revision: 'r1' }]]);
    for (const listener of listeners) listener.unsubscribe();
  });
});
