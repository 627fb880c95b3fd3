import { describe, expect, it, vi } from 'vitest';
import {
  AbortError,
  AUTH_SESSION_EVENTS,
  AuthApiError,
  AuthSession,
  type AuthSessionEvents,
  SessionExpiredError,
} from '../../src/index.js';
import { createAuthHandlers } from '../../src/testing/index.js';
import { credentials, isLive as isMockLive, START, tokenOf, useAuthMock, useFakeClock } from '../support/kit.js';
import { BASE_URL, server, useMsw } from '../support/msw.js';

useMsw();

const mock = useAuthMock();
useFakeClock();

function recordEvents(session: AuthSession) {
  const events: { name: keyof AuthSessionEvents; event: unknown }[] = [];
  for (const name of AUTH_SESSION_EVENTS) {
    session.on(name, (event) => events.push({ name, event }));
  }
  return events;
}

/** Whether the mock server would accept this short token right now. */
const isLive = (token: string) => isMockLive(mock(), token);

describe('AuthSession refresh', () => {
  it('sends nothing until asked, then issues one long token and exchanges it', async () => {
    const session = new AuthSession({ baseUrl: BASE_URL, credentials });
    expect(mock().requests).toEqual([]);
    const token = await session.getAccessToken();
    expect(isLive(token)).toBe(true);
    expect([mock().count('issueLongTermToken'), mock().count('issueShortTermToken')]).toEqual([1, 1]);
    expect(await session.getAccessToken()).toBe(token);
    expect(mock().count('issueShortTermToken')).toBe(1);
  });

  it('makes exactly 103 exchanges in 24 simulated hours, with one long token and no expired use', async () => {
    const session = new AuthSession({ baseUrl: BASE_URL, credentials });
    let handedExpired = 0;
    for (let second = 0; second < 86_400; second += 10) {
      const token = await session.getAccessToken();
      if (!isLive(token)) handedExpired += 1;
      if (second % 300 === 0) expect((await session.fetch(`${BASE_URL}/jobs`)).status).toBe(200);
      await vi.advanceTimersByTimeAsync(10_000);
    }
    // One exchange per 840 s (a 900 s token, renewed 60 s before it ends): ceil(86,400 / 840) = 103.
    expect(mock().count('issueShortTermToken')).toBe(103);
    expect(mock().count('issueLongTermToken')).toBe(1);
    expect(handedExpired).toBe(0);
    expect(mock().expiredOrRevokedUses).toBe(0);
    // 8,640 simulated steps: about 1 s on an idle machine; the ceiling leaves room for a loaded one.
  }, 30_000);

  it('shares one long issuance and one exchange between 1,000 concurrent cold callers', async () => {
    const session = new AuthSession({ baseUrl: BASE_URL, credentials });
    const tokens = await Promise.all(Array.from({ length: 1000 }, () => session.getAccessToken()));
    expect(new Set(tokens).size).toBe(1);
    expect([mock().count('issueLongTermToken'), mock().count('issueShortTermToken')]).toEqual([1, 1]);
  });

  it('shares one exchange between 1,000 concurrent callers at an expiry boundary', async () => {
    const session = new AuthSession({ baseUrl: BASE_URL, credentials });
    const first = await session.getAccessToken();
    await vi.advanceTimersByTimeAsync(900_000);
    const tokens = await Promise.all(Array.from({ length: 1000 }, () => session.getAccessToken()));
    expect(new Set(tokens).size).toBe(1);
    expect(tokens[0]).not.toBe(first);
    expect([mock().count('issueLongTermToken'), mock().count('issueShortTermToken')]).toEqual([1, 2]);
  });

  it('clamps the refresh window to half the lifetime of short tokens', async () => {
    const tenSeconds = createAuthHandlers({ baseUrl: BASE_URL, shortTokenTtlSeconds: 10 });
    server.use(...tenSeconds.handlers);
    const session = new AuthSession({ baseUrl: BASE_URL, credentials });
    const first = await session.getAccessToken();
    await vi.advanceTimersByTimeAsync(4_999);
    expect(await session.getAccessToken()).toBe(first);
    await vi.advanceTimersByTimeAsync(1);
    expect(await session.getAccessToken()).not.toBe(first);
    expect(tenSeconds.count('issueShortTermToken')).toBe(2);
  });

  it('serves the still-valid token when a refresh inside the window fails, reports it, and recovers next call', async () => {
    const session = new AuthSession({ baseUrl: BASE_URL, credentials });
    const events = recordEvents(session);
    const first = await session.getAccessToken();
    await vi.advanceTimersByTimeAsync(850_000);
    mock().failNext('issueShortTermToken', { status: 503 });
    expect(await session.getAccessToken()).toBe(first);
    const failed = events.filter((entry) => entry.name === 'refreshFailed');
    expect(failed).toHaveLength(1);
    expect(failed[0]?.event).toMatchObject({
      error: { name: 'AuthApiError', status: 503 },
      stillValidUntil: new Date(START + 900_000).toISOString(),
    });
    const next = await session.getAccessToken();
    expect(next).not.toBe(first);
    expect(isLive(next)).toBe(true);
    expect(mock().count('issueShortTermToken')).toBe(3);
  });

  it('throws the typed error once the token has expired, and never caches the failure', async () => {
    const session = new AuthSession({ baseUrl: BASE_URL, credentials });
    await session.getAccessToken();
    await vi.advanceTimersByTimeAsync(900_000);
    mock().failNext('issueShortTermToken', { status: 500 });
    const error = await session.getAccessToken().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AuthApiError);
    expect((error as AuthApiError).status).toBe(500);
    const token = await session.getAccessToken();
    expect(isLive(token)).toBe(true);
  });

  it('re-checks the wall clock on every call: a one-hour jump with no timer gets a fresh token', async () => {
    const session = new AuthSession({ baseUrl: BASE_URL, credentials });
    const first = await session.getAccessToken();
    vi.setSystemTime(Date.now() + 3_600_000);
    const next = await session.getAccessToken();
    expect(next).not.toBe(first);
    expect(isLive(next)).toBe(true);
  });

  it.each([
    ['ahead', 3_600_000],
    ['behind', -3_600_000],
  ])('counts expiry from expires_in, so a client clock an hour %s does not matter', async (_name, skewMs) => {
    const session = new AuthSession({ baseUrl: BASE_URL, credentials, now: () => Date.now() + skewMs });
    const first = await session.getAccessToken();
    await vi.advanceTimersByTimeAsync(839_000);
    expect(await session.getAccessToken()).toBe(first);
    await vi.advanceTimersByTimeAsync(1_000);
    const next = await session.getAccessToken();
    expect(next).not.toBe(first);
    expect(isLive(next)).toBe(true);
    expect(mock().count('issueShortTermToken')).toBe(2);
  });

  it("lets a caller's signal cancel only that caller's wait", async () => {
    const session = new AuthSession({ baseUrl: BASE_URL, credentials });
    const controller = new AbortController();
    const aborted = session.getAccessToken({ signal: controller.signal }).catch((caught: unknown) => caught);
    const patient = session.getAccessToken();
    controller.abort();
    expect(await aborted).toBeInstanceOf(AbortError);
    expect(isLive(await patient)).toBe(true);
    expect(mock().count('issueShortTermToken')).toBe(1);
  });

  it('announces the long token it issued and the short token it exchanged, with ids and expiries', async () => {
    const session = new AuthSession({ baseUrl: BASE_URL, credentials });
    const events = recordEvents(session);
    await session.getAccessToken();
    expect(events).toEqual([
      { name: 'longTokenIssued', event: { tokenId: 'tok_lt_1', expiresAt: new Date(START + 2_592_000_000).toISOString() } },
      { name: 'tokenRefreshed', event: { tokenId: 'tok_st_2', expiresAt: new Date(START + 900_000).toISOString(), expiresInSeconds: 900 } },
    ]);
  });

  it('rejects at once with AbortError when the signal has already fired, handing out no token', async () => {
    const session = new AuthSession({ baseUrl: BASE_URL, credentials });
    const controller = new AbortController();
    controller.abort(new Error('user left'));
    const error = await session.getAccessToken({ signal: controller.signal }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AbortError);
    expect((error as AbortError).cause).toEqual(new Error('user left'));
    // The refresh it started is not lost: the next caller shares it.
    expect(isLive(await session.getAccessToken())).toBe(true);
    expect(mock().count('issueShortTermToken')).toBe(1);
  });

  it('forceRefresh gets a new token even when the current one is valid', async () => {
    const session = new AuthSession({ baseUrl: BASE_URL, credentials });
    const first = await session.getAccessToken();
    const forced = await session.getAccessToken({ forceRefresh: true });
    expect(forced).not.toBe(first);
    expect(mock().count('issueShortTermToken')).toBe(2);
  });

  it('narrows short tokens to the scopes option', async () => {
    const session = new AuthSession({ baseUrl: BASE_URL, credentials, scopes: ['jobs:submit'] });
    const token = await session.getAccessToken();
    expect(tokenOf(mock(), token)?.scopes).toEqual(['jobs:submit']);
  });
});

