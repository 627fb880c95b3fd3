import { HttpResponse, http } from 'msw';
import { describe, expect, it } from 'vitest';
import { AuthApi, AuthApiError, RequestValidationError } from '../../src/index.js';
import { BASE_URL, LONG_TOKEN, onPost, SHORT_TOKEN, seen, server, useMsw } from '../support/msw.js';

useMsw();

function answerRevoke(status = 204): void {
  server.use(http.post(`${BASE_URL}/auth/tokens/:tokenId/revoke`, () => new HttpResponse(null, { status })));
}

describe('revokeToken', () => {
  it('posts to the revoke path with no body and resolves to undefined on 204', async () => {
    answerRevoke();
    const result = await new AuthApi({ baseUrl: BASE_URL }).revokeToken('tok_st_9f3d2c', { shortToken: SHORT_TOKEN });
    expect(result).toBeUndefined();
    expect(seen).toHaveLength(1);
    expect(seen[0]?.method).toBe('POST');
    expect(seen[0]?.url).toBe(`${BASE_URL}/auth/tokens/tok_st_9f3d2c/revoke`);
    expect(seen[0]?.headers.authorization).toBe(`Bearer ${SHORT_TOKEN}`);
    expect(seen[0]?.headers['content-type']).toBeUndefined();
  });

  it('masks its own bearer token when the server echoes it', async () => {
    server.use(
      http.post(`${BASE_URL}/auth/tokens/:tokenId/revoke`, ({ request }) =>
        HttpResponse.json({ code: 'invalid_token', message: `${request.headers.get('authorization')} is revoked` }, { status: 401 }),
      ),
    );
    const error = (await new AuthApi({ baseUrl: BASE_URL })
      .revokeToken('tok_lt_1', { longToken: LONG_TOKEN })
      .catch((caught: unknown) => caught)) as AuthApiError;
    expect(error).toBeInstanceOf(AuthApiError);
    expect(error.serverMessage).toBe('Bearer [REDACTED] is revoked');
    expect(`${error.message}${JSON.stringify(error)}`).not.toContain(LONG_TOKEN);
  });

  it('URL-encodes the token id', async () => {
    answerRevoke();
    await new AuthApi({ baseUrl: BASE_URL, longToken: LONG_TOKEN }).revokeToken('tok/../a b?c#d');
    expect(seen[0]?.url).toBe(`${BASE_URL}/auth/tokens/tok%2F..%2Fa%20b%3Fc%23d/revoke`);
  });

  it('authorises with the short token first, then the long one', async () => {
    answerRevoke();
    const api = new AuthApi({ baseUrl: BASE_URL, shortToken: 'st_ctor', longToken: 'lt_ctor' });
    await api.revokeToken('a', { shortToken: 'st_call', longToken: 'lt_call' });
    await api.revokeToken('b', { longToken: 'lt_call' });
    await api.revokeToken('c');
    await new AuthApi({ baseUrl: BASE_URL, longToken: 'lt_ctor' }).revokeToken('d');
    expect(seen.map((request) => request.headers.authorization)).toEqual([
      'Bearer st_call',
      'Bearer lt_call',
      'Bearer st_ctor',
      'Bearer lt_ctor',
    ]);
  });

  it('exposes the 204 through withResponse', async () => {
    answerRevoke();
    const response = await new AuthApi({ baseUrl: BASE_URL, longToken: LONG_TOKEN }).withResponse.revokeToken('tok_1');
    expect(response.status).toBe(204);
    expect(response.data).toBeUndefined();
  });

  it.each([
    [401, 'invalid_token'],
    [404, 'not_found'],
  ])('maps %i to AuthApiError %s', async (status, code) => {
    onPost('auth/tokens/tok_1/revoke', () => HttpResponse.json({ code, message: 'no' }, { status }));
    const error = await new AuthApi({ baseUrl: BASE_URL, longToken: LONG_TOKEN }).revokeToken('tok_1').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AuthApiError);
    expect(error).toMatchObject({ status, code, operation: 'revokeToken' });
    expect(seen).toHaveLength(1);
  });

  it.each([
    ['an empty id', '', 'must not be empty'],
    ['a blank id', '   ', 'must not be empty'],
    ['a dot segment', '..', 'must not be a dot segment'],
    ['a number', 42, 'expected string, got number'],
    ['null', null, 'expected string, got null'],
    ['a huge id', 'x'.repeat(1025), 'must be at most 1024 characters'],
  ])('refuses %s before sending', async (_name, tokenId, message) => {
    const error = await new AuthApi({ baseUrl: BASE_URL, longToken: LONG_TOKEN })
      .revokeToken(tokenId as string)
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RequestValidationError);
    expect((error as RequestValidationError).issues).toEqual([{ path: ['tokenId'], message }]);
    expect(seen).toHaveLength(0);
  });

  it('needs a token to authorise, and sends nothing without one', async () => {
    const error = await new AuthApi({ baseUrl: BASE_URL }).revokeToken('tok_1').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RequestValidationError);
    expect((error as Error).message).toBe(
      'revokeToken: invalid request: options: a short or long token is required to authorise the revocation',
    );
    expect(seen).toHaveLength(0);
  });
});
