// BrowserTokenStore in Node: "tabs" are instances sharing one TestLockManager (Web Locks) and the real
// BroadcastChannel; storage is a Map-backed Storage stubbed in. The real-browser behaviour (tabs,
// closing, sign-out, wake-up) is proven in Chromium by test/tabs/tabs.test.ts.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BrowserTokenStore, type BrowserTokenStoreOptions } from '../../src/browser/BrowserTokenStore.js';
import type { TokenRecord, TokenStoreChange } from '../../src/session/TokenStore.js';
import { contractRecord } from '../support/store-contract.js';
import { TestLockManager } from '../support/web-locks.js';

const KEY = 'c2m-auth:https://api.c2m.test/v1:c2m_abc123';
let names = 0;
const opened: BrowserTokenStore[] = [];

/** A tab's store; every tab of one test shares `locks` and `name`. */
function tabs(options: { locks?: TestLockManager | null; storage?: BrowserTokenStoreOptions['storage'] } = {}) {
  const name = `tabs-${++names}`;
  const locks = options.locks === undefined ? new TestLockManager() : options.locks;
  const open = () => {
    const store = new BrowserTokenStore({ name, locks, storage: options.storage ?? 'memory' });
    opened.push(store);
    return store;
  };
  return { name, locks: locks as TestLockManager, open };
}

/** A Storage over a Map, as sessionStorage / localStorage are. */
class MapStorage {
  readonly items = new Map<string, string>();
  getItem(key: string): string | null {
    return this.items.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    this.items.set(key, value);
  }
  removeItem(key: string): void {
    this.items.delete(key);
  }
}

/** The next change a store tells of `KEY`. */
function nextChange(store: BrowserTokenStore): Promise<TokenStoreChange> {
  return new Promise((resolve) => {
    const stop = store.subscribe?.(KEY, (change) => {
      stop?.();
      resolve(change);
    });
  });
}

/** Lets BroadcastChannel messages (macrotasks) be delivered. */
const deliver = () => new Promise((resolve) => setImmediate(resolve));

afterEach(() => {
  for (const store of opened.splice(0)) store.close();
  vi.useRealTimers();
});

describe('BrowserTokenStore options', () => {
  it.each([
    [{ storag: 'local' }, 'BrowserTokenStore: unknown option "storag"; did you mean "storage"?'],
    [{ storage: 'cookie' }, 'BrowserTokenStore: option "storage" must be "session", "local" or "memory"'],
    [{ name: '' }, 'BrowserTokenStore: option "name" must be a non-empty string'],
    [{ locks: {} }, 'BrowserTokenStore: option "locks" must be a LockManager or null'],
  ])('refuses %j with a TypeError that says what is wrong', (options, message) => {
    expect(() => new BrowserTokenStore(options as BrowserTokenStoreOptions)).toThrow(new TypeError(message));
  });

  it('coordinates (lease, subscribe) only with a LockManager', () => {
    const coordinated = tabs().open();
    const alone = tabs({ locks: null }).open();
    expect([typeof coordinated.lease, typeof coordinated.subscribe]).toEqual(['function', 'function']);
    expect([typeof alone.lease, typeof alone.subscribe]).toEqual(['undefined', 'undefined']);
  });

  it('finds no Web Locks in Node by default, and works on its own', async () => {
    const store = new BrowserTokenStore({ storage: 'memory' });
    opened.push(store);
    expect(store.lease).toBeUndefined();
    await store.set(KEY, contractRecord('r1'));
    expect(await store.compareAndSet(KEY, contractRecord('r1'), contractRecord('r2'))).toBe(true);
    expect(await store.compareAndSet(KEY, contractRecord('r1'), contractRecord('r3'))).toBe(false);
    expect((await store.get(KEY))?.revision).toBe('r2');
  });
});

