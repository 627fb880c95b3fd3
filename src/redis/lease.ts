// RedisTokenStore's leases: an owned key (SET NX PX a random owner), extended by compare-and-extend
// while the task runs, given back by compare-and-delete, and waited for with a backoff that a
// published release cuts short.

import { TokenStoreError } from '../errors/TokenStoreError.js';
import type { LeaseOptions } from '../session/TokenStore.js';
import { randomHex } from '../stores/hex.js';
import type { RedisCommands } from './client.js';
import { LeaseWaiter } from './lease-waiter.js';
import { EXTEND, RELEASE, runScript } from './scripts.js';
import { closedError, OWNER } from './store-error.js';
import type { SharedSubscriber } from './subscriber.js';

/** How long to wait before asking for a held lease again: 20 ms and up, the ceiling growing to 250 ms. */
function retryDelayMs(attempt: number): number {
  const ceilingMs = Math.min(250, 120 * 1.25 ** attempt);
  return 20 + Math.random() * (ceilingMs - 20);
}

/** A random lease owner: 16 bytes, hex. */
const newOwner = (): string => randomHex(16);

/** The leases of one store: the lease of a session key `k` is the string `${prefix}lease:${k}` holding a random owner. */
export class RedisLeases {
  readonly #commands: RedisCommands;
  readonly #subscriber: SharedSubscriber;
  readonly #prefix: string;
  readonly #channel: string;
  /** Aborts each lease held now (the store is closing). */
  readonly #held = new Set<(error: unknown) => void>();
  #closed = false;

  /**
   * @param commands - The store's commands on its client.
   * @param subscriber - The store's subscriber connection, which wakes waiters on a release.
   * @param prefix - The store's prefix; `channel` is where releases are published.
   */
  constructor(commands: RedisCommands, subscriber: SharedSubscriber, prefix: string, channel: string) {
    this.#commands = commands;
    this.#subscriber = subscriber;
    this.#prefix = prefix;
    this.#channel = channel;
  }

  /**
   * Runs `task` holding the lease of `key` for `ttl` ms (a whole number), waiting while another owner
   * holds it, and gives it back when `task` settles.
   * @throws {@link TokenStoreError} when Redis cannot be asked (`task` does not run).
   */
  async run<T>(key: string, ttl: number, task: (signal: AbortSignal) => Promise<T>, options: LeaseOptions): Promise<T> {
    const owner = newOwner();
    const acquiredAt = await this.#acquire(key, owner, ttl, options);
    const held = this.#keep(key, owner, ttl, acquiredAt);
    try {
      return await task(held.signal);
    } finally {
      held.stop();
      await this.#release(key, owner);
    }
  }

  /** Aborts the signal of every lease held now with `error()`; later leases reject. */
  close(error: () => unknown): void {
    this.#closed = true;
    for (const lose of [...this.#held]) lose(error());
  }

  #leaseKey(key: string): string {
    return `${this.#prefix}lease:${key}`;
  }

  #assertOpen(): void {
    if (this.#closed) throw closedError();
  }

  /** Takes the lease, waiting while another owner holds it; resolves with when the winning SET was sent. */
  async #acquire(key: string, owner: string, ttl: number, { signal, onWait }: LeaseOptions): Promise<number> {
    signal?.throwIfAborted();
    let waiter: LeaseWaiter | undefined;
    let stopWaiting: (() => void) | undefined;
    try {
      for (let attempt = 0; ; attempt += 1) {
        this.#assertOpen();
        const sentAt = performance.now();
        // A SET answered after its timeout may have taken the lease for nobody: give it back.
        const reply = await this.#commands.call(['SET', this.#leaseKey(key), owner, 'NX', 'PX', String(ttl)], 'lease', (late) => {
          if (late === 'OK') void this.#release(key, owner);
        });
        if (reply === 'OK') {
          if (signal?.aborted || this.#closed) {
            await this.#release(key, owner);
            signal?.throwIfAborted();
            this.#assertOpen();
          }
          return sentAt;
        }
        signal?.throwIfAborted();
        if (waiter === undefined) {
          onWait?.();
          waiter = new LeaseWaiter();
          stopWaiting = this.#subscriber.addWaiter(key, waiter);
        }
        await waiter.pause(retryDelayMs(attempt), signal);
      }
    } finally {
      stopWaiting?.();
    }
  }

  /**
   * Keeps the lease while the task runs: extends it every ttl/3, and aborts the task's signal when it
   * is another owner's, or when no extension succeeded within ttl of being sent (it may have expired).
   */
  #keep(key: string, owner: string, ttl: number, acquiredAt: number): { signal: AbortSignal; stop: () => void } {
    const controller = new AbortController();
    let stopped = false;
    let extendTimer: ReturnType<typeof setTimeout> | undefined;
    let deadlineTimer: ReturnType<typeof setTimeout> | undefined;
    const stop = () => {
      stopped = true;
      clearTimeout(extendTimer);
      clearTimeout(deadlineTimer);
      this.#held.delete(lose);
    };
    const lose = (reason: unknown) => {
      if (stopped) return;
      stop();
      controller.abort(reason);
    };
    const keepUntil = (sentAt: number) => {
      clearTimeout(deadlineTimer);
      deadlineTimer = setTimeout(
        () => lose(new TokenStoreError('timeout', `${OWNER}: the lease could not be extended within its ttl of ${ttl} ms`)),
        Math.max(0, sentAt + ttl - performance.now()),
      );
    };
    const extend = async () => {
      const sentAt = performance.now();
      try {
        const extended = await runScript(this.#commands, EXTEND, this.#leaseKey(key), [owner, String(ttl)], 'extend lease');
        if (stopped) return;
        if (Number(extended) !== 1) {
          lose(new TokenStoreError('unavailable', `${OWNER}: the lease was lost (it expired, or another holder took it)`));
          return;
        }
        keepUntil(sentAt);
      } catch {
        // Redis did not answer: the next extension tries again, and the deadline decides.
      }
      if (!stopped) extendTimer = setTimeout(extend, ttl / 3);
    };
    this.#held.add(lose);
    keepUntil(acquiredAt);
    extendTimer = setTimeout(extend, ttl / 3);
    return { signal: controller.signal, stop };
  }

  /** Gives the lease back if it is still `owner`'s; a failure leaves it to expire. */
  async #release(key: string, owner: string): Promise<void> {
    try {
      const released = await runScript(
        this.#commands,
        RELEASE,
        this.#leaseKey(key),
        [owner, this.#channel, JSON.stringify({ key, lease: 'released' })],
        'release lease',
      );
      if (Number(released) === 1) this.#subscriber.wake(key);
    } catch {
      // The lease expires by its ttl.
    }
  }
}