describe('AuthSession long tokens', () => {
  it('re-issues a revoked long token from credentials, calling the function form again, and retries once', async () => {
    const credentialsFn = vi.fn(() => credentials);
    const session = new AuthSession({ baseUrl: BASE_URL, credentials: credentialsFn });
    await session.getAccessToken();
    mock().revokeAll();
    const token = await session.getAccessToken({ forceRefresh: true });
    expect(isLive(token)).toBe(true);
    expect(credentialsFn).toHaveBeenCalledTimes(2);
    expect([mock().count('issueLongTermToken'), mock().count('issueShortTermToken')]).toEqual([2, 3]);
  });

  it('throws SessionExpiredError for a revoked long token without credentials', async () => {
    const long = mock().mintLongToken().access_token;
    const session = new AuthSession({ baseUrl: BASE_URL, longToken: long });
    const events = recordEvents(session);
    await session.getAccessToken();
    mock().revokeAll();
    const error = await session.getAccessToken({ forceRefresh: true }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SessionExpiredError);
    expect(events.map((entry) => entry.name)).toContain('sessionExpired');
    expect(mock().count('issueLongTermToken')).toBe(0);
  });

  it('throws SessionExpiredError, sending nothing, for a longToken past its expires_at without credentials', async () => {
    const long = mock().mintLongToken();
    const expiresAt = new Date(START - 1000).toISOString();
    const session = new AuthSession({ baseUrl: BASE_URL, longToken: { access_token: long.access_token, expires_at: expiresAt } });
    const events = recordEvents(session);
    const error = await session.getAccessToken().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SessionExpiredError);
    expect((error as SessionExpiredError).name).toBe('SessionExpiredError');
    expect(events).toEqual([
      { name: 'sessionExpired', event: { tokenId: undefined } },
      { name: 'refreshFailed', event: { error, stillValidUntil: undefined } },
    ]);
    expect(mock().requests).toEqual([]);
  });

  it('keeps the old long token, and reports refreshFailed, when its rotation fails', async () => {
    const session = new AuthSession({ baseUrl: BASE_URL, credentials: { ...credentials, ttl_seconds: 86_400 } });
    const events = recordEvents(session);
    const firstLong = await session.getLongToken();
    await vi.advanceTimersByTimeAsync(86_400_000 * 0.9);
    mock().failNext('issueLongTermToken', { status: 503 });
    const token = await session.getAccessToken();
    expect(isLive(token)).toBe(true);
    expect(tokenOf(mock(), token)?.longTokenId).toBe(tokenOf(mock(), firstLong)?.id);
    const failed = events.filter((entry) => entry.name === 'refreshFailed');
    expect(failed).toEqual([
      {
        name: 'refreshFailed',
        event: {
          error: expect.objectContaining({ name: 'AuthApiError', status: 503 }),
          stillValidUntil: new Date(START + 86_400_000).toISOString(),
        },
      },
    ]);
    expect(events.map((entry) => entry.name)).not.toContain('longTokenRotated');
    expect(tokenOf(mock(), firstLong)?.revoked).toBe(false);
    expect([mock().count('issueLongTermToken'), mock().count('issueShortTermToken')]).toEqual([2, 1]);
  });

  it('rotates a long token in the last 10% of its life and revokes the old one', async () => {
    const session = new AuthSession({ baseUrl: BASE_URL, credentials: { ...credentials, ttl_seconds: 86_400 } });
    const events = recordEvents(session);
    const firstLong = await session.getLongToken();
    await vi.advanceTimersByTimeAsync(86_400_000 * 0.9);
    await session.getAccessToken();
    const secondLong = await session.getLongToken();
    expect(secondLong).not.toBe(firstLong);
    await vi.advanceTimersByTimeAsync(0);
    expect(tokenOf(mock(), firstLong)?.revoked).toBe(true);
    expect(tokenOf(mock(), secondLong)?.revoked).toBe(false);
    const rotated = events.find((entry) => entry.name === 'longTokenRotated');
    expect(rotated?.event).toEqual({
      previousTokenId: tokenOf(mock(), firstLong)?.id,
      tokenId: tokenOf(mock(), secondLong)?.id,
      expiresAt: expect.any(String),
    });
  });

  it('emits longTokenExpiring once, without credentials, near the end of the long token', async () => {
    const expiresAt = new Date(START + 86_400_000).toISOString();
    const long = mock().mintLongToken().access_token;
    const session = new AuthSession({
      baseUrl: BASE_URL,
      longToken: { access_token: long, expires_at: expiresAt, token_id: 'tok_lt_given' },
    });
    const events = recordEvents(session);
    await session.getAccessToken();
    expect(events.filter((entry) => entry.name === 'longTokenExpiring')).toEqual([
      { name: 'longTokenExpiring', event: { tokenId: 'tok_lt_given', expiresAt } },
    ]);
    await session.getAccessToken({ forceRefresh: true });
    expect(events.filter((entry) => entry.name === 'longTokenExpiring')).toHaveLength(1);
  });
});
