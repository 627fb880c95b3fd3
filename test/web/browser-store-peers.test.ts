// BrowserTokenStore asking the other tabs for their copy (a read of a new tab, every write): whom it
// asks, how long it waits, which copy it keeps, and that a closed tab asks no one and holds nothing.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BrowserTokenStore, type WebLockManager } from '../../src/browser/BrowserTokenStore.js';
import type { TokenStoreChange } from '../../src/session/TokenStore.js';
import { contractRecord } from '../support/store-contract.js';
import { TestLockManager } from '../support/web-locks.js';
import { changesOf, closeTabs, deliver, isSettled, KEY, settle, tabs } from './browser-store-tabs.js';

/** The questions tabs put on the channel. */
const questions = (seen: unknown[]) => seen.filter((message) => (message as { type?: unknown }).type === 'ask');

afterEach(() => {
  closeTabs();
  vi.useRealTimers();
});

/** Fakes the clock of the 300 ms wait for answers. */
const fakeAskTimer = () => vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });

describe('BrowserTokenStore asking the other tabs', () => {
  it('reads at once, asking no one, when no other tab holds the key', async () => {
    fakeAskTimer();
    const { open, listen } = tabs();
    const { seen } = listen();
    const store = open();
    expect(await isSettled(store.get(KEY))).toBe(true);
    expect(questions(seen)).toEqual([]);
  });

  it('waits 300 ms at most for a tab that does not answer (a hung tab), then goes on with its own copy', async () => {
    fakeAskTimer();
    const { open, hungTab } = tabs();
    const free = hungTab();
    const store = open();
    const read = store.get(KEY);
    await vi.advanceTimersByTimeAsync(299);
    expect(await isSettled(read)).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(await isSettled(read)).toBe(true);
    expect(await read).toBeUndefined();
    free();
  });

  it('asks its peers on its first read only: later reads take the copy the channel keeps up to date', async () => {
    fakeAskTimer();
    const { open, hungTab, listen } = tabs();
    const free = hungTab();
    const store = open();
    const { seen } = listen();
    const first = store.get(KEY);
    await vi.advanceTimersByTimeAsync(300);
    await first;
    expect(await isSettled(store.get(KEY))).toBe(true);
    expect(questions(seen)).toHaveLength(1);
    free();
  });

  it('stops waiting as soon as every open tab has answered, and keeps the latest of their copies', async () => {
    fakeAskTimer();
    const { open } = tabs();
    const [older, newer] = [open(), open()];
    await older.set(KEY, contractRecord('r1'));
    await newer.set(KEY, contractRecord('r2'));
    const [third] = [open()];
    expect(await isSettled(third.get(KEY))).toBe(true);
    expect(await third.get(KEY)).toEqual(contractRecord('r2'));
  });

  it.each([
    ['the first tab to answer', 0],
    ['the last tab to answer', 1],
  ])('keeps the latest copy when it is held by %s', async (_, latest) => {
    fakeAskTimer();
    const { open, name } = tabs();
    // Two tabs that never heard of each other's writes (their copies came from their own storage).
    const copies = [
      { n: 3, record: contractRecord('r3') },
      { n: 5, record: contractRecord('r5') },
    ];
    const order = latest === 0 ? [copies[1], copies[0]] : copies;
    for (const entry of order) {
      const storage = new Map([[`${name}:${KEY}`, JSON.stringify(entry)]]);
      vi.stubGlobal('sessionStorage', { getItem: (key: string) => storage.get(key) ?? null, setItem: () => {} });
      changesOf(open({ storage: 'session' }));
    }
    const reader = open();
    const read = reader.get(KEY);
    expect(await isSettled(read)).toBe(true);
    expect(await read).toEqual(contractRecord('r5'));
  });

  it('counts as peers only the tabs present on this key, not its lease, its write lock or other keys', async () => {
    fakeAskTimer();
    const { open } = tabs();
    const holder = open();
    await holder.set(KEY, contractRecord('r1'));
    await holder.get('another-key');
    let release = () => {};
    const held = holder.lease?.(KEY, 10_000, () => new Promise<void>((resolve) => (release = resolve)));
    await settle();
    const reader = open();
    const read = reader.get(KEY);
    expect(await isSettled(read)).toBe(true);
    expect(await read).toEqual(contractRecord('r1'));
    release();
    await held;
  });

  it("tells its listeners nothing when a peer's answer is the copy it already has", async () => {
    const { open } = tabs();
    const [first, second] = [open(), open()];
    await first.set(KEY, contractRecord('r1'));
    expect(await second.get(KEY)).toEqual(contractRecord('r1'));
    const changes = changesOf(second);
    // The write asks `first`, whose answer is r1 again: only r2 is a change.
    await second.set(KEY, contractRecord('r2'));
    await settle();
    expect(changes).toEqual<TokenStoreChange[]>([{ revision: 'r2' }]);
  });

  it('takes no answer of a tab that keeps records of another version, and waits for its peers', async () => {
    fakeAskTimer();
    const { open, hungTab, listen } = tabs();
    const free = hungTab();
    const { channel } = listen();
    channel.onmessage = ({ data }: MessageEvent<{ type: string; id: string }>) => {
      if (data.type === 'ask')
        channel.postMessage({ type: 'answer', id: data.id, entry: { n: 9, record: { ...contractRecord('r9'), version: 2 } } });
    };
    const read = open().get(KEY);
    await settle();
    expect(await isSettled(read)).toBe(false);
    await vi.advanceTimersByTimeAsync(300);
    expect(await read).toBeUndefined();
    free();
  });

  it('goes on with its own copy where the lock manager cannot list the holders', async () => {
    fakeAskTimer();
    const shared = new TestLockManager();
    const { hungTab } = tabs(shared);
    const free = hungTab();
    const failing: WebLockManager = {
      request: (name, options, callback) => shared.request(name, options, callback),
      query: () => Promise.reject(new DOMException('The operation is insecure', 'SecurityError')),
    };
    const silent: WebLockManager = { request: failing.request, query: async () => ({}) };
    for (const locks of [failing, silent]) {
      const store = new BrowserTokenStore({ storage: 'memory', name: 'unlisted', locks });
      await store.set(KEY, contractRecord('r1'));
      expect(await isSettled(store.get(KEY))).toBe(true);
      expect(await store.get(KEY)).toEqual(contractRecord('r1'));
      store.close();
    }
    free();
  });

  it("reads its own copy where the browser refuses Web Locks (an opaque origin's frame)", async () => {
    const refused = () => Promise.reject(new DOMException('Access to the Locks API is denied in this context', 'SecurityError'));
    const store = new BrowserTokenStore({ storage: 'memory', name: 'opaque', locks: { request: refused, query: refused } });
    expect(await store.get(KEY)).toBeUndefined();
    store.close();
  });
});

