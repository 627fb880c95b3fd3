// The fleet protocol of one refresh (RefreshCoordinator), in one process: several sessions' views of
// one MemoryTokenStore behave as the processes of a fleet sharing a store would.
import { describe, expect, it } from 'vitest';
import { MemoryTokenStore, type TokenStore, TokenStoreError } from '../../src/index.js';
import { type Adopt, RefreshCoordinator, type Task } from '../../src/session/coordinator.js';
import { type AuthSessionEvents, Emitter } from '../../src/session/events.js';
import type { HeldToken } from '../../src/session/expiry.js';
import { SessionStore, type StoredTokens } from '../../src/session/SessionStore.js';

const KEY = 'c2m-auth:test:coordinator';
const LONG: HeldToken = { token: 'lt_coord_peer', expiresAtMs: 1_900_000_000_000, tokenId: 'tok_lt_peer' };
const STALE: HeldToken = { token: 'lt_coord_stale', expiresAtMs: 1_900_000_000_000, tokenId: 'tok_lt_stale' };

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

function deferred() {
  let resolve = () => {};
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

/** A store with only the methods named, recording calls and how many listeners are subscribed. */
function storeWith(methods: readonly (keyof TokenStore)[], inner = new MemoryTokenStore()) {
  const calls: string[] = [];
  const listening = { count: 0 };
  const store = Object.fromEntries(
    methods.map((name) => {
      const method = inner[name] as (...args: unknown[]) => unknown;
      return [
        name,
        (...args: unknown[]) => {
          calls.push(name);
          const result = method.apply(inner, args);
          if (name !== 'subscribe') return result;
          listening.count += 1;
          return () => {
            listening.count -= 1;
            (result as () => void)();
          };
        },
      ];
    }),
  ) as unknown as TokenStore;
  return { store, inner, calls, listening };
}
const ALL = ['get', 'set', 'delete', 'compareAndSet', 'lease', 'subscribe'] as const;
const NO_SUBSCRIBE = ['get', 'set', 'delete', 'compareAndSet', 'lease'] as const;

const clock = { ms: 1_000 };

/** One session's side of the protocol: its view of the store, its coordinator and its events. */
function session(store: TokenStore, view?: SessionStore) {
  const events = new Emitter();
  const waits: AuthSessionEvents['leaseWaited'][] = [];
  const errors: AuthSessionEvents['storeError'][] = [];
  events.on('leaseWaited', (event) => waits.push(event));
  events.on('storeError', (event) => errors.push(event));
  const own = view ?? new SessionStore(store, KEY, events, 1_000);
  return {
    view: own,
    coordinator: new RefreshCoordinator(
      own,
      events,
      30_000,
      () => clock.ms,
      () => false,
    ),
    waits,
    errors,
  };
}

/** Takes whatever long token the store holds (the work is needed only when it holds none). */
const anyLong: Adopt<string> = (stored) => stored?.long.token;

/** A holder: its task writes LONG when `write` fires, then holds the lease until `release` fires. */
function holder(peer: ReturnType<typeof session>) {
  const started = deferred();
  const write = deferred();
  const release = deferred();
  let done = false;
  const run = peer.coordinator
    .run(anyLong, async () => {
      started.resolve();
      await write.promise;
      await peer.view.write(LONG, undefined);
      await release.promise;
      return LONG.token;
    })
    .finally(() => {
      done = true;
    });
  return { run, started: started.promise, write: write.resolve, release: release.resolve, done: () => done };
}

function tracked<T>(promise: Promise<T>) {
  const state = { settled: false };
  void promise.finally(() => {
    state.settled = true;
  });
  return state;
}

describe('what the store already holds', () => {
  it('is adopted at once, with no lease and no work', async () => {
    for (const methods of [ALL, ['get', 'set', 'delete'] as const]) {
      const { store, inner, calls } = storeWith(methods);
      inner.set(KEY, { version: 1, revision: 'r1', longToken: LONG.token });
      const { coordinator, waits } = session(store);
      let worked = 0;
      const result = await coordinator.run(anyLong, async () => {
        worked += 1;
        return 'worked';
      });
      expect(result).toEqual({ value: LONG.token, adopted: true });
      expect([worked, calls, waits]).toEqual([0, ['get'], []]);
    }
  });
});

describe('a store that cannot lease', () => {
  it('leaves the work to the session alone, with what it read and no lease signal', async () => {
    const { store, inner } = storeWith(['get', 'set', 'delete', 'compareAndSet']);
    inner.set(KEY, { version: 1, revision: 'r1', longToken: STALE.token });
    const { coordinator } = session(store);
    const seen: [StoredTokens | undefined, AbortSignal | undefined][] = [];
    const result = await coordinator.run(
      () => undefined,
      async (stored, lease) => {
        seen.push([stored, lease]);
        return 'worked';
      },
    );
    expect(result).toEqual({ value: 'worked', adopted: false });
    expect(seen.map(([stored, lease]) => [stored?.long.token, lease])).toEqual([[STALE.token, undefined]]);
  });

  it('when the lease call fails: reports it, works alone with the first read, and stops listening', async () => {
    const { store, inner, listening } = storeWith(ALL);
    inner.set(KEY, { version: 1, revision: 'r1', longToken: STALE.token });
    const down = new TokenStoreError('unavailable', 'no lease today');
    const { coordinator, errors, waits } = session({ ...store, lease: () => Promise.reject(down) });
    const task: Task<string> = async (stored, lease) => `worked with ${stored?.long.token} and ${String(lease)}`;
    const result = await coordinator.run(() => undefined, task);
    expect(result).toEqual({ value: `worked with ${STALE.token} and undefined`, adopted: false });
    expect(errors).toEqual([{ operation: 'lease', error: down }]);
    expect([waits, listening.count]).toEqual([[], 0]);
  });
});

describe('a peer holding the lease', () => {
  it('is not waited out: its write is adopted as soon as it is told, while the peer still holds the lease', async () => {
    const { store, listening } = storeWith(ALL);
    const a = session(store);
    const b = session(store);
    const peer = holder(a);
    await peer.started;
    let worked = 0;
    const waiting = b.coordinator.run(anyLong, async () => {
      worked += 1;
      return 'worked';
    });
    await flush();
    clock.ms += 500;
    peer.write();
    expect(await waiting).toEqual({ value: LONG.token, adopted: true });
    expect(peer.done()).toBe(false);
    expect([worked, b.waits, listening.count]).toEqual([0, [{ waitedMs: 500, adopted: true }], 0]);
    peer.release();
    expect(await peer.run).toEqual({ value: LONG.token, adopted: false });
    expect([a.waits, listening.count]).toEqual([[], 0]);
  });

  it('goes back to waiting when the change brings nothing usable, then does the work under the lease', async () => {
    const { store, listening } = storeWith(ALL);
    const a = session(store);
    const b = session(store);
    const peer = holder(a);
    await peer.started;
    const seen: [string | undefined, boolean | undefined][] = [];
    const waiting = b.coordinator.run(
      (stored) => (stored?.long.token === 'lt_coord_wanted' ? 'adopted' : undefined),
      async (stored, lease) => {
        seen.push([stored?.long.token, lease?.aborted]);
        return 'worked';
      },
    );
    const state = tracked(waiting);
    await flush();
    clock.ms += 300;
    peer.write();
    await flush();
    expect([state.settled, seen]).toEqual([false, []]);
    peer.release();
    expect(await waiting).toEqual({ value: 'worked', adopted: false });
    expect(seen).toEqual([[LONG.token, false]]);
    expect(b.waits).toEqual([{ waitedMs: 300, adopted: false }]);
    expect(listening.count).toBe(0);
  });

  it('without change notifications: waits for the lease, then adopts what the peer wrote under it', async () => {
    const { store } = storeWith(NO_SUBSCRIBE);
    const a = session(store);
    const b = session(store);
    const peer = holder(a);
    await peer.started;
    let worked = 0;
    const waiting = b.coordinator.run(anyLong, async () => {
      worked += 1;
      return 'worked';
    });
    const state = tracked(waiting);
    await flush();
    clock.ms += 700;
    peer.write();
    await flush();
    expect(state.settled).toBe(false);
    peer.release();
    expect(await waiting).toEqual({ value: LONG.token, adopted: true });
    expect([worked, b.waits]).toEqual([0, [{ waitedMs: 700, adopted: true }]]);
  });

  it('does not take its own write, made by another refresh of the same session, for a peer finishing', async () => {
    const { store } = storeWith(ALL);
    const a = session(store);
    const sameSession = session(store, a.view);
    const first = holder(a);
    await first.started;
    const second = sameSession.coordinator.run(anyLong, async () => 'worked');
    const state = tracked(second);
    await flush();
    first.write();
    await flush();
    expect(state.settled).toBe(false);
    first.release();
    expect(await second).toEqual({ value: LONG.token, adopted: true });
  });
});

describe('holding the lease', () => {
  it('lets the work fail through to the caller, unreported, and stops listening', async () => {
    const { store, listening } = storeWith(ALL);
    const { coordinator, errors } = session(store);
    const failure = new Error('exchange failed');
    await expect(coordinator.run(anyLong, () => Promise.reject(failure))).rejects.toBe(failure);
    expect([errors, listening.count]).toEqual([[], 0]);
  });
});
