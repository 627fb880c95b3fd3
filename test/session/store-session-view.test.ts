// A session's view of its store (SessionStore): records in and out, compare-and-set against the
// record last seen, and every failure (slow, down, corrupt) turned into a storeError event and a
// session that carries on alone.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MemoryTokenStore, type TokenRecord, type TokenStore, TokenStoreError } from '../../src/index.js';
import { CorruptTokenFileError } from '../../src/node/index.js';
import { type AuthSessionEvents, Emitter } from '../../src/session/events.js';
import type { HeldToken } from '../../src/session/expiry.js';
import { SessionStore } from '../../src/session/SessionStore.js';

const KEY = 'c2m-auth:test:view';
const LONG: HeldToken = { token: 'lt_view_mine', expiresAtMs: 1_900_000_000_000, issuedAtMs: 1_800_000_000_000, tokenId: 'tok_lt_1' };
const OTHER: HeldToken = { token: 'lt_view_other', expiresAtMs: 1_900_000_000_000, tokenId: 'tok_lt_2' };
const peerRecord = (revision: string, longToken = OTHER.token): TokenRecord => ({ version: 1, revision, longToken });

/** A MemoryTokenStore with only the methods named, recording which of them were called. */
function storeWith(methods: readonly (keyof TokenStore)[], inner = new MemoryTokenStore()) {
  const calls: string[] = [];
  const store = Object.fromEntries(
    methods.map((name) => {
      const method = inner[name] as (...args: unknown[]) => unknown;
      return [
        name,
        (...args: unknown[]) => {
          calls.push(name);
          return method.apply(inner, args);
        },
      ];
    }),
  ) as unknown as TokenStore;
  return { store, inner, calls };
}
const ALL = ['get', 'set', 'delete', 'compareAndSet', 'lease', 'subscribe'] as const;
const PLAIN = ['get', 'set', 'delete'] as const;

function viewOf(store: TokenStore, timeoutMs = 1_000) {
  const events = new Emitter();
  const errors: AuthSessionEvents['storeError'][] = [];
  events.on('storeError', (event) => errors.push(event));
  return { view: new SessionStore(store, KEY, events, timeoutMs), errors };
}
const reported = (errors: AuthSessionEvents['storeError'][]) =>
  errors.map(({ operation, error }) => [operation, (error as Error).name, (error as TokenStoreError).reason]);

afterEach(() => {
  vi.useRealTimers();
});

