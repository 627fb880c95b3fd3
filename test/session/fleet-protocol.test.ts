// The fleet protocol in one process: several sessions sharing one store behave as the processes of a
// fleet would. Multi-process runs on Redis and on a file are in test/fleet/.
import { describe, expect, it, vi } from 'vitest';
import {
  AuthSession,
  type AuthSessionEvents,
  type AuthSessionSettings,
  MemoryTokenStore,
  type TokenStore,
  TokenStoreError,
} from '../../src/index.js';
import { credentials, issued, START, useAuthMock, useFakeClock } from '../support/kit.js';
import { BASE_URL, useMsw } from '../support/msw.js';

useMsw();

const KEY = `c2m-auth:${BASE_URL}:c2m_abc123`;
const mock = useAuthMock({ shortTokenTtlSeconds: 900 });

useFakeClock();

type Recorded = { name: keyof AuthSessionEvents; event: Record<string, unknown> };

function fleet(count: number, store: TokenStore, options: Partial<AuthSessionSettings> = {}) {
  const events: Recorded[][] = [];
  const sessions = Array.from({ length: count }, (_, index) => {
    const log: Recorded[] = [];
    events[index] = log;
    const on: Record<string, (event: unknown) => void> = {};
    for (const name of ['storeError', 'leaseWaited', 'tokenAdopted', 'longTokenIssued', 'longTokenRotated', 'refreshFailed'] as const)
      on[name] = (event) => log.push({ name, event: event as Record<string, unknown> });
    return new AuthSession({ baseUrl: BASE_URL, credentials, store, storeShortToken: true, ...options, on });
  });
  return { sessions, events };
}
const names = (log: Recorded[]) => log.map((entry) => entry.name);

/** A store with every capability, counting the calls it gets. */
function countingStore() {
  const inner = new MemoryTokenStore();
  const calls: string[] = [];
  const methods = ['get', 'set', 'delete', 'compareAndSet', 'lease', 'subscribe'] as const;
  const entries = methods.map((name) => {
    const method = inner[name] as (...args: unknown[]) => unknown;
    return [
      name,
      (...args: unknown[]) => {
        calls.push(name);
        return method.apply(inner, args);
      },
    ];
  });
  const store = Object.fromEntries(entries) as unknown as TokenStore;
  return { store, inner, calls };
}

describe('sessions sharing a coordinated store', () => {
  it('start cold together: 1 long token and 1 exchange for 4 sessions x 250 callers; the others wait and adopt', async () => {
    const { sessions, events } = fleet(4, new MemoryTokenStore());
    const tokens = await Promise.all(sessions.flatMap((session) => Array.from({ length: 250 }, () => session.getAccessToken())));
    expect(new Set(tokens).size).toBe(1);
    expect([mock().count('issueLongTermToken'), mock().count('issueShortTermToken')]).toEqual([1, 1]);
    expect(names(events[0] ?? [])).toEqual(['longTokenIssued']);
    for (const log of events.slice(1)) {
      // The change notification adopts the peer's pair first; the lease, once free, finds it in use.
      expect(names(log)).toEqual(['tokenAdopted', 'tokenAdopted', 'leaseWaited']);
      expect(log.slice(0, 2).map((entry) => entry.event.kind)).toEqual(['long', 'short']);
      expect(log[2]?.event).toEqual({ waitedMs: 0, adopted: true });
    }
  });

  it('refresh once between them at the refresh window, and all move to the new token', async () => {
    const { sessions } = fleet(3, new MemoryTokenStore());
    const first = await Promise.all(sessions.map((session) => session.getAccessToken()));
    vi.setSystemTime(START + 841_000); // inside the last 60 s of the 900 s token
    const second = await Promise.all(sessions.map((session) => session.getAccessToken()));
    expect(new Set(first).size).toBe(1);
    expect(new Set(second).size).toBe(1);
    expect(second[0]).not.toBe(first[0]);
    expect(mock().count('issueShortTermToken')).toBe(2);
  });

  it('never touch the store on the cached path: 1,000 calls, 0 store calls', async () => {
    const { store, calls } = countingStore();
    const [session] = fleet(1, store).sessions;
    await session?.getAccessToken();
    calls.length = 0;
    for (let index = 0; index < 1000; index += 1) await session?.getAccessToken();
    expect(calls).toEqual([]);
  });

  it("follow a peer's forced refresh through the store's change notification", async () => {
    const { sessions, events } = fleet(2, new MemoryTokenStore());
    const [a, b] = sessions as [AuthSession, AuthSession];
    await a.getAccessToken();
    await b.getAccessToken();
    const fresh = await a.getAccessToken({ forceRefresh: true });
    await vi.advanceTimersByTimeAsync(0);
    expect(await b.getAccessToken()).toBe(fresh);
    expect(events[1]?.at(-1)).toEqual({
      name: 'tokenAdopted',
      event: { kind: 'short', tokenId: issued(mock(), 'short')[1]?.id, expiresAt: new Date(START + 900_000).toISOString() },
    });
    expect(mock().count('issueShortTermToken')).toBe(2);
  });

  it('after a 401, adopt the token a peer stored instead of exchanging again', async () => {
    const { sessions } = fleet(2, new MemoryTokenStore());
    const [a, b] = sessions as [AuthSession, AuthSession];
    const old = await a.getAccessToken();
    await b.getAccessToken();
    mock().revoke(issued(mock(), 'short')[0]?.id ?? '');
    const fresh = await a.getAccessToken({ forceRefresh: true });
    await vi.advanceTimersByTimeAsync(0);
    expect(fresh).not.toBe(old);
    const response = await b.fetch(`${BASE_URL}/jobs`);
    expect(response.status).toBe(200);
    expect(mock().count('issueShortTermToken')).toBe(2);
  });
});

