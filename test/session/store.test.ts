import { describe, expect, it } from 'vitest';
import {
  AuthSession,
  type AuthSessionEvents,
  MemoryTokenStore,
  type TokenRecord,
  type TokenStore,
  type TokenStoreError,
} from '../../src/index.js';
import { isTokenRecord } from '../../src/session/TokenStore.js';
import { issued, tokenOf, useAuthMock } from '../support/kit.js';
import { BASE_URL, CLIENT_SECRET, useMsw } from '../support/msw.js';

useMsw();

const credentials = { grant_type: 'client_credentials', client_id: 'c2m_abc123', client_secret: CLIENT_SECRET } as const;
const mock = useAuthMock();
const KEY = `c2m-auth:${BASE_URL}:c2m_abc123`;

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
  it.each([
    ['due for refresh', 30_000],
    ['already expired', -1_000],
  ])('with storeShortToken, never hands out a stored short token that is %s: it exchanges', async (_name, leftMs) => {
    const store = new MemoryTokenStore();
    const stale = await new AuthSession({ baseUrl: BASE_URL, credentials, store, storeShortToken: true }).getAccessToken();
    const record = store.get(KEY) as TokenRecord;
    const expiresAtMs = Date.now() + leftMs;
    store.set(KEY, { ...record, shortToken: { token: stale, expiresAtMs, issuedAtMs: expiresAtMs - 900_000 } });
    const token = await new AuthSession({ baseUrl: BASE_URL, credentials, store, storeShortToken: true }).getAccessToken();
    expect(token).not.toBe(stale);
    expect(tokenOf(mock(), token)?.revoked).toBe(false);
    expect([mock().count('issueLongTermToken'), mock().count('issueShortTermToken')]).toEqual([1, 2]);
  });

  it('ignores a stored long token past its expiry: it issues a new one, and never presents the old', async () => {
    const store = new MemoryTokenStore();
    const old = mock().mintLongToken();
    store.set(KEY, { version: 1, revision: 'old', longToken: old.access_token, expiresAtMs: Date.now() - 1000, tokenId: old.token_id });
    const token = await new AuthSession({ baseUrl: BASE_URL, credentials, store }).getAccessToken();
    const [, fresh] = issued(mock(), 'long');
    expect(tokenOf(mock(), token)?.longTokenId).toBe(fresh?.id);
    expect(mock().requests.map((entry) => [entry.operation, entry.status])).toEqual([
      ['issueLongTermToken', 201],
      ['issueShortTermToken', 201],
    ]);
    expect(store.get(KEY)?.longToken).toBe(fresh?.value);
  });

  it('ignores a record of another version, reporting it, and issues a long token of its own', async () => {
    const events: AuthSessionEvents['storeError'][] = [];
    const store = new MemoryTokenStore();
    const other = mock().mintLongToken();
    store.set(KEY, { version: 2, longToken: other.access_token } as unknown as TokenRecord);
    const session = new AuthSession({ baseUrl: BASE_URL, credentials, store, on: { storeError: (event) => events.push(event) } });
    const token = await session.getAccessToken();
    expect(tokenOf(mock(), token)?.longTokenId).not.toBe(other.token_id);
    expect(mock().count('issueLongTermToken')).toBe(1);
    // Each read of it is reported; none is taken for a record.
    expect(events.length).toBeGreaterThan(0);
    expect(new Set(events.map((event) => `${event.operation}: ${(event.error as TokenStoreError).reason}`))).toEqual(
      new Set(['get: unreadable_record']),
    );
  });
});

describe('isTokenRecord', () => {
  const valid = { version: 1, revision: 'r1', longToken: 'lt_x', expiresAtMs: 2e12, issuedAtMs: 1e12, tokenId: 'tok_lt_1' };
  const short = { token: 'eyJ.x.y', expiresAtMs: 2e12, issuedAtMs: 1e12, tokenId: 'tok_st_1' };

  it.each<[string, unknown]>([
    ['the minimum', { version: 1, longToken: 'lt_x' }],
    ['every field', valid],
    ['a short token', { ...valid, shortToken: short }],
    ['a short token with no id or issue time', { ...valid, shortToken: { token: 'eyJ.x.y', expiresAtMs: 2e12 } }],
  ])('accepts %s', (_name, record) => {
    expect(isTokenRecord(record)).toBe(true);
  });

  it.each<[string, unknown]>([
    ['null', null],
    ['a string', 'lt_x'],
    ['another version', { ...valid, version: 2 }],
    ['no version', { longToken: 'lt_x' }],
    ['an empty long token', { ...valid, longToken: '' }],
    ['a long token that is not a string', { ...valid, longToken: 42 }],
    ['a revision that is not a string', { ...valid, revision: 7 }],
    ['an expiry that is not a number', { ...valid, expiresAtMs: '2e12' }],
    ['an infinite expiry', { ...valid, expiresAtMs: Number.POSITIVE_INFINITY }],
    ['an issue time that is not a number', { ...valid, issuedAtMs: 'then' }],
    ['a token id that is not a string', { ...valid, tokenId: 1 }],
    ['a short token that is null', { ...valid, shortToken: null }],
    ['a short token that is a string', { ...valid, shortToken: 'eyJ.x.y' }],
    ['an empty short token', { ...valid, shortToken: { ...short, token: '' } }],
    ['a short token that is not a string', { ...valid, shortToken: { ...short, token: 5 } }],
    ['a short token without expiry', { ...valid, shortToken: { token: 'eyJ.x.y' } }],
    ['a short token with a NaN expiry', { ...valid, shortToken: { ...short, expiresAtMs: Number.NaN } }],
    ['a short token issue time that is not a number', { ...valid, shortToken: { ...short, issuedAtMs: 'then' } }],
    ['a short token id that is not a string', { ...valid, shortToken: { ...short, tokenId: 3 } }],
  ])('refuses %s', (_name, record) => {
    expect(isTokenRecord(record)).toBe(false);
  });
});
