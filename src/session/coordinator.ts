import { SessionClosedError } from '../errors/SessionClosedError.js';
import type { Emitter } from './events.js';
import type { SessionStore, StoredTokens } from './SessionStore.js';

/** What a coordinated refresh produced, and whether it came from a peer (adopted) or from this session. */
export interface Coordinated<T> {
  readonly value: T;
  readonly adopted: boolean;
}

/** Picks a usable result out of what the store holds, or undefined when the work must be done. */
export type Adopt<T> = (stored: StoredTokens | undefined) => T | undefined;
/** Does the work (issue, exchange, write) with what the store held; `lease` fires if the lease is lost. */
export type Task<T> = (stored: StoredTokens | undefined, lease: AbortSignal | undefined) => Promise<T>;

/**
 * The fleet protocol over a session's store: adopt what a peer already stored, else take the store's
 * lease, re-read under it (a peer may have finished meanwhile), and only then do the work. While the
 * lease is held elsewhere it waits, adopting the peer's result as soon as the store says it changed.
 * A store that cannot lease, or fails, leaves the session on its own: the work is done without the
 * lease (the in-process single flight still holds) and the failure is a `storeError` event.
 */
export class RefreshCoordinator {
  readonly #store: SessionStore;
  readonly #events: Emitter;
  readonly #leaseTtlMs: number;
  readonly #now: () => number;
  readonly #isClosed: () => boolean;

  /** @param isClosed - Whether the session closed (a sign-out elsewhere, say): a waiter then stops. */
  constructor(store: SessionStore, events: Emitter, leaseTtlMs: number, now: () => number, isClosed: () => boolean) {
    this.#store = store;
    this.#events = events;
    this.#leaseTtlMs = leaseTtlMs;
    this.#now = now;
    this.#isClosed = isClosed;
  }

  #assertOpen(): void {
    if (this.#isClosed()) throw new SessionClosedError();
  }

  /**
   * @param prepare - Runs before the lease is asked for, given what the store held: the app's own
   * functions are called there, never under the lease.
   */
  async run<T>(adopt: Adopt<T>, task: Task<T>, prepare?: (first: StoredTokens | undefined) => Promise<void>): Promise<Coordinated<T>> {
    const first = await this.#store.read();
    const ready = adopt(first);
    if (ready !== undefined) return { value: ready, adopted: true };
    if (!this.#store.coordinated) return { value: await task(first, undefined), adopted: false };
    await prepare?.(first);
    return this.#underLease(adopt, task, first);
  }

  async #underLease<T>(adopt: Adopt<T>, task: Task<T>, first: StoredTokens | undefined): Promise<Coordinated<T>> {
    const startedMs = this.#now();
    let peerHeld = false;
    const waited = (adopted: boolean) => {
      if (peerHeld) this.#events.emit('leaseWaited', { waitedMs: Math.max(0, this.#now() - startedMs), adopted });
    };
    // A holder writes its result (a change notification) before it releases the lease: the wait stops
    // on the notification itself, so a waiter adopts without taking the lease. A change that brings
    // nothing usable (a peer's long token while this one needs a short) goes back to waiting.
    for (;;) {
      this.#assertOpen();
      const stopWaiting = new AbortController();
      let phase = 'waiting' as 'waiting' | 'holding';
      let subscription = this.#store.subscribe((change) => {
        if (phase === 'waiting' && !this.#store.isOwn(change)) stopWaiting.abort();
      });
      const unsubscribe = () => {
        subscription?.();
        subscription = undefined;
      };
      try {
        // Under the lease only the re-read, the exchange and the write: events wait until it is released.
        return await this.#events.holding(() =>
          this.#store.lease(
            this.#leaseTtlMs,
            async (lease) => {
              phase = 'holding';
              unsubscribe();
              this.#assertOpen();
              const stored = await this.#store.read();
              const value = adopt(stored);
              waited(value !== undefined);
              if (value !== undefined) return { value, adopted: true };
              return { value: await task(stored, lease), adopted: false };
            },
            stopWaiting.signal,
            () => {
              peerHeld = true;
            },
          ),
        );
      } catch (error) {
        if (phase === 'holding') throw error;
        if (!stopWaiting.signal.aborted) {
          // No lease to be had (the store is down): go on alone. A live holder is waited for however
          // long its refresh takes (a Retry-After, say): a dead one's lease expires, and one waiter takes over.
          this.#store.report('lease', error);
          return { value: await task(first, undefined), adopted: false };
        }
      } finally {
        unsubscribe();
      }
      const value = adopt(await this.#store.read());
      if (value !== undefined) {
        waited(true);
        return { value, adopted: true };
      }
    }
  }
}
