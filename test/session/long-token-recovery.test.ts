// What a session does when its long token is refused (401), when it is closed while long-token work is
// in flight, and when its write of a new long token loses a compare-and-set race.
import { describe, expect, it, vi } from 'vitest';
import {
  AuthApiError,
  AuthSession,
  type AuthSessionEvents,
  MemoryTokenStore,
  SessionClosedError,
  SessionExpiredError,
  type TokenRecord,
  type TokenStore,
} from '../../src/index.js';
import { answers, credentials, issued, START, tokenOf, useAuthMock, useFakeClock } from '../support/kit.js';
import { BASE_URL, settled, useMsw } from '../support/msw.js';

useMsw();

const DAY_MS = 86_400_000;
const KEY = `c2m-auth:${BASE_URL}:c2m_abc123`;
const mock = useAuthMock();

useFakeClock();

type Recorded = { name: keyof AuthSessionEvents; event: unknown };

function record(session: AuthSession, names: readonly (keyof AuthSessionEvents)[]): Recorded[] {
  const log: Recorded[] = [];
  for (const name of names) session.on(name, (event) => log.push({ name, event }));
  return log;
}

/** A store that can compare-and-set but neither lease nor notify: sessions sharing it do not coordinate. */
function casOnlyStore(inner = new MemoryTokenStore()): TokenStore {
  return {
    get: (key) => inner.get(key),
    set: (key, value) => inner.set(key, value),
    delete: (key) => inner.delete(key),
    compareAndSet: (key, expected, next) => inner.compareAndSet(key, expected, next),
  };
}