describe('writing', () => {
  it('writes a fresh store with compare-and-set against no record, keeping the expiry and a new revision', async () => {
    const { store, inner, calls } = storeWith(ALL);
    const { view } = viewOf(store);
    expect(await view.write(LONG, undefined)).toBe('written');
    expect(calls).toEqual(['compareAndSet']);
    expect(inner.get(KEY)).toEqual({
      version: 1,
      revision: expect.stringMatching(/^[0-9a-f]{24}$/),
      longToken: LONG.token,
      expiresAtMs: LONG.expiresAtMs,
      issuedAtMs: LONG.issuedAtMs,
      tokenId: LONG.tokenId,
    });
  });

  it('keeps a token with no known expiry without one, and gives each write its own revision', async () => {
    const { store, inner } = storeWith(ALL);
    const { view } = viewOf(store);
    await view.write({ token: 'lt_view_forever', expiresAtMs: Number.POSITIVE_INFINITY }, undefined);
    const first = inner.get(KEY);
    expect(first !== undefined && 'expiresAtMs' in first && first.expiresAtMs === undefined).toBe(true);
    expect(await view.read()).toEqual({
      long: { token: 'lt_view_forever', expiresAtMs: Number.POSITIVE_INFINITY, issuedAtMs: undefined, tokenId: undefined },
      short: undefined,
    });
    await view.write(LONG, undefined);
    expect(inner.get(KEY)?.revision).not.toBe(first?.revision);
  });

  it("refuses to write over a peer's record written since it last read: conflict, and the peer's record stays", async () => {
    const { store, inner } = storeWith(ALL);
    const { view } = viewOf(store);
    await view.write(LONG, undefined);
    inner.set(KEY, peerRecord('peer'));
    expect(await view.write(LONG, undefined)).toBe('conflict');
    expect(inner.get(KEY)).toEqual(peerRecord('peer'));
  });

  it('writes again as the first record after reading that a peer deleted the one it had seen', async () => {
    const { store, inner } = storeWith(ALL);
    const { view } = viewOf(store);
    await view.write(LONG, undefined);
    inner.delete(KEY);
    expect(await view.read()).toBeUndefined();
    expect(await view.write(OTHER, undefined)).toBe('written');
    expect(inner.get(KEY)?.longToken).toBe(OTHER.token);
  });

  it('says failed, reports the operation and stops coordinating when a write throws', async () => {
    const { store } = storeWith(ALL);
    const { view, errors } = viewOf({ ...store, compareAndSet: () => Promise.reject(new TokenStoreError('unavailable', 'down')) });
    expect(view.coordinated).toBe(true);
    expect(await view.write(LONG, undefined)).toBe('failed');
    expect(reported(errors)).toEqual([['compareAndSet', 'TokenStoreError', 'unavailable']]);
    expect(view.coordinated).toBe(false);
  });

  it('treats an unreadable-record error from a write as a failed write, not as an empty store', async () => {
    const { store } = storeWith(ALL);
    const { view, errors } = viewOf({
      ...store,
      compareAndSet: () => Promise.reject(new TokenStoreError('unreadable_record', 'cannot open')),
    });
    expect(await view.write(LONG, undefined)).toBe('failed');
    expect(reported(errors)).toEqual([['compareAndSet', 'TokenStoreError', 'unreadable_record']]);
    expect(view.coordinated).toBe(false);
  });

  it('writes a plain store with set', async () => {
    const { store, inner, calls } = storeWith(PLAIN);
    const { view } = viewOf(store);
    expect(await view.write(LONG, undefined)).toBe('written');
    expect(calls).toEqual(['set']);
    expect(inner.get(KEY)?.longToken).toBe(LONG.token);
    expect(view.coordinated).toBe(false);
  });
});

describe('a record the session cannot read', () => {
  it('reads as none with a storeError, is replaced by the next write, and later writes compare-and-set again', async () => {
    const { store, inner, calls } = storeWith(ALL);
    inner.set(KEY, { version: 2, longToken: 'lt_view_future' } as unknown as TokenRecord);
    const { view, errors } = viewOf(store);
    expect(await view.read()).toBeUndefined();
    expect(errors.map(({ operation, error }) => [operation, (error as TokenStoreError).reason, (error as Error).message])).toEqual([
      ['get', 'unreadable_record', 'the stored record is not a c2m-auth token record'],
    ]);
    expect(view.coordinated).toBe(true);
    calls.length = 0;
    expect(await view.write(LONG, undefined)).toBe('written');
    expect(inner.get(KEY)?.longToken).toBe(LONG.token);
    inner.set(KEY, peerRecord('peer'));
    expect(await view.write(LONG, undefined)).toBe('conflict');
    expect(calls).toEqual(['set', 'compareAndSet']);
    expect(inner.get(KEY)).toEqual(peerRecord('peer'));
  });

  it.each([
    ['a TokenStoreError unreadable_record', () => new TokenStoreError('unreadable_record', 'sealed with another key')],
    ['a CorruptTokenFileError', () => new CorruptTokenFileError('not a token file')],
  ])('thrown by get as %s: reads as none, keeps coordinating, and the next write replaces it', async (_, error) => {
    const { store, inner, calls } = storeWith(ALL);
    inner.set(KEY, peerRecord('sealed'));
    const thrown = error();
    const { view, errors } = viewOf({ ...store, get: () => Promise.reject(thrown) });
    expect(await view.read()).toBeUndefined();
    expect(errors).toEqual([{ operation: 'get', error: thrown }]);
    expect(view.coordinated).toBe(true);
    expect(await view.write(LONG, undefined)).toBe('written');
    expect(calls).toEqual(['set']);
    expect(inner.get(KEY)?.longToken).toBe(LONG.token);
  });

  it('counts an unreadable record as a working store: coordination resumes after an earlier failure', async () => {
    const { store } = storeWith(ALL);
    let thrown: Error = new TokenStoreError('unavailable', 'connection refused');
    const { view } = viewOf({ ...store, get: () => Promise.reject(thrown) });
    await view.read();
    expect(view.coordinated).toBe(false);
    thrown = new TokenStoreError('unreadable_record', 'sealed with another key');
    await view.read();
    expect(view.coordinated).toBe(true);
  });

  it.each([
    ['a TokenStoreError unavailable', () => new TokenStoreError('unavailable', 'connection refused')],
    ['an error of another name that carries the same reason', () => Object.assign(new Error('odd'), { reason: 'unreadable_record' })],
  ])('thrown by get as %s: a failing store, so no coordination and no blind overwrite', async (_, error) => {
    const { store, inner, calls } = storeWith(ALL);
    inner.set(KEY, peerRecord('peer'));
    const thrown = error();
    const { view, errors } = viewOf({ ...store, get: () => Promise.reject(thrown) });
    expect(await view.read()).toBeUndefined();
    expect(errors).toEqual([{ operation: 'get', error: thrown }]);
    expect(view.coordinated).toBe(false);
    expect(await view.write(LONG, undefined)).toBe('conflict');
    expect(calls).toEqual(['compareAndSet']);
    expect(inner.get(KEY)).toEqual(peerRecord('peer'));
  });
});

