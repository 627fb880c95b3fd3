import { assertOptions, isObject, type OptionCheck } from '../option-checks.js';
import {
  isExpectedRecord,
  isTokenRecord,
  type LeaseOptions,
  type TokenRecord,
  type TokenStore,
  type TokenStoreChange,
} from '../session/TokenStore.js';
import { randomHex } from '../stores/hex.js';

/**
 * The part of the Web Locks API (`navigator.locks`) the store uses: exclusive and shared locks,
 * `ifAvailable`, `steal`, `signal`, and `query`. Typed here so the package needs no DOM types.
 */
export interface WebLockManager {
  request(
    name: string,
    options: { mode?: 'exclusive' | 'shared'; ifAvailable?: boolean; steal?: boolean; signal?: AbortSignal },
    callback: (lock: unknown) => unknown,
  ): Promise<unknown>;
  query(): Promise<{ held?: readonly { name?: string | undefined }[] | undefined }>;
}

/** Options of {@link BrowserTokenStore}. */
export interface BrowserTokenStoreOptions {
  /**
   * Where this tab keeps its copy of the record: `'session'` (sessionStorage, the default: this tab
   * only, gone when it closes), `'local'` (localStorage: kept across restarts, readable by every script
   * of the origin) or `'memory'` (gone on reload). Storage the browser refuses (a sandboxed frame, say)
   * falls back to memory.
   */
  readonly storage?: 'session' | 'local' | 'memory' | undefined;
  /** Prefix of the storage keys, lock names and channel names (default `'c2m-auth'`): two apps of one origin use two names. */
  readonly name?: string | undefined;
  /**
   * The Web Locks manager; default `navigator.locks`. `null` turns coordination between tabs off. Where
   * there is none (or no `BroadcastChannel`), each tab works on its own: no lease, no notifications.
   */
  readonly locks?: WebLockManager | null | undefined;
}

/** One tab's copy of a key: the record (none when deleted), a write counter, and whether a sign-out deleted it. */
interface Entry {
  /** Write counter: every write is the highest one seen plus one, so tabs agree on the last write. */
  readonly n: number;
  readonly record?: TokenRecord | undefined;
  readonly signedOut?: boolean | undefined;
}

/** What tabs tell each other on a key's channel: a write, a question, its answer, or the lease holder's heartbeat. */
type Message =
  | { readonly type: 'write'; readonly entry: Entry }
  | { readonly type: 'ask'; readonly id: string }
  | { readonly type: 'answer'; readonly id: string; readonly entry: Entry }
  | { readonly type: 'alive' };