describe('a refused long token', () => {
  it('without credentials: SessionExpiredError with the 401 as cause, sessionExpired naming the token, and the store cleared', async () => {
    const given = mock().mintLongToken();
    const store = new MemoryTokenStore();
    const session = new AuthSession({
      baseUrl: BASE_URL,
      clientId: 'c2m_abc123',
      longToken: { access_token: given.access_token, token_id: given.token_id as string },
      store,
    });
    const events = record(session, ['sessionExpired']);
    await session.getAccessToken();
    expect(store.get(KEY)?.longToken).toBe(given.access_token);
    mock().revokeAll();
    const error = await session.getAccessToken({ forceRefresh: true }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SessionExpiredError);
    expect((error as SessionExpiredError).message).toBe(
      'AuthSession: the long token is expired or revoked, and no credentials can issue another',
    );
    expect((error as SessionExpiredError).cause).toMatchObject({ name: 'AuthApiError', status: 401 });
    expect(events).toStrictEqual([{ name: 'sessionExpired', event: { tokenId: given.token_id } }]);
    expect(store.get(KEY)).toBeUndefined();
  });

  it('revoke() after the long token was refused revokes the short token with itself and never presents the refused one', async () => {
    const given = mock().mintLongToken();
    const session = new AuthSession({
      baseUrl: BASE_URL,
      longToken: { access_token: given.access_token, token_id: given.token_id as string },
    });
    const short = await session.getAccessToken();
    mock().failNext('issueShortTermToken', { status: 401 });
    await expect(session.getAccessToken({ forceRefresh: true })).rejects.toBeInstanceOf(SessionExpiredError);
    await session.revoke();
    const revokes = (await settled()).filter((request) => request.url.endsWith('/revoke'));
    expect(revokes.map((request) => [new URL(request.url).pathname, request.headers.authorization])).toEqual([
      [`/v1/auth/tokens/${tokenOf(mock(), short)?.id}/revoke`, `Bearer ${short}`],
    ]);
  });

  it("falls back to the app's longToken, not the credentials, when a peer's stored long token is refused", async () => {
    const given = mock().mintLongToken();
    const peer = mock().mintLongToken();
    const store = new MemoryTokenStore();
    store.set(KEY, {
      version: 1,
      revision: 'peer',
      longToken: peer.access_token,
      expiresAtMs: START + 30 * DAY_MS,
      tokenId: peer.token_id,
    });
    const session = new AuthSession({
      baseUrl: BASE_URL,
      credentials,
      longToken: { access_token: given.access_token, token_id: given.token_id as string },
      store,
    });
    const first = await session.getAccessToken();
    expect(tokenOf(mock(), first)?.longTokenId).toBe(peer.token_id);
    mock().revoke(peer.token_id ?? '');
    const next = await session.getAccessToken({ forceRefresh: true });
    expect(tokenOf(mock(), next)?.longTokenId).toBe(given.token_id);
    expect(await session.getLongToken()).toBe(given.access_token);
    expect(store.get(KEY)?.longToken).toBe(given.access_token);
    expect(mock().count('issueLongTermToken')).toBe(0);
  });

  it('never presents a refused long token again, even when a stale peer writes it back to the store', async () => {
    const inner = new MemoryTokenStore();
    const session = new AuthSession({ baseUrl: BASE_URL, credentials, store: casOnlyStore(inner), storeShortToken: true });
    await session.getAccessToken();
    const [first] = issued(mock(), 'long');
    const staleRecord = inner.get(KEY) as TokenRecord;
    // Two long tokens refused in turn: each time a new one is issued.
    for (let round = 0; round < 2; round += 1) {
      mock().revoke(issued(mock(), 'long').at(-1)?.id ?? '');
      await session.getAccessToken({ forceRefresh: true });
    }
    const current = issued(mock(), 'long').at(-1);
    expect([mock().count('issueLongTermToken'), mock().expiredOrRevokedUses]).toEqual([3, 2]);
    inner.set(KEY, { ...staleRecord, revision: 'stale-peer', shortToken: undefined });
    const token = await session.getAccessToken({ forceRefresh: true });
    expect(tokenOf(mock(), token)?.longTokenId).toBe(current?.id);
    expect(mock().expiredOrRevokedUses).toBe(2);
    expect(inner.get(KEY)?.longToken).toBe(current?.value);
    expect(first?.revoked).toBe(true);
    expect(mock().count('issueLongTermToken')).toBe(3);
  });

  it("keeps the peer's newer long token it already took when its old one is refused: adopted once, nothing issued", async () => {
    const store = new MemoryTokenStore();
    const session = new AuthSession({ baseUrl: BASE_URL, credentials, store });
    const events = record(session, ['tokenAdopted', 'longTokenIssued']);
    await session.getAccessToken();
    const [mine] = issued(mock(), 'long');
    mock().failNext('issueShortTermToken', { delayMs: 1000 });
    const pending = session.getAccessToken({ forceRefresh: true });
    await vi.advanceTimersByTimeAsync(10);
    mock().revoke(mine?.id ?? '');
    const peer = mock().mintLongToken();
    store.set(KEY, {
      version: 1,
      revision: 'peer',
      longToken: peer.access_token,
      expiresAtMs: START + 30 * DAY_MS,
      tokenId: peer.token_id,
    });
    await vi.advanceTimersByTimeAsync(1000);
    expect(tokenOf(mock(), await pending)?.longTokenId).toBe(peer.token_id);
    expect(events).toEqual([
      { name: 'longTokenIssued', event: { tokenId: mine?.id, expiresAt: new Date(START + 30 * DAY_MS).toISOString() } },
      { name: 'tokenAdopted', event: { kind: 'long', tokenId: peer.token_id, expiresAt: new Date(START + 30 * DAY_MS).toISOString() } },
    ]);
    expect(mock().count('issueLongTermToken')).toBe(1);
  });

  it('refused again right after re-issuing: the 401 reaches the caller and that token is dropped too', async () => {
    const session = new AuthSession({ baseUrl: BASE_URL, credentials });
    await session.getAccessToken();
    mock().failNext('issueShortTermToken', { status: 401, times: 2 });
    const error = await session.getAccessToken({ forceRefresh: true }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AuthApiError);
    expect((error as AuthApiError).status).toBe(401);
    expect(mock().count('issueLongTermToken')).toBe(2);
    const token = await session.getAccessToken({ forceRefresh: true });
    expect(tokenOf(mock(), token)?.longTokenId).toBe(issued(mock(), 'long')[2]?.id);
    expect(mock().count('issueLongTermToken')).toBe(3);
  });

  it('a retry that fails otherwise (503) keeps the re-issued long token for the next call', async () => {
    const session = new AuthSession({ baseUrl: BASE_URL, credentials });
    await session.getAccessToken();
    mock().failNext('issueShortTermToken', { status: 401 });
    mock().failNext('issueShortTermToken', { status: 503 });
    const error = await session.getAccessToken({ forceRefresh: true }).catch((caught: unknown) => caught);
    expect((error as AuthApiError).status).toBe(503);
    const token = await session.getAccessToken({ forceRefresh: true });
    expect(tokenOf(mock(), token)?.longTokenId).toBe(issued(mock(), 'long')[1]?.id);
    expect(mock().count('issueLongTermToken')).toBe(2);
  });

  it('with storeShortToken: issues a new long token and stores the new pair', async () => {
    const store = new MemoryTokenStore();
    const session = new AuthSession({ baseUrl: BASE_URL, credentials, store, storeShortToken: true });
    await session.getAccessToken();
    mock().revokeAll();
    const token = await session.getAccessToken({ forceRefresh: true });
    const [, fresh] = issued(mock(), 'long');
    expect(tokenOf(mock(), token)?.longTokenId).toBe(fresh?.id);
    expect(store.get(KEY)).toMatchObject({ longToken: fresh?.value, shortToken: { token } });
  });
});

