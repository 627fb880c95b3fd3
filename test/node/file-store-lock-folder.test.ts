import { randomBytes } from 'node:crypto';
import { getEventListeners } from 'node:events';
import { renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, rmdir, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TokenStoreError } from '../../src/index.js';
import { MUTEX_STALE_MS } from '../../src/node/FileTokenStore.js';
import { FileTokenStore } from '../../src/node/index.js';
import { acquireLock, takenErrors } from '../../src/node/lock-file.js';
import { errorOf, FAKE, holdLease, leasePath, realTurn, settlesWithin, until } from './lock-timing.js';

const record = { version: 1, longToken: 'lt_folder_1', expiresAtMs: 4_102_444_800_000, tokenId: 'tok_lt_1' } as const;
const revised = (revision: string) => ({ ...record, revision });
// The module object behind `node:fs/promises`: a function replaced on it (then synced) is the one the lock calls.
const fsPromises = createRequire(import.meta.url)('node:fs/promises') as typeof import('node:fs/promises');
let dir: string;
let path: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'c2m-auth-lock-folder-'));
  path = join(dir, 'tokens.json');
});
afterEach(async () => {
  vi.useRealTimers();
  await rm(dir, { recursive: true, force: true });
});

const old = async (file: string, ageMs: number) => {
  const thenSeconds = (Date.now() - ageMs) / 1000;
  await utimes(file, thenSeconds, thenSeconds);
};

/** Lets real file I/O run for `ms` of real time, fake timers standing still. */
const settle = (ms: number) => until(() => false, ms);

/** Advances fake time by `ms`, letting real file I/O finish between timers. */
async function advance(ms: number, step = 10): Promise<void> {
  const endMs = Date.now() + ms;
  while (Date.now() < endMs) {
    for (let turn = 0; turn < 3; turn += 1) await realTurn();
    await vi.advanceTimersByTimeAsync(Math.min(step, endMs - Date.now()));
  }
  for (let turn = 0; turn < 3; turn += 1) await realTurn();
}

const heldFor = (failure: unknown, ms: number) =>
  expect([failure instanceof TokenStoreError && failure.reason, (failure as Error).message]).toEqual([
    'unavailable',
    `FileTokenStore: the lock on the token file was held by another process for more than ${ms} ms`,
  ]);

