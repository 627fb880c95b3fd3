// The one connection RedisTokenStore makes of its own: a duplicate of its client subscribed to the
// store's channel while someone listens for changes or waits for a lease, ended with the last of them.
import type { TokenStoreError } from '../errors/TokenStoreError.js';
import { isObject } from '../option-checks.js';
import type { TokenStoreChange } from '../session/TokenStore.js';
import type { RedisClientLike, RedisSubscriberLike } from './client.js';
import { closedError, storeError } from './store-error.js';

type Listener = (change: TokenStoreChange) => void;

/** A caller waiting for a held lease: woken when its release is published, failed when the store closes. */
export interface ReleaseWaiter {
  /** The lease was released: ask again now. */
  wake(): void;
  /** The store closed: the wait rejects with `error`. */
  fail(error: unknown): void;
}

/** The subscriber connection the store made, and how far it got. */
interface Subscription {
  readonly client: RedisSubscriberLike;
  state: 'connecting' | 'ready' | 'failed';
  ready: Promise<void>;
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
  readonly #listeners = new Map<string, Set<Listener>>();
  readonly #waiters = new Map<string, Set<ReleaseWaiter>>();
  #subscription: Subscription | undefined;
  /** Listeners and lease waiters that need the subscription. */
  #subscribers = 0;
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
    let listeners = this.#listeners.get(key);
    if (listeners === undefined) {
      listeners = new Set();
      this.#listeners.set(key, listeners);
    }
    const own = listeners;
    const entry: Listener = (change) => listener(change);
    own.add(entry);
    try {
      this.#hold();
    } catch (error) {
      own.delete(entry);
      throw storeError(error, 'subscribe');
    }
    let subscribed = true;
    return () => {
      if (!subscribed) return;
      subscribed = false;
      own.delete(entry);
      if (own.size === 0 && this.#listeners.get(key) === own) this.#listeners.delete(key);
      this.#drop();
    };
  }

  /**
   * A new waiter on `key`, using the subscription (to hear of releases) while it waits: woken by a
   * published release or {@link SharedSubscriber.wake}. The function returned removes it.
   */
  addWaiter(key: string, waiter: ReleaseWaiter): () => void {
    let waiters = this.#waiters.get(key);
    if (waiters === undefined) {
      waiters = new Set();
      this.#waiters.set(key, waiters);
    }
    waiters.add(waiter);
    let holdsSubscription = false;
    try {
      this.#hold();
      holdsSubscription = true;
    } catch {
      // No subscriber connection: the waiter asks again on its timer.
    }
    return () => {
      const current = this.#waiters.get(key);
      if (current?.delete(waiter) !== true) return;
      if (current.size === 0) this.#waiters.delete(key);
      if (holdsSubscription) this.#drop();
    };
  }

  /** Wakes the waiters of `key`'s lease (this store released it). */
  wake(key: string): void {
    for (const waiter of [...(this.#waiters.get(key) ?? [])]) waiter.wake();
  }

  /** Waits (at most one command timeout) for a subscription still connecting for the first time. */
  async started(): Promise<void> {
    const subscription = this.#subscription;
    if (subscription?.state !== 'connecting') return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([subscription.ready, new Promise<void>((resolve) => (timer = setTimeout(resolve, this.#timeoutMs)))]);
    clearTimeout(timer);
  }

  /** Fails every waiter with `error()`, forgets every listener, and ends the connection. */
  close(error: () => unknown): void {
    this.#closed = true;
    for (const waiters of this.#waiters.values()) for (const waiter of [...waiters]) waiter.fail(error());
    this.#listeners.clear();
    this.#subscribers = 0;
    const subscription = this.#subscription;
    this.#subscription = undefined;
    if (subscription !== undefined) endSubscriber(subscription.client);
  }

  /** One more user of the subscriber connection, which is made on first use. */
  #hold(): void {
    // A closed store never opens a connection again (a lease wait still in flight must not leak one).
    if (this.#closed) throw closedError();
    if (this.#subscription === undefined) this.#subscription = this.#subscribe();
    this.#subscribers += 1;
  }

  /** One user fewer; the last one ends the connection. */
  #drop(): void {
    if (this.#closed || this.#subscribers === 0) return;
    this.#subscribers -= 1;
    if (this.#subscribers > 0) return;
    const subscription = this.#subscription;
    this.#subscription = undefined;
    if (subscription !== undefined) endSubscriber(subscription.client);
  }

  #subscribe(): Subscription {
    const client = this.#client.duplicate();
    const subscription: Subscription = { client, state: 'connecting', ready: Promise.resolve() };
    client.on('error', () => {
      // The connection is down; node-redis reconnects and resubscribes by itself.
      if (subscription.state === 'connecting') subscription.state = 'failed';
    });
    subscription.ready = (async () => {
      await client.connect();
      await client.subscribe(this.#channel, (message) => this.#dispatch(message));
    })().then(
      () => {
        if (subscription.state === 'connecting') subscription.state = 'ready';
      },
      () => {
        subscription.state = 'failed';
      },
    );
    return subscription;
  }

  #dispatch(message: unknown): void {
    let notice: unknown;
    try {
      notice = JSON.parse(String(message));
    } catch {
      return;
    }
    if (!isObject(notice)) return;
    const { key, revision, lease } = notice as { key?: unknown; revision?: unknown; lease?: unknown };
    if (typeof key !== 'string') return;
    if (lease === 'released') {
      this.wake(key);
      return;
    }
    const change: TokenStoreChange = { revision: typeof revision === 'string' ? revision : undefined };
    for (const listener of [...(this.#listeners.get(key) ?? [])]) {
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