describe('races the compare-and-set settles', () => {
  it("drops a refused long token only if the store still holds it: a peer's newer token survives", async () => {
    const inner = new MemoryTokenStore();
    let peerWrites: (() => void) | undefined;
    // A store read followed at once by a peer's write: the interleaving a read-then-delete gets wrong.
    const racy: TokenStore = {
      get: (key) => {
        const record = inner.get(key);
        const write = peerWrites;
        peerWrites = undefined;
        write?.();
        return record;
      },
      set: (key, record) => inner.set(key, record),
      delete: (key) => inner.delete(key),
      compareAndSet: (key, expected, next) => inner.compareAndSet(key, expected, next),
    };
    const session = new AuthSession({ baseUrl: BASE_URL, credentials, store: racy });
    await session.getAccessToken();
    const peer = mock().mintLongToken();
    mock().revoke(issued(mock(), 'long')[0]?.id ?? '');
    peerWrites = () => inner.set(KEY, { version: 1, revision: 'peer', longToken: peer.access_token, tokenId: peer.token_id });
    const response = await session.fetch(`${BASE_URL}/jobs`);
    await vi.advanceTimersByTimeAsync(0);
    expect(response.status).toBe(200);
    expect(inner.get(KEY)?.longToken).toBe(peer.access_token);
    expect(await session.getLongToken()).toBe(peer.access_token);
    // Whatever this session issued meanwhile was revoked at once: the peer's is the only live long token.
    expect(
      issued(mock(), 'long')
        .filter((token) => !token.revoked)
        .map((token) => token.id),
    ).toEqual([peer.token_id]);
  });

  it("drops a refused long token it no longer holds without wiping the peer's newer one it has already seen", async () => {
    const store = new MemoryTokenStore();
    const session = new AuthSession({ baseUrl: BASE_URL, credentials, store });
    await session.getAccessToken();
    const [mine] = issued(mock(), 'long');
    // This session's next exchange is in flight with its long token when a peer replaces it.
    mock().failNext('issueShortTermToken', { delayMs: 1000 });
    const pending = session.getAccessToken({ forceRefresh: true });
    await vi.advanceTimersByTimeAsync(10);
    mock().revoke(mine?.id ?? '');
    const peer = mock().mintLongToken();
    store.set(KEY, {
      version: 1,
      revision: 'peer',
      longToken: peer.access_token,
      expiresAtMs: START + 2_592_000_000,
      tokenId: peer.token_id,
    });
    await vi.advanceTimersByTimeAsync(1000);
    await pending;
    expect(store.get(KEY)?.longToken).toBe(peer.access_token);
    expect(await session.getLongToken()).toBe(peer.access_token);
    expect(mock().count('issueLongTermToken')).toBe(1);
  });

  it('two sessions rotating at once without a lease: one new long token survives, the other is revoked at once', async () => {
    const inner = new MemoryTokenStore();
    const casOnly: TokenStore = {
      get: (key) => inner.get(key),
      set: (key, record) => inner.set(key, record),
      delete: (key) => inner.delete(key),
      compareAndSet: (key, expected, next) => inner.compareAndSet(key, expected, next),
    };
    const options = { longTokenTtlSeconds: 3600, longTokenRotationFraction: 0.5 };
    const { sessions, events } = fleet(2, casOnly, options);
    const [a, b] = sessions as [AuthSession, AuthSession];
    const original = await a.getLongToken();
    expect(await b.getLongToken()).toBe(original);
    vi.setSystemTime(START + 1_900_000); // past half of the hour: both rotate
    const [ra, rb] = await Promise.all([a.getLongToken(), b.getLongToken()]);
    await vi.advanceTimersByTimeAsync(0);
    const longs = issued(mock(), 'long');
    expect(longs).toHaveLength(3);
    const survivor = inner.get(KEY)?.longToken;
    expect([ra, rb]).toEqual([survivor, survivor]);
    expect(longs.filter((token) => !token.revoked).map((token) => token.value)).toEqual([survivor]);
    expect(events.flat().filter((entry) => entry.name === 'longTokenRotated')).toHaveLength(1);
  });
});