describe('BrowserTokenStore storage', () => {
  it('keeps a tab copy in sessionStorage by default, read back by the next page of the tab', async () => {
    const session = new MapStorage();
    vi.stubGlobal('sessionStorage', session);
    const store = new BrowserTokenStore({ locks: null });
    await store.set(KEY, contractRecord('r1'));
    expect(JSON.parse(session.getItem(`c2m-auth:${KEY}`) ?? '')).toEqual({ n: 1, record: contractRecord('r1') });
    expect(await new BrowserTokenStore({ locks: null }).get(KEY)).toEqual(contractRecord('r1'));
  });

  it("keeps it in localStorage with storage: 'local', under the store's name", async () => {
    const local = new MapStorage();
    const session = new MapStorage();
    vi.stubGlobal('localStorage', local);
    vi.stubGlobal('sessionStorage', session);
    await new BrowserTokenStore({ locks: null, storage: 'local', name: 'app-two' }).set(KEY, contractRecord('r1'));
    expect([...local.items.keys()]).toEqual([`app-two:${KEY}`]);
    expect(session.items.size).toBe(0);
  });

  it("writes nothing to storage with storage: 'memory'", async () => {
    const session = new MapStorage();
    vi.stubGlobal('sessionStorage', session);
    const store = new BrowserTokenStore({ locks: null, storage: 'memory' });
    await store.set(KEY, contractRecord('r1'));
    expect(session.items.size).toBe(0);
    expect(await store.get(KEY)).toEqual(contractRecord('r1'));
  });

  it('marks a deletion as a sign-out in storage, and reads it back as no record', async () => {
    const session = new MapStorage();
    vi.stubGlobal('sessionStorage', session);
    const store = new BrowserTokenStore({ locks: null });
    await store.set(KEY, contractRecord('r1'));
    await store.delete(KEY);
    expect(JSON.parse(session.getItem(`c2m-auth:${KEY}`) ?? '')).toEqual({ n: 2, signedOut: true });
    expect(await new BrowserTokenStore({ locks: null }).get(KEY)).toBeUndefined();
  });

  it.each([
    ['not JSON', '{'],
    ['not an entry', '"text"'],
    ['a count that is not an integer', '{"n":"1"}'],
    ['a record of another version', JSON.stringify({ n: 1, record: { ...contractRecord('r1'), version: 2 } })],
  ])('reads a stored copy that is %s as none, and replaces it on the next write', async (_, stored) => {
    const session = new MapStorage();
    session.setItem(`c2m-auth:${KEY}`, stored);
    vi.stubGlobal('sessionStorage', session);
    const store = new BrowserTokenStore({ locks: null });
    expect(await store.get(KEY)).toBeUndefined();
    await store.set(KEY, contractRecord('r2'));
    expect(JSON.parse(session.getItem(`c2m-auth:${KEY}`) ?? '')).toEqual({ n: 1, record: contractRecord('r2') });
  });

  it('falls back to memory where the browser refuses storage (a sandboxed frame) or it is full', async () => {
    Object.defineProperty(globalThis, 'sessionStorage', {
      configurable: true,
      get: () => {
        throw new DOMException('The document is sandboxed', 'SecurityError');
      },
    });
    try {
      const refused = new BrowserTokenStore({ locks: null });
      await refused.set(KEY, contractRecord('r1'));
      expect(await refused.get(KEY)).toEqual(contractRecord('r1'));
    } finally {
      delete (globalThis as { sessionStorage?: unknown }).sessionStorage;
    }
    const full = new MapStorage();
    full.setItem = () => {
      throw new DOMException('The quota has been exceeded', 'QuotaExceededError');
    };
    vi.stubGlobal('localStorage', full);
    const store = new BrowserTokenStore({ locks: null, storage: 'local' });
    await store.set(KEY, contractRecord('r2'));
    expect(await store.get(KEY)).toEqual(contractRecord('r2'));
  });
});

