import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AuthApi, type AuthApiError, NetworkError } from '../../src/index.js';
import { createAuthHandlers } from '../../src/testing/index.js';
import { issued, useAuthMock } from '../support/kit.js';
import { BASE_URL, server, useMsw } from '../support/msw.js';

useMsw();
const mock = useAuthMock({
  clients: [
    { clientId: 'c2m_abc123', clientSecret: 'supersecret123', otpCodes: ['123456'], assertions: ['signed.jwt.value'] },
    { clientId: 'c2m_narrow', clientSecret: 'narrow-secret', scopes: ['jobs:submit'] },
  ],
});

const api = () => new AuthApi({ baseUrl: BASE_URL, retry: { issue: false, revoke: false } });
const bySecret = { grant_type: 'client_credentials', client_id: 'c2m_abc123', client_secret: 'supersecret123' } as const;
const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: unknown) => error as AuthApiError,
  );

describe('createAuthHandlers: long tokens', () => {
  it('issues a long token for the client secret with an id, a lifetime and X-Token-Id', async () => {
    const { data, headers } = await api().withResponse.issueLongTermToken({ ...bySecret, ttl_seconds: 86_400, scopes: ['jobs:*'] });
    expect(data).toMatchObject({ token_type: 'Bearer', expires_in: 86_400, scopes: ['jobs:*'], token_id: 'tok_lt_1' });
    expect(headers.get('x-token-id')).toBe('tok_lt_1');
    expect(mock().tokens).toHaveLength(1);
  });

  it('accepts a one-time OTP code once', async () => {
    const body = { grant_type: 'client_credentials', client_id: 'c2m_abc123', otp_code: '123456' } as const;
    await api().issueLongTermToken(body);
    expect(await failure(api().issueLongTermToken(body))).toMatchObject({ status: 400, code: 'invalid_grant' });
  });

  it('accepts a known assertion and refuses another', async () => {
    const body = {
      grant_type: 'assertion',
      client_id: 'c2m_abc123',
      assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    } as const;
    await api().issueLongTermToken({ ...body, assertion: 'signed.jwt.value' });
    expect(await failure(api().issueLongTermToken({ ...body, assertion: 'forged.jwt' }))).toMatchObject({
      status: 400,
      code: 'invalid_grant',
    });
  });

  it('refuses a wrong secret, an unknown client, and scopes beyond the client', async () => {
    expect(await failure(api().issueLongTermToken({ ...bySecret, client_secret: 'wrong' }))).toMatchObject({
      status: 400,
      code: 'invalid_grant',
    });
    expect(await failure(api().issueLongTermToken({ ...bySecret, client_id: 'c2m_nobody' }))).toMatchObject({
      status: 401,
      code: 'invalid_client',
    });
    const narrow = { grant_type: 'client_credentials', client_id: 'c2m_narrow', client_secret: 'narrow-secret' } as const;
    expect(await failure(api().issueLongTermToken({ ...narrow, scopes: ['templates:read'] }))).toMatchObject({
      status: 403,
      code: 'insufficient_scope',
    });
  });

  it('issues with a short token only when it holds tokens:write', async () => {
    const long = await api().issueLongTermToken(bySecret);
    const writer = await api().issueShortTermToken({ scopes: ['tokens:write'] }, { longToken: long.access_token });
    const reader = await api().issueShortTermToken({ scopes: ['jobs:submit'] }, { longToken: long.access_token });
    const viaShort = { grant_type: 'client_credentials', client_id: 'c2m_abc123' } as const;
    expect((await api().issueLongTermToken(viaShort, { shortToken: writer.access_token })).token_id).toBe('tok_lt_4');
    expect(await failure(api().issueLongTermToken(viaShort, { shortToken: reader.access_token }))).toMatchObject({
      status: 403,
      code: 'insufficient_scope',
    });
  });
});

