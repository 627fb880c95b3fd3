import { lstat, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileTokenStore } from '../../src/node/index.js';

const record = { version: 1, longToken: 'lt_files_1', expiresAtMs: 4_102_444_800_000, tokenId: 'tok_lt_1', revision: 'r1' } as const;
// The module object behind `node:fs/promises`: a function replaced on it (then synced) is the one the store calls.
const fsPromises = createRequire(import.meta.url)('node:fs/promises') as typeof import('node:fs/promises');
let dir: string;
let path: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'c2m-auth-files-'));
  path = join(dir, 'tokens.json');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The error `promise` rejects with. */
const errorOf = (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    () => 'resolved',
    (error: unknown) => error,
  );

type WriteFile = typeof fsPromises.writeFile;
/** Runs `run` with `around` called in place of each fs writeFile (it calls `write` to write). */
async function aroundWrites<T>(
  around: (write: WriteFile, ...args: Parameters<WriteFile>) => Promise<void>,
  run: () => Promise<T>,
): Promise<T> {
  const original = fsPromises.writeFile;
  fsPromises.writeFile = ((...args: Parameters<WriteFile>) => around(original, ...args)) as WriteFile;
  syncBuiltinESMExports();
  try {
    return await run();
  } finally {
    fsPromises.writeFile = original;
    syncBuiltinESMExports();
  }
}

const modeOf = async (file: string) => (await stat(file)).mode & 0o777;

describe('FileTokenStore files on disk', () => {
  it('creates the temporary file with mode 0600 from the start, under a 0700 lock folder: no one else can read it, even before the chmod', async () => {
    const seen: string[] = [];
    await aroundWrites(
      async (write, ...args) => {
        await write(...args);
        const file = String(args[0]);
        if (file.endsWith('.tmp'))
          seen.push(`temporary ${(await modeOf(file)).toString(8)}, lock ${(await modeOf(`${path}.lock`)).toString(8)}`);
      },
      () => new FileTokenStore(path).set('k', record),
    );
    expect(seen).toEqual(['temporary 600, lock 700']);
    expect([await modeOf(path), await readdir(dir)]).toEqual([0o600, ['tokens.json']]);
  });

  it('never writes through a file or link found at its temporary path: the write fails, the target is untouched', async () => {
    const target = join(dir, 'elsewhere.txt');
    await writeFile(target, 'untouched');
    const failure = await errorOf(
      aroundWrites(
        async (write, ...args) => {
          if (String(args[0]).endsWith('.tmp')) await symlink(target, String(args[0]));
          await write(...args);
        },
        () => new FileTokenStore(path).set('k', record),
      ),
    );
    expect((failure as NodeJS.ErrnoException).code).toBe('EEXIST');
    expect([await readFile(target, 'utf8'), (await readdir(dir)).sort()]).toEqual(['untouched', ['elsewhere.txt']]);
    expect((await lstat(target)).isFile()).toBe(true);
  });

  it('rejects with the serialisation error, writing nothing, when a record cannot be written as JSON', async () => {
    const store = new FileTokenStore(path);
    await store.set('k', record);
    const before = await readFile(path, 'utf8');
    const failure = await errorOf(store.set('other', { ...record, extra: 1n } as never));
    expect([(failure as Error).name, (failure as Error).message]).toEqual(['TypeError', 'Do not know how to serialize a BigInt']);
    expect([await readFile(path, 'utf8'), await readdir(dir)]).toEqual([before, ['tokens.json']]);
  });

  it('reads a missing file as no record for any key, whatever its name', async () => {
    const store = new FileTokenStore(path);
    expect([await store.get('0'), await store.get('length'), await store.get('k')]).toEqual([undefined, undefined, undefined]);
  });

  it('replaces a corrupt file on set with the new record alone', async () => {
    await writeFile(path, 'corrupt');
    await new FileTokenStore(path).set('k', record);
    expect(JSON.parse(await readFile(path, 'utf8'))).toEqual({ version: 1, records: { k: record } });
  });
});
