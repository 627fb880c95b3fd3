// The contract every coordinated TokenStore must pass (get/set/delete, compareAndSet, lease,
// subscribe), as one vitest suite a store's own test file runs with a factory for fresh stores.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TokenRecord, TokenStore, TokenStoreChange } from '../../src/session/TokenStore.js';

/** A fresh store for one test, with what the test must undo afterwards. */
export interface StoreUnderTest {
  /** The store under test; it must implement compareAndSet, lease and subscribe. */
  readonly store: TokenStore;
  /**
   * More stores over the same backing (another client, another instance), as other processes would
   * hold: the racing tests spread their callers over `store` and these.
   */
  readonly peers?: readonly TokenStore[];
  /** Ends the store (and its peers) and whatever backs them. */
  cleanup(): Promise<void> | void;
  /** Whether the store tells a deletion (a sign-out) apart: its change says `signedOut: true`. */
  readonly tellsSignOut?: boolean;
}

type CoordinatedStore = TokenStore & Required<Pick<TokenStore, 'compareAndSet' | 'lease' | 'subscribe'>>;

const KEY = 'contract-key';
const OTHER_KEY = 'contract-other-key';
const RACERS = 20;
const LEASE_TTL_MS = 10_000;

/** A record in the far future (no store drops it as expired while the suite runs). */
export const contractRecord = (revision: string | undefined, longToken = `lt_contract_${revision ?? 'none'}`): TokenRecord => ({
  version: 1,
  ...(revision === undefined ? {} : { revision }),
  longToken,
  expiresAtMs: 4_102_444_800_000,
  issuedAtMs: 1_767_225_600_000,
  tokenId: `tok_${revision ?? 'none'}`,
});

function coordinated(store: TokenStore): CoordinatedStore {
  expect(typeof store.compareAndSet).toBe('function');
  expect(typeof store.lease).toBe('function');
  expect(typeof store.subscribe).toBe('function');
  return store as CoordinatedStore;
}

/** A promise and the function that settles it. */
function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve: (value: T) => void = () => {};
  const promise = new Promise<T>((settle) => {
    resolve = settle;
  });
  return { promise, resolve };
}

/** Every change a listener is told of, and a promise of the next one. */
export function recordChanges(store: TokenStore, key: string) {
  const changes: TokenStoreChange[] = [];
  let waiting: ((change: TokenStoreChange) => void) | undefined;
  const subscribe = store.subscribe?.bind(store);
  if (subscribe === undefined) throw new Error('recordChanges: the store cannot subscribe');
  const unsubscribe = subscribe(key, (change) => {
    changes.push(change);
    waiting?.(change);
    waiting = undefined;
  });
  let seen = 0;
  return {
    changes,
    unsubscribe,
    /** The next change not yet taken (waits for it). */
    next(): Promise<TokenStoreChange> {
      const known = changes[seen];
      if (known !== undefined) {
        seen += 1;
        return Promise.resolve(known);
      }
      return new Promise((resolve) => {
        waiting = (change) => {
          seen += 1;
          resolve(change);
        };
      });
    },
  };
}

/**
 * Runs the TokenStore contract on fresh stores from `makeStore` (one per test, cleaned up after it).
 *
 * @example
 * ```ts
 * describeStoreContract('MemoryTokenStore', async () => ({ store: new MemoryTokenStore(), cleanup: () => {} }));
 * ```
 */
