import { describe, expect, it } from 'vitest';
import { AuthSession, type AuthSessionEvents, MemoryTokenStore, type TokenRecord, type TokenStore } from '../../src/index.js';
import { issued, tokenOf, useAuthMock } from '../support/kit.js';
import { BASE_URL, CLIENT_SECRET, useMsw } from '../support/msw.js';

useMsw();

const credentials = { grant_type: 'client_credentials', client_id: 'c2m_abc123', client_secret: CLIENT_SECRET } as const;
const mock = useAuthMock();

describe('token stores', () => {
  it('lets two sessions sharing a store share one long token: the second issues none', async () => {
    const store = new MemoryTokenStore();
    const first = new AuthSession({ baseUrl: BASE_URL, credentials, store });
    await first.getAccessToken();
    const second = new AuthSession({ baseUrl: BASE_URL, credentials, store });
    await second.getAccessToken();
    expect(await second.getLongToken()).toBe(await first.getLongToken());
    expect([mock().count('issueLongTermToken'), mock().count('issueShortTermToken')]).toEqual([1, 2]);
  });

  it('keeps a versioned record under a key made of base URL and client id, with no short token in it', async () => {
    const store = new MemoryTokenStore();
    const session = new AuthSession({ baseUrl: `${BASE_URL}/`, credentials, store });
    const short = await session.getAccessToken();
    const long = issued(mock(), 'long')[0];
    const record = store.get(`c2m-auth:${BASE_URL}:c2m_abc123`);
    expect(record).toEqual({
      version: 1,
      revision: expect.stringMatching(/^[0-9a-f]{24}$/),
      longToken: long?.value,
      expiresAtMs: expect.any(Number),
      issuedAtMs: expect.any(Number),
      tokenId: long?.id,
    });
    // Counted from the local send time plus expires_in: within a second of the server's own expiry.
    expect(Math.abs((record?.expiresAtMs ?? 0) - (long?.expiresAtMs ?? 0))).toBeLessThan(1000);
    expect(JSON.stringify(record)).not.toContain(short);
  });

  it('prefers the store over the longToken option, and the longToken option over credentials', async () => {
    const store = new MemoryTokenStore();
    await new AuthSession({ baseUrl: BASE_URL, credentials, store }).getAccessToken();
    const stored = store.get(`c2m-auth:${BASE_URL}:c2m_abc123`)?.longToken;
    const session = new AuthSession({ baseUrl: BASE_URL, credentials, store, longToken: 'lt_ignored' });
    expect(await session.getLongToken()).toBe(stored);
    const fresh = new AuthSession({ baseUrl: BASE_URL, credentials, longToken: stored as string });
    expect(await fresh.getLongToken()).toBe(stored);
    expect(mock().count('issueLongTermToken')).toBe(1);
  });

  it('reads a failing or corrupt store as empty, reports it, and carries on', async () => {
    const events: AuthSessionEvents['storeError'][] = [];
    const broken: TokenStore = {
      get: () => ({ version: 2, token: 'x' }) as unknown as TokenRecord,
      set: () => Promise.reject(new Error('disk full')),
      delete: () => undefined,
    };
    const session = new AuthSession({ baseUrl: BASE_URL, credentials, store: broken, on: { storeError: (event) => events.push(event) } });
    const token = await session.getAccessToken();
    expect(tokenOf(mock(), token) !== undefined).toBe(true);
    expect(events.map((event) => [event.operation, (event.error as Error).message])).toEqual([
      ['get', 'the stored record is not a c2m-auth token record'],
      ['set', 'disk full'],
    ]);
  });

  it('with storeShortToken, lets the next run reuse the stored short token without an exchange', async () => {
    const store = new MemoryTokenStore();
    const first = new AuthSession({ baseUrl: BASE_URL, credentials, store, storeShortToken: true });
    const short = await first.getAccessToken();
    expect(store.get(`c2m-auth:${BASE_URL}:c2m_abc123`)?.shortToken?.token).toBe(short);
    const nextRun = new AuthSession({ baseUrl: BASE_URL, credentials, store, storeShortToken: true });
    expect(await nextRun.getAccessToken()).toBe(short);
    expect([mock().count('issueLongTermToken'), mock().count('issueShortTermToken')]).toEqual([1, 1]);
    expect(await nextRun.getAccessToken({ forceRefresh: true })).not.toBe(short);
    expect(mock().count('issueShortTermToken')).toBe(2);
  });

  it('uses the storeKey option when given', async () => {
    const store = new MemoryTokenStore();
    await new AuthSession({ baseUrl: BASE_URL, credentials, store, storeKey: 'my-app' }).getAccessToken();
    expect(store.get('my-app')?.version).toBe(1);
  });
});
