// "Tabs" for the Node tests of BrowserTokenStore (browser-store-*.test.ts): instances sharing one
// TestLockManager (Web Locks) and one name, over Node's real BroadcastChannel, each with its own
// memory copy. Every store opened here is closed by closeTabs() (call it in afterEach).
import { BrowserTokenStore, type BrowserTokenStoreOptions } from '../../src/browser/BrowserTokenStore.js';
import type { TokenStoreChange } from '../../src/session/TokenStore.js';
import { TestLockManager } from '../support/web-locks.js';

export const KEY = 'c2m-auth:https://api.c2m.test/v1:c2m_abc123';

let names = 0;
const opened: BrowserTokenStore[] = [];
const channels: BroadcastChannel[] = [];

/** Tabs of one origin: `open()` gives a new tab's store; all share `locks` and `name`. */
export function tabs(locks = new TestLockManager()) {
  const name = `browser-store-${++names}`;
  const open = (options: Omit<BrowserTokenStoreOptions, 'name' | 'locks'> = {}) => {
    const store = new BrowserTokenStore({ storage: 'memory', ...options, name, locks });
    opened.push(store);
    return store;
  };
  /** A channel on the key's channel, to see what the tabs say to each other. */
  const listen = () => {
    const channel = new BroadcastChannel(`${name}:${KEY}`);
    channels.push(channel);
    const seen: unknown[] = [];
    channel.onmessage = ({ data }: MessageEvent) => seen.push(data);
    return { channel, seen };
  };
  /**
   * A tab that holds its presence lock on the key but never answers (a hung tab); returns the
   * function that frees it (the tab closes).
   */
  const hungTab = () => {
    let free = () => {};
    void locks.request(`${name}:tab:${KEY}`, { mode: 'shared' }, () => new Promise<void>((resolve) => (free = resolve)));
    return () => free();
  };
  return { name, locks, open, listen, hungTab };
}

/** Closes every store and channel the tests opened. */
export function closeTabs(): void {
  for (const store of opened.splice(0)) store.close();
  for (const channel of channels.splice(0)) channel.close();
}

/** Lets BroadcastChannel messages (macrotasks) be delivered; real setImmediate, also under fake timers. */
export const deliver = () => new Promise((resolve) => setImmediate(resolve));

/** Delivers messages `times` times (a question, its answers, and what follows them). */
export async function settle(times = 5): Promise<void> {
  for (let round = 0; round < times; round += 1) await deliver();
}

/** Whether `promise` has settled after messages were delivered (without moving the fake clock). */
export async function isSettled(promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  void promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  await settle();
  return settled;
}

/** Every change `store` tells of `KEY`. */
export function changesOf(store: BrowserTokenStore): TokenStoreChange[] {
  const changes: TokenStoreChange[] = [];
  store.subscribe?.(KEY, (change) => changes.push(change));
  return changes;
}
