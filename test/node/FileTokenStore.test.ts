import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AuthSession, type AuthSessionEvents, TokenStoreError } from '../../src/index.js';
import { MUTEX_STALE_MS } from '../../src/node/FileTokenStore.js';
import { CorruptTokenFileError, FileTokenStore } from '../../src/node/index.js';
import { acquireLock } from '../../src/node/lock-file.js';
import { tokenOf, useAuthMock } from '../support/kit.js';
import { BASE_URL, CLIENT_SECRET, useMsw } from '../support/msw.js';

useMsw();

const credentials = { grant_type: 'client_credentials', client_id: 'c2m_abc123', client_secret: CLIENT_SECRET } as const;
const record = { version: 1, longToken: 'lt_file_1', expiresAtMs: 4_102_444_800_000, tokenId: 'tok_lt_1' } as const;
let dir: string;
const mock = useAuthMock();

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'c2m-auth-store-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('FileTokenStore', () => {
  it('writes a versioned JSON file with mode 0600 in a new 0700 folder, leaving no temporary file', async () => {
    const path = join(dir, 'nested', 'tokens.json');
    const store = new FileTokenStore(path);
    await store.set('k', record);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, 'nested'))).mode & 0o777).toBe(0o700);
    expect(JSON.parse(await readFile(path, 'utf8'))).toEqual({ version: 1, records: { k: record } });
    expect(await readdir(join(dir, 'nested'))).toEqual(['tokens.json']);
    expect(await store.get('k')).toEqual(record);
  });

  it('replaces the file atomically: a reader sees the old or the new content, never a mix', async () => {
    const path = join(dir, 'tokens.json');
    const store = new FileTokenStore(path);
    await store.set('k', record);
    const writes = Array.from({ length: 20 }, (_, index) => store.set(`k${index}`, { ...record, longToken: `lt_${index}` }));
    const reads = Array.from({ length: 20 }, () => readFile(path, 'utf8').then((text) => JSON.parse(text) as { version: number }));
    await Promise.all(writes);
    for (const content of await Promise.all(reads)) expect(content.version).toBe(1);
    expect((await readdir(dir)).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  it('reads a missing file as empty', async () => {
    expect(await new FileTokenStore(join(dir, 'none.json')).get('k')).toBeUndefined();
  });

  it('throws CorruptTokenFileError for a corrupt file, and the next write replaces it', async () => {
    const path = join(dir, 'tokens.json');
    await writeFile(path, '{"version": 1, "records": ');
    const store = new FileTokenStore(path);
    await expect(store.get('k')).rejects.toBeInstanceOf(CorruptTokenFileError);
    await store.set('k', record);
    expect(await store.get('k')).toEqual(record);
  });

  it('deletes one key and keeps the others', async () => {
    const store = new FileTokenStore(join(dir, 'tokens.json'));
    await store.set('a', record);
    await store.set('b', { ...record, longToken: 'lt_b' });
    await store.delete('a');
    expect([await store.get('a'), (await store.get('b'))?.longToken]).toEqual([undefined, 'lt_b']);
  });

  it('keeps a session going over a corrupt file, with a storeError event', async () => {
    const path = join(dir, 'tokens.json');
    await writeFile(path, 'not json');
    const events: AuthSessionEvents['storeError'][] = [];
    const session = new AuthSession({
      baseUrl: BASE_URL,
      credentials,
      store: new FileTokenStore(path),
      on: { storeError: (event) => events.push(event) },
    });
    const token = await session.getAccessToken();
    expect(tokenOf(mock(), token) !== undefined).toBe(true);
    // The store can lease, so the session reads once before taking the lease and once under it.
    expect(events.map((event) => [event.operation, (event.error as Error).name])).toEqual([
      ['get', 'CorruptTokenFileError'],
      ['get', 'CorruptTokenFileError'],
    ]);
    const again = new AuthSession({ baseUrl: BASE_URL, credentials, store: new FileTokenStore(path) });
    expect(await again.getLongToken()).toBe(await session.getLongToken());
    expect(mock().count('issueLongTermToken')).toBe(1);
  });
});

const revised = (revision: string, longToken = `lt_${revision}`) => ({ ...record, revision, longToken });
const leasePath = (path: string, key: string) => `${path}.lease-${createHash('sha256').update(key).digest('hex').slice(0, 32)}`;
const mutexOptions = { name: 'test holder', staleMs: MUTEX_STALE_MS, retryMs: [5, 40] as const };
const errorOf = (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    () => 'resolved',
    (error: unknown) => error,
  );
const realTurn = () => new Promise((resolve) => setImmediate(resolve));

/** A lock folder as a holder that died `ageMs` ago left it. */
async function deadHolder(lockPath: string, ageMs: number): Promise<void> {
  await mkdir(lockPath, { recursive: true });
  const file = join(lockPath, `${randomBytes(16).toString('hex')}.owner`);
  await writeFile(file, JSON.stringify({ owner: 'dead', pid: 1 }));
  const thenSeconds = (Date.now() - ageMs) / 1000;
  await utimes(file, thenSeconds, thenSeconds);
}

/** Runs fake timers, and lets real file I/O finish between them, until `promise` settles. */
async function drive<T>(promise: Promise<T>, untilMs = 60_000): Promise<T> {
  let settled = false;
  promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  const endMs = Date.now() + untilMs;
  while (!settled && Date.now() < endMs) {
    for (let turn = 0; turn < 3; turn += 1) await realTurn();
    if (!settled) await vi.advanceTimersToNextTimerAsync();
  }
  return promise;
}

/** Advances fake time by `ms`, letting real file I/O finish between timers. */
async function advance(ms: number): Promise<void> {
  const endMs = Date.now() + ms;
  while (Date.now() < endMs) {
    for (let turn = 0; turn < 10; turn += 1) await realTurn();
    await vi.advanceTimersByTimeAsync(Math.min(50, endMs - Date.now()));
  }
  for (let turn = 0; turn < 3; turn += 1) await realTurn();
}

describe('FileTokenStore options', () => {
  it('takes an options object as well as a path', async () => {
    const path = join(dir, 'tokens.json');
    const store = new FileTokenStore({ path, lockTimeoutMs: 1_000 });
    await store.set('k', record);
    expect([store.path, await new FileTokenStore(path).get('k')]).toEqual([path, record]);
  });

  it.each([
    [{ path: '' }, 'FileTokenStore: option "path" must be a non-empty string'],
    [{ path: 'x', lockTimeoutMs: 0 }, 'FileTokenStore: option "lockTimeoutMs" must be a positive number of ms'],
    [{ path: 'x', lockTimeoutMs: Number.NaN }, 'FileTokenStore: option "lockTimeoutMs" must be a positive number of ms'],
    [{ path: 'x', encryptionKey: 'c2hvcnQ=' }, 'FileTokenStore: encryptionKey must be 32 bytes (a Uint8Array, or its base64)'],
    [null, 'FileTokenStore: options must be an object'],
  ])('refuses %j with a TypeError', (options, message) => {
    expect(() => new FileTokenStore(options as never)).toThrow(new TypeError(message));
  });
});

describe('FileTokenStore compareAndSet', () => {
  it('writes when the record is the expected revision, and refuses otherwise', async () => {
    const path = join(dir, 'tokens.json');
    const store = new FileTokenStore(path);
    expect(await store.compareAndSet('k', undefined, revised('r1'))).toBe(true);
    expect(await store.compareAndSet('k', undefined, revised('r2'))).toBe(false);
    expect(await store.compareAndSet('k', revised('r0'), revised('r2'))).toBe(false);
    expect((await store.get('k'))?.revision).toBe('r1');
    expect(await store.compareAndSet('k', revised('r1', 'lt_other_text'), revised('r2'))).toBe(true);
    expect(await store.get('k')).toEqual(revised('r2'));
  });

  it('deletes with next undefined, and keeps the other keys', async () => {
    const path = join(dir, 'tokens.json');
    const store = new FileTokenStore(path);
    await store.set('other', revised('o1'));
    await store.set('k', revised('r1'));
    expect(await store.compareAndSet('k', revised('r2'), undefined)).toBe(false);
    expect(await store.compareAndSet('k', revised('r1'), undefined)).toBe(true);
    expect(await store.compareAndSet('k', undefined, undefined)).toBe(true);
    expect(JSON.parse(await readFile(path, 'utf8'))).toEqual({ version: 1, records: { other: revised('o1') } });
  });

  it('treats a record of another version as none, and throws CorruptTokenFileError over a corrupt file', async () => {
    const path = join(dir, 'tokens.json');
    await writeFile(path, JSON.stringify({ version: 1, records: { k: { version: 2, longToken: 'lt_v2' } } }));
    const store = new FileTokenStore(path);
    expect(await store.compareAndSet('k', revised('r1'), revised('r2'))).toBe(false);
    expect(await store.compareAndSet('k', undefined, revised('r1'))).toBe(true);
    await writeFile(path, 'not json');
    await expect(store.compareAndSet('k', undefined, revised('r2'))).rejects.toBeInstanceOf(CorruptTokenFileError);
    expect(await readFile(path, 'utf8')).toBe('not json');
  });

  it('never mistakes an inherited property for a record', async () => {
    const store = new FileTokenStore(join(dir, 'tokens.json'));
    await store.set('k', record);
    expect([await store.get('constructor'), await store.get('__proto__')]).toEqual([undefined, undefined]);
    expect(await store.compareAndSet('toString', undefined, revised('r1'))).toBe(true);
    expect((await store.get('toString'))?.revision).toBe('r1');
  });
});

describe('FileTokenStore encryption', () => {
  const key = randomBytes(32);
  const secretRecord = {
    ...revised('r1', 'lt_plaintext_long_token'),
    tokenId: 'tok_plaintext_id',
    shortToken: { token: 'st_plaintext_short', expiresAtMs: 4_102_444_800_000 },
  };

  it('seals each record: no token text in the file, and the same record back', async () => {
    const path = join(dir, 'tokens.json');
    const store = new FileTokenStore({ path, encryptionKey: key });
    await store.set('k', secretRecord);
    await store.set('other', revised('o1', 'lt_plaintext_other'));
    const bytes = await readFile(path, 'utf8');
    for (const text of ['lt_plaintext', 'st_plaintext', 'tok_plaintext']) expect(bytes).not.toContain(text);
    const content = JSON.parse(bytes) as { version: number; records: Record<string, unknown> };
    expect([content.version, Object.keys(content.records), typeof content.records.k]).toEqual([1, ['k', 'other'], 'string']);
    expect(await new FileTokenStore({ path, encryptionKey: key.toString('base64') }).get('k')).toEqual(secretRecord);
    expect(await store.compareAndSet('k', revised('r1'), revised('r2'))).toBe(true);
    expect((await store.get('k'))?.revision).toBe('r2');
  });

  it.each([
    ['another key', async (path: string) => new FileTokenStore({ path, encryptionKey: randomBytes(32) })],
    ['no key', async (path: string) => new FileTokenStore(path)],
    [
      'a tampered record',
      async (path: string) => {
        const content = JSON.parse(await readFile(path, 'utf8')) as { records: Record<string, string> };
        const sealed = content.records.k as string;
        const flipped = sealed.at(-5) === 'A' ? 'B' : 'A';
        content.records.k = `${sealed.slice(0, -5)}${flipped}${sealed.slice(-4)}`;
        await writeFile(path, JSON.stringify(content));
        return new FileTokenStore({ path, encryptionKey: key });
      },
    ],
    [
      'a record moved under another key',
      async (path: string) => {
        const content = JSON.parse(await readFile(path, 'utf8')) as { records: Record<string, string> };
        await writeFile(path, JSON.stringify({ version: 1, records: { k: content.records.other } }));
        return new FileTokenStore({ path, encryptionKey: key });
      },
    ],
  ])('throws TokenStoreError unreadable_record for %s, from get and compareAndSet', async (_name, open) => {
    const path = join(dir, 'tokens.json');
    const store = new FileTokenStore({ path, encryptionKey: key });
    await store.set('k', secretRecord);
    await store.set('other', revised('o1'));
    const reader = await open(path);
    for (const failure of [await errorOf(reader.get('k')), await errorOf(reader.compareAndSet('k', undefined, revised('r9')))]) {
      expect(failure).toBeInstanceOf(TokenStoreError);
      expect([(failure as TokenStoreError).reason, (failure as Error).message]).toEqual([
        'unreadable_record',
        expect.not.stringContaining('plaintext'),
      ]);
    }
  });

  it('reads a plain record as unreadable, and replaces it sealed on the next set', async () => {
    const path = join(dir, 'tokens.json');
    await new FileTokenStore(path).set('k', secretRecord);
    const store = new FileTokenStore({ path, encryptionKey: key });
    await expect(store.get('k')).rejects.toMatchObject({ name: 'TokenStoreError', reason: 'unreadable_record' });
    await store.set('k', secretRecord);
    expect(await readFile(path, 'utf8')).not.toContain('plaintext');
  });
});

describe('FileTokenStore locking', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('leaves no lock, lease or temporary file behind', async () => {
    const path = join(dir, 'tokens.json');
    const store = new FileTokenStore(path);
    await Promise.all(Array.from({ length: 10 }, (_, index) => store.set(`k${index}`, revised(`r${index}`))));
    await store.compareAndSet('k0', revised('r0'), revised('r1'));
    await store.delete('k1');
    const order: string[] = [];
    await Promise.all([
      store.lease('k', 5_000, async () => order.push('a')),
      store.lease('k', 5_000, async () => order.push('b')),
      store.lease('other', 5_000, async () => order.push('c')),
    ]);
    await expect(store.lease('k', 5_000, async () => Promise.reject(new Error('task failed')))).rejects.toThrow('task failed');
    expect([order.length, await readdir(dir)]).toEqual([3, ['tokens.json']]);
  });

  it('writes the keys of concurrent writers through two instances, losing none', async () => {
    const path = join(dir, 'tokens.json');
    const stores = [new FileTokenStore(path), new FileTokenStore(path)];
    await Promise.all(Array.from({ length: 30 }, (_, index) => stores[index % 2]?.set(`k${index}`, revised(`r${index}`))));
    const content = JSON.parse(await readFile(path, 'utf8')) as { records: Record<string, unknown> };
    expect(Object.keys(content.records).length).toBe(30);
  });

  it('takes over the lock of a writer that died, once it is older than 3 s', async () => {
    const path = join(dir, 'tokens.json');
    await deadHolder(`${path}.lock`, MUTEX_STALE_MS + 1_000);
    const store = new FileTokenStore({ path, lockTimeoutMs: 1_000 });
    await store.set('k', record);
    expect([await store.get('k'), await readdir(dir)]).toEqual([record, ['tokens.json']]);
  });

  it('waits for a live writer, then throws TokenStoreError unavailable after lockTimeoutMs (5000 ms by default)', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    const path = join(dir, 'tokens.json');
    // A writer's lock refreshed a minute ahead: no fake clock moves it to stale.
    await deadHolder(`${path}.lock`, -60_000);
    const startedMs = Date.now();
    const failure = await drive(errorOf(new FileTokenStore(path).set('k', record)));
    const waitedMs = Date.now() - startedMs;
    expect([failure instanceof TokenStoreError && failure.reason, (failure as Error).message]).toEqual([
      'unavailable',
      'FileTokenStore: the lock on the token file was held by another process for more than 5000 ms',
    ]);
    expect(waitedMs).toBeGreaterThanOrEqual(5_000);
    expect(waitedMs).toBeLessThanOrEqual(5_000 + 40);
    expect([(await readdir(`${path}.lock`)).length, await readdir(dir)]).toEqual([1, ['tokens.json.lock']]);
  });

  it('lets one of many waiters at a time take over a stale lock', async () => {
    const lockPath = join(dir, 'tokens.json.lock');
    await deadHolder(lockPath, MUTEX_STALE_MS + 1_000);
    let holders = 0;
    let most = 0;
    let turns = 0;
    await Promise.all(
      Array.from({ length: 10 }, async () => {
        const lock = await acquireLock(lockPath, { ...mutexOptions, timeoutMs: 10_000 });
        holders += 1;
        most = Math.max(most, holders);
        await realTurn();
        await realTurn();
        holders -= 1;
        turns += 1;
        await lock.release();
      }),
    );
    expect([most, turns, await readdir(dir)]).toEqual([1, 10, []]);
  });
});

