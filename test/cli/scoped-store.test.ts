import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ScopedShortTokenStore, scopesTag } from '../../src/cli/scoped-store.js';
import { FileTokenStore } from '../../src/node/FileTokenStore.js';
import type { TokenRecord } from '../../src/session/TokenStore.js';

let dir: string;
let file: FileTokenStore;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'c2m-auth-scoped-'));
  file = new FileTokenStore(join(dir, 'tokens.json'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const short = { token: 'st', expiresAtMs: 2 };
const record: TokenRecord = { version: 1, revision: 'r1', longToken: 'lt', shortToken: short };

describe('ScopedShortTokenStore', () => {
  it('notes the scopes: sorted, without duplicates; empty for none', () => {
    expect([scopesTag(undefined), scopesTag(['b', 'a', 'b']), scopesTag([])]).toEqual(['', 'a b', '']);
  });

  it('notes the scopes of each written short token, and hands it back only for the same scopes', async () => {
    const narrow = new ScopedShortTokenStore(file, 'jobs:submit');
    const plain = new ScopedShortTokenStore(file, '');
    await narrow.set('k', record);
    expect(await file.get('k')).toEqual({ ...record, shortTokenScopes: 'jobs:submit' });
    expect(await narrow.get('k')).toEqual({ ...record, shortTokenScopes: 'jobs:submit' });
    expect(await plain.get('k')).toEqual({ version: 1, revision: 'r1', longToken: 'lt' });
    expect(await plain.compareAndSet('k', { ...record }, { ...record, revision: 'r2' })).toBe(true);
    expect(await file.get('k')).toEqual({ ...record, revision: 'r2', shortTokenScopes: '' });
    expect(await narrow.get('k')).toEqual({ version: 1, revision: 'r2', longToken: 'lt' });
    expect(await plain.compareAndSet('k', record, undefined)).toBe(false);
    expect(await plain.compareAndSet('k', { ...record, revision: 'r2' }, undefined)).toBe(true);
    expect(await plain.get('k')).toBeUndefined();
  });

  it('reads a record without a short token or without a note as it is, and writes one without a short token as it is', async () => {
    const plain = new ScopedShortTokenStore(file, '');
    await file.set('k', record);
    expect(await plain.get('k')).toEqual(record);
    expect(await new ScopedShortTokenStore(file, 'x').get('k')).toEqual({ version: 1, revision: 'r1', longToken: 'lt' });
    await plain.set('k', { version: 1, revision: 'r3', longToken: 'lt' });
    expect(await file.get('k')).toEqual({ version: 1, revision: 'r3', longToken: 'lt' });
    await plain.delete('k');
    expect(await file.get('k')).toBeUndefined();
  });

  it('passes the lease and change notifications through to the file store', async () => {
    const plain = new ScopedShortTokenStore(file, '');
    const changes: unknown[] = [];
    const stop = plain.subscribe('k', (change) => changes.push(change));
    expect(await plain.lease('k', 1_000, async (signal) => [signal.aborted, 'ran'])).toEqual([false, 'ran']);
    await plain.set('k', record);
    await vi.waitFor(() => expect(changes).toEqual([{ revision: 'r1' }]));
    stop();
  });
});