describe('BrowserTokenStore once closed', () => {
  it('reads and writes its own copy at once, asking none of the open tabs', async () => {
    fakeAskTimer();
    const { open, listen } = tabs();
    const [closing, second, third] = [open(), open(), open()];
    await closing.set(KEY, contractRecord('r1'));
    await Promise.all([second.get(KEY), third.get(KEY)]);
    closing.close();
    const { seen } = listen();
    expect(await isSettled(closing.set(KEY, contractRecord('r2')))).toBe(true);
    expect(await isSettled(closing.get('another-key'))).toBe(true);
    expect(await closing.get(KEY)).toEqual(contractRecord('r2'));
    expect(seen).toEqual([]);
    expect(await second.get(KEY)).toEqual(contractRecord('r1'));
  });

  it('frees its presence on the key: the open tabs no longer wait for its answer', async () => {
    fakeAskTimer();
    const { open } = tabs();
    const [closing, staying] = [open(), open()];
    await Promise.all([closing.get(KEY), staying.get(KEY)]);
    closing.close();
    await deliver();
    expect(await isSettled(staying.set(KEY, contractRecord('r1')))).toBe(true);
  });

  it("writes without waiting for another tab's write", async () => {
    const { open, locks, name } = tabs();
    const closing = open();
    await closing.get(KEY);
    closing.close();
    let free = () => {};
    void locks.request(`${name}:write:${KEY}`, {}, () => new Promise<void>((resolve) => (free = resolve)));
    expect(await isSettled(closing.set(KEY, contractRecord('r1')))).toBe(true);
    free();
  });

  it('frees its presence on the key even when closed before the lock manager called back, so no tab waits for it', async () => {
    fakeAskTimer();
    const { open, locks, name } = tabs();
    const early = open();
    const first = early.get(KEY);
    early.close();
    await first;
    await deliver();
    expect((await locks.query()).held.filter((lock) => lock.name === `${name}:tab:${KEY}`)).toEqual([]);
    expect(await isSettled(open().set(KEY, contractRecord('r1')))).toBe(true);
  });
});
