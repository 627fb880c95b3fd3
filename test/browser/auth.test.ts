import { setupWorker } from 'msw/browser';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AuthApi, AuthApiError, AuthSession, RequestValidationError, ResponseValidationError } from '../../src/index.js';
import { createAuthHandlers } from '../../src/testing/index.js';

// The same SDK and the same testing kit, in headless Chromium, through msw/browser's service worker.

const BASE_URL = 'https://api.c2m.test/v1';
const mock = createAuthHandlers({ baseUrl: BASE_URL });
const worker = setupWorker(...mock.handlers);
const credentials = { grant_type: 'client_credentials', client_id: 'c2m_abc123', client_secret: 'supersecret123' } as const;

beforeAll(async () => {
  await worker.start({ quiet: true, onUnhandledRequest: 'error' });
});
afterAll(() => {
  worker.stop();
});
beforeEach(() => {
  mock.reset();
});

describe('in a real browser', () => {
  it('runs in Chromium, not Node', () => {
    expect(typeof window).toBe('object');
    expect(navigator.userAgent).toContain('Chrome');
    expect(typeof (globalThis as { process?: unknown }).process).toBe('undefined');
  });

  it('AuthApi issues, exchanges and revokes', async () => {
    const api = new AuthApi({ baseUrl: BASE_URL });
    const long = await api.issueLongTermToken(credentials);
    const short = await api.issueShortTermToken({ scopes: ['jobs:submit'] }, { longToken: long.access_token });
    expect(short).toMatchObject({ token_type: 'Bearer', expires_in: 900, scopes: ['jobs:submit'], token_id: 'tok_st_2' });
    await api.revokeToken(long.token_id ?? '', { longToken: long.access_token });
    expect(mock.tokens.map((token) => token.revoked)).toEqual([true, true]);
    expect(mock.requests.map((entry) => `${entry.operation} ${entry.status}`)).toEqual([
      'issueLongTermToken 201',
      'issueShortTermToken 201',
      'revokeToken 204',
    ]);
  });

  it('AuthApi maps errors and refuses bad input without sending', async () => {
    const api = new AuthApi({ baseUrl: BASE_URL, retry: { issue: false } });
    const wrong = await api.issueLongTermToken({ ...credentials, client_secret: 'wrong' }).catch((caught: unknown) => caught);
    expect(wrong).toBeInstanceOf(AuthApiError);
    expect(wrong).toMatchObject({ status: 400, code: 'invalid_grant' });
    const invalid = await api.issueLongTermToken({ ...credentials, ttl_seconds: 5 }).catch((caught: unknown) => caught);
    expect(invalid).toBeInstanceOf(RequestValidationError);
    expect(mock.requests).toHaveLength(1);
  });

  it('AuthSession shares one refresh and replays a POST after a 401 through session.fetch', async () => {
    const session = new AuthSession({ baseUrl: BASE_URL, credentials });
    const tokens = await Promise.all(Array.from({ length: 50 }, () => session.getAccessToken()));
    expect(new Set(tokens).size).toBe(1);
    expect([mock.count('issueLongTermToken'), mock.count('issueShortTermToken')]).toEqual([1, 1]);
    mock.revokeAll();
    const response = await session.fetch(`${BASE_URL}/jobs`, { method: 'POST', body: JSON.stringify({ copies: 3 }) });
    expect(response.status).toBe(201);
    expect(mock.jobBodies).toEqual(['{"copies":3}']);
    expect(mock.requests.filter((entry) => entry.operation === 'jobs').map((entry) => entry.status)).toEqual([401, 201]);
    await session.revoke();
  });

  it('rejects a malformed success with ResponseValidationError', async () => {
    mock.failNext('issueShortTermToken', { status: 200 });
    const error = await new AuthApi({ baseUrl: BASE_URL, longToken: mock.mintLongToken().access_token })
      .issueShortTermToken()
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ResponseValidationError);
  });
});
