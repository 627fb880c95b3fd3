import { untilSignal } from './single-flight.js';
import { isExpectedRecord, type LeaseOptions, type TokenRecord, type TokenStore, type TokenStoreChange } from './TokenStore.js';

type Listener = (change: TokenStoreChange) => void;

/**
 * The default store: a Map in memory, shared by the sessions given the same instance. It implements
 * the coordination capabilities in-process (compare-and-set, a lease per key that queues its waiters,
 * change notifications), so sessions sharing one instance refresh once between them.
 */
export class MemoryTokenStore implements TokenStore {
  readonly #records = new Map<string, TokenRecord>();
  readonly #leases = new Map<string, Promise<unknown>>();
  /** One entry per subscription (the same function subscribed twice is told twice). */
  readonly #listeners = new Set<{ readonly key: string; readonly listener: Listener }>();

  /** {@inheritDoc TokenStore.get} */
  get(key: string): TokenRecord | undefined {
    return this.#records.get(key);
  }

  /** {@inheritDoc TokenStore.set} */
  set(key: string, record: TokenRecord): void {
    this.#records.set(key, record);
    this.#notify(key, record);
  }

  /** {@inheritDoc TokenStore.delete} */
  delete(key: string): void {
    if (this.#records.delete(key)) this.#notify(key, undefined);
  }

  /** {@inheritDoc TokenStore.compareAndSet} */
  compareAndSet(key: string, expected: TokenRecord | undefined, next: TokenRecord | undefined): boolean {
    if (!isExpectedRecord(this.#records.get(key), expected)) return false;
    if (next === undefined) this.delete(key);
    else this.set(key, next);
    return true;
  }

  /**
   * {@inheritDoc TokenStore.lease}
   * In one process a holder cannot die while its task runs, so the lease is held until the task
   * settles and `signal` never fires; waiters are served in order.
   */
  async lease<T>(key: string, _ttlMs: number, task: (signal: AbortSignal) => Promise<T>, options?: LeaseOptions): Promise<T> {
    const current = this.#leases.get(key);
    if (current !== undefined) options?.onWait?.();
    const previous = current ?? Promise.resolve();
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const tail = previous.then(() => held);
    this.#leases.set(key, tail);
    let acquired = false;
    try {
      await untilSignal(previous, options?.signal);
      acquired = true;
      return await task(new AbortController().signal);
    } finally {
      release();
      if (this.#leases.get(key) === tail) {
        // A waiter that gave up is last in line: the line ends with the holder again, not with no one.
        if (acquired || current === undefined) this.#leases.delete(key);
        else this.#restore(key, current);
      }
    }
  }

  #restore(key: string, line: Promise<unknown>): void {
    this.#leases.set(key, line);
    void line.then(() => {
      if (this.#leases.get(key) === line) this.#leases.delete(key);
    });
  }

  /** {@inheritDoc TokenStore.subscribe} */
  subscribe(key: string, listener: Listener): () => void {
    const entry = { key, listener };
    this.#listeners.add(entry);
    return () => {
      this.#listeners.delete(entry);
    };
  }

  #notify(key: string, record: TokenRecord | undefined): void {
    const change: TokenStoreChange = { revision: record?.revision };
    for (const entry of this.#listeners) {
      if (entry.key !== key) continue;
      // After the write returns, and a throwing listener never breaks the store.
      queueMicrotask(() => {
        try {
          entry.listener(change);
        } catch {
          // The listener's failure is its own.
        }
      });
    }
  }
}