describe('FileTokenStore lease', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('runs the task under a lease named by a hash of the key, and returns its value', async () => {
    const path = join(dir, 'tokens.json');
    const key = `${'long key '.repeat(40)}c2m_abc123`;
    const store = new FileTokenStore(path);
    const seen = await store.lease(key, 5_000, async (signal) => ({ aborted: signal.aborted, files: await readdir(dir) }));
    expect(seen).toEqual({ aborted: false, files: [leasePath('tokens.json', key)] });
    expect(await readdir(dir)).toEqual([]);
  });

  it('makes a second caller wait, telling onWait once, until the first is done', async () => {
    const store = new FileTokenStore(join(dir, 'tokens.json'));
    const order: string[] = [];
    let finish = () => {};
    const first = store.lease('k', 5_000, async () => {
      order.push('first start');
      await new Promise<void>((resolve) => (finish = resolve));
      order.push('first end');
    });
    await vi.waitFor(() => expect(order).toEqual(['first start']));
    let waits = 0;
    const second = store.lease('k', 5_000, async () => order.push('second'), { onWait: () => (waits += 1) });
    await vi.waitFor(() => expect(waits).toBe(1));
    finish();
    await Promise.all([first, second]);
    expect([order, waits]).toEqual([['first start', 'first end', 'second'], 1]);
  });

  it('stops waiting when the signal fires, rejecting with its reason and never running the task', async () => {
    const store = new FileTokenStore(join(dir, 'tokens.json'));
    let finish = () => {};
    let holding = false;
    const first = store.lease('k', 5_000, () => {
      holding = true;
      return new Promise<void>((resolve) => (finish = resolve));
    });
    await vi.waitFor(() => expect(holding).toBe(true));
    const stop = new AbortController();
    const reason = new Error('caller gave up');
    let ran = false;
    const second = store.lease('k', 5_000, async () => (ran = true), { signal: stop.signal, onWait: () => stop.abort(reason) });
    expect([await errorOf(second), ran]).toEqual([reason, false]);
    finish();
    await first;
    expect(await readdir(dir)).toEqual([]);
  });

  it('takes over a lease whose holder has not extended it for ttlMs', async () => {
    const path = join(dir, 'tokens.json');
    await deadHolder(leasePath(path, 'k'), 1_500);
    const store = new FileTokenStore(path);
    expect(await store.lease('k', 1_000, async () => 'taken over')).toBe('taken over');
    expect(await readdir(dir)).toEqual([]);
  });

  it('extends the lease every ttlMs / 3 while the task runs, so a waiter does not take it', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    const path = join(dir, 'tokens.json');
    const store = new FileTokenStore(path);
    let finish = () => {};
    let holding: AbortSignal | undefined;
    const first = store.lease('k', 3_000, (signal) => {
      holding = signal;
      return new Promise<string>((resolve) => (finish = () => resolve('first')));
    });
    await drive(vi.waitFor(() => expect(holding).toBeDefined()));
    const order: string[] = [];
    const second = store.lease('k', 3_000, async () => order.push('second'));
    await advance(20_000);
    const [owner] = await readdir(leasePath(path, 'k'));
    const ageMs = Date.now() - (await stat(join(leasePath(path, 'k'), owner as string))).mtimeMs;
    expect([order, holding?.aborted, ageMs < 3_000]).toEqual([[], false, true]);
    finish();
    expect(await first).toBe('first');
    await drive(second);
    expect(order).toEqual(['second']);
  });

  it('aborts the task signal with TokenStoreError unavailable when the lease was lost', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    const path = join(dir, 'tokens.json');
    const store = new FileTokenStore(path);
    let holding: AbortSignal | undefined;
    const lease = store.lease('k', 3_000, (signal) => {
      holding = signal;
      return new Promise<void>((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason)));
    });
    await drive(vi.waitFor(() => expect(holding).toBeDefined()));
    // Another process judged it stale and took it over: our owner file is gone, theirs is there.
    await rm(leasePath(path, 'k'), { recursive: true });
    await deadHolder(leasePath(path, 'k'), 0);
    const failure = await drive(errorOf(lease));
    expect([failure instanceof TokenStoreError && failure.reason, (failure as Error).message]).toEqual([
      'unavailable',
      'FileTokenStore: the lease was lost: it expired and another holder took it',
    ]);
    // Release removed nothing of the new holder's.
    expect((await readdir(leasePath(path, 'k'))).length).toBe(1);
  });

  it('rejects with TokenStoreError unavailable, without running the task, when the folder cannot be used', async () => {
    await writeFile(join(dir, 'file'), '');
    let ran = false;
    const failure = await errorOf(new FileTokenStore(join(dir, 'file', 'tokens.json')).lease('k', 1_000, async () => (ran = true)));
    expect([failure instanceof TokenStoreError && failure.reason, ran]).toEqual(['unavailable', false]);
  });
});