describe('createAuthHandlers: refuses what the real server refuses', () => {
  /** POST /auth/tokens/long as any client could send it, past AuthApi's own checks. */
  const postLong = async (body: Record<string, unknown>, headers: Record<string, string>) => {
    const response = await fetch(`${BASE_URL}/auth/tokens/long`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
    return [response.status, ((await response.json()) as { code: string }).code];
  };
  const shortWith = async (scopes: string[], clientId = 'c2m_abc123') => {
    const long = mock().mintLongToken({ clientId, scopes });
    return (await api().issueShortTermToken(undefined, { longToken: long.access_token })).access_token;
  };

  it('refuses credentials in the body without an X-Client-Id, or with another client in it: 401 invalid_client', async () => {
    expect(await postLong(bySecret, {})).toEqual([401, 'invalid_client']);
    expect(await postLong(bySecret, { 'x-client-id': 'c2m_narrow' })).toEqual([401, 'invalid_client']);
    expect(await failure(api().issueLongTermToken(bySecret, { clientId: 'c2m_narrow' }))).toMatchObject({
      status: 401,
      code: 'invalid_client',
    });
    expect(issued(mock(), 'long')).toEqual([]);
  });

  it('refuses two step-up mechanisms in one call, a short token with a secret included: 400 invalid_grant', async () => {
    const clientKey = { 'x-client-id': 'c2m_abc123' };
    expect(await postLong({ ...bySecret, otp_code: '123456' }, clientKey)).toEqual([400, 'invalid_grant']);
    expect(await postLong({ ...bySecret, assertion_type: 'urn:x', assertion: 'signed.jwt.value' }, clientKey)).toEqual([
      400,
      'invalid_grant',
    ]);
    const writer = await shortWith(['tokens:write']);
    const bearer = { authorization: `Bearer ${writer}` };
    expect(await postLong(bySecret, bearer)).toEqual([400, 'invalid_grant']);
    expect(await postLong({ ...bySecret, client_secret: 'wrong' }, bearer)).toEqual([400, 'invalid_grant']);
    expect(await postLong({ grant_type: 'client_credentials', client_id: 'c2m_abc123', otp_code: '123456' }, bearer)).toEqual([
      400,
      'invalid_grant',
    ]);
    expect(issued(mock(), 'long')).toHaveLength(1);
    // The OTP code was never spent on a refused call: it still works, once.
    expect(await postLong({ grant_type: 'client_credentials', client_id: 'c2m_abc123', otp_code: '123456' }, clientKey)).toEqual([
      201,
      undefined,
    ]);
  });

  it("refuses another client's short token, even one holding tokens:write: 403 insufficient_scope", async () => {
    const othersWriter = await shortWith(['tokens:write'], 'c2m_narrow');
    const viaShort = { grant_type: 'client_credentials', client_id: 'c2m_abc123' } as const;
    expect(await failure(api().issueLongTermToken(viaShort, { shortToken: othersWriter }))).toMatchObject({
      status: 403,
      code: 'insufficient_scope',
    });
    expect(await postLong(viaShort, { authorization: `Bearer ${othersWriter}`, 'x-client-id': 'c2m_narrow' })).toEqual([
      401,
      'invalid_client',
    ]);
    expect(issued(mock(), 'long').map((token) => token.clientId)).toEqual(['c2m_narrow']);
  });
});

describe('createAuthHandlers: short tokens, expiry and revocation', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.parse('2026-05-01T00:00:00Z'));
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('exchanges a valid long token, narrowing scopes, and refuses a wider one', async () => {
    const long = await api().issueLongTermToken({ ...bySecret, scopes: ['jobs:submit', 'templates:read'] });
    const short = await api().issueShortTermToken({ scopes: ['jobs:submit'] }, { longToken: long.access_token });
    expect(short).toMatchObject({ expires_in: 900, scopes: ['jobs:submit'], expires_at: '2026-05-01T00:15:00.000Z' });
    expect(await failure(api().issueShortTermToken({ scopes: ['tokens:write'] }, { longToken: long.access_token }))).toMatchObject({
      status: 400,
      code: 'invalid_scope',
    });
  });

  it('expires tokens by Date.now() and counts every use of an expired or revoked token', async () => {
    const long = await api().issueLongTermToken(bySecret);
    const short = await api().issueShortTermToken(undefined, { longToken: long.access_token });
    vi.setSystemTime(Date.now() + 900_000);
    const jobs = await fetch(`${BASE_URL}/jobs`, { headers: { authorization: `Bearer ${short.access_token}` } });
    expect(jobs.status).toBe(401);
    expect(await jobs.json()).toEqual({ code: 'invalid_token', message: 'The provided token is expired or invalid' });
    await api().revokeToken(long.token_id ?? '', { longToken: long.access_token });
    expect(await failure(api().issueShortTermToken(undefined, { longToken: long.access_token }))).toMatchObject({ status: 401 });
    expect(mock().expiredOrRevokedUses).toBe(2);
  });

  it('revokes idempotently, a long token taking its short tokens with it, and answers 404 for unknown ids', async () => {
    const long = await api().issueLongTermToken(bySecret);
    const short = await api().issueShortTermToken(undefined, { longToken: long.access_token });
    const other = await api().issueLongTermToken(bySecret);
    await api().revokeToken(long.token_id ?? '', { longToken: other.access_token });
    await api().revokeToken(long.token_id ?? '', { longToken: other.access_token });
    expect(issued(mock(), 'short').map((token) => [token.value === short.access_token, token.revoked])).toEqual([[true, true]]);
    expect(await failure(api().revokeToken('tok_nope', { longToken: other.access_token }))).toMatchObject({
      status: 404,
      code: 'not_found',
    });
  });

  it('serves GET and POST /jobs to a valid short token only', async () => {
    const long = await api().issueLongTermToken(bySecret);
    const short = await api().issueShortTermToken(undefined, { longToken: long.access_token });
    const post = await fetch(`${BASE_URL}/jobs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${short.access_token}` },
      body: '{"copies":1}',
    });
    expect([post.status, await post.json()]).toEqual([201, { id: 'job_1' }]);
    const withLong = await fetch(`${BASE_URL}/jobs`, { headers: { authorization: `Bearer ${long.access_token}` } });
    expect(withLong.status).toBe(401);
    expect(mock().jobBodies).toEqual(['{"copies":1}']);
  });
});