type Listener = (change: TokenStoreChange) => void;
/** sessionStorage or localStorage, as far as the store uses them. */
interface Area {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

interface KeyState {
  readonly key: string;
  entry: Entry;
  readonly listeners: Set<Listener>;
  readonly channel: BroadcastChannel | undefined;
  /** Settles once this tab's presence lock on the key is held (peers count the holders). */
  readonly present: Promise<void>;
  /** Answers awaited, by question id. */
  readonly asks: Map<string, (entry: Entry) => void>;
  /** When the lease holder was last heard of (a heartbeat, or the start of a wait). */
  heardMs: number;
  /** Whether this tab has asked its peers for the key yet. */
  synced: Promise<void> | undefined;
}

/** How long a tab waits for its peers' answers before going on with what it has. */
const ASK_MS = 300;
const EMPTY: Entry = { n: 0 };

const checks: readonly OptionCheck<BrowserTokenStoreOptions>[] = [
  ['storage', (value) => value === 'session' || value === 'local' || value === 'memory', 'must be "session", "local" or "memory"'],
  ['name', (value) => typeof value === 'string' && value !== '', 'must be a non-empty string'],
  [
    'locks',
    (value) => value === null || (isObject(value) && typeof (value as WebLockManager).request === 'function'),
    'must be a LockManager or null',
  ],
];

const isEntry = (value: unknown): value is Entry =>
  isObject(value) &&
  Number.isSafeInteger((value as Entry).n) &&
  ((value as Entry).record === undefined || isTokenRecord((value as Entry).record));

/** The storage area asked for, or undefined (memory) where the browser has none or refuses it. */
function storageArea(kind: BrowserTokenStoreOptions['storage']): Area | undefined {
  if (kind === 'memory') return undefined;
  try {
    const area = (globalThis as { localStorage?: Area; sessionStorage?: Area })[kind === 'local' ? 'localStorage' : 'sessionStorage'];
    return area ?? undefined;
  } catch {
    return undefined;
  }
}

/**
 * A {@link TokenStore} for browser apps, shared by every tab of the origin: one exchange for all tabs,
 * and a sign-out in one tab reaches the others. Each tab keeps its copy in sessionStorage (default),
 * localStorage or memory; tabs coordinate over the Web Locks API (the lease, and a lock per write) and
 * a `BroadcastChannel` (writes, notifications, and the copy a new tab asks its peers for). Lock and
 * channel names are per store `name` and session key (base URL and client), never global. A tab that
 * closes or crashes frees its locks; a holder that stops answering (a hung tab) is stolen from after the
 * lease's ttl. Without Web Locks or BroadcastChannel, each tab works on its own.
 *
 * @example
 * ```ts
 * const session = new AuthSession({ baseUrl, longToken: fetchLongTokenFromBackend, store: new BrowserTokenStore(), storeShortToken: true });
 * ```
 */
export class BrowserTokenStore implements TokenStore {
  /** {@inheritDoc TokenStore.lease} Only where Web Locks and BroadcastChannel are available. */
  declare readonly lease?: NonNullable<TokenStore['lease']>;
  /** {@inheritDoc TokenStore.subscribe} Only where Web Locks and BroadcastChannel are available. */
  declare readonly subscribe?: NonNullable<TokenStore['subscribe']>;
  readonly #prefix: string;
  readonly #area: Area | undefined;
  readonly #locks: WebLockManager | undefined;
  readonly #keys = new Map<string, KeyState>();
  readonly #closed = new AbortController();

  /** @throws TypeError when an option is unknown or misused. */
  constructor(options: BrowserTokenStoreOptions = {}) {
    assertOptions<BrowserTokenStoreOptions>('BrowserTokenStore', options, checks);
    this.#prefix = options.name ?? 'c2m-auth';
    this.#area = storageArea(options.storage);
    const locks = options.locks === undefined ? (globalThis as { navigator?: { locks?: WebLockManager } }).navigator?.locks : options.locks;
    if (locks && typeof BroadcastChannel === 'function') {
      this.#locks = locks;
      (this as { lease: BrowserTokenStore['lease'] }).lease = (key, ttlMs, task, leaseOptions) =>
        this.#lease(this.#state(key), ttlMs, task, leaseOptions);
      (this as { subscribe: BrowserTokenStore['subscribe'] }).subscribe = (key, listener) => {
        const { listeners } = this.#state(key);
        const entry: Listener = (change) => listener(change);
        listeners.add(entry);
        return () => listeners.delete(entry);
      };
    }
  }

  /** {@inheritDoc TokenStore.get} A new tab first asks its peers for their copy. */
  async get(key: string): Promise<TokenRecord | undefined> {
    const state = this.#state(key);
    state.synced ??= this.#sync(state);
    await state.synced;
    return state.entry.record;
  }

  /** {@inheritDoc TokenStore.set} */
  set(key: string, record: TokenRecord): Promise<void> {
    return this.#write(key, () => ({ record }));
  }

  /** {@inheritDoc TokenStore.delete} A deletion is a sign-out: every tab's listeners are told so (`signedOut`). */
  delete(key: string): Promise<void> {
    return this.#write(key, () => ({ signedOut: true }));
  }

