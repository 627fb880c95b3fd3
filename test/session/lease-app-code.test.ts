// Nothing of the app runs while a session holds its store's lease: the credentials and longToken
// functions are called before the lease is asked for, even when a refused long token (401) must be
// replaced in the middle of a refresh, and the listeners hear the events once the lease is released.
import { describe, expect, it, vi } from 'vitest';
import { AuthSession, type LeaseOptions, MemoryTokenStore, type TokenStore } from '../../src/index.js';
import { answers, credentials, issued, useAuthMock, useFakeClock } from '../support/kit.js';
import { BASE_URL, useMsw } from '../support/msw.js';

useMsw();
useFakeClock();
const mock = useAuthMock();

/** A MemoryTokenStore that says whether its lease is held right now. */
function watchedStore() {
  const inner = new MemoryTokenStore();
  let holders = 0;
  const store: TokenStore = {
    get: (key) => inner.get(key),
    set: (key, record) => inner.set(key, record),
    delete: (key) => inner.delete(key),
    compareAndSet: (key, expected, next) => inner.compareAndSet(key, expected, next),
    subscribe: (key, listener) => inner.subscribe(key, listener),
    lease: <T>(key: string, ttlMs: number, task: (signal: AbortSignal) => Promise<T>, options?: LeaseOptions) =>
      inner.lease(
        key,
        ttlMs,
        async (signal) => {
          holders += 1;
          try {
            return await task(signal);
          } finally {
            holders -= 1;
          }
        },
        options,
      ),
  };
  return { store, held: () => holders > 0 };
}

/** A session on a watched store whose credentials function records whether the lease was held when called. */
function watchedSession(label = '') {
  const { store, held } = watchedStore();
  const calls: string[] = [];
  const session = new AuthSession({
    baseUrl: BASE_URL,
    store,
    storeShortToken: true,
    credentials: async () => {
      calls.push(`${label}${held() ? 'under the lease' : 'outside'}`);
      return credentials;
    },
  });
  return { session, store, held, calls };
}

describe('the app under a lease', () => {
  it('calls the credentials function outside the lease, also to replace a long token refused mid-refresh', async () => {
    const { session, held, calls } = watchedSession('credentials ');
    session.on('tokenRefreshed', () => calls.push(held() ? 'tokenRefreshed under the lease' : 'tokenRefreshed outside'));
    await session.getAccessToken();
    // The long token is revoked behind the session's back: the next exchange is refused (401).
    const [firstLong] = issued(mock(), 'long');
    mock().revoke(firstLong?.id ?? '');
    expect(await session.getAccessToken({ forceRefresh: true })).toMatch(/^ey/);
    expect(calls).toEqual(['credentials outside', 'tokenRefreshed outside', 'credentials outside', 'tokenRefreshed outside']);
    expect(answers(mock())).toEqual([
      'issueLongTermToken 201',
      'issueShortTermToken 201',
      'issueShortTermToken 401',
      'issueLongTermToken 201',
      'issueShortTermToken 201',
    ]);
    session.close();
  });

  it('fails the call with the server answer when the replacement is refused too, and recovers on the next', async () => {
    const { session } = watchedSession();
    await session.getAccessToken();
    mock().revokeAll();
    mock().failNext('issueShortTermToken', { status: 401, times: 2 });
    await expect(session.getAccessToken({ forceRefresh: true })).rejects.toMatchObject({ name: 'AuthApiError', status: 401 });
    expect(await session.getAccessToken({ forceRefresh: true })).toMatch(/^ey/);
    expect(answers(mock())).toEqual([
      'issueLongTermToken 201',
      'issueShortTermToken 201',
      'issueShortTermToken 401',
      'issueLongTermToken 201',
      'issueShortTermToken 401',
      'issueLongTermToken 201',
      'issueShortTermToken 201',
    ]);
    session.close();
  });
});

describe("the app's functions, called only when a long token is needed", () => {
  // Credentials given as a function do not name the client: the key says `default`.
  const KEY = `c2m-auth:${BASE_URL}:default`;
  const DAY_MS = 86_400_000;

  it('neither is called again when the store lost the record but the session still holds a live long token', async () => {
    const minted = mock().mintLongToken();
    const longToken = vi.fn(async () => minted.access_token);
    const credentialsFn = vi.fn(async () => credentials);
    const store = new MemoryTokenStore();
    const session = new AuthSession({ baseUrl: BASE_URL, store, storeShortToken: true, longToken, credentials: credentialsFn });
    await session.getAccessToken();
    // The store is flushed (a Redis restart, a deleted file): memory still holds the long token.
    await store.delete(KEY);
    await session.getAccessToken({ forceRefresh: true });
    expect([longToken.mock.calls.length, credentialsFn.mock.calls.length]).toEqual([1, 0]);
    expect([mock().count('issueLongTermToken'), mock().count('issueShortTermToken')]).toEqual([0, 2]);
    expect(await store.get(KEY)).toMatchObject({ longToken: minted.access_token });
    session.close();
  });

  it('the credentials function is called once to issue, not for the refreshes after, and again outside the lease to rotate', async () => {
    const { session, store, calls } = watchedSession();
    await session.getAccessToken();
    await store.delete(KEY);
    await session.getAccessToken({ forceRefresh: true });
    expect(calls).toEqual(['outside']);
    // 28 of the long token's 30 days: in the last 10% of its life, the next refresh rotates it.
    vi.setSystemTime(Date.now() + 28 * DAY_MS);
    await session.getAccessToken();
    expect(calls).toEqual(['outside', 'outside']);
    expect([mock().count('issueLongTermToken'), mock().count('issueShortTermToken')]).toEqual([2, 3]);
    session.close();
  });
});
