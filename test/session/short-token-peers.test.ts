// Following a peer's writes through the store's change notifications: what a session takes into use,
// what it ignores, and what it refreshes because of them.
import { describe, expect, it, vi } from 'vitest';
import { AuthSession, type AuthSessionEvents, MemoryTokenStore, type TokenRecord, type TokenStore } from '../../src/index.js';
import { credentials, issued, START, tokenOf, useAuthMock, useFakeClock } from '../support/kit.js';
import { BASE_URL, useMsw } from '../support/msw.js';

useMsw();

const DAY_MS = 86_400_000;
const KEY = `c2m-auth:${BASE_URL}:c2m_abc123`;
const mock = useAuthMock();

useFakeClock();

function adoptions(session: AuthSession): AuthSessionEvents['tokenAdopted'][] {
  const log: AuthSessionEvents['tokenAdopted'][] = [];
  session.on('tokenAdopted', (event) => log.push(event));
  return log;
}

/** A MemoryTokenStore whose reads are counted, and held `readDelayMs` when set. */
function observedStore() {
  const inner = new MemoryTokenStore();
  const state = { reads: 0, readDelayMs: 0 };
  const store: TokenStore = {
    get: (key) => {
      state.reads += 1;
      if (state.readDelayMs === 0) return inner.get(key);
      return new Promise((resolve) => setTimeout(() => resolve(inner.get(key)), state.readDelayMs));
    },
    set: (key, value) => inner.set(key, value),
    delete: (key) => inner.delete(key),
    compareAndSet: (key, expected, next) => inner.compareAndSet(key, expected, next),
    lease: (key, ttlMs, task, options) => inner.lease(key, ttlMs, task, options),
    subscribe: (key, listener) => inner.subscribe(key, listener),
  };
  return { store, inner, state };
}

/** A new long token, as a peer that rotated would store it. */
function peerLong(overrides: Partial<TokenRecord> = {}): TokenRecord {
  const peer = mock().mintLongToken();
  return {
    version: 1,
    revision: `peer-${peer.token_id}`,
    longToken: peer.access_token,
    expiresAtMs: START + 30 * DAY_MS,
    issuedAtMs: START,
    tokenId: peer.token_id,
    ...overrides,
  };
}

const iso = (ms: number) => new Date(ms).toISOString();

describe('without storeShortToken', () => {
  it("takes a peer's new long token and exchanges it at the next call, the old one's short tokens being suspect", async () => {
    const { store, inner } = observedStore();
    const session = new AuthSession({ baseUrl: BASE_URL, credentials, store });
    const events = adoptions(session);
    const first = await session.getAccessToken();
    const rotated = peerLong();
    inner.set(KEY, rotated);
    await vi.advanceTimersByTimeAsync(0);
    expect(events).toEqual([{ kind: 'long', tokenId: rotated.tokenId, expiresAt: iso(START + 30 * DAY_MS) }]);
    const next = await session.getAccessToken();
    expect(next).not.toBe(first);
    expect(tokenOf(mock(), next)?.longTokenId).toBe(rotated.tokenId);
    expect(await session.getLongToken()).toBe(rotated.longToken);
  });

  it('a peer writing back the same long token changes nothing: no event, no early exchange', async () => {
    const { store, inner } = observedStore();
    const session = new AuthSession({ baseUrl: BASE_URL, credentials, store });
    const events = adoptions(session);
    const first = await session.getAccessToken();
    inner.set(KEY, { ...(inner.get(KEY) as TokenRecord), revision: 'peer-rewrite' });
    await vi.advanceTimersByTimeAsync(0);
    expect(await session.getAccessToken()).toBe(first);
    expect(events).toEqual([]);
    expect(mock().count('issueShortTermToken')).toBe(1);
  });

  it('never takes a short token a peer with storeShortToken stored: it keeps its own', async () => {
    const { store, inner } = observedStore();
    const session = new AuthSession({ baseUrl: BASE_URL, credentials, store });
    const events = adoptions(session);
    const own = await session.getAccessToken();
    const peer = new AuthSession({ baseUrl: BASE_URL, credentials, store, storeShortToken: true });
    const peers = await peer.getAccessToken();
    expect(inner.get(KEY)?.shortToken?.token).toBe(peers);
    await vi.advanceTimersByTimeAsync(0);
    expect(await session.getAccessToken()).toBe(own);
    expect(events).toEqual([]);
  });

  it('a long token a peer stored already past its end is not taken', async () => {
    const { store, inner } = observedStore();
    const session = new AuthSession({ baseUrl: BASE_URL, credentials, store });
    const events = adoptions(session);
    const first = await session.getAccessToken();
    const own = await session.getLongToken();
    inner.set(KEY, peerLong({ expiresAtMs: START - 1000, issuedAtMs: START - 30 * DAY_MS }));
    await vi.advanceTimersByTimeAsync(0);
    expect(await session.getAccessToken()).toBe(first);
    expect(await session.getLongToken()).toBe(own);
    expect(events).toEqual([]);
  });
});

