import { describe, expect, it } from 'vitest';
import { AuthApi } from '../../src/index.js';
import { createAuthHandlers } from '../../src/testing/index.js';
import { issued, useAuthMock } from '../support/kit.js';
import { BASE_URL, server, useMsw } from '../support/msw.js';

// What the mock auth server answers, body and all, to each request a test (or an SDK under test) can
// send it: the exact AuthError of every refusal, the Authorization header it reads, its defaults,
// and what its steering methods do at their edges.

useMsw();
const mock = useAuthMock({
  clients: [
    { clientId: 'c2m_abc123', clientSecret: 'supersecret123', otpCodes: ['123456', '654321'], assertions: ['signed.jwt.value'] },
    { clientId: 'c2m_narrow', clientSecret: 'narrow-secret', otpCodes: ['123456'], scopes: ['jobs:submit', 'tokens:write'] },
  ],
});

const bySecret = { grant_type: 'client_credentials', client_id: 'c2m_abc123', client_secret: 'supersecret123' } as const;
const clientKey = { 'x-client-id': 'c2m_abc123' };
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** A raw request under BASE_URL: its status and JSON body (undefined when empty). */
async function send(path: string, init: { method?: string; headers?: Record<string, string>; body?: unknown } = {}) {
  const response = await fetch(`${BASE_URL}/${path}`, {
    method: init.method ?? 'POST',
    headers: { 'content-type': 'application/json', ...init.headers },
    body: init.body === undefined ? null : typeof init.body === 'string' ? init.body : JSON.stringify(init.body),
  });
  const text = await response.text();
  return [response.status, text === '' ? undefined : JSON.parse(text)] as const;
}
const postLong = (body: unknown, headers: Record<string, string>) => send('auth/tokens/long', { body, headers });
const error = (status: number, code: string, message: string) => [status, { code, message }] as const;
const shortOf = async (clientId: string, scopes: string[]) => {
  const long = mock().mintLongToken({ clientId, scopes });
  const [, short] = await send('auth/tokens/short', { headers: bearer(long.access_token) });
  return (short as { access_token: string }).access_token;
};