describe('coordination and change notifications', () => {
  it('is coordinated from the start with a store that leases, not with one that cannot, and again once a call works', async () => {
    let down = false;
    const { store } = storeWith(ALL);
    const flaky = { ...store, get: (key: string) => (down ? Promise.reject(new Error('down')) : store.get(key)) };
    const { view } = viewOf(flaky);
    expect(view.coordinated).toBe(true);
    expect(viewOf(storeWith(['get', 'set', 'delete', 'compareAndSet', 'subscribe']).store).view.coordinated).toBe(false);
    down = true;
    await view.read();
    expect(view.coordinated).toBe(false);
    down = false;
    await view.read();
    expect(view.coordinated).toBe(true);
  });

  it("tells its own last write from a peer's change, and never takes a deletion for its own", async () => {
    const { store, inner } = storeWith(ALL);
    const { view } = viewOf(store);
    expect(view.isOwn({ revision: undefined })).toBe(false);
    expect(view.isOwn({ revision: 'peer' })).toBe(false);
    await view.write(LONG, undefined);
    const mine = inner.get(KEY)?.revision;
    expect(view.isOwn({ revision: mine })).toBe(true);
    expect(view.isOwn({ revision: 'peer' })).toBe(false);
    expect(view.isOwn({ revision: undefined })).toBe(false);
  });

  it('knows its own write by the notification that comes before the write returns', async () => {
    const { store, inner } = storeWith(ALL);
    const { view } = viewOf(store);
    const told: boolean[] = [];
    view.subscribe((change) => told.push(view.isOwn(change)));
    await view.write(LONG, undefined);
    inner.set(KEY, peerRecord('peer'));
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(told).toEqual([true, false]);
  });

  it('reports a subscribe that throws, goes on without notifications, and stops coordinating', () => {
    const { store } = storeWith(ALL);
    const thrown = new TokenStoreError('unavailable', 'no subscriber connection');
    const { view, errors } = viewOf({
      ...store,
      subscribe: () => {
        throw thrown;
      },
    });
    expect(view.subscribe(() => {})).toBeUndefined();
    expect(errors).toEqual([{ operation: 'subscribe', error: thrown }]);
    expect(view.coordinated).toBe(false);
    expect(viewOf(storeWith(PLAIN).store).view.subscribe(() => {})).toBeUndefined();
  });

  it('passes its key, the ttl, the stop signal and the wait callback to the lease', async () => {
    const lease = vi.fn(async (_key: string, _ttl: number, task: (signal: AbortSignal) => Promise<string>) =>
      task(new AbortController().signal),
    );
    const { view } = viewOf({ ...storeWith(ALL).store, lease } as TokenStore);
    const signal = new AbortController().signal;
    const onWait = () => {};
    expect(await view.lease(5_000, async () => 'done', signal, onWait)).toBe('done');
    expect(lease).toHaveBeenCalledWith(KEY, 5_000, expect.any(Function), { signal, onWait });
  });
});