describe('closed while long-token work is in flight', () => {
  it('revoke() during an exchange the server then refuses: no new long token is issued, nothing is left in the store', async () => {
    const store = new MemoryTokenStore();
    const session = new AuthSession({ baseUrl: BASE_URL, credentials, store });
    await session.getAccessToken();
    mock().failNext('issueShortTermToken', { delayMs: 1000, status: 401 });
    const pending = session.getAccessToken({ forceRefresh: true }).catch((caught: unknown) => caught);
    await vi.advanceTimersByTimeAsync(10);
    const revoking = session.revoke();
    await vi.advanceTimersByTimeAsync(1000);
    await revoking;
    expect(await pending).toBeInstanceOf(SessionClosedError);
    await vi.advanceTimersByTimeAsync(10);
    expect(answers(mock()).sort()).toEqual([
      'issueLongTermToken 201',
      'issueShortTermToken 201',
      'issueShortTermToken 401',
      'revokeToken 204',
      'revokeToken 204',
    ]);
    expect(store.get(KEY)).toBeUndefined();
  });

  it('close() during an exchange the server then refuses: the refused token leaves the store, and nothing new is issued', async () => {
    const store = new MemoryTokenStore();
    const session = new AuthSession({ baseUrl: BASE_URL, credentials, store });
    await session.getAccessToken();
    mock().failNext('issueShortTermToken', { delayMs: 1000, status: 401 });
    const pending = session.getAccessToken({ forceRefresh: true }).catch((caught: unknown) => caught);
    await vi.advanceTimersByTimeAsync(10);
    session.close();
    await vi.advanceTimersByTimeAsync(1000);
    expect(await pending).toBeInstanceOf(SessionClosedError);
    expect(store.get(KEY)).toBeUndefined();
    expect([mock().count('issueLongTermToken'), mock().count('issueShortTermToken')]).toEqual([1, 2]);
  });

  it('closed while the longToken function runs: SessionClosedError, nothing stored, nothing exchanged', async () => {
    const minted = mock().mintLongToken();
    const store = new MemoryTokenStore();
    const session = new AuthSession({
      baseUrl: BASE_URL,
      clientId: 'c2m_abc123',
      store,
      longToken: () => new Promise<string>((resolve) => setTimeout(() => resolve(minted.access_token), 1000)),
    });
    const pending = session.getAccessToken().catch((caught: unknown) => caught);
    await vi.advanceTimersByTimeAsync(10);
    session.close();
    await vi.advanceTimersByTimeAsync(1000);
    expect(await pending).toBeInstanceOf(SessionClosedError);
    expect(store.get(KEY)).toBeUndefined();
    expect(mock().count('issueShortTermToken')).toBe(0);
  });

  it('closed during a rotation: SessionClosedError, no refreshFailed, no exchange, and the late long token revoked', async () => {
    const session = new AuthSession({ baseUrl: BASE_URL, credentials: { ...credentials, ttl_seconds: 86_400 } });
    const events = record(session, ['refreshFailed', 'longTokenRotated', 'tokenRefreshed']);
    await session.getLongToken();
    vi.setSystemTime(START + 0.9 * DAY_MS);
    mock().failNext('issueLongTermToken', { delayMs: 1000 });
    const pending = session.getAccessToken().catch((caught: unknown) => caught);
    await vi.advanceTimersByTimeAsync(10);
    expect(mock().count('issueLongTermToken')).toBe(2);
    session.close();
    await vi.advanceTimersByTimeAsync(1000);
    expect(await pending).toBeInstanceOf(SessionClosedError);
    await vi.advanceTimersByTimeAsync(10);
    expect(events).toEqual([]);
    expect(mock().count('issueShortTermToken')).toBe(0);
    expect(issued(mock(), 'long').map((token) => token.revoked)).toEqual([false, true]);
  });
});

