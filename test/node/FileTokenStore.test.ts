import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuthSession, type AuthSessionEvents } from '../../src/index.js';
import { CorruptTokenFileError, FileTokenStore } from '../../src/node/index.js';
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
    expect(events.map((event) => [event.operation, (event.error as Error).name])).toEqual([['get', 'CorruptTokenFileError']]);
    const again = new AuthSession({ baseUrl: BASE_URL, credentials, store: new FileTokenStore(path) });
    expect(await again.getLongToken()).toBe(await session.getLongToken());
    expect(mock().count('issueLongTermToken')).toBe(1);
  });
});