describe('a store that fails', () => {
  it('hangs: every store call gives up after storeTimeoutMs, callers get tokens, storeError says timeout', async () => {
    const never = () => new Promise<never>(() => {});
    const hanging: TokenStore = { get: never, set: never, delete: never, compareAndSet: never, lease: never };
    const { sessions, events } = fleet(1, hanging, { storeTimeoutMs: 200 });
    const pending = Promise.all([sessions[0]?.getAccessToken(), sessions[0]?.getAccessToken()]);
    await vi.advanceTimersByTimeAsync(1_000);
    const tokens = await pending;
    expect(tokens[0]).toBe(tokens[1]);
    const errors = (events[0] ?? []).filter((entry) => entry.name === 'storeError').map((entry) => entry.event);
    expect(errors.map((event) => [event.operation, (event.error as TokenStoreError).reason])).toEqual([
      ['get', 'timeout'],
      ['compareAndSet', 'timeout'],
      ['compareAndSet', 'timeout'],
    ]);
    expect(errors.every((event) => event.error instanceof TokenStoreError)).toBe(true);
    expect([mock().count('issueLongTermToken'), mock().count('issueShortTermToken')]).toEqual([1, 1]);
  });

  it('cannot lease: goes on alone with a storeError, and coordinates again once the lease works', async () => {
    const inner = new MemoryTokenStore();
    let leaseDown = true;
    const flaky: TokenStore = {
      get: (key) => inner.get(key),
      set: (key, record) => inner.set(key, record),
      delete: (key) => inner.delete(key),
      compareAndSet: (key, expected, next) => inner.compareAndSet(key, expected, next),
      lease: (key, ttlMs, task, options) =>
        leaseDown ? Promise.reject(new TokenStoreError('unavailable', 'no lease today')) : inner.lease(key, ttlMs, task, options),
    };
    const { sessions, events } = fleet(1, flaky);
    await sessions[0]?.getAccessToken();
    expect(events[0]?.filter((entry) => entry.name === 'storeError').map((entry) => entry.event.operation)).toEqual(['lease']);
    leaseDown = false;
    const [second] = fleet(1, flaky).sessions;
    await second?.getAccessToken();
    expect([mock().count('issueLongTermToken'), mock().count('issueShortTermToken')]).toEqual([1, 1]);
  });

  it('holds a record that does not open: reads as none with storeError, and the next write replaces it', async () => {
    const inner = new MemoryTokenStore();
    let sealedWithAnotherKey = true;
    const store: TokenStore = {
      get: (key) => {
        if (sealedWithAnotherKey) throw new TokenStoreError('unreadable_record', 'the stored record does not open');
        return inner.get(key);
      },
      set: (key, record) => {
        sealedWithAnotherKey = false;
        inner.set(key, record);
      },
      delete: (key) => inner.delete(key),
      compareAndSet: (key, expected, next) => inner.compareAndSet(key, expected, next),
    };
    const { sessions, events } = fleet(1, store);
    await sessions[0]?.getAccessToken();
    expect(events[0]?.filter((entry) => entry.name === 'storeError').map((entry) => (entry.event.error as TokenStoreError).reason)).toEqual(
      ['unreadable_record'],
    );
    expect(inner.get(KEY)?.shortToken?.tokenId).toBe(issued(mock(), 'short')[0]?.id);
  });
});
