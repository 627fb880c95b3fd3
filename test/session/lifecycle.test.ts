import { inspect } from 'node:util';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AuthApi, AuthSession, type AuthSessionOptions, MemoryTokenStore, SessionClosedError } from '../../src/index.js';
import { issued, tokenOf, useAuthMock } from '../support/kit.js';
import { BASE_URL, CLIENT_SECRET, seen, useMsw } from '../support/msw.js';

useMsw();

const credentials = { grant_type: 'client_credentials', client_id: 'c2m_abc123', client_secret: CLIENT_SECRET } as const;
const mock = useAuthMock();
afterEach(() => {
  vi.useRealTimers();
});

describe('revoke()', () => {
  it('clears memory and store, revokes the short and long tokens, and closes the session', async () => {
    const store = new MemoryTokenStore();
    const session = new AuthSession({ baseUrl: BASE_URL, credentials, store });
    const short = await session.getAccessToken();
    const long = await session.getLongToken();
    await session.revoke();
    expect(store.get(`c2m-auth:${BASE_URL}:c2m_abc123`)).toBeUndefined();
    expect([tokenOf(mock(), short)?.revoked, tokenOf(mock(), long)?.revoked]).toEqual([true, true]);
    const revokes = seen.filter((request) => request.url.endsWith('/revoke'));
    expect(revokes.map((request) => new URL(request.url).pathname)).toEqual([
      `/v1/auth/tokens/${tokenOf(mock(), short)?.id}/revoke`,
      `/v1/auth/tokens/${tokenOf(mock(), long)?.id}/revoke`,
    ]);
    await expect(session.getAccessToken()).rejects.toBeInstanceOf(SessionClosedError);
    await expect(session.getLongToken()).rejects.toBeInstanceOf(SessionClosedError);
    await expect(session.fetch(`${BASE_URL}/jobs`)).rejects.toBeInstanceOf(SessionClosedError);
  });

  it('counts a 404 as done', async () => {
    const session = new AuthSession({ baseUrl: BASE_URL, credentials });
    await session.getAccessToken();
    mock().failNext('revokeToken', { times: 2, status: 404 });
    await expect(session.revoke()).resolves.toBeUndefined();
    expect(mock().count('revokeToken')).toBe(2);
  });

  it('reports a revocation that failed, after trying both tokens', async () => {
    const session = new AuthSession({ baseUrl: BASE_URL, credentials });
    await session.getAccessToken();
    mock().failNext('revokeToken', { status: 401 });
    await expect(session.revoke()).rejects.toMatchObject({ name: 'AuthApiError', status: 401 });
    expect(mock().count('revokeToken')).toBe(2);
  });

  it('revokes the stored long token even when this session never loaded it', async () => {
    const store = new MemoryTokenStore();
    const long = await new AuthSession({ baseUrl: BASE_URL, credentials, store }).getLongToken();
    const session = new AuthSession({ baseUrl: BASE_URL, credentials, store });
    await session.revoke();
    expect(tokenOf(mock(), long)?.revoked).toBe(true);
    expect(
      seen
        .filter((request) => request.url.endsWith('/revoke'))
        .map((request) => [new URL(request.url).pathname, request.headers.authorization]),
    ).toEqual([[`/v1/auth/tokens/${tokenOf(mock(), long)?.id}/revoke`, `Bearer ${long}`]]);
    expect(store.get(`c2m-auth:${BASE_URL}:c2m_abc123`)).toBeUndefined();
  });

  it('abandons a refresh in flight: its callers get SessionClosedError, and a long token issued late is revoked', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    mock().failNext('issueLongTermToken', { delayMs: 1000 });
    const session = new AuthSession({ baseUrl: BASE_URL, credentials });
    const pending = session.getAccessToken().catch((caught: unknown) => caught);
    await vi.advanceTimersByTimeAsync(10);
    expect(mock().count('issueLongTermToken')).toBe(1);
    const revoking = session.revoke();
    await vi.advanceTimersByTimeAsync(1000);
    await revoking;
    expect(await pending).toBeInstanceOf(SessionClosedError);
    await vi.advanceTimersByTimeAsync(10);
    expect(issued(mock(), 'long')[0]?.revoked).toBe(true);
    expect(mock().count('issueShortTermToken')).toBe(0);
  });
});

describe('close() and disposal', () => {
  it('closes without revoking, keeping the store', async () => {
    const store = new MemoryTokenStore();
    const session = new AuthSession({ baseUrl: BASE_URL, credentials, store });
    await session.getAccessToken();
    session.close();
    expect(mock().count('revokeToken')).toBe(0);
    expect(store.get(`c2m-auth:${BASE_URL}:c2m_abc123`)?.version).toBe(1);
    await expect(session.getAccessToken()).rejects.toBeInstanceOf(SessionClosedError);
  });

  it('closed while its exchange is in flight: the caller gets SessionClosedError, and the late token is neither kept nor announced', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const store = new MemoryTokenStore();
    const refreshed: unknown[] = [];
    const session = new AuthSession({
      baseUrl: BASE_URL,
      credentials,
      store,
      storeShortToken: true,
      on: { tokenRefreshed: (event) => refreshed.push(event) },
    });
    await session.getLongToken();
    mock().failNext('issueShortTermToken', { delayMs: 1000 });
    const pending = session.getAccessToken().catch((caught: unknown) => caught);
    await vi.advanceTimersByTimeAsync(10);
    expect(mock().count('issueShortTermToken')).toBe(1);
    session.close();
    await vi.advanceTimersByTimeAsync(1000);
    expect(await pending).toBeInstanceOf(SessionClosedError);
    expect(refreshed).toEqual([]);
    expect(store.get(`c2m-auth:${BASE_URL}:c2m_abc123`)?.shortToken).toBeUndefined();
    await expect(session.getAccessToken()).rejects.toBeInstanceOf(SessionClosedError);
  });

  it('closes on Symbol.dispose and Symbol.asyncDispose', async () => {
    const sync = new AuthSession({ baseUrl: BASE_URL, credentials });
    sync[Symbol.dispose]();
    await expect(sync.getAccessToken()).rejects.toBeInstanceOf(SessionClosedError);
    const asyncSession = new AuthSession({ baseUrl: BASE_URL, credentials });
    await asyncSession[Symbol.asyncDispose]();
    await expect(asyncSession.getAccessToken()).rejects.toBeInstanceOf(SessionClosedError);
  });
});