describe('FileTokenStore lock folder', () => {
  it('never removes a file it does not know from the lock folder, however old, nor the stale owner beside it', async () => {
    const lockPath = `${path}.lock`;
    await mkdir(lockPath);
    const owner = `${randomBytes(16).toString('hex')}.owner`;
    for (const name of [owner, 'left-by-hand']) {
      await writeFile(join(lockPath, name), '');
      await old(join(lockPath, name), MUTEX_STALE_MS + 60_000);
    }
    heldFor(await errorOf(new FileTokenStore({ path, lockTimeoutMs: 30 }).set('k', record)), 30);
    expect((await readdir(lockPath)).sort()).toEqual(['left-by-hand', owner].sort());
    expect(await readdir(dir)).toEqual(['tokens.json.lock']);
  });

  it('throws TokenStoreError unavailable naming the code when a stale owner cannot be removed, without waiting', async () => {
    const stuck = join(`${path}.lock`, `${'f'.repeat(32)}.owner`);
    await mkdir(stuck, { recursive: true });
    await old(stuck, MUTEX_STALE_MS + 60_000);
    const failure = await errorOf(new FileTokenStore({ path, lockTimeoutMs: 50 }).set('k', record));
    expect([failure instanceof TokenStoreError && failure.reason, (failure as Error).message]).toEqual([
      'unavailable',
      'FileTokenStore: the lock on the token file cannot be used (EISDIR)',
    ]);
  });

  it.each([
    ['a link to nowhere', (lockPath: string) => symlink(join(dir, 'nowhere'), lockPath), 'ENOTDIR'],
    ['a link to itself', (lockPath: string) => symlink(lockPath, lockPath), 'ELOOP'],
  ])('throws TokenStoreError unavailable naming the code, without waiting, for a lock path that is %s', async (_name, make, code) => {
    await make(`${path}.lock`);
    const failure = await errorOf(new FileTokenStore({ path, lockTimeoutMs: 50 }).set('k', record));
    expect([failure instanceof TokenStoreError && failure.reason, (failure as Error).message]).toEqual([
      'unavailable',
      `FileTokenStore: the lock on the token file cannot be used (${code})`,
    ]);
    expect((await readdir(dir)).sort()).toEqual(['tokens.json.lock']);
  });

  it('takes a lease whose folder was left empty at once, without waiting or telling onWait', async () => {
    vi.useFakeTimers(FAKE);
    await mkdir(leasePath(path, 'k'));
    let waits = 0;
    const lease = new FileTokenStore(path).lease('k', 5_000, async () => 'ran', { onWait: () => (waits += 1) });
    expect(await settlesWithin(lease)).toBe(true);
    expect([await lease, waits, await readdir(dir)]).toEqual(['ran', 0, []]);
  });

  it.each([
    [
      'takes the lock as its empty folder is cleared: waits for it',
      (lockPath: string) => writeFile(join(lockPath, `${'e'.repeat(32)}.owner`), ''),
      (failure: unknown, files: string[]) => {
        heldFor(failure, 50);
        expect(files).toEqual(['tokens.json.lock']);
      },
    ],
    [
      'clears the empty folder first: takes the lock',
      (lockPath: string) => rmdir(lockPath),
      (failure: unknown, files: string[]) => expect([failure, files]).toEqual(['resolved', ['tokens.json']]),
    ],
  ])('when another process %s', async (_name, meanwhile, expectOutcome) => {
    const lockPath = `${path}.lock`;
    await mkdir(lockPath);
    const original = fsPromises.rmdir;
    let raced = false;
    fsPromises.rmdir = (async (target: string) => {
      if (target === lockPath && !raced) {
        raced = true;
        await meanwhile(lockPath);
      }
      return original(target);
    }) as typeof original;
    syncBuiltinESMExports();
    try {
      const failure = await errorOf(new FileTokenStore({ path, lockTimeoutMs: 50 }).set('k', record));
      expectOutcome(failure, await readdir(dir));
      expect(raced).toBe(true);
    } finally {
      fsPromises.rmdir = original;
      syncBuiltinESMExports();
    }
  });

  it.each([
    ['ENOTEMPTY', 'waits, then takes it'],
    ['EEXIST', 'waits, then takes it'],
    ['EPERM', 'fails at once with TokenStoreError unavailable'],
  ])('when the rename onto the lock folder fails with %s (the lock was taken meanwhile): %s', async (code) => {
    const lockPath = join(dir, 'raced.lock');
    const original = fsPromises.rename;
    let refused = 0;
    fsPromises.rename = (async (from: string, to: string) => {
      if (to === lockPath && refused === 0) {
        refused += 1;
        throw Object.assign(new Error(`${code}: rename`), { code });
      }
      return original(from, to);
    }) as typeof original;
    syncBuiltinESMExports();
    try {
      const taking = acquireLock(lockPath, { name: 'test lock', staleMs: MUTEX_STALE_MS, retryMs: [5, 10] });
      if (code === 'EPERM') {
        const failure = await errorOf(taking);
        expect([failure instanceof TokenStoreError && failure.reason, (failure as Error).message]).toEqual([
          'unavailable',
          'test lock cannot be used (EPERM)',
        ]);
      } else {
        await (await taking).release();
      }
      expect([refused, await readdir(dir)]).toEqual([1, []]);
    } finally {
      fsPromises.rename = original;
      syncBuiltinESMExports();
    }
  });

  it('tells onWait once, however many times it finds the lock held', async () => {
    const lockPath = join(dir, 'busy.lock');
    const options = { name: 'test lock', staleMs: MUTEX_STALE_MS, retryMs: [5, 10] as const };
    const held = await acquireLock(lockPath, options);
    const onWait = vi.fn();
    const polls = { count: 0 };
    const original = fsPromises.readdir;
    fsPromises.readdir = ((...args: Parameters<typeof original>) => {
      if (args[0] === lockPath) polls.count += 1;
      return original(...args);
    }) as typeof original;
    syncBuiltinESMExports();
    try {
      const waiting = acquireLock(lockPath, { ...options, onWait });
      expect(await until(() => polls.count >= 4)).toBe(true);
      await held.release();
      await (await waiting).release();
      expect(onWait).toHaveBeenCalledTimes(1);
    } finally {
      fsPromises.readdir = original;
      syncBuiltinESMExports();
    }
  });

  it('knows a taken lock by ENOTEMPTY or EEXIST, and on Windows by EPERM or EACCES too', () => {
    expect([...takenErrors('linux')]).toEqual(['ENOTEMPTY', 'EEXIST']);
    expect([...takenErrors('darwin')]).toEqual(['ENOTEMPTY', 'EEXIST']);
    expect([...takenErrors('win32')]).toEqual(['ENOTEMPTY', 'EEXIST', 'EPERM', 'EACCES']);
  });

  it('holds a lock as a 0700 folder with one 0600 owner file naming its owner and process', async () => {
    const lockPath = join(dir, 'held.lock');
    const lock = await acquireLock(lockPath, { name: 'test lock', staleMs: MUTEX_STALE_MS, retryMs: [5, 40] });
    const [name = ''] = await readdir(lockPath);
    expect(name).toMatch(/^[0-9a-f]{32}\.owner$/);
    expect(JSON.parse(await readFile(join(lockPath, name), 'utf8'))).toEqual({ owner: name.slice(0, 32), pid: process.pid });
    expect([(await stat(lockPath)).mode & 0o777, (await stat(join(lockPath, name))).mode & 0o777]).toEqual([0o700, 0o600]);
    await lock.release();
    expect(await readdir(dir)).toEqual([]);
  });
});