describe('createAuthHandlers: log and faults', () => {
  it('logs every request with its operation and status, and counts per operation', async () => {
    const long = await api().issueLongTermToken(bySecret);
    await failure(api().issueShortTermToken(undefined, { longToken: 'lt_unknown' }));
    await api().issueShortTermToken(undefined, { longToken: long.access_token });
    expect(mock().requests.map((entry) => [entry.operation, entry.method, entry.status])).toEqual([
      ['issueLongTermToken', 'POST', 201],
      ['issueShortTermToken', 'POST', 401],
      ['issueShortTermToken', 'POST', 201],
    ]);
    expect([mock().count('issueLongTermToken'), mock().count('issueShortTermToken'), mock().count('revokeToken')]).toEqual([1, 2, 0]);
  });

  it('answers the next N calls with an injected status and Retry-After, then recovers', async () => {
    mock().failNext('issueLongTermToken', { times: 2, status: 429, retryAfterSeconds: 30 });
    expect(await failure(api().issueLongTermToken(bySecret))).toMatchObject({ status: 429, code: 'rate_limited', retryAfter: 30 });
    expect(await failure(api().issueLongTermToken(bySecret))).toMatchObject({ status: 429 });
    await expect(api().issueLongTermToken(bySecret)).resolves.toMatchObject({ token_id: 'tok_lt_1' });
  });

  it('injects a network error', async () => {
    mock().failNext('revokeToken', { networkError: true });
    expect(await failure(api().revokeToken('tok_1', { longToken: 'lt_x' }))).toBeInstanceOf(NetworkError);
    expect(mock().requests.map((entry) => entry.status)).toEqual([0]);
  });

  it('mints a long token for tests and forgets everything on reset', () => {
    const minted = mock().mintLongToken({ scopes: ['jobs:submit'], ttlSeconds: 3600 });
    expect(minted).toMatchObject({ token_type: 'Bearer', expires_in: 3600, scopes: ['jobs:submit'], token_id: 'tok_lt_1' });
    mock().reset();
    expect([mock().tokens, mock().requests]).toEqual([[], []]);
  });

  it('answers under its own base URL only', async () => {
    const other = createAuthHandlers({ baseUrl: 'https://elsewhere.test/api/' });
    server.use(...other.handlers);
    const response = await new AuthApi({ baseUrl: 'https://elsewhere.test/api' }).issueLongTermToken(bySecret);
    expect(response.token_id).toBe('tok_lt_1');
    expect([other.count('issueLongTermToken'), mock().count('issueLongTermToken')]).toEqual([1, 0]);
  });
});
