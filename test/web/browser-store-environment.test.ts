// BrowserTokenStore's options and what it finds in its environment (navigator.locks,
// BroadcastChannel, a Node process), and which of two writes of one count every tab keeps.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BrowserTokenStore, type BrowserTokenStoreOptions } from '../../src/browser/BrowserTokenStore.js';
import { contractRecord } from '../support/store-contract.js';
import { TestLockManager } from '../support/web-locks.js';
import { changesOf, closeTabs, KEY, settle, tabs } from './browser-store-tabs.js';

afterEach(() => {
  closeTabs();
});

describe('BrowserTokenStore options', () => {
  it.each([
    [{ storage: 'Session' }, 'BrowserTokenStore: option "storage" must be "session", "local" or "memory"'],
    [{ name: 42 }, 'BrowserTokenStore: option "name" must be a non-empty string'],
    [{ locks: 'navigator.locks' }, 'BrowserTokenStore: option "locks" must be a LockManager or null'],
    [{ locks: { request: 'yes' } }, 'BrowserTokenStore: option "locks" must be a LockManager or null'],
  ])('refuses %j with a TypeError that says what is wrong', (options, message) => {
    expect(() => new BrowserTokenStore(options as BrowserTokenStoreOptions)).toThrow(new TypeError(message));
  });

  it("takes storage: 'session' as said, the default", async () => {
    const items = new Map<string, string>();
    vi.stubGlobal('sessionStorage', {
      getItem: (key: string) => items.get(key) ?? null,
      setItem: (key: string, value: string) => items.set(key, value),
    });
    const store = new BrowserTokenStore({ storage: 'session', locks: null });
    await store.set(KEY, contractRecord('r1'));
    expect([...items.keys()]).toEqual([`c2m-auth:${KEY}`]);
  });
});

describe('BrowserTokenStore environment', () => {
  it("uses the browser's navigator.locks by default", async () => {
    const locks = new TestLockManager();
    vi.stubGlobal('navigator', { locks });
    const store = new BrowserTokenStore({ storage: 'memory', name: 'navigator' });
    expect(await store.lease?.(KEY, 1_000, async () => 'leased')).toBe('leased');
    store.close();
    expect(locks.requests.map((request) => request.name)).toEqual([`navigator:tab:${KEY}`, `navigator:lease:${KEY}`]);
  });

  it('works on its own, without lease or subscribe, where there is no BroadcastChannel', async () => {
    vi.stubGlobal('BroadcastChannel', undefined);
    const locks = new TestLockManager();
    const store = new BrowserTokenStore({ storage: 'memory', locks });
    expect([store.lease, store.subscribe]).toEqual([undefined, undefined]);
    await store.set(KEY, contractRecord('r1'));
    expect(await store.get(KEY)).toEqual(contractRecord('r1'));
    expect(locks.requests).toEqual([]);
  });

  it("works with a browser's BroadcastChannel, which has no unref", async () => {
    const NodeChannel = BroadcastChannel;
    /** BroadcastChannel as browsers have it: no unref(). */
    class BrowserChannel {
      readonly #channel: BroadcastChannel;
      constructor(name: string) {
        this.#channel = new NodeChannel(name);
        (this.#channel as unknown as { unref(): void }).unref();
      }
      set onmessage(listener: ((event: MessageEvent) => void) | null) {
        this.#channel.onmessage = listener;
      }
      postMessage(message: unknown): void {
        this.#channel.postMessage(message);
      }
      close(): void {
        this.#channel.close();
      }
    }
    vi.stubGlobal('BroadcastChannel', BrowserChannel);
    const { open } = tabs();
    const [writer, reader] = [open(), open()];
    await writer.set(KEY, contractRecord('r1'));
    expect(await reader.get(KEY)).toEqual(contractRecord('r1'));
  });

  it('keeps no Node process alive with its channels', async () => {
    const ports = () => process.getActiveResourcesInfo().filter((resource) => resource === 'MessagePort').length;
    const before = ports();
    const store = tabs().open();
    await store.set(KEY, contractRecord('r1'));
    expect(store.subscribe).toBeTypeOf('function');
    expect(ports()).toBe(before);
  });
});

describe('BrowserTokenStore: two writes of one count (tabs that missed each other)', () => {
  const sent = (name: string, entry: object) => {
    const channel = new BroadcastChannel(`${name}:${KEY}`);
    channel.postMessage({ type: 'write', entry });
    channel.close();
  };

  // Revisions as sessions make them: 24 hex digits.
  const REVISION = '0f3a9c1d2e4b5a6978c0d1e2';

  it('keeps a record over a sign-out of the same count, in every tab alike', async () => {
    const { open, name } = tabs();
    const store = open();
    await store.set(KEY, contractRecord(REVISION));
    const changes = changesOf(store);
    sent(name, { n: 1, signedOut: true });
    await settle();
    expect(changes).toEqual([]);
    expect(await store.get(KEY)).toEqual(contractRecord(REVISION));
  });

  it('takes a record over a sign-out of the same count', async () => {
    const { open, name } = tabs();
    const store = open();
    await store.delete(KEY);
    const changes = changesOf(store);
    sent(name, { n: 1, record: contractRecord(REVISION) });
    await settle();
    expect(changes).toEqual([{ revision: REVISION }]);
    expect(await store.get(KEY)).toEqual(contractRecord(REVISION));
  });

  it('ignores an earlier count, whatever its revision', async () => {
    const { open, name } = tabs();
    const store = open();
    await store.set(KEY, contractRecord('r1'));
    await store.set(KEY, contractRecord('a2'));
    const changes = changesOf(store);
    sent(name, { n: 1, record: contractRecord('z1') });
    await settle();
    expect(changes).toEqual([]);
    expect(await store.get(KEY)).toEqual(contractRecord('a2'));
  });

  it('takes any later count, whatever its revision', async () => {
    const { open, name } = tabs();
    const store = open();
    await store.set(KEY, contractRecord('r9'));
    sent(name, { n: 2, record: contractRecord('r1') });
    await settle();
    expect(await store.get(KEY)).toEqual(contractRecord('r1'));
  });
});