describe('BrowserTokenStore between tabs', () => {
  it('gives a new tab the record the open tabs hold, asking them on its first read', async () => {
    const { open, locks, name } = tabs();
    const first = open();
    await first.set(KEY, contractRecord('r1'));
    const second = open();
    expect(await second.get(KEY)).toEqual(contractRecord('r1'));
    // Each tab holds a shared presence lock on the key: the holders are the tabs to ask.
    expect(locks.requests.filter((request) => request.mode === 'shared').map((request) => request.name)).toEqual([
      `${name}:tab:${KEY}`,
      `${name}:tab:${KEY}`,
    ]);
  });

  it('names its locks and channel after its name and the key, never globally', async () => {
    const { open, locks, name } = tabs();
    const store = open();
    await store.set(KEY, contractRecord('r1'));
    await store.lease?.(KEY, 1_000, async () => 'done');
    expect([...new Set(locks.requests.map((request) => request.name))]).toEqual([
      `${name}:tab:${KEY}`,
      `${name}:write:${KEY}`,
      `${name}:lease:${KEY}`,
    ]);
  });

  it("tells the other tabs' listeners of a write, and of a sign-out", async () => {
    const { open } = tabs();
    const [writer, reader] = [open(), open()];
    await reader.get(KEY);
    const written = nextChange(reader);
    await writer.set(KEY, contractRecord('r1'));
    expect(await written).toEqual({ revision: 'r1' });
    expect(await reader.get(KEY)).toEqual(contractRecord('r1'));
    const signedOut = nextChange(reader);
    await writer.delete(KEY);
    expect(await signedOut).toEqual({ revision: undefined, signedOut: true });
    expect(await reader.get(KEY)).toBeUndefined();
  });

  it('refuses a compare-and-set against a record another tab has replaced, even before its notice arrived', async () => {
    const { open } = tabs();
    const [a, b] = [open(), open()];
    await a.set(KEY, contractRecord('r1'));
    expect(await b.get(KEY)).toEqual(contractRecord('r1'));
    await a.set(KEY, contractRecord('r2'));
    // b asks the other tabs under the write lock: it sees r2 and refuses to replace r1.
    expect(await b.compareAndSet(KEY, contractRecord('r1'), contractRecord('r3'))).toBe(false);
    expect(await b.compareAndSet(KEY, contractRecord('r2'), contractRecord('r3'))).toBe(true);
    await deliver();
    expect((await a.get(KEY))?.revision).toBe('r3');
  });

  it('refuses to write back a record a sign-out in another tab deleted', async () => {
    const { open } = tabs();
    const [leaving, staying] = [open(), open()];
    await leaving.set(KEY, contractRecord('r1'));
    expect(await staying.get(KEY)).toEqual(contractRecord('r1'));
    await leaving.delete(KEY);
    expect(await staying.compareAndSet(KEY, contractRecord('r1'), contractRecord('r2'))).toBe(false);
    expect(await staying.get(KEY)).toBeUndefined();
  });

  it('ignores messages that are not its own on the channel, and keeps the higher revision of two writes of one count', async () => {
    const { open, name } = tabs();
    const store = open();
    await store.set(KEY, contractRecord('r5'));
    const intruder = new BroadcastChannel(`${name}:${KEY}`);
    const changes: TokenStoreChange[] = [];
    store.subscribe?.(KEY, (change) => changes.push(change));
    for (const message of [
      'text',
      null,
      { type: 'write' },
      { type: 'write', entry: { n: 9, record: { version: 1 } } },
      { type: 'write', entry: { n: 1, record: contractRecord('r4') } },
      { type: 'write', entry: { n: 1, record: contractRecord('r6') } },
      { type: 'answer', id: 'nobody-asked', entry: { n: 7, record: contractRecord('r7') } },
    ])
      intruder.postMessage(message);
    await deliver();
    await deliver();
    intruder.close();
    expect(changes).toEqual([{ revision: 'r6' }]);
    expect((await store.get(KEY))?.revision).toBe('r6');
  });

  it('answers no questions once closed', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { open, locks, name } = tabs();
    const closing = open();
    await closing.set(KEY, contractRecord('r1'));
    closing.close();
    // A tab that never answers holds the key: the new tab asks, and waits its 300 ms for answers.
    let free = () => {};
    void locks.request(`${name}:tab:${KEY}`, { mode: 'shared' }, () => new Promise<void>((resolve) => (free = resolve)));
    const read = open().get(KEY);
    await vi.advanceTimersByTimeAsync(300);
    expect(await read).toBeUndefined();
    expect(await closing.get(KEY)).toEqual(contractRecord('r1'));
    free();
  });
});

