// How the short-token cache uses the store: no round trip when memory suffices, a peer's stored
// tokens taken instead of asking the server, and writes skipped when they would be refused.
import { describe, expect, it, vi } from 'vitest';
import { AuthSession, type AuthSessionEvents, MemoryTokenStore, type TokenRecord, type TokenStore } from '../../src/index.js';
import { credentials, issued, START, tokenOf, useAuthMock, useFakeClock } from '../support/kit.js';
import { BASE_URL, useMsw } from '../support/msw.js';

useMsw();

const DAY_MS = 86_400_000;
const KEY = `c2m-auth:${BASE_URL}:c2m_abc123`;
const mock = useAuthMock();

useFakeClock();

/**
 * A MemoryTokenStore with every capability, logging the calls it gets (`without` leaves some out).
 * Its change notifications come a timer tick after the write, as a networked store's do.
 */
function countingStore(without: readonly string[] = []) {
  const inner = new MemoryTokenStore();
  const calls: string[] = [];
  const methods = ['get', 'set', 'delete', 'compareAndSet', 'lease', 'subscribe'].filter((name) => !without.includes(name));
  const store = Object.fromEntries(
    methods.map((name) => {
      const method = inner[name as keyof MemoryTokenStore] as (...args: unknown[]) => unknown;
      return [
        name,
        (...args: unknown[]) => {
          calls.push(name);
          if (name !== 'subscribe') return method.apply(inner, args);
          const [key, listener] = args as [string, (change: unknown) => void];
          return inner.subscribe(key, (change) => setTimeout(() => listener(change), 0));
        },
      ];
    }),
  ) as unknown as TokenStore;
  return { store, inner, calls };
}

function adoptions(session: AuthSession): AuthSessionEvents['tokenAdopted'][] {
  const log: AuthSessionEvents['tokenAdopted'][] = [];
  session.on('tokenAdopted', (event) => log.push(event));
  return log;
}

/** A record as a peer with storeShortToken would write it, its short token issued at `shortIssuedAtMs`. */
async function peerRecord(shortIssuedAtMs = START): Promise<TokenRecord> {
  const peerStore = new MemoryTokenStore();
  vi.setSystemTime(shortIssuedAtMs);
  await new AuthSession({ baseUrl: BASE_URL, credentials, store: peerStore, storeShortToken: true }).getAccessToken();
  return peerStore.get(KEY) as TokenRecord;
}

describe('the long token in memory', () => {
  it('serves refreshes without a store round trip when it needs no work', async () => {
    const { store, calls } = countingStore();
    const session = new AuthSession({ baseUrl: BASE_URL, credentials, store });
    await session.getAccessToken();
    calls.length = 0;
    await session.getAccessToken({ forceRefresh: true });
    await session.getAccessToken({ forceRefresh: true });
    await session.getLongToken();
    expect(calls).toEqual([]);
    expect(mock().count('issueShortTermToken')).toBe(3);
  });

  it('without credentials, serves one near its end from memory too: nothing could replace it', async () => {
    const given = mock().mintLongToken();
    const { store, calls } = countingStore();
    const session = new AuthSession({
      baseUrl: BASE_URL,
      clientId: 'c2m_abc123',
      store,
      longToken: { access_token: given.access_token, expires_at: new Date(START + DAY_MS).toISOString() },
    });
    await session.getAccessToken();
    calls.length = 0;
    await session.getAccessToken({ forceRefresh: true });
    expect(await session.getLongToken()).toBe(given.access_token);
    expect(calls).toEqual([]);
  });

  it("takes a usable long token a peer stored with one read, without the store's lease", async () => {
    const { store, inner, calls } = countingStore();
    inner.set(KEY, await peerRecord());
    const session = new AuthSession({ baseUrl: BASE_URL, credentials, store });
    expect(await session.getLongToken()).toBe(inner.get(KEY)?.longToken);
    expect(calls).toEqual(['get']);
    expect(mock().count('issueLongTermToken')).toBe(1);
  });
});

