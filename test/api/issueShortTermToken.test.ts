import { HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { AuthApi, AuthApiError, RequestValidationError, ResponseValidationError, type ShortTokenRequest } from '../../src/index.js';
import { BASE_URL, LONG_TOKEN, onPost, SHORT_TOKEN, seen, settled, shortTokenBody, useMsw } from '../support/msw.js';

useMsw();

function answerShortToken(body: object = shortTokenBody, init: ResponseInit = { status: 201 }): void {
  onPost('auth/tokens/short', () => HttpResponse.json(body, init));
}

describe('issueShortTermToken', () => {
  it('exchanges the long token in the Authorization header and sends the narrowing body', async () => {
    answerShortToken();
    const api = new AuthApi({ baseUrl: `${BASE_URL}/`, longToken: LONG_TOKEN });
    const token = await api.issueShortTermToken({ scopes: ['jobs:submit', 'templates:read'] });
    expect(token).toEqual(shortTokenBody);
    expect(seen).toHaveLength(1);
    expect(seen[0]?.url).toBe(`${BASE_URL}/auth/tokens/short`);
    expect(seen[0]?.headers.authorization).toBe(`Bearer ${LONG_TOKEN}`);
    expect(seen[0]?.headers['x-client-id']).toBeUndefined();
    expect(JSON.parse((await settled())[0]?.body ?? '')).toEqual({ scopes: ['jobs:submit', 'templates:read'] });
  });

  it('sends no body when none is given', async () => {
    answerShortToken();
    await new AuthApi({ baseUrl: BASE_URL }).issueShortTermToken(undefined, { longToken: LONG_TOKEN });
    expect((await settled())[0]?.body).toBe('');
    expect(seen[0]?.headers['content-type']).toBeUndefined();
  });

  it("prefers the call's long token, then the constructor's, then body.long_token", async () => {
    answerShortToken();
    const withCtor = new AuthApi({ baseUrl: BASE_URL, longToken: async () => 'lt_from_ctor_fn' });
    await withCtor.issueShortTermToken(undefined, { longToken: 'lt_from_call' });
    await withCtor.issueShortTermToken();
    await new AuthApi({ baseUrl: BASE_URL }).issueShortTermToken({ long_token: 'lt_from_body' });
    expect(seen.map((request) => request.headers.authorization)).toEqual([
      'Bearer lt_from_call',
      'Bearer lt_from_ctor_fn',
      'Bearer lt_from_body',
    ]);
  });

  it('keeps fields it does not know (forward compatible)', async () => {
    answerShortToken({ ...shortTokenBody, refresh_hint: 60 });
    const token = await new AuthApi({ baseUrl: BASE_URL, longToken: LONG_TOKEN }).issueShortTermToken();
    expect(token).toEqual({ ...shortTokenBody, refresh_hint: 60 });
  });

  it('accepts a token without the optional scopes and token_id', async () => {
    const { scopes: _s, token_id: _t, ...minimal } = shortTokenBody;
    answerShortToken(minimal);
    const token = await new AuthApi({ baseUrl: BASE_URL, longToken: LONG_TOKEN }).issueShortTermToken();
    expect(token).toEqual(minimal);
  });

  it('needs a long token, and sends nothing without one', async () => {
    const error = await new AuthApi({ baseUrl: BASE_URL }).issueShortTermToken().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RequestValidationError);
    expect((error as RequestValidationError).issues).toEqual([
      {
        path: ['options', 'longToken'],
        message: 'a long token is required (the longToken option, the constructor option, or body.long_token)',
      },
    ]);
    expect(seen).toHaveLength(0);
  });

  it.each([
    ['an unknown field', { scopes: [], long: 'x' }, { path: ['body'], message: 'unknown field "long"' }],
    ['scopes that are not strings', { scopes: [1] }, { path: ['body', 'scopes', 0], message: 'expected string' }],
    ['an empty scope', { scopes: [''] }, { path: ['body', 'scopes', 0], message: 'must not be empty' }],
  ])('refuses %s before sending', async (_name, body, issue) => {
    const api = new AuthApi({ baseUrl: BASE_URL, longToken: LONG_TOKEN });
    const error = await api.issueShortTermToken(body as ShortTokenRequest).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RequestValidationError);
    expect((error as RequestValidationError).issues).toEqual([issue]);
    expect(seen).toHaveLength(0);
  });

  it('refuses a token function that returns no token, without sending', async () => {
    const api = new AuthApi({ baseUrl: BASE_URL, longToken: () => '' });
    const error = await api.issueShortTermToken().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RequestValidationError);
    expect((error as RequestValidationError).issues).toEqual([{ path: ['options', 'longToken'], message: 'must not be empty' }]);
    expect(seen).toHaveLength(0);
  });

  it('wraps a token function that throws, keeping its error as cause', async () => {
    const failure = new Error('vault unreachable');
    const api = new AuthApi({ baseUrl: BASE_URL, longToken: () => Promise.reject(failure) });
    const error = await api.issueShortTermToken().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RequestValidationError);
    expect((error as Error).cause).toBe(failure);
    expect(seen).toHaveLength(0);
  });

  it.each([
    [400, 'invalid_grant', 'The grant type is not supported'],
    [401, 'invalid_token', 'The provided token is expired or invalid'],
  ])('maps %i to AuthApiError %s', async (status, code, message) => {
    answerShortToken({ code, message }, { status });
    const error = await new AuthApi({ baseUrl: BASE_URL, longToken: LONG_TOKEN }).issueShortTermToken().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AuthApiError);
    expect(error).toMatchObject({
      status,
      code,
      message: `issueShortTermToken: ${status} ${code}: ${message}`,
      serverMessage: message,
      details: undefined,
      retryAfter: undefined,
      operation: 'issueShortTermToken',
    });
  });

  describe('rejects a malformed success with ResponseValidationError', () => {
    const valid = shortTokenBody;
    const cases: [string, () => Response, unknown[]][] = [
      [
        'a missing access_token',
        () => HttpResponse.json({ ...valid, access_token: undefined }, { status: 201 }),
        [{ path: ['access_token'], message: 'expected string' }],
      ],
      [
        'a string expires_in',
        () => HttpResponse.json({ ...valid, expires_in: '900' }, { status: 201 }),
        [{ path: ['expires_in'], message: 'expected number' }],
      ],
      [
        'a fractional expires_in',
        () => HttpResponse.json({ ...valid, expires_in: 899.5 }, { status: 201 }),
        [{ path: ['expires_in'], message: 'must be a whole number of seconds, 0 or more' }],
      ],
      [
        'a negative expires_in',
        () => HttpResponse.json({ ...valid, expires_in: -1 }, { status: 201 }),
        [{ path: ['expires_in'], message: 'must be a whole number of seconds, 0 or more' }],
      ],
      [
        'a token_type other than Bearer',
        () => HttpResponse.json({ ...valid, token_type: 'MAC' }, { status: 201 }),
        [{ path: ['token_type'], message: 'must be "Bearer"' }],
      ],
      [
        'an expires_at that is no date-time',
        () => HttpResponse.json({ ...valid, expires_at: 'tomorrow' }, { status: 201 }),
        [{ path: ['expires_at'], message: 'must be an ISO 8601 date-time' }],
      ],
      ['a JSON array', () => HttpResponse.json([valid], { status: 201 }), [{ path: [], message: 'expected object' }]],
      [
        'a body that is not JSON',
        () => new HttpResponse('{"token_type":', { status: 201, headers: { 'content-type': 'application/json' } }),
        [{ path: [], message: 'body is not valid JSON' }],
      ],
      [
        'an HTML page',
        () => HttpResponse.html('<html><body>Welcome</body></html>', { status: 200 }),
        [{ path: [], message: 'expected a JSON body, got content type "text/html"' }],
      ],
      ['an empty body', () => new HttpResponse(null, { status: 201 }), [{ path: [], message: 'empty body' }]],
    ];
    it.each(cases)('%s', async (_name, respond, issues) => {
      onPost('auth/tokens/short', respond);
      const error = await new AuthApi({ baseUrl: BASE_URL, longToken: LONG_TOKEN })
        .issueShortTermToken()
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ResponseValidationError);
      expect((error as ResponseValidationError).issues).toEqual(issues);
      expect((error as ResponseValidationError).status).toBeGreaterThanOrEqual(200);
    });
  });

  it('does not echo a token from a malformed body in the error', async () => {
    onPost(
      'auth/tokens/short',
      () => new HttpResponse(`{"access_token":"${SHORT_TOKEN}"`, { status: 201, headers: { 'content-type': 'application/json' } }),
    );
    const error = await new AuthApi({ baseUrl: BASE_URL, longToken: LONG_TOKEN }).issueShortTermToken().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ResponseValidationError);
    expect(JSON.stringify(error) + String(error) + String((error as Error).stack)).not.toContain(SHORT_TOKEN);
    expect((error as Error).cause).toBeUndefined();
  });
});