describe('with storeShortToken', () => {
  it("takes a peer's newer short token as soon as it is stored", async () => {
    const { store } = observedStore();
    const [a, b] = [0, 1].map(() => new AuthSession({ baseUrl: BASE_URL, credentials, store, storeShortToken: true })) as [
      AuthSession,
      AuthSession,
    ];
    await a.getAccessToken();
    await b.getAccessToken();
    vi.setSystemTime(START + 1000);
    const fresh = await a.getAccessToken({ forceRefresh: true });
    await vi.advanceTimersByTimeAsync(0);
    expect(await b.getAccessToken()).toBe(fresh);
    expect(mock().count('issueShortTermToken')).toBe(2);
  });

  it('ignores an older short token a stale peer stores after its own', async () => {
    const { store, inner } = observedStore();
    const session = new AuthSession({ baseUrl: BASE_URL, credentials, store, storeShortToken: true });
    const events = adoptions(session);
    await session.getAccessToken();
    vi.setSystemTime(START + 1000);
    const own = await session.getAccessToken({ forceRefresh: true });
    const [older] = issued(mock(), 'short');
    const record = inner.get(KEY) as TokenRecord;
    inner.set(KEY, {
      ...record,
      revision: 'stale-peer',
      shortToken: { token: older?.value ?? '', expiresAtMs: START + 900_000, issuedAtMs: START, tokenId: older?.id },
    });
    await vi.advanceTimersByTimeAsync(0);
    expect(await session.getAccessToken()).toBe(own);
    expect(events).toEqual([]);
  });

  it('a peer storing a new long token without a short one: taken, and the current short token still served', async () => {
    const { store, inner } = observedStore();
    const session = new AuthSession({ baseUrl: BASE_URL, credentials, store, storeShortToken: true });
    const events = adoptions(session);
    const first = await session.getAccessToken();
    const rotated = peerLong();
    inner.set(KEY, rotated);
    await vi.advanceTimersByTimeAsync(0);
    expect(events).toEqual([{ kind: 'long', tokenId: rotated.tokenId, expiresAt: iso(START + 30 * DAY_MS) }]);
    expect(await session.getAccessToken()).toBe(first);
    expect(mock().count('issueShortTermToken')).toBe(1);
  });
});

describe('changes it does not act on', () => {
  it("a peer's delete (sign-out) costs no store read, and the session keeps its tokens", async () => {
    const { store, inner, state } = observedStore();
    const session = new AuthSession({ baseUrl: BASE_URL, credentials, store });
    const first = await session.getAccessToken();
    const reads = state.reads;
    inner.delete(KEY);
    await vi.advanceTimersByTimeAsync(0);
    expect(state.reads).toBe(reads);
    expect(await session.getAccessToken()).toBe(first);
  });

  it('a record written and deleted at once by a peer: the session reads nothing there and keeps its tokens', async () => {
    const { store, inner } = observedStore();
    const session = new AuthSession({ baseUrl: BASE_URL, credentials, store, storeShortToken: true });
    const events = adoptions(session);
    const first = await session.getAccessToken();
    inner.set(KEY, peerLong());
    inner.delete(KEY);
    await vi.advanceTimersByTimeAsync(0);
    expect(await session.getAccessToken()).toBe(first);
    expect(events).toEqual([]);
  });

  it('a change delivered just after close() is ignored: no read, no event', async () => {
    const { store, inner, state } = observedStore();
    const session = new AuthSession({ baseUrl: BASE_URL, credentials, store });
    const events = adoptions(session);
    await session.getAccessToken();
    const reads = state.reads;
    inner.set(KEY, peerLong());
    session.close();
    await vi.advanceTimersByTimeAsync(0);
    expect(state.reads).toBe(reads);
    expect(events).toEqual([]);
  });

  it('a change whose read is still in flight at close() is dropped: no event after close', async () => {
    const { store, inner, state } = observedStore();
    const session = new AuthSession({ baseUrl: BASE_URL, credentials, store });
    const events = adoptions(session);
    await session.getAccessToken();
    state.readDelayMs = 100;
    inner.set(KEY, peerLong());
    await vi.advanceTimersByTimeAsync(10);
    session.close();
    await vi.advanceTimersByTimeAsync(100);
    expect(events).toEqual([]);
  });
});

describe('a long token the server refused', () => {
  /** A session whose first long token was refused and replaced; returns the stale record of the first. */
  async function afterRefusal(storeShortToken: boolean) {
    const { store, inner } = observedStore();
    const session = new AuthSession({ baseUrl: BASE_URL, credentials, store, storeShortToken });
    const events = adoptions(session);
    await session.getAccessToken();
    const stale = inner.get(KEY) as TokenRecord;
    const [refused] = issued(mock(), 'long');
    mock().revoke(refused?.id ?? '');
    const current = await session.getAccessToken({ forceRefresh: true });
    await vi.advanceTimersByTimeAsync(0);
    return { session, inner, events, stale, current };
  }

  it('written back by a stale peer is not taken: the session keeps its new one and issues nothing', async () => {
    const { session, inner, events, stale, current } = await afterRefusal(false);
    const long = await session.getLongToken();
    inner.set(KEY, { ...stale, revision: 'stale-peer' });
    await vi.advanceTimersByTimeAsync(0);
    expect(await session.getAccessToken()).toBe(current);
    expect(await session.getLongToken()).toBe(long);
    expect(events).toEqual([]);
    expect([mock().count('issueLongTermToken'), mock().count('issueShortTermToken')]).toEqual([2, 3]);
  });

  it('written back with its short token: a forced refresh never hands that short token out', async () => {
    const { session, inner, events, stale, current } = await afterRefusal(true);
    inner.set(KEY, { ...stale, revision: 'stale-peer' });
    await vi.advanceTimersByTimeAsync(0);
    const forced = await session.getAccessToken({ forceRefresh: true });
    expect([forced === current, forced === stale.shortToken?.token]).toEqual([false, false]);
    expect(tokenOf(mock(), forced)?.revoked).toBe(false);
    expect(events).toEqual([]);
    expect(mock().count('issueLongTermToken')).toBe(2);
  });
});