describe('FileTokenStore subscribe', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("tells of this store's writes at once, and of another instance's at the next poll", async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    const path = join(dir, 'tokens.json');
    const [store, other] = [new FileTokenStore(path), new FileTokenStore(path)];
    await store.set('k', revised('r0'));
    const changes: unknown[] = [];
    const unsubscribe = store.subscribe('k', (change) => changes.push(change));
    await store.set('k', revised('r1'));
    await vi.waitFor(() => expect(changes).toEqual([{ revision: 'r1' }]));
    // Uncontended writes use no timer: the fake clock stands still, and the poll with it.
    await other.set('k', revised('r2'));
    await other.set('other key', revised('o1'));
    await other.compareAndSet('k', revised('r0'), revised('r3'));
    for (let turn = 0; turn < 10; turn += 1) await realTurn();
    expect(changes).toEqual([{ revision: 'r1' }]);
    await advance(200);
    await vi.waitFor(() => expect(changes).toEqual([{ revision: 'r1' }, { revision: 'r2' }]));
    await other.delete('k');
    await advance(200);
    await vi.waitFor(() => expect(changes).toEqual([{ revision: 'r1' }, { revision: 'r2' }, { revision: undefined }]));
    unsubscribe();
    await other.set('k', revised('r4'));
    await advance(1_000);
    expect(changes).toEqual([{ revision: 'r1' }, { revision: 'r2' }, { revision: undefined }]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('tells of a record that does not open with an undefined revision', async () => {
    const path = join(dir, 'tokens.json');
    const store = new FileTokenStore({ path, encryptionKey: randomBytes(32) });
    const changes: unknown[] = [];
    const unsubscribe = store.subscribe('k', (change) => changes.push(change));
    await new FileTokenStore({ path, encryptionKey: randomBytes(32) }).set('k', revised('r1'));
    await vi.waitFor(() => expect(changes).toEqual([{ revision: undefined }]));
    unsubscribe();
  });
});