export function describeStoreContract(name: string, makeStore: () => Promise<StoreUnderTest>): void {
  describe(`${name} › the TokenStore contract`, () => {
    let made: StoreUnderTest;
    let store: CoordinatedStore;
    /** `store` and its peers, for callers spread over "processes". */
    let stores: CoordinatedStore[];
    const storeFor = (index: number): CoordinatedStore => stores[index % stores.length] ?? store;

    beforeEach(async () => {
      made = await makeStore();
      store = coordinated(made.store);
      stores = [store, ...(made.peers ?? []).map(coordinated)];
    });
    afterEach(async () => {
      await made.cleanup();
    });

    describe('get, set and delete', () => {
      it('reads what was set last, and nothing after delete', async () => {
        expect(await store.get(KEY)).toBeUndefined();
        await store.set(KEY, contractRecord('r1'));
        expect(await store.get(KEY)).toEqual(contractRecord('r1'));
        await store.set(KEY, contractRecord('r2'));
        expect(await store.get(KEY)).toEqual(contractRecord('r2'));
        await store.delete(KEY);
        expect(await store.get(KEY)).toBeUndefined();
        await store.delete(KEY);
        expect(await store.get(KEY)).toBeUndefined();
      });

      it('keeps every field of a record, a stored short token included', async () => {
        const full: TokenRecord = {
          ...contractRecord('r1'),
          shortToken: { token: 'st_contract_1', expiresAtMs: 4_102_444_000_000, issuedAtMs: 1_767_225_600_500, tokenId: 'tok_st_1' },
        };
        await store.set(KEY, full);
        expect(await store.get(KEY)).toEqual(full);
      });

      it('keeps keys apart', async () => {
        await store.set(KEY, contractRecord('r1'));
        await store.set(OTHER_KEY, contractRecord('r2'));
        await store.delete(KEY);
        expect(await store.get(KEY)).toBeUndefined();
        expect(await store.get(OTHER_KEY)).toEqual(contractRecord('r2'));
      });
    });

    describe('compareAndSet', () => {
      it('writes when "no record" is expected and the key is empty', async () => {
        expect(await store.compareAndSet(KEY, undefined, contractRecord('r1'))).toBe(true);
        expect(await store.get(KEY)).toEqual(contractRecord('r1'));
      });

      it('refuses "no record" when a record is there, and changes nothing', async () => {
        await store.set(KEY, contractRecord('r1'));
        expect(await store.compareAndSet(KEY, undefined, contractRecord('r2'))).toBe(false);
        expect(await store.get(KEY)).toEqual(contractRecord('r1'));
      });

      it('replaces the expected revision', async () => {
        await store.set(KEY, contractRecord('r1'));
        expect(await store.compareAndSet(KEY, contractRecord('r1'), contractRecord('r2'))).toBe(true);
        expect(await store.get(KEY)).toEqual(contractRecord('r2'));
      });

      it('compares revisions only, not the rest of the record', async () => {
        await store.set(KEY, contractRecord('r1'));
        expect(await store.compareAndSet(KEY, contractRecord('r1', 'lt_contract_other'), contractRecord('r2'))).toBe(true);
        expect(await store.get(KEY)).toEqual(contractRecord('r2'));
      });

      it('refuses a stale revision, and changes nothing', async () => {
        await store.set(KEY, contractRecord('r2'));
        expect(await store.compareAndSet(KEY, contractRecord('r1'), contractRecord('r3'))).toBe(false);
        expect(await store.get(KEY)).toEqual(contractRecord('r2'));
      });

      it('refuses an expected record when the key is empty, and writes nothing', async () => {
        expect(await store.compareAndSet(KEY, contractRecord('r1'), contractRecord('r2'))).toBe(false);
        expect(await store.get(KEY)).toBeUndefined();
      });

      it('deletes when next is undefined', async () => {
        await store.set(KEY, contractRecord('r1'));
        expect(await store.compareAndSet(KEY, contractRecord('r1'), undefined)).toBe(true);
        expect(await store.get(KEY)).toBeUndefined();
      });

      it('matches a record written without a revision only to another one without', async () => {
        await store.set(KEY, contractRecord(undefined));
        expect(await store.compareAndSet(KEY, contractRecord('r1'), contractRecord('r2'))).toBe(false);
        expect(await store.compareAndSet(KEY, undefined, contractRecord('r2'))).toBe(false);
        expect(await store.get(KEY)).toEqual(contractRecord(undefined));
        expect(await store.compareAndSet(KEY, contractRecord(undefined, 'lt_contract_other'), contractRecord('r2'))).toBe(true);
        expect(await store.get(KEY)).toEqual(contractRecord('r2'));
      });

      it(`lets exactly one of ${RACERS} racers from the same expected revision win`, async () => {
        await store.set(KEY, contractRecord('r0'));
        const outcomes = await Promise.all(
          Array.from({ length: RACERS }, (_, index) =>
            storeFor(index).compareAndSet(KEY, contractRecord('r0'), contractRecord(`race${index}`)),
          ),
        );
        const winners = outcomes.flatMap((won, index) => (won ? [index] : []));
        expect(winners).toHaveLength(1);
        expect(await store.get(KEY)).toEqual(contractRecord(`race${winners[0]}`));
      });
    });

    describe('lease', () => {
      it(`runs one task at a time among ${RACERS} concurrent callers, and runs them all`, async () => {
        let active = 0;
        let mostActive = 0;
        const ran: number[] = [];
        const results = await Promise.all(
          Array.from({ length: RACERS }, (_, index) =>
            storeFor(index).lease(KEY, LEASE_TTL_MS, async (signal) => {
              active += 1;
              mostActive = Math.max(mostActive, active);
              // Real work under the lease: a round trip to the store, during which nobody else may hold it.
              await storeFor(index).get(KEY);
              await storeFor(index + 1).get(KEY);
              expect(signal.aborted).toBe(false);
              active -= 1;
              ran.push(index);
              return index;
            }),
          ),
        );
        expect(results).toEqual(Array.from({ length: RACERS }, (_, index) => index));
        expect(mostActive).toBe(1);
        expect([...ran].sort((a, b) => a - b)).toEqual(results);
      });

      it("returns the task's result, and a waiter gets the lease once the holder settles", async () => {
        const order: string[] = [];
        const gate = deferred();
        const holding = deferred();
        const waiting = deferred();
        let waits = 0;
        const first = store.lease(KEY, LEASE_TTL_MS, async () => {
          order.push('first start');
          holding.resolve();
          await gate.promise;
          order.push('first end');
          return 'first';
        });
        await holding.promise;
        const second = storeFor(1).lease(
          KEY,
          LEASE_TTL_MS,
          async () => {
            order.push('second start');
            return 'second';
          },
          {
            onWait: () => {
              waits += 1;
              waiting.resolve();
            },
          },
        );
        await waiting.promise;
        expect(order).toEqual(['first start']);
        gate.resolve();
        expect(await first).toBe('first');
        expect(await second).toBe('second');
        expect(order).toEqual(['first start', 'first end', 'second start']);
        expect(waits).toBe(1);
      });

      it('does not call onWait when the lease is free', async () => {
        let waits = 0;
        const result = await store.lease(KEY, LEASE_TTL_MS, async () => 'free', { onWait: () => (waits += 1) });
        expect(result).toBe('free');
        expect(waits).toBe(0);
      });

      it('releases the lease when the task throws, and rejects with its error', async () => {
        const failure = new Error('task failed');
        await expect(
          store.lease(KEY, LEASE_TTL_MS, async () => {
            throw failure;
          }),
        ).rejects.toBe(failure);
        let waits = 0;
        expect(await storeFor(1).lease(KEY, LEASE_TTL_MS, async () => 'next', { onWait: () => (waits += 1) })).toBe('next');
        expect(waits).toBe(0);
      });

      it("rejects a waiter with the signal's reason when it aborts, never running its task", async () => {
        const gate = deferred();
        const holding = deferred();
        const waiting = deferred();
        const first = store.lease(KEY, LEASE_TTL_MS, async () => {
          holding.resolve();
          await gate.promise;
          return 'first';
        });
        await holding.promise;
        const controller = new AbortController();
        const reason = new Error('caller gave up');
        let secondRan = 0;
        const second = storeFor(1).lease(
          KEY,
          LEASE_TTL_MS,
          async () => {
            secondRan += 1;
            return 'second';
          },
          { signal: controller.signal, onWait: () => waiting.resolve() },
        );
        await waiting.promise;
        controller.abort(reason);
        await expect(second).rejects.toBe(reason);
        // It left the holder holding: a caller after it still waits for the holder, however it queued.
        const order: string[] = [];
        const thirdWaiting = deferred();
        const third = storeFor(2).lease(
          KEY,
          LEASE_TTL_MS,
          async () => {
            order.push('third ran');
            return 'third';
          },
          { onWait: () => thirdWaiting.resolve() },
        );
        await thirdWaiting.promise;
        order.push('holder released');
        gate.resolve();
        expect(await first).toBe('first');
        expect(await third).toBe('third');
        expect(order).toEqual(['holder released', 'third ran']);
        // The aborted waiter left nothing behind: the lease is free at once.
        let waits = 0;
        expect(await store.lease(KEY, LEASE_TTL_MS, async () => 'third', { onWait: () => (waits += 1) })).toBe('third');
        expect(waits).toBe(0);
        expect(secondRan).toBe(0);
      });

      it('rejects with the reason of a signal aborted before the call, never running the task', async () => {
        const reason = new Error('aborted before');
        let ran = 0;
        await expect(store.lease(KEY, LEASE_TTL_MS, async () => (ran += 1), { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
        expect(ran).toBe(0);
      });

      it('keeps leases on different keys apart', async () => {
        const gate = deferred();
        const holding = deferred();
        const first = store.lease(KEY, LEASE_TTL_MS, async () => {
          holding.resolve();
          await gate.promise;
          return 'first';
        });
        await holding.promise;
        let waits = 0;
        expect(await storeFor(1).lease(OTHER_KEY, LEASE_TTL_MS, async () => 'other', { onWait: () => (waits += 1) })).toBe('other');
        expect(waits).toBe(0);
        gate.resolve();
        expect(await first).toBe('first');
      });
    });

    describe('subscribe', () => {
      it('tells a listener of set, compare-and-set and delete, with the new revision', async () => {
        const listener = recordChanges(store, KEY);
        await store.set(KEY, contractRecord('r1'));
        expect(await listener.next()).toEqual({ revision: 'r1' });
        expect(await store.compareAndSet(KEY, contractRecord('r1'), contractRecord('r2'))).toBe(true);
        expect(await listener.next()).toEqual({ revision: 'r2' });
        expect(await store.compareAndSet(KEY, contractRecord('r2'), undefined)).toBe(true);
        expect(await listener.next()).toEqual({ revision: undefined });
        await store.set(KEY, contractRecord('r3'));
        expect(await listener.next()).toEqual({ revision: 'r3' });
        await store.delete(KEY);
        const signedOut = made.tellsSignOut ? { revision: undefined, signedOut: true } : { revision: undefined };
        expect(await listener.next()).toEqual(signedOut);
        expect(listener.changes).toEqual([{ revision: 'r1' }, { revision: 'r2' }, { revision: undefined }, { revision: 'r3' }, signedOut]);
        listener.unsubscribe();
      });

      it('says nothing of a refused compare-and-set', async () => {
        const listener = recordChanges(store, KEY);
        await store.set(KEY, contractRecord('r1'));
        expect(await listener.next()).toEqual({ revision: 'r1' });
        expect(await store.compareAndSet(KEY, contractRecord('r0'), contractRecord('r2'))).toBe(false);
        expect(await store.compareAndSet(KEY, undefined, contractRecord('r2'))).toBe(false);
        await store.set(KEY, contractRecord('r3'));
        expect(await listener.next()).toEqual({ revision: 'r3' });
        expect(listener.changes).toEqual([{ revision: 'r1' }, { revision: 'r3' }]);
        listener.unsubscribe();
      });

      it('tells only the listeners of the key that changed', async () => {
        const mine = recordChanges(store, KEY);
        const other = recordChanges(store, OTHER_KEY);
        await store.set(OTHER_KEY, contractRecord('o1'));
        expect(await other.next()).toEqual({ revision: 'o1' });
        await store.set(KEY, contractRecord('k1'));
        expect(await mine.next()).toEqual({ revision: 'k1' });
        expect(mine.changes).toEqual([{ revision: 'k1' }]);
        expect(other.changes).toEqual([{ revision: 'o1' }]);
        mine.unsubscribe();
        other.unsubscribe();
      });

      it('stops telling a listener once it unsubscribes, and keeps telling the others', async () => {
        const leaving = recordChanges(store, KEY);
        const staying = recordChanges(store, KEY);
        await store.set(KEY, contractRecord('r1'));
        expect(await leaving.next()).toEqual({ revision: 'r1' });
        expect(await staying.next()).toEqual({ revision: 'r1' });
        leaving.unsubscribe();
        leaving.unsubscribe();
        await store.set(KEY, contractRecord('r2'));
        expect(await staying.next()).toEqual({ revision: 'r2' });
        expect(leaving.changes).toEqual([{ revision: 'r1' }]);
        expect(staying.changes).toEqual([{ revision: 'r1' }, { revision: 'r2' }]);
        staying.unsubscribe();
      });

      it('keeps telling the other listeners when one throws', async () => {
        const unsubscribe = store.subscribe(KEY, () => {
          throw new Error('listener failed');
        });
        const listener = recordChanges(store, KEY);
        await store.set(KEY, contractRecord('r1'));
        expect(await listener.next()).toEqual({ revision: 'r1' });
        await store.set(KEY, contractRecord('r2'));
        expect(await listener.next()).toEqual({ revision: 'r2' });
        unsubscribe();
        listener.unsubscribe();
      });
    });
  });
}
