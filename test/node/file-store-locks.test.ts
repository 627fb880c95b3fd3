import { randomBytes } from 'node:crypto';
import { readdirSync, renameSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TokenStoreError } from '../../src/index.js';
import { MUTEX_STALE_MS } from '../../src/node/FileTokenStore.js';
import { FileTokenStore } from '../../src/node/index.js';
import { acquireLock } from '../../src/node/lock-file.js';
import { errorOf, FAKE, holdLease, leasePath, realTurn, settlesWithin, until } from './lock-timing.js';

const record = { version: 1, longToken: 'lt_lock_1', expiresAtMs: 4_102_444_800_000, tokenId: 'tok_lt_1' } as const;
const revised = (revision: string) => ({ ...record, revision });
let dir: string;
let path: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'c2m-auth-locks-'));
  path = join(dir, 'tokens.json');
});
afterEach(async () => {
  vi.useRealTimers();
  await rm(dir, { recursive: true, force: true });
});

/** A lock folder as a holder left it, its owner file last refreshed `ageMs` ago. */
async function holder(lockPath: string, ageMs: number): Promise<string> {
  await mkdir(lockPath, { recursive: true });
  const file = join(lockPath, `${randomBytes(16).toString('hex')}.owner`);
  await writeFile(file, JSON.stringify({ owner: 'other', pid: 1 }));
  const thenSeconds = (Date.now() - ageMs) / 1000;
  await utimes(file, thenSeconds, thenSeconds);
  return file;
}

/** Advances fake time by `ms`, letting real file I/O finish between timers. */
async function advance(ms: number, step = 10): Promise<void> {
  const endMs = Date.now() + ms;
  while (Date.now() < endMs) {
    for (let turn = 0; turn < 3; turn += 1) await realTurn();
    await vi.advanceTimersByTimeAsync(Math.min(step, endMs - Date.now()));
  }
  for (let turn = 0; turn < 3; turn += 1) await realTurn();
}

describe('FileTokenStore writers of one process', () => {
  it('take turns in the process without polling the lock: concurrent writes finish with the clock standing still', async () => {
    vi.useFakeTimers(FAKE);
    const store = new FileTokenStore(path);
    const writes = Promise.all(Array.from({ length: 5 }, (_, index) => store.set(`k${index}`, revised(`r${index}`))));
    expect(await settlesWithin(writes, 8_000)).toBe(true);
    expect(await readdir(dir)).toEqual(['tokens.json']);
    // A write that fails takes its turn too, and the next one goes on after it.
    await writeFile(path, 'not json');
    const failed = errorOf(store.compareAndSet('k', undefined, record));
    const after = store.set('k', record);
    expect(await settlesWithin(Promise.all([failed, after]), 8_000)).toBe(true);
    expect([((await failed) as Error).name, await store.get('k')]).toEqual(['CorruptTokenFileError', record]);
  }, 20_000);
});

describe('FileTokenStore lock on the token file', () => {
  it('treats a lock folder holding anything but owner files as held', async () => {
    await mkdir(`${path}.lock`);
    await writeFile(join(`${path}.lock`, 'left-by-hand'), '');
    const failure = await errorOf(new FileTokenStore({ path, lockTimeoutMs: 30 }).set('k', record));
    expect([failure instanceof TokenStoreError && failure.reason, (failure as Error).message]).toEqual([
      'unavailable',
      'FileTokenStore: the lock on the token file was held by another process for more than 30 ms',
    ]);
    expect(await readdir(`${path}.lock`)).toEqual(['left-by-hand']);
  });

  it('treats an empty lock folder as free, and removes it', async () => {
    await mkdir(`${path}.lock`);
    const store = new FileTokenStore({ path, lockTimeoutMs: 30 });
    await store.set('k', record);
    expect([await store.get('k'), await readdir(dir)]).toEqual([record, ['tokens.json']]);
  });

  it('throws TokenStoreError unavailable naming the error code when the lock path cannot be used', async () => {
    await writeFile(`${path}.lock`, '');
    const failure = await errorOf(new FileTokenStore(path).set('k', record));
    expect([
      failure instanceof TokenStoreError && failure.reason,
      (failure as Error).message,
      ((failure as Error).cause as { code: string }).code,
    ]).toEqual(['unavailable', 'FileTokenStore: the lock on the token file cannot be used (ENOTDIR)', 'ENOTDIR']);
  });
  it('drops a write whose lock another process took over meanwhile, leaving the file as it was', async () => {
    const store = new FileTokenStore(path);
    await store.set('k', revised('r1'));
    const before = await readFile(path, 'utf8');
    // A record whose serialisation (inside the write, under the lock) stands for a stall long enough
    // for another process to judge the lock stale and take it: the owner file becomes someone else's.
    const stalling = { ...revised('r2') };
    Object.defineProperty(stalling, 'toJSON', {
      value: () => {
        const lockPath = `${path}.lock`;
        for (const owner of readdirSync(lockPath)) renameSync(join(lockPath, owner), join(lockPath, `${'0'.repeat(32)}.owner`));
        return revised('r2');
      },
    });
    const failure = await errorOf(store.set('k', stalling));
    expect([failure instanceof TokenStoreError && failure.reason, (failure as Error).message]).toEqual([
      'unavailable',
      'FileTokenStore: the lock on the token file expired during the write',
    ]);
    expect([await readFile(path, 'utf8'), await readdir(dir)]).toEqual([before, ['tokens.json', 'tokens.json.lock']]);
    expect(await readdir(`${path}.lock`)).toEqual([`${'0'.repeat(32)}.owner`]);
  });
});