describe('the mock server: the AuthError of each refusal of POST /auth/tokens/long', () => {
  it('a body that is not a LongTokenRequest: 400 invalid_request', async () => {
    const invalid = error(400, 'invalid_request', 'The request body is not a valid LongTokenRequest');
    expect(await postLong('grant_type=client_credentials', clientKey)).toEqual(invalid);
    expect(await postLong({ ...bySecret, client_secret: 'supersecret123\n' }, clientKey)).toEqual(invalid);
    expect(await postLong({ ...bySecret, colour: 'blue' }, clientKey)).toEqual(invalid);
  });

  it('an X-Client-Id naming another client, or a client it does not know: 401 invalid_client', async () => {
    expect(await postLong(bySecret, { 'x-client-id': 'c2m_narrow' })).toEqual(
      error(401, 'invalid_client', 'X-Client-Id is not the client of the body'),
    );
    expect(await postLong({ ...bySecret, client_id: 'c2m_nobody' }, { 'x-client-id': 'c2m_nobody' })).toEqual(
      error(401, 'invalid_client', 'Unknown client'),
    );
  });

  it('two mechanisms: 400 invalid_grant', async () => {
    expect(await postLong({ ...bySecret, otp_code: '123456' }, clientKey)).toEqual(
      error(400, 'invalid_grant', 'Exactly one step-up mechanism is required'),
    );
  });

  it('a credential the client does not have, or an OTP code it has spent: 400 invalid_grant', async () => {
    const invalid = error(400, 'invalid_grant', 'The grant is not valid for this client');
    const byOtp = (otp_code: string) => ({ grant_type: 'client_credentials', client_id: 'c2m_abc123', otp_code });
    expect(await postLong({ ...bySecret, client_secret: 'narrow-secret' }, clientKey)).toEqual(invalid);
    expect(await postLong(byOtp('111111'), clientKey)).toEqual(invalid);
    expect((await postLong(byOtp('654321'), clientKey))[0]).toBe(201);
    expect(await postLong(byOtp('654321'), clientKey)).toEqual(invalid);
    const byAssertion = { grant_type: 'assertion', client_id: 'c2m_abc123', assertion_type: 'urn:x', assertion: 'forged.jwt' };
    expect(await postLong(byAssertion, clientKey)).toEqual(invalid);
    expect(issued(mock(), 'long')).toHaveLength(1);
  });

  it('an assertion or OTP code from a client that has none: 400 invalid_grant', async () => {
    const narrow = { 'x-client-id': 'c2m_narrow' };
    const byAssertion = { grant_type: 'assertion', client_id: 'c2m_narrow', assertion_type: 'urn:x', assertion: 'signed.jwt.value' };
    expect(await postLong(byAssertion, narrow)).toEqual(error(400, 'invalid_grant', 'The grant is not valid for this client'));
    const secretOnly = createAuthHandlers({ baseUrl: BASE_URL, clients: [{ clientId: 'c2m_secret', clientSecret: 's' }] });
    server.use(...secretOnly.handlers);
    const byOtp = { grant_type: 'client_credentials', client_id: 'c2m_secret', otp_code: '123456' };
    expect(await postLong(byOtp, { 'x-client-id': 'c2m_secret' })).toEqual(
      error(400, 'invalid_grant', 'The grant is not valid for this client'),
    );
    expect([issued(mock(), 'long'), secretOnly.tokens]).toEqual([[], []]);
  });

  it('a scope beyond the client: 403 insufficient_scope', async () => {
    const narrow = { grant_type: 'client_credentials', client_id: 'c2m_narrow', client_secret: 'narrow-secret', scopes: ['jobs:*'] };
    expect(await postLong(narrow, { 'x-client-id': 'c2m_narrow' })).toEqual(
      error(403, 'insufficient_scope', 'A requested scope is not allowed for this client'),
    );
  });

  it('a bearer token that is unknown, lacks tokens:write, or is another client’s', async () => {
    const viaShort = { grant_type: 'client_credentials', client_id: 'c2m_abc123' };
    expect(await postLong(viaShort, bearer('eyJ.unknown.1'))).toEqual(
      error(401, 'invalid_token', 'The provided token is expired or invalid'),
    );
    expect(await postLong(viaShort, bearer(await shortOf('c2m_abc123', ['jobs:*'])))).toEqual(
      error(403, 'insufficient_scope', 'The token lacks the tokens:write scope'),
    );
    expect(await postLong(viaShort, bearer(await shortOf('c2m_narrow', ['tokens:write'])))).toEqual(
      error(403, 'insufficient_scope', 'The token belongs to another client'),
    );
  });
});

describe('the mock server: the AuthError of each refusal of POST /auth/tokens/short', () => {
  it('a body that is not JSON, or not a ShortTokenRequest: 400 invalid_request', async () => {
    const long = mock().mintLongToken();
    const post = (body: unknown) => send('auth/tokens/short', { headers: bearer(long.access_token), body });
    expect(await post('{"scopes":')).toEqual(error(400, 'invalid_request', 'The request body is not JSON'));
    expect(await post({ scopes: 'jobs:*' })).toEqual(error(400, 'invalid_request', 'The request body is not a valid ShortTokenRequest'));
    expect(await post({ scopes: ['jobs:*'], ttl_seconds: 60 })).toEqual(
      error(400, 'invalid_request', 'The request body is not a valid ShortTokenRequest'),
    );
    expect(await post({ scopes: ['admin:*'] })).toEqual(error(400, 'invalid_scope', 'A requested scope exceeds the long token'));
    expect(issued(mock(), 'short')).toEqual([]);
  });
});

