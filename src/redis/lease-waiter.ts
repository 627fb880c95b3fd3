// A caller of RedisTokenStore.lease waiting while another owner holds the lease.
import type { ReleaseWaiter } from './subscriber.js';

/** A caller waiting for a held lease: it pauses between asking, woken early when the lease is released. */
export class LeaseWaiter implements ReleaseWaiter {
  /** Ends the pause under way. */
  #settle: { resolve: () => void; reject: (error: unknown) => void } | undefined;
  /** Woken between two pauses: the next one ends at once. */
  #woken = false;
  #failure: { error: unknown } | undefined;

  /** The lease was released: ask again now. */
  wake(): void {
    if (this.#settle === undefined) this.#woken = true;
    else this.#settle.resolve();
  }

  /** The store closed: the wait rejects with `error`. */
  fail(error: unknown): void {
    this.#failure = { error };
    this.#settle?.reject(error);
  }

  /**
   * Resolves after `delayMs` or a wake; rejects when `signal` aborts (with its reason) or the store
   * closes. No signal is one that never aborts.
   */
  pause(delayMs: number, signal: AbortSignal = new AbortController().signal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (this.#failure !== undefined) return reject(this.#failure.error);
      if (signal.aborted) return reject(signal.reason);
      if (this.#woken) {
        this.#woken = false;
        return resolve();
      }
      // However the pause ends, its timer and its abort listener go with it.
      const end = (outcome: () => void) => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        this.#settle = undefined;
        outcome();
      };
      const settle = { resolve: () => end(resolve), reject: (error: unknown) => end(() => reject(error)) };
      const onAbort = () => settle.reject(signal.reason);
      const timer = setTimeout(settle.resolve, delayMs);
      signal.addEventListener('abort', onAbort);
      this.#settle = settle;
    });
  }
}
