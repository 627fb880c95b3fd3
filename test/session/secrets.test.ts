import { inspect } from 'node:util';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AUTH_SESSION_EVENTS, AuthSession, type TokenStore } from '../../src/index.js';
import { issued, useAuthMock } from '../support/kit.js';
import { BASE_URL, CLIENT_SECRET, useMsw } from '../support/msw.js';

useMsw();

const OTP = '918273';
const mock = useAuthMock();
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('secret sweep', () => {
  it('finds no token, secret or OTP code in any error, event or inspected session of a busy life', async () => {
    const collected: unknown[] = [];
    const catchAll = (promise: Promise<unknown>) => promise.catch((error: unknown) => collected.push(error));
    const listen = (session: AuthSession) => {
      for (const name of AUTH_SESSION_EVENTS) session.on(name, (event) => collected.push(event));
      return session;
    };
    const failingStore: TokenStore = {
      get: () => Promise.reject(new Error('store offline')),
      set: () => undefined,
      delete: () => undefined,
    };
    const credentials = () => ({
      grant_type: 'client_credentials' as const,
      client_id: 'c2m_abc123',
      client_secret: CLIENT_SECRET,
      ttl_seconds: 7200,
    });

    const session = listen(new AuthSession({ baseUrl: BASE_URL, credentials, store: failingStore }));
    await session.getAccessToken();
    await vi.advanceTimersByTimeAsync(850_000);
    mock().failNext('issueShortTermToken', { status: 503 });
    await catchAll(session.getAccessToken());
    await vi.advanceTimersByTimeAsync(60_000);
    mock().failNext('issueShortTermToken', { networkError: true });
    await catchAll(session.getAccessToken());
    await vi.advanceTimersByTimeAsync(6_500_000);
    await session.getAccessToken();
    mock().revokeAll();
    await catchAll(session.getAccessToken({ forceRefresh: true }));
    await catchAll(session.fetch(`${BASE_URL}/jobs`, { method: 'POST', body: '{}' }));
    collected.push(session);
    await catchAll(session.revoke());
    await catchAll(session.getAccessToken());

    const heldLong = issued(mock(), 'long')[0]?.value ?? '';
    const withoutCredentials = listen(new AuthSession({ baseUrl: BASE_URL, longToken: heldLong }));
    await catchAll(withoutCredentials.getAccessToken());
    await catchAll(
      new AuthSession({
        baseUrl: BASE_URL,
        credentials: { grant_type: 'client_credentials', client_id: 'c2m_abc123', otp_code: OTP },
      }).getAccessToken(),
    );
    collected.push(withoutCredentials);

    const secrets = [CLIENT_SECRET, OTP, ...mock().tokens.map((token) => token.value)];
    expect(collected.length).toBeGreaterThan(15);
    expect(mock().tokens.length).toBeGreaterThan(5);
    const rendered = collected
      .map((item) => `${inspect(item, { depth: 20, showHidden: true })}\n${safeJson(item)}\n${String(item)}`)
      .join('\n');
    const found = secrets.filter((secret) => rendered.includes(secret));
    expect(found).toEqual([]);
  });
});

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? '';
  } catch {
    return '';
  }
}