  /** {@inheritDoc TokenStore.compareAndSet} */
  async compareAndSet(key: string, expected: TokenRecord | undefined, next: TokenRecord | undefined): Promise<boolean> {
    let written = false;
    await this.#write(key, (current) => {
      if (!isExpectedRecord(current, expected)) return undefined;
      written = true;
      return { record: next };
    });
    return written;
  }

  /** Stops coordinating: closes the channels and frees this tab's locks. The store still reads and writes this tab's copy. */
  close(): void {
    this.#closed.abort();
    for (const state of this.#keys.values()) state.channel?.close();
  }

  /**
   * Writes what `change` makes of the current record (nothing when it returns undefined), under the
   * key's write lock, after asking the peers for the last write: writes of all tabs are in one order.
   */
  async #write(key: string, change: (current: TokenRecord | undefined) => Omit<Entry, 'n'> | undefined): Promise<void> {
    const state = this.#state(key);
    let started = false;
    const write = async () => {
      started = true;
      await this.#sync(state);
      const next = change(state.entry.record);
      if (next === undefined) return;
      const entry: Entry = { ...next, n: state.entry.n + 1 };
      this.#apply(state, entry);
      this.#post(state, { type: 'write', entry });
    };
    if (this.#locks === undefined || this.#closed.signal.aborted) return write();
    try {
      await this.#locks.request(`${this.#prefix}:write:${key}`, {}, write);
    } catch (error) {
      // A lock the browser refuses (an opaque-origin frame: SecurityError): this tab writes on its own.
      if (started) throw error;
      await write();
    }
  }

  async #lease<T>(state: KeyState, ttlMs: number, task: (signal: AbortSignal) => Promise<T>, options: LeaseOptions = {}): Promise<T> {
    const locks = this.#locks as WebLockManager;
    const name = `${this.#prefix}:lease:${state.key}`;
    const { signal } = options;
    signal?.throwIfAborted();
    const lost = new AbortController();
    let running: Promise<T> | undefined;
    const hold = (lock: unknown) => {
      if (lock === null) return undefined;
      // The beat tells the waiters of the other tabs (over the channel) and of this one (heardMs).
      const beat = setInterval(() => {
        state.heardMs = Date.now();
        this.#post(state, { type: 'alive' });
      }, ttlMs / 3);
      running = this.#sync(state).then(() => task(lost.signal));
      return running.finally(() => clearInterval(beat));
    };
    // A steal rejects the request while the task still runs: the task is told by its signal.
    const settle = async (request: Promise<unknown>) => {
      await request.catch((error: unknown) => {
        if (running === undefined) throw error;
        lost.abort();
      });
      return running;
    };
    const free = await settle(locks.request(name, { ifAvailable: true }, hold));
    if (running !== undefined) return free as T;
    // The caller may have stopped waiting while the first attempt was answered.
    signal?.throwIfAborted();
    options.onWait?.();
    // Waits while the holder is heard of; a holder silent for a ttl (a hung tab) is stolen from.
    const stale = new AbortController();
    const stop = () => stale.abort();
    signal?.addEventListener('abort', stop);
    state.heardMs = Date.now();
    const check = setInterval(() => {
      if (Date.now() - state.heardMs > ttlMs) stale.abort();
    }, ttlMs / 3);
    try {
      return (await settle(locks.request(name, { signal: stale.signal }, hold))) as T;
    } catch (error) {
      if (running !== undefined || !stale.signal.aborted) throw error;
      if (signal?.aborted) throw signal.reason;
      return (await settle(locks.request(name, { steal: true }, hold))) as T;
    } finally {
      clearInterval(check);
      signal?.removeEventListener('abort', stop);
    }
  }

  /** Asks the peers holding the key for their copies, waits for their answers (at most {@link ASK_MS}), keeps the last write. */
  async #sync(state: KeyState): Promise<void> {
    if (this.#locks === undefined || this.#closed.signal.aborted) return;
    await state.present;
    let held: readonly { name?: string | undefined }[];
    try {
      held = (await this.#locks.query()).held ?? [];
    } catch {
      return;
    }
    const peers = held.filter((lock) => lock.name === this.#presenceName(state.key)).length - 1;
    if (peers < 1) return;
    const id = randomHex(8);
    await new Promise<void>((resolve) => {
      let answered = 0;
      const done = () => {
        clearTimeout(timer);
        state.asks.delete(id);
        resolve();
      };
      const timer = setTimeout(done, ASK_MS);
      state.asks.set(id, (entry) => {
        this.#apply(state, entry);
        if (++answered >= peers) done();
      });
      this.#post(state, { type: 'ask', id });
    });
  }

  /** Keeps `entry` if it is a later write than this tab's copy (ties go to the higher revision, the same in every tab), and tells the listeners. */
  #apply(state: KeyState, entry: Entry): void {
    const current = state.entry;
    const later = entry.n > current.n || (entry.n === current.n && (entry.record?.revision ?? '') > (current.record?.revision ?? ''));
    if (!later) return;
    state.entry = entry;
    const storageKey = `${this.#prefix}:${state.key}`;
    try {
      this.#area?.setItem(storageKey, JSON.stringify(entry));
    } catch {
      // A full or refused storage leaves this tab's copy in memory only.
    }
    const change: TokenStoreChange = entry.signedOut ? { revision: undefined, signedOut: true } : { revision: entry.record?.revision };
    for (const listener of [...state.listeners]) {
      queueMicrotask(() => {
        try {
          listener(change);
        } catch {
          // The listener's failure is its own.
        }
      });
    }
  }

  #post(state: KeyState, message: Message): void {
    try {
      state.channel?.postMessage(message);
    } catch {
      // A closed channel: this tab no longer coordinates.
    }
  }

  #presenceName(key: string): string {
    return `${this.#prefix}:tab:${key}`;
  }

  #state(key: string): KeyState {
    let state = this.#keys.get(key);
    if (state !== undefined) return state;
    const coordinated = this.#locks !== undefined && !this.#closed.signal.aborted;
    const channel = coordinated ? new BroadcastChannel(`${this.#prefix}:${key}`) : undefined;
    let entry = EMPTY;
    try {
      const stored: unknown = JSON.parse(this.#area?.getItem(`${this.#prefix}:${key}`) ?? 'null');
      if (isEntry(stored)) entry = stored;
    } catch {
      // Unreadable: as if empty; the next write replaces it.
    }
    state = {
      key,
      entry,
      listeners: new Set(),
      channel,
      present: coordinated ? this.#holdPresence(key) : Promise.resolve(),
      asks: new Map(),
      heardMs: 0,
      synced: undefined,
    };
    const held = state;
    if (channel !== undefined) {
      // Node's BroadcastChannel would keep the process alive.
      (channel as { unref?: () => void }).unref?.();
      channel.onmessage = ({ data }: MessageEvent<Message>) => {
        if (!isObject(data)) return;
        if (data.type === 'write' && isEntry(data.entry)) this.#apply(held, data.entry);
        else if (data.type === 'ask') this.#post(held, { type: 'answer', id: data.id, entry: held.entry });
        else if (data.type === 'answer' && isEntry(data.entry)) held.asks.get(data.id)?.(data.entry);
        else if (data.type === 'alive') held.heardMs = Date.now();
      };
    }
    this.#keys.set(key, state);
    return state;
  }

  /** Holds a shared lock on the key for as long as the store is open: its holders are the tabs to ask. */
  #holdPresence(key: string): Promise<void> {
    return new Promise((granted) => {
      const closed = this.#closed.signal;
      (this.#locks as WebLockManager)
        .request(this.#presenceName(key), { mode: 'shared', signal: closed }, () => {
          granted();
          // Closed between the grant and this call: the lock is freed at once, or no abort would free it.
          return closed.aborted ? undefined : new Promise((release) => closed.addEventListener('abort', release));
        })
        .catch(() => granted());
    });
  }
}