describe('BrowserTokenStore lease', () => {
  it('steals the lease from a holder silent for a ttl (a hung tab), whose task is told by its signal', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'Date'] });
    const { open, locks } = tabs();
    const [hung, waiter] = [open(), open()];
    let holderSignal: AbortSignal | undefined;
    let release = () => {};
    const held = hung.lease?.(KEY, 300, (signal) => {
      holderSignal = signal;
      return new Promise<string>((resolve) => {
        release = () => resolve('late');
      });
    });
    await vi.waitFor(() => expect(holderSignal).toBeDefined());
    hung.close(); // no more heartbeats: the tab is hung
    const onWait = vi.fn();
    const taken = waiter.lease?.(KEY, 300, async (signal) => (signal.aborted ? 'aborted' : 'taken over'), { onWait });
    await deliver();
    expect(onWait).toHaveBeenCalledTimes(1);
    for (let step = 0; step < 5; step += 1) {
      await vi.advanceTimersByTimeAsync(100);
      await deliver();
    }
    expect(await taken).toBe('taken over');
    expect(holderSignal?.aborted).toBe(true);
    release();
    expect(await held).toBe('late');
    expect(locks.requests.filter((request) => request.steal).length).toBe(1);
  });

  it('never steals from a holder that keeps beating, however long it holds the lease', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'Date'] });
    const { open, locks } = tabs();
    const [holder, waiter] = [open(), open()];
    let release = () => {};
    const order: string[] = [];
    const held = holder.lease?.(
      KEY,
      300,
      () =>
        new Promise<void>((resolve) => {
          release = () => {
            order.push('holder');
            resolve();
          };
        }),
    );
    await deliver();
    const waited = waiter.lease?.(KEY, 300, async () => {
      order.push('waiter');
    });
    for (let step = 0; step < 20; step += 1) {
      await vi.advanceTimersByTimeAsync(50);
      await deliver();
    }
    expect(order).toEqual([]);
    release();
    await held;
    await waited;
    expect(order).toEqual(['holder', 'waiter']);
    expect(locks.requests.some((request) => request.steal)).toBe(false);
  });

  it('rejects with the signal reason when the caller stops waiting, never running the task', async () => {
    const { open } = tabs();
    const [holder, waiter] = [open(), open()];
    let release = () => {};
    const held = holder.lease?.(KEY, 10_000, () => new Promise<void>((resolve) => (release = resolve)));
    await deliver();
    const controller = new AbortController();
    const task = vi.fn(async () => 'ran');
    const waiting = waiter.lease?.(KEY, 10_000, task, { signal: controller.signal });
    await deliver();
    controller.abort(new Error('stopped waiting'));
    await expect(waiting).rejects.toThrow('stopped waiting');
    release();
    await held;
    expect(task).not.toHaveBeenCalled();
  });

  it('reads the last write of any tab under the lease', async () => {
    const { open } = tabs();
    const [writer, holder] = [open(), open()];
    await holder.get(KEY);
    await writer.set(KEY, contractRecord('r1'));
    const seen = await holder.lease?.(KEY, 1_000, async () => (await holder.get(KEY)) as TokenRecord | undefined);
    expect(seen?.revision).toBe('r1');
  });
});

describe('BrowserTokenStore where the browser refuses Web Locks', () => {
  it('writes on its own when the write lock is refused (an opaque-origin frame), and reads back', async () => {
    const refusing = new TestLockManager();
    refusing.request = () => Promise.reject(new DOMException('The request is denied', 'SecurityError'));
    const store = new BrowserTokenStore({ storage: 'memory', name: `refused-${++names}`, locks: refusing });
    opened.push(store);
    await store.set(KEY, contractRecord('r1'));
    expect(await store.compareAndSet(KEY, contractRecord('r1'), contractRecord('r2'))).toBe(true);
    expect((await store.get(KEY))?.revision).toBe('r2');
    await store.delete(KEY);
    expect(await store.get(KEY)).toBeUndefined();
  });
});