describe('with storeShortToken', () => {
  it('follows the store with one subscription, however many refreshes, and does not read back its own writes', async () => {
    const { store, calls } = countingStore();
    const session = new AuthSession({ baseUrl: BASE_URL, credentials, store, storeShortToken: true });
    await session.getAccessToken();
    await vi.advanceTimersByTimeAsync(0);
    calls.length = 0;
    await session.getAccessToken({ forceRefresh: true });
    await vi.advanceTimersByTimeAsync(0);
    await session.getAccessToken({ forceRefresh: true });
    await vi.advanceTimersByTimeAsync(0);
    // Each refresh: a read, the lease (listening while it waits), a read under it, the write. Nothing more.
    expect(calls).toEqual(['get', 'subscribe', 'lease', 'get', 'compareAndSet', 'get', 'subscribe', 'lease', 'get', 'compareAndSet']);
  });

  it('serves a short token it took from the store from memory afterwards, announcing it once', async () => {
    const { store, inner } = countingStore();
    inner.set(KEY, await peerRecord());
    const stored = inner.get(KEY)?.shortToken;
    const session = new AuthSession({ baseUrl: BASE_URL, credentials, store, storeShortToken: true });
    const events = adoptions(session);
    expect(await session.getAccessToken()).toBe(stored?.token);
    expect(await session.getAccessToken()).toBe(stored?.token);
    expect(events).toEqual([
      { kind: 'long', tokenId: inner.get(KEY)?.tokenId, expiresAt: new Date(START + 30 * DAY_MS).toISOString() },
      { kind: 'short', tokenId: stored?.tokenId, expiresAt: new Date(START + 900_000).toISOString() },
    ]);
    expect(mock().count('issueShortTermToken')).toBe(1);
  });

  it('does not take a stored short token whose refresh window has just begun: it exchanges', async () => {
    const { store, inner } = countingStore();
    inner.set(KEY, await peerRecord());
    const stored = inner.get(KEY)?.shortToken?.token;
    vi.setSystemTime(START + 840_000);
    const session = new AuthSession({ baseUrl: BASE_URL, credentials, store, storeShortToken: true });
    const token = await session.getAccessToken();
    expect(token).not.toBe(stored);
    expect(tokenOf(mock(), token)?.id).toBe(issued(mock(), 'short')[1]?.id);
    expect(mock().count('issueShortTermToken')).toBe(2);
  });

  it('forced, on a session that holds no short token yet: exchanges rather than taking the stored one', async () => {
    const { store, inner } = countingStore();
    inner.set(KEY, await peerRecord());
    const stored = inner.get(KEY)?.shortToken?.token;
    const session = new AuthSession({ baseUrl: BASE_URL, credentials, store, storeShortToken: true });
    const token = await session.getAccessToken({ forceRefresh: true });
    expect(token).not.toBe(stored);
    expect(mock().count('issueShortTermToken')).toBe(2);
  });

  it('forced, when a peer has already stored a newer short token: takes it without an exchange', async () => {
    const { store } = countingStore(['subscribe']);
    const [a, b] = [0, 1].map(() => new AuthSession({ baseUrl: BASE_URL, credentials, store, storeShortToken: true })) as [
      AuthSession,
      AuthSession,
    ];
    const first = await a.getAccessToken();
    expect(await b.getAccessToken()).toBe(first);
    const fresh = await a.getAccessToken({ forceRefresh: true });
    expect(await b.getAccessToken({ forceRefresh: true })).toBe(fresh);
    expect(mock().count('issueShortTermToken')).toBe(2);
  });

  it('does not write its short token when the lease was lost during the exchange', async () => {
    const inner = new MemoryTokenStore();
    const store: TokenStore = {
      get: (key) => inner.get(key),
      set: (key, value) => inner.set(key, value),
      delete: (key) => inner.delete(key),
      compareAndSet: (key, expected, next) => inner.compareAndSet(key, expected, next),
      // The lease is lost (expired, taken over) while the task runs.
      lease: (_key, _ttlMs, task) => {
        const lease = new AbortController();
        lease.abort();
        return task(lease.signal);
      },
    };
    const session = new AuthSession({ baseUrl: BASE_URL, credentials, store, storeShortToken: true });
    const token = await session.getAccessToken();
    expect(tokenOf(mock(), token)?.revoked).toBe(false);
    expect(inner.get(KEY)?.longToken).toBe(issued(mock(), 'long')[0]?.value);
    expect(inner.get(KEY)?.shortToken).toBeUndefined();
  });

  it('serves a stored short token with no issue time until refreshWindowSeconds before its expiry', async () => {
    const { store, inner } = countingStore();
    const record = await peerRecord();
    const short = record.shortToken;
    inner.set(KEY, { ...record, shortToken: { token: short?.token ?? '', expiresAtMs: short?.expiresAtMs ?? 0 } });
    const session = new AuthSession({ baseUrl: BASE_URL, credentials, store, storeShortToken: true });
    expect(await session.getAccessToken()).toBe(short?.token);
    vi.setSystemTime(START + 839_999);
    expect(await session.getAccessToken()).toBe(short?.token);
    expect(mock().count('issueShortTermToken')).toBe(1);
    vi.setSystemTime(START + 840_000);
    expect(await session.getAccessToken()).not.toBe(short?.token);
    expect(mock().count('issueShortTermToken')).toBe(2);
  });
});
