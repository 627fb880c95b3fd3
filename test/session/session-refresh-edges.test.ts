// getAccessToken at its edges: a caller's abort wins over a still-valid token, close wins over an
// abort, a refresh abandoned by close reports nothing; and autoRefresh with very short tokens and
// with timers that are plain numbers (as in a browser).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AbortError, AUTH_SESSION_EVENTS, AuthSession, SessionClosedError } from '../../src/index.js';
import { createAuthHandlers } from '../../src/testing/index.js';
import { tokenOf, useAuthMock } from '../support/kit.js';
import { BASE_URL, CLIENT_SECRET, server, useMsw } from '../support/msw.js';

useMsw();

const credentials = { grant_type: 'client_credentials', client_id: 'c2m_abc123', client_secret: CLIENT_SECRET } as const;
const mock = useAuthMock();
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
});
afterEach(() => {
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

/** Every event the session emits from now on, by name. */
function recordEvents(session: AuthSession): string[] {
  const names: string[] = [];
  for (const name of AUTH_SESSION_EVENTS) session.on(name, () => names.push(name));
  return names;
}

describe('getAccessToken', () => {
  it("rejects with AbortError when the caller's signal fires during a refresh, even though the current token is still valid", async () => {
    const session = new AuthSession({ baseUrl: BASE_URL, credentials });
    await session.getAccessToken();
    // Short tokens live 900 s; from 840 s a call refreshes, while the token stays valid.
    await vi.advanceTimersByTimeAsync(841_000);
    mock().failNext('issueShortTermToken', { delayMs: 1000 });
    const controller = new AbortController();
    const pending = session.getAccessToken({ signal: controller.signal }).catch((caught: unknown) => caught);
    await vi.advanceTimersByTimeAsync(10);
    controller.abort();
    expect(await pending).toBeInstanceOf(AbortError);
    await vi.advanceTimersByTimeAsync(1000);
    expect(mock().count('issueShortTermToken')).toBe(2);
  });

  it('rejects with SessionClosedError when the session closed before the caller aborted', async () => {
    const session = new AuthSession({ baseUrl: BASE_URL, credentials });
    mock().failNext('issueLongTermToken', { delayMs: 1000 });
    const controller = new AbortController();
    const pending = session.getAccessToken({ signal: controller.signal }).catch((caught: unknown) => caught);
    await vi.advanceTimersByTimeAsync(10);
    session.close();
    controller.abort();
    expect(await pending).toBeInstanceOf(SessionClosedError);
    await vi.advanceTimersByTimeAsync(1000);
  });

  it('reports no refreshFailed, nor any other event, for a refresh that close abandoned', async () => {
    const session = new AuthSession({ baseUrl: BASE_URL, credentials });
    await session.getAccessToken();
    const events = recordEvents(session);
    mock().failNext('issueShortTermToken', { delayMs: 1000 });
    const pending = session.getAccessToken({ forceRefresh: true }).catch((caught: unknown) => caught);
    await vi.advanceTimersByTimeAsync(10);
    session.close();
    await vi.advanceTimersByTimeAsync(1000);
    expect(await pending).toBeInstanceOf(SessionClosedError);
    expect(mock().count('issueShortTermToken')).toBe(2);
    expect(events).toEqual([]);
  });
});

describe('autoRefresh', () => {
  it('refreshes 8-second tokens at the start of each window, every 4 s', async () => {
    const shortLived = createAuthHandlers({ baseUrl: BASE_URL, shortTokenTtlSeconds: 8 });
    server.use(...shortLived.handlers);
    const session = new AuthSession({ baseUrl: BASE_URL, credentials, autoRefresh: true });
    await session.getAccessToken();
    expect(shortLived.count('issueShortTermToken')).toBe(1);
    await vi.advanceTimersByTimeAsync(4_100);
    expect(shortLived.count('issueShortTermToken')).toBe(2);
    await vi.advanceTimersByTimeAsync(4_000);
    expect(shortLived.count('issueShortTermToken')).toBe(3);
    await vi.advanceTimersByTimeAsync(4_000);
    expect(shortLived.count('issueShortTermToken')).toBe(4);
    session.close();
  });

  it('works where timers are plain numbers, as in a browser', async () => {
    const fakeSetTimeout = globalThis.setTimeout;
    const fakeClearTimeout = globalThis.clearTimeout;
    const timers = new Map<number, ReturnType<typeof setTimeout>>();
    let next = 0;
    vi.stubGlobal('setTimeout', (handler: () => void, ms?: number) => {
      next += 1;
      timers.set(next, fakeSetTimeout(handler, ms));
      return next;
    });
    vi.stubGlobal('clearTimeout', (id?: number) => fakeClearTimeout(timers.get(id ?? 0)));
    const session = new AuthSession({ baseUrl: BASE_URL, credentials, autoRefresh: true });
    const first = await session.getAccessToken();
    await vi.advanceTimersByTimeAsync(840_000);
    expect(mock().count('issueShortTermToken')).toBe(2);
    const second = await session.getAccessToken();
    expect(second).not.toBe(first);
    expect(tokenOf(mock(), second)?.revoked).toBe(false);
    session.close();
    expect(vi.getTimerCount()).toBe(0);
  });
});