describe('acquireLock staleness', () => {
  const options = { name: 'test lock', staleMs: MUTEX_STALE_MS, retryMs: [5, 40] as const, timeoutMs: 0 };

  it('takes a lock once its owner is older than staleMs, and not at staleMs exactly', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.parse('2026-05-01T00:00:10Z'));
    const lockPath = join(dir, 'exact.lock');
    const owner = await holder(lockPath, MUTEX_STALE_MS);
    const failure = await errorOf(acquireLock(lockPath, options));
    expect([failure instanceof TokenStoreError && failure.reason, (failure as Error).message]).toEqual([
      'unavailable',
      'test lock was held by another process for more than 0 ms',
    ]);
    expect(await readdir(lockPath)).toEqual([owner.slice(lockPath.length + 1)]);
    vi.setSystemTime(Date.parse('2026-05-01T00:00:10.001Z'));
    const lock = await acquireLock(lockPath, options);
    expect((await readdir(lockPath)).includes(owner.slice(lockPath.length + 1))).toBe(false);
    expect(await lock.isHeld()).toBe(true);
    await lock.release();
    expect([await lock.isHeld(), await readdir(dir)]).toEqual([false, []]);
  });
});

describe('FileTokenStore lease waiting', () => {
  it('polls the lease every 20 ms at the least and 150 ms at the most', async () => {
    vi.useFakeTimers(FAKE);
    for (const [random, expectedMs] of [
      [0, 20],
      [1, 150],
    ] as const) {
      vi.spyOn(Math, 'random').mockReturnValue(random);
      const store = new FileTokenStore(path);
      const { held: first, finish } = await holdLease(store);
      let waitedFromMs = 0;
      let tookAtMs = 0;
      const second = store.lease('k', 5_000, async () => (tookAtMs = Date.now()), { onWait: () => (waitedFromMs = Date.now()) });
      expect(await until(() => waitedFromMs > 0)).toBe(true);
      finish();
      await first;
      await advance(expectedMs - 1);
      expect(tookAtMs).toBe(0);
      await advance(1);
      await second;
      expect(tookAtMs - waitedFromMs).toBe(expectedMs);
      vi.mocked(Math.random).mockRestore();
    }
  });

  it('rejects at once with the reason of a signal already aborted, taking nothing', async () => {
    const stop = new AbortController();
    const reason = new Error('caller gave up');
    stop.abort(reason);
    let ran = false;
    const failure = await errorOf(new FileTokenStore(path).lease('k', 5_000, async () => (ran = true), { signal: stop.signal }));
    expect([failure, ran, await readdir(dir)]).toEqual([reason, false, []]);
  });

  it('stops waiting as soon as the signal fires between two polls', async () => {
    vi.useFakeTimers(FAKE);
    vi.spyOn(Math, 'random').mockReturnValue(1);
    const store = new FileTokenStore(path);
    const { held: first, finish } = await holdLease(store);
    const stop = new AbortController();
    let waiting = false;
    const second = errorOf(store.lease('k', 5_000, async () => 'ran', { signal: stop.signal, onWait: () => (waiting = true) }));
    expect(await until(() => waiting)).toBe(true);
    await advance(50);
    const reason = new Error('caller gave up');
    stop.abort(reason);
    expect(await settlesWithin(second, 500)).toBe(true);
    expect(await second).toBe(reason);
    expect(vi.getTimerCount()).toBe(1);
    finish();
    await first;
    expect(vi.getTimerCount()).toBe(0);
  });

  it('refreshes a held lease every ttlMs / 3', async () => {
    vi.useFakeTimers(FAKE);
    vi.setSystemTime(Date.parse('2026-05-01T00:00:00Z'));
    const store = new FileTokenStore(path);
    let finish = () => {};
    let holding = false;
    const lease = store.lease('k', 3_000, () => {
      holding = true;
      return new Promise<void>((resolve) => (finish = resolve));
    });
    expect(await until(() => holding)).toBe(true);
    const ageMs = async () => {
      const [owner] = await readdir(leasePath(path, 'k'));
      return Date.now() - (await stat(join(leasePath(path, 'k'), owner as string))).mtimeMs;
    };
    await advance(1_500);
    expect(Math.round(await ageMs())).toBe(500);
    await advance(400);
    expect(Math.round(await ageMs())).toBe(900);
    await advance(100);
    expect(Math.round(await ageMs())).toBe(0);
    finish();
    await lease;
  });

  it('throws TokenStoreError unavailable naming the error code when the lease path cannot be used', async () => {
    await writeFile(leasePath(path, 'k'), '');
    let ran = false;
    const failure = await errorOf(new FileTokenStore(path).lease('k', 1_000, async () => (ran = true)));
    expect([failure instanceof TokenStoreError && failure.reason, (failure as Error).message, ran]).toEqual([
      'unavailable',
      'FileTokenStore: the lease cannot be used (ENOTDIR)',
      false,
    ]);
  });
});
