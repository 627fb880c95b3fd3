import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TokenStoreError } from '../../src/index.js';
import { CorruptTokenFileError, FileTokenStore } from '../../src/node/index.js';

const record = { version: 1, longToken: 'lt_edge_1', expiresAtMs: 4_102_444_800_000, tokenId: 'tok_lt_1', revision: 'r1' } as const;
let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'c2m-auth-edges-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The error `run` throws or rejects with. */
const errorOf = async (run: () => unknown): Promise<unknown> => {
  try {
    await run();
    return 'no error';
  } catch (error) {
    return error;
  }
};

describe('FileTokenStore construction', () => {
  it.each([
    ['an empty path', ''],
    ['options without a path', {}],
    ['a path of another type', { path: 42 }],
  ])('refuses %s with a TypeError', (_name, options) => {
    expect(() => new FileTokenStore(options as never)).toThrow(new TypeError('FileTokenStore: option "path" must be a non-empty string'));
  });

  it.each([
    ['a negative lockTimeoutMs', { lockTimeoutMs: -1 }, 'option "lockTimeoutMs" must be a positive number of ms'],
    ['an infinite lockTimeoutMs', { lockTimeoutMs: Number.POSITIVE_INFINITY }, 'option "lockTimeoutMs" must be a positive number of ms'],
    ['a lockTimeoutMs as text', { lockTimeoutMs: '100' }, 'option "lockTimeoutMs" must be a positive number of ms'],
    ['an encryptionKey of another type', { encryptionKey: 42 }, 'option "encryptionKey" must be 32 bytes (a Uint8Array, or its base64)'],
  ])('refuses %s with a TypeError', (_name, options, message) => {
    expect(() => new FileTokenStore({ path: 'x', ...options } as never)).toThrow(new TypeError(`FileTokenStore: ${message}`));
  });

  it.each([[0], [-5], [Number.NaN], [Number.POSITIVE_INFINITY], ['1000']])(
    'refuses a lease ttlMs of %j with a TypeError, creating nothing',
    async (ttlMs: unknown) => {
      let ran = false;
      const store = new FileTokenStore(join(dir, 'nested', 'tokens.json'));
      const failure = await errorOf(() => store.lease('k', ttlMs as never, async () => (ran = true)));
      expect([failure, ran, await readdir(dir)]).toEqual([new TypeError('FileTokenStore: ttlMs must be a positive number'), false, []]);
    },
  );
});

describe('FileTokenStore reading', () => {
  it.each([
    ['another file version', { version: 2, records: {} }],
    ['no version', { records: {} }],
    ['records that are null', { version: 1, records: null }],
    ['records that are text', { version: 1, records: 'k' }],
    ['no records', { version: 1 }],
    ['null', null],
    ['a number', 1],
  ])('throws CorruptTokenFileError naming the path for a file holding %s', async (_name, content) => {
    const path = join(dir, 'tokens.json');
    await writeFile(path, JSON.stringify(content));
    const failure = await errorOf(() => new FileTokenStore(path).get('k'));
    expect(failure).toBeInstanceOf(CorruptTokenFileError);
    expect([(failure as Error).name, (failure as Error).message]).toEqual([
      'CorruptTokenFileError',
      `FileTokenStore: ${path} is not a token file`,
    ]);
  });

  it('reads a record of another version as none', async () => {
    const path = join(dir, 'tokens.json');
    await writeFile(path, JSON.stringify({ version: 1, records: { k: { ...record, version: 2 }, other: record } }));
    const store = new FileTokenStore(path);
    expect([await store.get('k'), await store.get('other'), await store.get('missing')]).toEqual([undefined, record, undefined]);
  });

  it('throws TokenStoreError unavailable, with the cause, when the file cannot be read', async () => {
    const path = join(dir, 'tokens.json');
    await mkdir(path);
    const store = new FileTokenStore(path);
    for (const failure of [await errorOf(() => store.get('k')), await errorOf(() => store.subscribe('k', () => undefined))]) {
      expect(failure).toBeInstanceOf(TokenStoreError);
      expect([
        (failure as TokenStoreError).reason,
        (failure as Error).message,
        ((failure as Error).cause as { code: string }).code,
      ]).toEqual(['unavailable', 'FileTokenStore: the token file cannot be read', 'EISDIR']);
    }
  });

  it('tells a store without a key that a record is sealed', async () => {
    const path = join(dir, 'tokens.json');
    await new FileTokenStore({ path, encryptionKey: randomBytes(32) }).set('k', record);
    const failure = await errorOf(() => new FileTokenStore(path).get('k'));
    expect(failure).toBeInstanceOf(TokenStoreError);
    expect([(failure as TokenStoreError).reason, (failure as Error).message]).toEqual([
      'unreadable_record',
      'the stored record is sealed; this FileTokenStore has no encryptionKey',
    ]);
  });
});

describe('FileTokenStore writing', () => {
  it('creates neither folder nor file to delete from a missing file', async () => {
    const store = new FileTokenStore(join(dir, 'nested', 'tokens.json'));
    await store.delete('k');
    expect(await readdir(dir)).toEqual([]);
  });

  it('replaces a corrupt file with an empty one on delete', async () => {
    const path = join(dir, 'tokens.json');
    await writeFile(path, 'not json');
    await new FileTokenStore(path).delete('k');
    expect(JSON.parse(await readFile(path, 'utf8'))).toEqual({ version: 1, records: {} });
  });

  it('leaves the file untouched when there is nothing to delete', async () => {
    const path = join(dir, 'tokens.json');
    const store = new FileTokenStore(path);
    await store.set('other', record);
    const before = await stat(path);
    await store.delete('k');
    expect(await store.compareAndSet('k', undefined, undefined)).toBe(true);
    expect(await store.compareAndSet('other', undefined, undefined)).toBe(false);
    expect((await stat(path)).ino).toBe(before.ino);
    expect(await store.get('other')).toEqual(record);
  });

  it('throws TokenStoreError unavailable, with the cause, when the folder cannot be created', async () => {
    await writeFile(join(dir, 'file'), '');
    const failure = await errorOf(() => new FileTokenStore(join(dir, 'file', 'tokens.json')).set('k', record));
    expect(failure).toBeInstanceOf(TokenStoreError);
    expect([(failure as TokenStoreError).reason, (failure as Error).message, ((failure as Error).cause as { code: string }).code]).toEqual([
      'unavailable',
      "FileTokenStore: the token file's folder cannot be created",
      'EEXIST',
    ]);
  });
});