describe('the mock server: POST /auth/tokens/{id}/revoke', () => {
  it('refuses a caller without a valid token: 401 invalid_token, and revokes nothing', async () => {
    const long = mock().mintLongToken();
    expect(await send(`auth/tokens/${long.token_id}/revoke`, { headers: bearer('lt_unknown') })).toEqual(
      error(401, 'invalid_token', 'The provided token is expired or invalid'),
    );
    expect(await send(`auth/tokens/${long.token_id}/revoke`)).toEqual(
      error(401, 'invalid_token', 'The provided token is expired or invalid'),
    );
    expect(mock().tokens.map((token) => token.revoked)).toEqual([false]);
  });

  it('answers 404 not_found for an id it never issued, and 204 for one it did', async () => {
    const long = mock().mintLongToken();
    expect(await send('auth/tokens/tok_lt_9/revoke', { headers: bearer(long.access_token) })).toEqual(
      error(404, 'not_found', 'Token not found'),
    );
    expect(await send(`auth/tokens/${long.token_id}/revoke`, { headers: bearer(long.access_token) })).toEqual([204, undefined]);
  });
});

describe('the mock server: the Authorization header', () => {
  it('reads exactly "Bearer <token>", nothing before or after it', async () => {
    const long = mock().mintLongToken();
    const short = await shortOf('c2m_abc123', ['jobs:*']);
    const jobs = (authorization: string) => send('jobs', { method: 'GET', headers: { authorization } });
    expect(await jobs(`Bearer ${short}`)).toEqual([200, { jobs: [] }]);
    expect(await jobs(`XBearer ${short}`)).toEqual(error(401, 'invalid_token', 'The provided token is expired or invalid'));
    expect(await jobs(`Bearer ${short} ${long.access_token}`)).toEqual(
      error(401, 'invalid_token', 'The provided token is expired or invalid'),
    );
  });

  it('counts in expiredOrRevokedUses only expired or revoked tokens, not unknown ones or the wrong kind', async () => {
    const long = mock().mintLongToken();
    const short = await shortOf('c2m_abc123', ['jobs:*']);
    await send('jobs', { method: 'GET', headers: bearer('eyJ.unknown.1') });
    await send('jobs', { method: 'GET', headers: bearer(long.access_token) });
    expect(mock().expiredOrRevokedUses).toBe(0);
    mock().revoke(issued(mock(), 'short')[0]?.id as string);
    expect(await send('jobs', { method: 'GET', headers: bearer(short) })).toEqual(
      error(401, 'invalid_token', 'The provided token is expired or invalid'),
    );
    expect(mock().expiredOrRevokedUses).toBe(1);
  });
});

describe('the mock server: grants', () => {
  it('spends an OTP code only for its own client, whatever the ids and codes contain', async () => {
    const clients = createAuthHandlers({
      baseUrl: BASE_URL,
      clients: [
        { clientId: 'acme', otpCodes: ['eu:123456'] },
        { clientId: 'acme:eu', otpCodes: ['123456'] },
      ],
    });
    server.use(...clients.handlers);
    const api = new AuthApi({ baseUrl: BASE_URL, retry: false });
    await api.issueLongTermToken({ grant_type: 'client_credentials', client_id: 'acme', otp_code: 'eu:123456' });
    await api.issueLongTermToken({ grant_type: 'client_credentials', client_id: 'acme:eu', otp_code: '123456' });
    expect(clients.tokens.map((token) => token.clientId)).toEqual(['acme', 'acme:eu']);
  });

  it('lets two clients each spend the same OTP code once', async () => {
    const byOtp = (client_id: string) => ({ grant_type: 'client_credentials', client_id, otp_code: '123456' });
    expect((await postLong(byOtp('c2m_abc123'), clientKey))[0]).toBe(201);
    expect((await postLong(byOtp('c2m_narrow'), { 'x-client-id': 'c2m_narrow' }))[0]).toBe(201);
    expect(issued(mock(), 'long').map((token) => token.clientId)).toEqual(['c2m_abc123', 'c2m_narrow']);
  });

  it("issues, for a short token of a client it does not know, a long token with that short token's scopes", async () => {
    const short = await shortOf('c2m_backend', ['tokens:write', 'jobs:submit']);
    const [status, body] = await postLong({ grant_type: 'client_credentials', client_id: 'c2m_backend' }, bearer(short));
    expect([status, body.scopes, body.token_id]).toEqual([201, ['tokens:write', 'jobs:submit'], 'tok_lt_3']);
  });
});