describe('a new long token that loses the compare-and-set', () => {
  /** A store where a peer writes `peerRecord` just before this session's compare-and-set, then deletes it if `thenDeleted`. */
  function racingStore(peerRecord: TokenRecord, thenDeleted: boolean) {
    const inner = new MemoryTokenStore();
    let raced = false;
    let deleteBeforeRead = false;
    const store: TokenStore = {
      get: (key) => {
        if (deleteBeforeRead) inner.delete(key);
        deleteBeforeRead = false;
        return inner.get(key);
      },
      set: (key, value) => inner.set(key, value),
      delete: (key) => inner.delete(key),
      compareAndSet: (key, expected, next) => {
        if (!raced) {
          raced = true;
          inner.set(key, peerRecord);
          deleteBeforeRead = thenDeleted;
        }
        return inner.compareAndSet(key, expected, next);
      },
    };
    return { store, inner };
  }

  it.each([
    ['the winner is gone (a peer signed out)', true, START + 30 * DAY_MS],
    ['the winner is already expired', false, START - 1000],
  ])('keeps its own token when %s', async (_name, thenDeleted, peerExpiresAtMs) => {
    const peerRecord: TokenRecord = { version: 1, revision: 'peer', longToken: 'lt_peer_written_first', expiresAtMs: peerExpiresAtMs };
    const { store } = racingStore(peerRecord, thenDeleted);
    const session = new AuthSession({ baseUrl: BASE_URL, credentials, store });
    const long = await session.getLongToken();
    const [own] = issued(mock(), 'long');
    expect(long).toBe(own?.value);
    const token = await session.getAccessToken();
    expect(tokenOf(mock(), token)?.longTokenId).toBe(own?.id);
    await vi.advanceTimersByTimeAsync(10);
    expect(own?.revoked).toBe(false);
    expect(mock().count('revokeToken')).toBe(0);
  });
});

describe('longTokenExpiring', () => {
  it('is emitted once per long token, however many refreshes read it back from the store', async () => {
    const given = mock().mintLongToken();
    const expiresAt = new Date(START + DAY_MS).toISOString();
    const session = new AuthSession({
      baseUrl: BASE_URL,
      store: new MemoryTokenStore(),
      storeShortToken: true,
      longToken: { access_token: given.access_token, expires_at: expiresAt, token_id: given.token_id as string },
    });
    const events = record(session, ['longTokenExpiring']);
    await session.getAccessToken();
    await session.getAccessToken({ forceRefresh: true });
    await session.getAccessToken({ forceRefresh: true });
    expect(events).toEqual([{ name: 'longTokenExpiring', event: { tokenId: given.token_id, expiresAt } }]);
    expect(mock().count('issueShortTermToken')).toBe(3);
  });
});
