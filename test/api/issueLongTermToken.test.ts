import { HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { AuthApi, AuthApiError, type LongTokenRequest, RequestValidationError } from '../../src/index.js';
import { useAuthMock } from '../support/kit.js';
import { ASSERTION, BASE_URL, CLIENT_SECRET, longTokenBody, OTP_CODE, onPost, SHORT_TOKEN, seen, settled, useMsw } from '../support/msw.js';

useMsw();

const bySecret: LongTokenRequest = {
  grant_type: 'client_credentials',
  client_id: 'c2m_abc123',
  client_secret: CLIENT_SECRET,
  scopes: ['jobs:submit', 'templates:read'],
  ttl_seconds: 7_776_000,
};

function answerLongToken(body: object = longTokenBody, headers: Record<string, string> = { 'X-Token-Id': 'tok_lt_b8e0aa' }): void {
  onPost('auth/tokens/long', () => HttpResponse.json(body, { status: 201, headers }));
}

describe('issueLongTermToken', () => {
  describe('against the testing kit', () => {
    const kit = useAuthMock({
      clients: [{ clientId: 'c2m_abc123', clientSecret: CLIENT_SECRET, otpCodes: [OTP_CODE], assertions: [ASSERTION] }],
    });

    it('sends the client-secret grant as JSON with X-Client-Id and returns the token', async () => {
      const token = await new AuthApi({ baseUrl: BASE_URL }).issueLongTermToken(bySecret);
      expect(token).toEqual({
        token_type: 'Bearer',
        access_token: kit().tokens[0]?.value,
        expires_in: 7_776_000,
        expires_at: expect.any(String),
        scopes: ['jobs:submit', 'templates:read'],
        token_id: 'tok_lt_1',
      });
      expect(await settled()).toHaveLength(1);
      const [request] = seen;
      expect(request?.method).toBe('POST');
      expect(request?.url).toBe(`${BASE_URL}/auth/tokens/long`);
      expect(request?.headers['x-client-id']).toBe('c2m_abc123');
      expect(request?.headers.authorization).toBeUndefined();
      expect(request?.headers['content-type']).toBe('application/json');
      expect(request?.headers.accept).toBe('application/json');
      expect(JSON.parse(request?.body ?? '')).toEqual(bySecret);
    });

    it('sends the OTP grant', async () => {
      const body: LongTokenRequest = {
        grant_type: 'client_credentials',
        client_id: 'c2m_abc123',
        otp_code: OTP_CODE,
        scopes: ['jobs:*'],
        ttl_seconds: 2_592_000,
      };
      const token = await new AuthApi({ baseUrl: BASE_URL }).issueLongTermToken(body);
      expect(token).toMatchObject({ expires_in: 2_592_000, scopes: ['jobs:*'] });
      expect(JSON.parse((await settled())[0]?.body ?? '')).toEqual(body);
      expect(seen[0]?.headers['x-client-id']).toBe('c2m_abc123');
    });

    it('sends the assertion grant', async () => {
      const body: LongTokenRequest = {
        grant_type: 'assertion',
        client_id: 'c2m_abc123',
        assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        assertion: ASSERTION,
        scopes: ['jobs:submit', 'templates:read'],
      };
      await expect(new AuthApi({ baseUrl: BASE_URL }).issueLongTermToken(body)).resolves.toMatchObject({ token_id: 'tok_lt_1' });
      expect(JSON.parse((await settled())[0]?.body ?? '')).toEqual(body);
    });

    it('authorises with a short token holding tokens:write, and sends no X-Client-Id', async () => {
      const api = new AuthApi({ baseUrl: BASE_URL });
      const writer = await api.issueShortTermToken({ scopes: ['tokens:write'] }, { longToken: kit().mintLongToken().access_token });
      const body: LongTokenRequest = { grant_type: 'client_credentials', client_id: 'c2m_abc123', scopes: ['jobs:submit'] };
      await expect(api.issueLongTermToken(body, { shortToken: writer.access_token })).resolves.toMatchObject({ scopes: ['jobs:submit'] });
      expect(seen[1]?.headers.authorization).toBe(`Bearer ${writer.access_token}`);
      expect(seen[1]?.headers['x-client-id']).toBeUndefined();
    });
  });

  it("uses the constructor's short token only when the body names no mechanism", async () => {
    answerLongToken();
    const api = new AuthApi({ baseUrl: BASE_URL, shortToken: () => SHORT_TOKEN });
    await api.issueLongTermToken({ grant_type: 'client_credentials', client_id: 'c2m_abc123' });
    await api.issueLongTermToken(bySecret);
    expect(seen.map((request) => [request.headers.authorization, request.headers['x-client-id']])).toEqual([
      [`Bearer ${SHORT_TOKEN}`, undefined],
      [undefined, 'c2m_abc123'],
    ]);
  });

  it('prefers the clientId option over the body for X-Client-Id', async () => {
    answerLongToken();
    await new AuthApi({ baseUrl: BASE_URL, clientId: 'c2m_ctor' }).issueLongTermToken(bySecret);
    await new AuthApi({ baseUrl: BASE_URL, clientId: 'c2m_ctor' }).issueLongTermToken(bySecret, { clientId: 'c2m_call' });
    expect(seen.map((request) => request.headers['x-client-id'])).toEqual(['c2m_ctor', 'c2m_call']);
  });

  it('takes token_id from the X-Token-Id header when the body has none', async () => {
    const { token_id: _omitted, ...withoutId } = longTokenBody;
    answerLongToken(withoutId, { 'X-Token-Id': 'tok_lt_from_header' });
    const token = await new AuthApi({ baseUrl: BASE_URL }).issueLongTermToken(bySecret);
    expect(token.token_id).toBe('tok_lt_from_header');
  });

  it("keeps the body's token_id over the header", async () => {
    answerLongToken(longTokenBody, { 'X-Token-Id': 'tok_other' });
    const token = await new AuthApi({ baseUrl: BASE_URL }).issueLongTermToken(bySecret);
    expect(token.token_id).toBe('tok_lt_b8e0aa');
  });

  it('exposes status and headers through withResponse', async () => {
    answerLongToken();
    const { data, status, headers } = await new AuthApi({ baseUrl: BASE_URL }).withResponse.issueLongTermToken(bySecret);
    expect(status).toBe(201);
    expect(headers.get('x-token-id')).toBe('tok_lt_b8e0aa');
    expect(data.access_token).toBe(longTokenBody.access_token);
  });

  it.each([
    [400, 'invalid_grant', 'The grant type is not supported'],
    [401, 'invalid_token', 'The provided token is expired or invalid'],
    [403, 'insufficient_scope', 'The token lacks tokens:write'],
  ])('maps %i to AuthApiError %s', async (status, code, message) => {
    onPost('auth/tokens/long', () => HttpResponse.json({ code, message, details: { field: 'grant_type' } }, { status }));
    const error = await new AuthApi({ baseUrl: BASE_URL }).issueLongTermToken(bySecret).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AuthApiError);
    expect(error).toMatchObject({
      name: 'AuthApiError',
      operation: 'issueLongTermToken',
      status,
      code,
      message: `issueLongTermToken: ${status} ${code}: ${message}`,
      serverMessage: message,
      details: { field: 'grant_type' },
    });
    expect(seen).toHaveLength(1);
  });

  describe('refuses bad input before sending anything', () => {
    const cases: [string, unknown, unknown[]][] = [
      ['an unknown field', { ...bySecret, colour: 'blue' }, [['body'], 'unknown field "colour"']],
      [
        'a missing client_id',
        { grant_type: 'client_credentials', client_secret: CLIENT_SECRET },
        [['body', 'client_id'], 'expected string'],
      ],
      ['an empty client_id', { ...bySecret, client_id: '' }, [['body', 'client_id'], 'must not be empty']],
      [
        'an unknown grant type',
        { ...bySecret, grant_type: 'password' },
        [['body', 'grant_type'], 'must be "client_credentials" or "assertion"'],
      ],
      [
        'a ttl below one hour',
        { ...bySecret, ttl_seconds: 3599 },
        [['body', 'ttl_seconds'], 'must be a whole number of seconds from 3600 to 7776000'],
      ],
      [
        'a ttl above 90 days',
        { ...bySecret, ttl_seconds: 7_776_001 },
        [['body', 'ttl_seconds'], 'must be a whole number of seconds from 3600 to 7776000'],
      ],
      [
        'a fractional ttl',
        { ...bySecret, ttl_seconds: 3600.5 },
        [['body', 'ttl_seconds'], 'must be a whole number of seconds from 3600 to 7776000'],
      ],
      ['scopes of the wrong type', { ...bySecret, scopes: 'jobs:*' }, [['body', 'scopes'], 'expected array']],
      [
        'no mechanism',
        { grant_type: 'client_credentials', client_id: 'c2m_abc123' },
        [['body'], 'client_credentials needs client_secret or otp_code (or a short token holding tokens:write)'],
      ],
      [
        'secret and OTP together',
        { ...bySecret, otp_code: OTP_CODE },
        [['body'], 'client_credentials takes client_secret or otp_code, not both'],
      ],
      [
        'an assertion without its type',
        { grant_type: 'assertion', client_id: 'c2m_abc123', assertion: ASSERTION },
        [['body', 'assertion_type'], 'is required with grant_type "assertion"'],
      ],
      [
        'an assertion with a secret',
        { grant_type: 'assertion', client_id: 'c2m_abc123', assertion_type: 't', assertion: ASSERTION, client_secret: CLIENT_SECRET },
        [['body', 'client_secret'], 'belongs to grant_type "client_credentials"'],
      ],
      [
        'assertion fields on client_credentials',
        { ...bySecret, assertion: ASSERTION },
        [['body', 'assertion'], 'belongs to grant_type "assertion"'],
      ],
      ['a body that is not an object', 'grant_type=client_credentials', [['body'], 'expected object']],
    ];
    it.each(cases)('%s', async (_name, body, [path, message]) => {
      const error = await new AuthApi({ baseUrl: BASE_URL })
        .issueLongTermToken(body as LongTokenRequest)
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(RequestValidationError);
      expect((error as RequestValidationError).issues).toContainEqual({ path, message });
      expect(seen).toHaveLength(0);
    });

    it('a short token beside a secret (two mechanisms)', async () => {
      const error = await new AuthApi({ baseUrl: BASE_URL })
        .issueLongTermToken(bySecret, { shortToken: SHORT_TOKEN })
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(RequestValidationError);
      expect((error as RequestValidationError).issues).toEqual([
        { path: ['body'], message: 'a short token authorises this call: send no client_secret or otp_code with it' },
      ]);
      expect(seen).toHaveLength(0);
    });

    it('a malformed short token, without echoing it', async () => {
      const error = await new AuthApi({ baseUrl: BASE_URL })
        .issueLongTermToken({ grant_type: 'client_credentials', client_id: 'c2m_abc123' }, { shortToken: 'bad token\r\nx-evil: 1' })
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(RequestValidationError);
      expect((error as Error).message).toBe(
        'issueLongTermToken: invalid request: options.shortToken: must hold visible ASCII characters only (no spaces or line breaks)',
      );
      expect(seen).toHaveLength(0);
    });
  });
});