describe('timeouts', () => {
  it('gives up on a call after timeoutMs, reports a timeout naming the operation, and reads as none', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { store } = storeWith(ALL);
    const { view, errors } = viewOf({ ...store, get: () => new Promise<never>(() => {}) }, 200);
    let settled = false;
    const reading = view.read().finally(() => {
      settled = true;
    });
    await vi.advanceTimersByTimeAsync(199);
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(await reading).toBeUndefined();
    expect(errors.map(({ operation, error }) => [operation, (error as TokenStoreError).reason, (error as Error).message])).toEqual([
      ['get', 'timeout', 'the store did not answer get within 200 ms'],
    ]);
    expect(view.coordinated).toBe(false);
  });

  it('reports nothing for a call answered in time, and leaves no timer behind', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { store } = storeWith(ALL);
    const { view, errors } = viewOf(store, 200);
    await view.write(LONG, undefined);
    expect((await view.read())?.long.token).toBe(LONG.token);
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(errors).toEqual([]);
  });
});

describe('deleting', () => {
  it('deletes the record when it still holds the refused token, even one this view never read', async () => {
    const { store, inner } = storeWith(ALL);
    inner.set(KEY, peerRecord('r1', LONG.token));
    const { view } = viewOf(store);
    expect(await view.deleteIfHolding(LONG)).toBe('written');
    expect(inner.get(KEY)).toBeUndefined();
  });

  it("keeps a peer's newer token it has not seen yet, on a plain store too", async () => {
    for (const methods of [ALL, PLAIN]) {
      const { store, inner } = storeWith(methods);
      const { view } = viewOf(store);
      await view.write(LONG, undefined);
      inner.set(KEY, peerRecord('peer'));
      expect(await view.deleteIfHolding(LONG)).toBe('conflict');
      expect(inner.get(KEY)).toEqual(peerRecord('peer'));
    }
  });

  it('has nothing to delete in an empty store', async () => {
    const { store, calls } = storeWith(ALL);
    const { view } = viewOf(store);
    expect(await view.deleteIfHolding(LONG)).toBe('conflict');
    expect(calls).toEqual(['get']);
  });

  it('deletes from a plain store with delete, and reports a delete that fails', async () => {
    const { store, inner, calls } = storeWith(PLAIN);
    const { view } = viewOf(store);
    await view.write(LONG, undefined);
    calls.length = 0;
    expect(await view.deleteIfHolding(LONG)).toBe('written');
    expect(calls).toEqual(['get', 'delete']);
    expect(inner.get(KEY)).toBeUndefined();
    const failing = viewOf({ ...store, delete: () => Promise.reject(new TokenStoreError('unavailable', 'read-only')) });
    await failing.view.write(LONG, undefined);
    expect(await failing.view.deleteIfHolding(LONG)).toBe('failed');
    expect(reported(failing.errors)).toEqual([['delete', 'TokenStoreError', 'unavailable']]);
  });

  it('after a sign-out delete, writes a new record as the first one (compare-and-set against none)', async () => {
    const { store, inner } = storeWith(ALL);
    const { view, errors } = viewOf(store);
    await view.write(LONG, undefined);
    await view.delete();
    expect(inner.get(KEY)).toBeUndefined();
    expect(await view.write(OTHER, undefined)).toBe('written');
    expect(inner.get(KEY)?.longToken).toBe(OTHER.token);
    expect(errors).toEqual([]);
  });

  it('reports a sign-out delete that fails', async () => {
    const { store } = storeWith(ALL);
    const thrown = new TokenStoreError('unavailable', 'read-only');
    const { view, errors } = viewOf({ ...store, delete: () => Promise.reject(thrown) });
    await view.delete();
    expect(errors).toEqual([{ operation: 'delete', error: thrown }]);
  });
});
