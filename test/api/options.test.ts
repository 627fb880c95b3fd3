import { HttpResponse } from 'msw';
import { describe, expect, it, vi } from 'vitest';
import { AuthApi, type AuthApiOptions, RequestValidationError } from '../../src/index.js';
import { BASE_URL, LONG_TOKEN, onPost, seen, shortTokenBody, useMsw } from '../support/msw.js';

useMsw();

const answer = () => onPost('auth/tokens/short', () => HttpResponse.json(shortTokenBody, { status: 201 }));

describe('constructor options', () => {
  it.each<[string, unknown, string]>([
    ['options that are not an object', 'https://x', 'AuthApi: options must be an object'],
    [
      'an empty baseUrl',
      { baseUrl: '' },
      'AuthApi: option "baseUrl" must be an absolute http(s) URL without credentials, or in a browser a path starting with "/"',
    ],
    [
      'a baseUrl that is no URL',
      { baseUrl: 'api.example.com' },
      'AuthApi: option "baseUrl" must be an absolute http(s) URL without credentials, or in a browser a path starting with "/"',
    ],
    [
      'a non-http baseUrl',
      { baseUrl: 'ftp://api.example.com' },
      'AuthApi: option "baseUrl" must be an absolute http(s) URL without credentials, or in a browser a path starting with "/"',
    ],
    [
      'a baseUrl with credentials',
      { baseUrl: 'https://user:pw@api.example.com' },
      'AuthApi: option "baseUrl" must be an absolute http(s) URL without credentials, or in a browser a path starting with "/"',
    ],
    [
      'a numeric clientId',
      { baseUrl: BASE_URL, clientId: 42 },
      'AuthApi: option "clientId" must be a non-empty string of visible ASCII characters',
    ],
    [
      'an empty long token',
      { baseUrl: BASE_URL, longToken: '' },
      'AuthApi: option "longToken" must be a token string of visible ASCII characters without surrounding whitespace, { access_token, expires_at?, token_id? } with expires_at an ISO 8601 date-time such as 2026-12-01T00:00:00Z, or a function returning one',
    ],
    [
      'a short token object',
      { baseUrl: BASE_URL, shortToken: { token: 'x' } },
      'AuthApi: option "shortToken" must be a token string of visible ASCII characters without surrounding whitespace, or a function returning one',
    ],
    ['a fetch that is not a function', { baseUrl: BASE_URL, fetch: 'fetch' }, 'AuthApi: option "fetch" must be a function'],
    [
      'a negative timeout',
      { baseUrl: BASE_URL, timeout: -1 },
      'AuthApi: option "timeout" must be false or a number of milliseconds from 1 to 2147483647',
    ],
    [
      'an endless timeout',
      { baseUrl: BASE_URL, timeout: Number.POSITIVE_INFINITY },
      'AuthApi: option "timeout" must be false or a number of milliseconds from 1 to 2147483647',
    ],
    [
      'a retry limit of 100',
      { baseUrl: BASE_URL, retry: { revoke: { limit: 100 } } },
      'AuthApi: option "retry" must be false, a limit from 0 to 10, or { issue?, revoke? }, each false or { limit: 0-10, statusCodes: 400-599, networkErrors, maxRetryAfterMs, backoffLimitMs }',
    ],
    [
      'retry status codes under 400',
      { baseUrl: BASE_URL, retry: { issue: { statusCodes: [200] } } },
      'AuthApi: option "retry" must be false, a limit from 0 to 10, or { issue?, revoke? }, each false or { limit: 0-10, statusCodes: 400-599, networkErrors, maxRetryAfterMs, backoffLimitMs }',
    ],
    [
      'hooks that are not functions',
      { baseUrl: BASE_URL, hooks: { beforeRequest: ['x'] } },
      'AuthApi: option "hooks" must be { beforeRequest?, afterResponse? }, arrays of functions',
    ],
    [
      'headers that are a string',
      { baseUrl: BASE_URL, headers: 'x-a: 1' },
      'AuthApi: option "headers" must be a Headers object, a record or an array of pairs',
    ],
  ])('throws a TypeError for %s', (_name, options, message) => {
    expect(() => new AuthApi(options as AuthApiOptions)).toThrow(new TypeError(message));
  });

  it('never echoes a bad token in the TypeError', () => {
    const secret = 'lt_secret value with space';
    const error = (() => {
      try {
        return new AuthApi({ baseUrl: BASE_URL, longToken: secret });
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(TypeError);
    expect(String(error)).not.toContain('secret value');
  });

  it('sends the constructor headers and the call headers, its own auth header winning', async () => {
    answer();
    const api = new AuthApi({ baseUrl: BASE_URL, longToken: LONG_TOKEN, headers: { 'x-app': 'demo', authorization: 'Bearer nope' } });
    await api.issueShortTermToken(undefined, { headers: { 'x-trace': 't1', authorization: 'Bearer also-nope' } });
    expect(seen[0]?.headers).toMatchObject({ 'x-app': 'demo', 'x-trace': 't1', authorization: `Bearer ${LONG_TOKEN}` });
  });

  it('uses the given fetch', async () => {
    const fetchSpy = vi.fn(async (_input: RequestInfo | URL, _init?: RequestInit) => Response.json(shortTokenBody, { status: 201 }));
    const token = await new AuthApi({ baseUrl: BASE_URL, longToken: LONG_TOKEN, fetch: fetchSpy }).issueShortTermToken();
    expect(token.access_token).toBe(shortTokenBody.access_token);
    expect(fetchSpy).toHaveBeenCalledTimes(1);
    expect(seen).toHaveLength(0);
  });

  it('runs beforeRequest and afterResponse hooks around each attempt', async () => {
    answer();
    const order: string[] = [];
    const api = new AuthApi({
      baseUrl: BASE_URL,
      longToken: LONG_TOKEN,
      hooks: {
        beforeRequest: [
          (request) => {
            order.push(`before ${request.method} ${new URL(request.url).pathname}`);
            request.headers.set('x-hooked', '1');
            return undefined;
          },
        ],
        afterResponse: [
          (_request, response) => {
            order.push(`after ${response.status}`);
            return undefined;
          },
        ],
      },
    });
    await api.issueShortTermToken();
    expect(order).toEqual(['before POST /v1/auth/tokens/short', 'after 201']);
    expect(seen[0]?.headers['x-hooked']).toBe('1');
  });
});

describe('call options', () => {
  it.each<[string, object, unknown]>([
    ['a signal that is not an AbortSignal', { signal: 'stop' }, { path: ['options', 'signal'], message: 'expected an AbortSignal' }],
    [
      'headers that are a number',
      { headers: 5 },
      { path: ['options', 'headers'], message: 'expected a Headers object, a record or an array of pairs' },
    ],
    ['a long token of the wrong type', { longToken: 12 }, { path: ['options', 'longToken'], message: 'expected string, got number' }],
    [
      'a huge long token',
      { longToken: 'x'.repeat(20_000) },
      { path: ['options', 'longToken'], message: 'must be at most 16384 characters' },
    ],
  ])('refuses %s before sending', async (_name, options, issue) => {
    const error = await new AuthApi({ baseUrl: BASE_URL, longToken: LONG_TOKEN })
      .issueShortTermToken(undefined, options as never)
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RequestValidationError);
    expect((error as RequestValidationError).issues).toEqual([issue]);
    expect(seen).toHaveLength(0);
  });

  it('refuses options that are not an object', async () => {
    const error = await new AuthApi({ baseUrl: BASE_URL, longToken: LONG_TOKEN })
      .revokeToken('tok_1', null as never)
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RequestValidationError);
    expect((error as RequestValidationError).issues).toEqual([{ path: ['options'], message: 'expected an object' }]);
    expect(seen).toHaveLength(0);
  });
});