describe('the mock server: defaults and steering', () => {
  it('answers under https://api.example.com/v1 for one client with its secret, its OTP code and every scope', async () => {
    const defaults = createAuthHandlers();
    server.use(...defaults.handlers);
    const api = new AuthApi({ baseUrl: 'https://api.example.com/v1', retry: false });
    const bySecretToken = await api.issueLongTermToken(bySecret);
    expect(bySecretToken.scopes).toEqual(['jobs:*', 'templates:read', 'tokens:write', 'tokens:revoke']);
    await api.issueLongTermToken({ grant_type: 'client_credentials', client_id: 'c2m_abc123', otp_code: '123456' });
    expect(defaults.tokens.map((token) => token.clientId)).toEqual(['c2m_abc123', 'c2m_abc123']);
  });

  it('answers under its base URL without any of its trailing slashes', async () => {
    const other = createAuthHandlers({ baseUrl: 'https://elsewhere.test/api//' });
    server.use(...other.handlers);
    await new AuthApi({ baseUrl: 'https://elsewhere.test/api' }).issueLongTermToken(bySecret);
    expect(other.requests.map((entry) => [entry.url, entry.status])).toEqual([['https://elsewhere.test/api/auth/tokens/long', 201]]);
  });

  it('lists the bodies posted to /jobs, numbered, on GET /jobs', async () => {
    const short = await shortOf('c2m_abc123', ['jobs:*']);
    await send('jobs', { headers: bearer(short), body: '{"copies":1}' });
    await send('jobs', { headers: bearer(short), body: '{"copies":2}' });
    expect(await send('jobs', { method: 'GET', headers: bearer(short) })).toEqual([
      200,
      {
        jobs: [
          { id: 'job_1', body: '{"copies":1}' },
          { id: 'job_2', body: '{"copies":2}' },
        ],
      },
    ]);
  });

  it('logs and counts the example resource as the operation "jobs"', async () => {
    const short = await shortOf('c2m_abc123', ['jobs:*']);
    await send('jobs', { method: 'GET', headers: bearer(short) });
    expect(mock().requests.map((entry) => [entry.operation, entry.method, entry.status])).toEqual([
      ['issueShortTermToken', 'POST', 201],
      ['jobs', 'GET', 200],
    ]);
    expect(mock().count('jobs')).toBe(1);
  });

  it('revokes every token at once, and counts each later use', async () => {
    const short = await shortOf('c2m_abc123', ['jobs:*']);
    const other = mock().mintLongToken({ clientId: 'c2m_narrow' });
    mock().revokeAll();
    expect(mock().tokens.map((token) => token.revoked)).toEqual([true, true, true]);
    expect(await send('jobs', { method: 'GET', headers: bearer(short) })).toEqual(
      error(401, 'invalid_token', 'The provided token is expired or invalid'),
    );
    expect(await send('auth/tokens/short', { headers: bearer(other.access_token) })).toEqual(
      error(401, 'invalid_token', 'The provided token is expired or invalid'),
    );
    expect(mock().expiredOrRevokedUses).toBe(2);
  });

  it('mints for the first configured client by default, with its scopes', () => {
    const first = createAuthHandlers({ clients: [{ clientId: 'c2m_first', clientSecret: 's', scopes: ['jobs:submit'] }] });
    expect(first.mintLongToken()).toMatchObject({ scopes: ['jobs:submit'], token_id: 'tok_lt_1' });
    expect(first.tokens.map((token) => token.clientId)).toEqual(['c2m_first']);
  });

  it('revokes by id as an admin, and ignores an id it never issued', () => {
    const long = mock().mintLongToken();
    mock().revoke('tok_lt_9');
    expect(mock().tokens.map((token) => token.revoked)).toEqual([false]);
    mock().revoke(long.token_id as string);
    expect(mock().tokens.map((token) => token.revoked)).toEqual([true]);
  });
});