describe('autoRefresh', () => {
  it('keeps no timer by default', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const session = new AuthSession({ baseUrl: BASE_URL, credentials });
    await session.getAccessToken();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('refreshes at the window with one unref-ed timer, and stops on close', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const session = new AuthSession({ baseUrl: BASE_URL, credentials, autoRefresh: true });
    await session.getAccessToken();
    expect(vi.getTimerCount()).toBe(1);
    await vi.advanceTimersByTimeAsync(840_000);
    expect(mock().count('issueShortTermToken')).toBe(2);
    expect(vi.getTimerCount()).toBe(1);
    session.close();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('retries a failed timer refresh every 5 s, before and after the token expires, until one succeeds', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const failed: unknown[] = [];
    const session = new AuthSession({
      baseUrl: BASE_URL,
      credentials,
      autoRefresh: true,
      on: { refreshFailed: (event) => failed.push(event) },
    });
    const first = await session.getAccessToken();
    // Attempts at 840 s, 845 s, … 905 s fail: the token (valid until 900 s) is served, then none is.
    mock().failNext('issueShortTermToken', { status: 503, times: 14 });
    await vi.advanceTimersByTimeAsync(840_000);
    expect(mock().count('issueShortTermToken')).toBe(2);
    await vi.advanceTimersByTimeAsync(4_999);
    expect(mock().count('issueShortTermToken')).toBe(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(mock().count('issueShortTermToken')).toBe(3);
    await vi.advanceTimersByTimeAsync(65_000);
    expect(mock().count('issueShortTermToken')).toBe(16);
    expect(failed).toHaveLength(14);
    const next = await session.getAccessToken();
    expect(next).not.toBe(first);
    expect(tokenOf(mock(), next)?.revoked).toBe(false);
    expect(mock().count('issueShortTermToken')).toBe(16);
    expect(vi.getTimerCount()).toBe(1);
    session.close();
  });

  it('unrefs its timer so Node can exit', async () => {
    const unref = vi.fn();
    const realSetTimeout = globalThis.setTimeout;
    vi.spyOn(globalThis, 'setTimeout').mockImplementation(((handler: () => void, ms?: number) => {
      const timer = realSetTimeout(handler, ms);
      return Object.assign(timer, {
        unref: () => {
          unref();
          return timer;
        },
      });
    }) as typeof setTimeout);
    const session = new AuthSession({ baseUrl: BASE_URL, credentials, autoRefresh: true });
    await session.getAccessToken();
    session.close();
    expect(unref).toHaveBeenCalled();
  });
});

describe('options', () => {
  it.each<[string, unknown, string]>([
    ['no credentials and no long token', {}, 'AuthSession: give "credentials" or "longToken" (or both)'],
    [
      'api and baseUrl together',
      { api: new AuthApi({ baseUrl: BASE_URL }), baseUrl: BASE_URL, credentials },
      'AuthSession: with "api", set "baseUrl" and "allowInsecureHttp" on that AuthApi, not on the session',
    ],
    ['an api that is not an AuthApi', { api: {}, credentials }, 'AuthSession: option "api" must be an AuthApi'],
    [
      'a refresh window of -1',
      { credentials, refreshWindowSeconds: -1 },
      'AuthSession: option "refreshWindowSeconds" must be a number of seconds from 0 to 86400',
    ],
    [
      'a store without delete',
      { credentials, store: { get() {}, set() {} } },
      'AuthSession: option "store" must have get, set and delete methods',
    ],
    [
      'a long token with a bad expires_at',
      { longToken: { access_token: 'lt_x', expires_at: 'soon' } },
      'AuthSession: option "longToken" must be a token string of visible ASCII characters without surrounding whitespace, { access_token, expires_at?, token_id? } with expires_at an ISO 8601 date-time such as 2026-12-01T00:00:00Z, or a function returning one',
    ],
    ['scopes that are not strings', { credentials, scopes: [1] }, 'AuthSession: option "scopes" must be an array of non-empty strings'],
  ])('throws a TypeError for %s', (_name, options, message) => {
    expect(() => new AuthSession(options as AuthSessionOptions)).toThrow(new TypeError(message));
  });
});

describe('secrets', () => {
  it('shows no token or secret when inspected or serialised, before and after use', async () => {
    const session = new AuthSession({ baseUrl: BASE_URL, credentials, longToken: 'lt_given_secret_value' });
    const render = () => `${inspect(session, { depth: 10, showHidden: true })}${JSON.stringify(session)}`;
    const before = render();
    const short = await session.getAccessToken();
    const after = render();
    for (const text of [before, after]) {
      for (const secret of [CLIENT_SECRET, 'lt_given_secret_value', short]) expect(text).not.toContain(secret);
    }
  });
});