describe('FileTokenStore writers of one process', () => {
  it('queues a write that comes while earlier ones wait their turn, without polling the lock', async () => {
    vi.useFakeTimers(FAKE);
    const store = new FileTokenStore(path);
    const first = store.set('a', revised('a1'));
    const queued = [store.set('b', revised('b1')), store.set('c', revised('c1'))];
    expect(await settlesWithin(first)).toBe(true);
    // 'b' is writing and 'c' waits: these come after both, the clock standing still.
    const late = [store.set('d', revised('d1')), store.set('e', revised('e1'))];
    expect(await settlesWithin(Promise.all([...queued, ...late]), 5_000)).toBe(true);
    const content = JSON.parse(await readFile(path, 'utf8')) as { records: Record<string, unknown> };
    expect([Object.keys(content.records), await readdir(dir)]).toEqual([['a', 'b', 'c', 'd', 'e'], ['tokens.json']]);
  });
});

describe('FileTokenStore lease holding', () => {
  it('never aborts the signal of a task that has settled, even when its lease was taken over as it ended', async () => {
    vi.useFakeTimers(FAKE);
    const store = new FileTokenStore(path);
    let finish = () => {};
    let signal: AbortSignal | undefined;
    const lease = store.lease('k', 3_000, (given) => {
      signal = given;
      return new Promise<void>((resolve) => (finish = resolve));
    });
    expect(await until(() => signal !== undefined)).toBe(true);
    const [owner = ''] = await readdir(leasePath(path, 'k'));
    // The owner file is gone (another process judged the lease stale) as the refresh starts and the task ends.
    rmSync(join(leasePath(path, 'k'), owner));
    vi.advanceTimersByTime(1_000);
    finish();
    await lease;
    await settle(100);
    expect(signal?.aborted).toBe(false);
  });

  it('tries a refresh that failed for another reason again at the next tick, keeping the lease', async () => {
    vi.useFakeTimers(FAKE);
    const store = new FileTokenStore(path);
    let finish = () => {};
    let signal: AbortSignal | undefined;
    const lease = store.lease('k', 3_000, (given) => {
      signal = given;
      return new Promise<string>((resolve) => (finish = () => resolve('done')));
    });
    expect(await until(() => signal !== undefined)).toBe(true);
    const lockPath = leasePath(path, 'k');
    // For one refresh, the lease folder is not a folder (ENOTDIR), then it is back.
    renameSync(lockPath, `${lockPath}.aside`);
    writeFileSync(lockPath, '');
    await advance(1_000);
    await settle(100);
    unlinkSync(lockPath);
    renameSync(`${lockPath}.aside`, lockPath);
    await advance(1_000);
    expect(signal?.aborted).toBe(false);
    finish();
    expect([await lease, await readdir(dir)]).toEqual(['done', []]);
  });

  it('waits 150 ms between two polls at the most', async () => {
    vi.useFakeTimers(FAKE);
    vi.spyOn(Math, 'random').mockReturnValue(1);
    const store = new FileTokenStore(path);
    const { held: first, finish } = await holdLease(store);
    let waitedFromMs = 0;
    let tookAtMs = 0;
    const second = store.lease('k', 5_000, async () => (tookAtMs = Date.now()), { onWait: () => (waitedFromMs = Date.now()) });
    expect(await until(() => waitedFromMs > 0)).toBe(true);
    finish();
    await first;
    await advance(149);
    // Real time for the file I/O of a poll that came earlier: none came.
    expect(await until(() => tookAtMs !== 0, 300)).toBe(false);
    await advance(1);
    await second;
    expect(tookAtMs - waitedFromMs).toBe(150);
  });

  it('keeps one abort listener on a waiting signal however many times it polls', async () => {
    vi.useFakeTimers(FAKE);
    vi.spyOn(Math, 'random').mockReturnValue(0);
    const store = new FileTokenStore(path);
    const { held: first, finish } = await holdLease(store);
    const stop = new AbortController();
    let waiting = false;
    const second = errorOf(store.lease('k', 5_000, async () => 'ran', { signal: stop.signal, onWait: () => (waiting = true) }));
    expect(await until(() => waiting)).toBe(true);
    // 20 ms between polls: some twenty polls.
    await advance(400);
    expect(await until(() => getEventListeners(stop.signal, 'abort').length === 1)).toBe(true);
    const reason = new Error('caller gave up');
    stop.abort(reason);
    expect(await second).toBe(reason);
    finish();
    await first;
  });
});
