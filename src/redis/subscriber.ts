// The one connection RedisTokenStore makes of its own: a duplicate of its client subscribed to the
// store's channel while someone listens for changes or waits for a lease, ended with the last of them.
import type { TokenStoreError } from '../errors/TokenStoreError.js';
import { isObject } from '../option-checks.js';
import type { TokenStoreChange } from '../session/TokenStore.js';
import type { RedisClientLike, RedisSubscriberLike } from './client.js';
import { closedError, storeError } from './store-error.js';

/** A caller waiting for a held lease: woken when its release is published, failed when the store closes. */
export interface ReleaseWaiter {
  /** The lease was released: ask again now. */
  wake(): void;
  /** The store closed: the wait rejects with `error`. */
  fail(error: unknown): void;
}

/** The subscriber connection the store made, how far it got, and how many use it. */
interface Subscription {
  readonly client: RedisSubscriberLike;
  /** Until it is subscribed, or has failed (a rejected connect, an error reported). */
  connecting: boolean;
  ready: Promise<void>;
  /** Listeners and lease waiters using it; the last one to leave ends it. */
  users: number;
}

/**
 * The store's subscriber connection (`client.duplicate()`), shared by its change listeners and lease
 * waiters: made on first use, ended with the last user. Change notices go to the key's listeners,
 * release notices wake the key's waiters.
 */
export class SharedSubscriber {
  readonly #client: RedisClientLike;
  readonly #channel: string;
  readonly #timeoutMs: number;
  /** One entry per subscription, though the same listener subscribes twice. */
  readonly #listeners = new Set<{ readonly key: string; readonly listener: (change: TokenStoreChange) => void }>();
  readonly #waiters = new Set<{ readonly key: string; readonly waiter: ReleaseWaiter }>();
  #subscription: Subscription | undefined;
  #closed = false;

  /**
   * @param client - The store's client, duplicated for the connection.
   * @param channel - The store's channel (`${prefix}changes`).
   * @param timeoutMs - How long a write waits for a subscription still connecting.
   */
  constructor(client: RedisClientLike, channel: string, timeoutMs: number) {
    this.#client = client;
    this.#channel = channel;
    this.#timeoutMs = timeoutMs;
  }

  /**
   * Calls `listener` with each change of `key`, until the function returned is called.
   * @throws {@link TokenStoreError} `unavailable` when no subscriber connection can be made.
   */
  listen(key: string, listener: (change: TokenStoreChange) => void): () => void {
    let subscription: Subscription;
    try {
      subscription = this.#hold();
    } catch (error) {
      throw storeError(error, 'subscribe');
    }
    const entry = { key, listener };
    this.#listeners.add(entry);
    // Once only, and not after close (which forgot every listener).
    return () => {
      if (this.#listeners.delete(entry)) this.#drop(subscription);
    };
  }

  /**
   * A new waiter on `key`, using the subscription (to hear of releases) while it waits: woken by a
   * published release or {@link SharedSubscriber.wake}. The function returned removes it.
   */
  addWaiter(key: string, waiter: ReleaseWaiter): () => void {
    let subscription: Subscription | undefined;
    try {
      subscription = this.#hold();
    } catch {
      // No subscriber connection: the waiter asks again on its timer.
    }
    const entry = { key, waiter };
    this.#waiters.add(entry);
    // Once only, and not after close (which failed and forgot every waiter).
    return () => {
      if (this.#waiters.delete(entry) && subscription !== undefined) this.#drop(subscription);
    };
  }

  /** Wakes the waiters of `key`'s lease (this store released it). */
  wake(key: string): void {
    for (const entry of this.#waiters) if (entry.key === key) entry.waiter.wake();
  }

  /** Waits (at most one command timeout) for a subscription still connecting for the first time. */
  async started(): Promise<void> {
    const subscription = this.#subscription;
    if (subscription?.connecting !== true) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([subscription.ready, new Promise<void>((resolve) => (timer = setTimeout(resolve, this.#timeoutMs)))]);
    clearTimeout(timer);
  }

  /** Fails every waiter with `error()`, forgets every listener, waiter and the connection, which it ends. */
  close(error: () => unknown): void {
    this.#closed = true;
    for (const { waiter } of this.#waiters) waiter.fail(error());
    this.#waiters.clear();
    this.#listeners.clear();
    const subscription = this.#subscription;
    this.#subscription = undefined;
    if (subscription !== undefined) endSubscriber(subscription.client);
  }

  /** One more user of the subscriber connection, which is made on first use. */
  #hold(): Subscription {
    // A closed store never opens a connection again (a lease wait still in flight must not leak one).
    if (this.#closed) throw closedError();
    this.#subscription ??= this.#subscribe();
    this.#subscription.users += 1;
    return this.#subscription;
  }

  /** One user fewer; the last one ends the connection. */
  #drop(subscription: Subscription): void {
    subscription.users -= 1;
    if (subscription.users > 0) return;
    this.#subscription = undefined;
    endSubscriber(subscription.client);
  }

  #subscribe(): Subscription {
    const client = this.#client.duplicate();
    const subscription: Subscription = { client, connecting: true, ready: Promise.resolve(), users: 0 };
    const settled = () => {
      subscription.connecting = false;
    };
    // An error is the connection down (node-redis reconnects and resubscribes by itself): writes stop waiting for it.
    client.on('error', settled);
    subscription.ready = (async () => {
      await client.connect();
      await client.subscribe(this.#channel, (message) => this.#dispatch(message));
    })().then(settled, settled);
    return subscription;
  }

  #dispatch(message: unknown): void {
    let notice: unknown;
    try {
      notice = JSON.parse(String(message));
    } catch {
      // Not JSON: no notice.
    }
    if (!isObject(notice)) return;
    const { key, revision, lease } = notice as { key?: unknown; revision?: unknown; lease?: unknown };
    if (typeof key !== 'string') return;
    if (lease === 'released') {
      this.wake(key);
      return;
    }
    const change: TokenStoreChange = { revision: typeof revision === 'string' ? revision : undefined };
    // The listeners subscribed now (one that unsubscribes or subscribes another meanwhile changes none).
    for (const { key: listened, listener } of [...this.#listeners]) {
      if (listened !== key) continue;
      try {
        listener(change);
      } catch {
        // The listener's failure is its own.
      }
    }
  }
}

/** Closes a subscriber connection, whatever state it is in. */
function endSubscriber(client: RedisSubscriberLike): void {
  try {
    client.destroy();
  } catch {
    // Already closed.
  }
}
