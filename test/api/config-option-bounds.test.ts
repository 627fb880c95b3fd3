// The AuthApi constructor's option checks at their edges: what each option takes (and that it then
// takes effect), what it refuses, and the TypeError naming the option.
import { HttpResponse, http } from 'msw';
import { describe, expect, it, vi } from 'vitest';
import { AuthApi, type AuthApiOptions } from '../../src/index.js';
import { BASE_URL, LONG_TOKEN, onPost, SHORT_TOKEN, seen, server, shortTokenBody, useMsw } from '../support/msw.js';

useMsw();

const RETRY_MESSAGE =
  'AuthApi: option "retry" must be false, a limit from 0 to 10, or { issue?, revoke? }, each false or { limit: 0-10, statusCodes: 400-599, networkErrors, maxRetryAfterMs, backoffLimitMs }';

/** The TypeError `construct` throws (undefined when it throws nothing). */
function typeErrorOf(options: unknown): unknown {
  try {
    new AuthApi(options as AuthApiOptions);
  } catch (caught) {
    return caught;
  }
  return undefined;
}

/** Answers the short-token endpoint with each status in turn (Retry-After: 0), then a token. */
function answerShortWith(...statuses: number[]): void {
  let attempt = 0;
  onPost('auth/tokens/short', () => {
    const status = statuses[attempt];
    attempt += 1;
    return status === undefined
      ? HttpResponse.json(shortTokenBody, { status: 201 })
      : HttpResponse.json({ code: 'failed', message: 'try again' }, { status, headers: { 'retry-after': '0' } });
  });
}

describe('baseUrl', () => {
  it('must be a string: a number is named as such, not as a bad URL', () => {
    expect(typeErrorOf({ baseUrl: 42 })).toEqual(new TypeError('AuthApi: option "baseUrl" must be a string'));
  });
});

describe('timeout', () => {
  it.each<[string, unknown]>([
    ['a numeric string', '5000'],
    ['zero', 0],
    ['one past the timer ceiling', 2_147_483_648],
  ])('refuses %s', (_name, timeout) => {
    expect(typeErrorOf({ baseUrl: BASE_URL, timeout })).toEqual(
      new TypeError('AuthApi: option "timeout" must be false or a number of milliseconds from 1 to 2147483647'),
    );
  });

  it('takes the timer ceiling, 2147483647 ms, and calls with it', async () => {
    onPost('auth/tokens/short', () => HttpResponse.json(shortTokenBody, { status: 201 }));
    const token = await new AuthApi({ baseUrl: BASE_URL, longToken: LONG_TOKEN, timeout: 2_147_483_647 }).issueShortTermToken();
    expect(token.access_token).toBe(SHORT_TOKEN);
    expect(seen).toHaveLength(1);
  });
});

describe('retry: limits', () => {
  it('0 sends each call once', async () => {
    answerShortWith(429);
    await expect(new AuthApi({ baseUrl: BASE_URL, longToken: LONG_TOKEN, retry: 0 }).issueShortTermToken()).rejects.toMatchObject({
      status: 429,
    });
    expect(seen).toHaveLength(1);
  });

  it('10, the highest, retries ten times', async () => {
    const fetch = vi.fn(async (_input: RequestInfo | URL, _init?: RequestInit) =>
      Response.json({ code: 'rate_limited', message: 'slow' }, { status: 429, headers: { 'retry-after': '0' } }),
    );
    await expect(new AuthApi({ baseUrl: BASE_URL, longToken: LONG_TOKEN, retry: 10, fetch }).issueShortTermToken()).rejects.toMatchObject({
      status: 429,
    });
    expect(fetch).toHaveBeenCalledTimes(11);
  });

  it('a policy of its own limit only keeps the default statuses', async () => {
    answerShortWith(429);
    const token = await new AuthApi({ baseUrl: BASE_URL, longToken: LONG_TOKEN, retry: { issue: { limit: 1 } } }).issueShortTermToken();
    expect(token.access_token).toBe(SHORT_TOKEN);
    expect(seen).toHaveLength(2);
  });

  it.each([-1, 11])('refuses a policy limit of %d', (limit) => {
    expect(typeErrorOf({ baseUrl: BASE_URL, retry: { issue: { limit } } })).toEqual(new TypeError(RETRY_MESSAGE));
  });
});

describe('retry: statusCodes', () => {
  it('retries the statuses named, 400 and 599 included', async () => {
    answerShortWith(400, 599);
    const api = new AuthApi({ baseUrl: BASE_URL, longToken: LONG_TOKEN, retry: { issue: { limit: 2, statusCodes: [400, 599] } } });
    const token = await api.issueShortTermToken();
    expect(token.access_token).toBe(SHORT_TOKEN);
    expect(seen).toHaveLength(3);
  });

  it.each<[string, unknown]>([
    ['399', [399]],
    ['600', [600]],
    ['a success among errors', [503, 200]],
    ['a fraction', [500.5]],
    ['a string', ['503']],
    ['not an array', 503],
  ])('refuses %s', (_name, statusCodes) => {
    expect(typeErrorOf({ baseUrl: BASE_URL, retry: { revoke: { statusCodes } } })).toEqual(new TypeError(RETRY_MESSAGE));
  });
});

describe('retry: the other policy fields', () => {
  it.each<[string, Record<string, unknown>]>([
    ['networkErrors that is not a boolean', { networkErrors: 'yes' }],
    ['a negative maxRetryAfterMs', { maxRetryAfterMs: -1 }],
    ['a maxRetryAfterMs as a string', { maxRetryAfterMs: '60000' }],
    ['a maxRetryAfterMs past the timer ceiling', { maxRetryAfterMs: 2_147_483_648 }],
    ['a negative backoffLimitMs', { backoffLimitMs: -1 }],
    ['a backoffLimitMs as a string', { backoffLimitMs: '1000' }],
  ])('refuses %s', (_name, policy) => {
    expect(typeErrorOf({ baseUrl: BASE_URL, retry: { issue: policy } })).toEqual(new TypeError(RETRY_MESSAGE));
  });

  it('takes every field at its edge: zero waits and the timer ceiling', async () => {
    answerShortWith(429);
    const api = new AuthApi({
      baseUrl: BASE_URL,
      longToken: LONG_TOKEN,
      retry: { issue: { limit: 1, networkErrors: true, maxRetryAfterMs: 0, backoffLimitMs: 2_147_483_647 } },
    });
    expect((await api.issueShortTermToken()).access_token).toBe(SHORT_TOKEN);
    expect(seen).toHaveLength(2);
  });
});

describe('retry: per operation', () => {
  it('false for revoke turns off its retries and leaves issue at its default', async () => {
    answerShortWith(429);
    server.use(
      http.post(`${BASE_URL}/auth/tokens/:id/revoke`, () => new HttpResponse(null, { status: 503, headers: { 'retry-after': '0' } })),
    );
    const api = new AuthApi({ baseUrl: BASE_URL, longToken: LONG_TOKEN, retry: { revoke: false } });
    await expect(api.revokeToken('tok_1')).rejects.toMatchObject({ status: 503 });
    expect(seen).toHaveLength(1);
    expect((await api.issueShortTermToken()).access_token).toBe(SHORT_TOKEN);
    expect(seen).toHaveLength(3);
  });

  it('a policy of its own statuses only keeps the default limit of 2', async () => {
    answerShortWith(503, 503, 503);
    const api = new AuthApi({ baseUrl: BASE_URL, longToken: LONG_TOKEN, retry: { issue: { statusCodes: [503] } } });
    await expect(api.issueShortTermToken()).rejects.toMatchObject({ status: 503 });
    expect(seen).toHaveLength(3);
  });

  it.each<[string, unknown]>([
    ['a number', 3],
    ['true', true],
    ['a string', 'on'],
  ])("refuses %s as one operation's policy", (_name, policy) => {
    expect(typeErrorOf({ baseUrl: BASE_URL, retry: { issue: policy } })).toEqual(new TypeError(RETRY_MESSAGE));
  });

  it('refuses a misspelt operation next to a valid one', () => {
    expect(typeErrorOf({ baseUrl: BASE_URL, retry: { issue: false, issues: { limit: 1 } } })).toEqual(new TypeError(RETRY_MESSAGE));
  });
});

describe('hooks', () => {
  const HOOKS_MESSAGE = 'AuthApi: option "hooks" must be { beforeRequest?, afterResponse? }, arrays of functions';

  it('takes afterResponse hooks alone', async () => {
    onPost('auth/tokens/short', () => HttpResponse.json(shortTokenBody, { status: 201 }));
    const statuses: number[] = [];
    const api = new AuthApi({
      baseUrl: BASE_URL,
      longToken: LONG_TOKEN,
      hooks: { afterResponse: [(_request, response) => void statuses.push(response.status)] },
    });
    expect((await api.issueShortTermToken()).access_token).toBe(SHORT_TOKEN);
    expect(statuses).toEqual([201]);
  });

  it('takes beforeRequest hooks alone', async () => {
    onPost('auth/tokens/short', () => HttpResponse.json(shortTokenBody, { status: 201 }));
    const api = new AuthApi({
      baseUrl: BASE_URL,
      longToken: LONG_TOKEN,
      hooks: { beforeRequest: [(request) => void request.headers.set('x-hooked', 'yes')] },
    });
    expect((await api.issueShortTermToken()).access_token).toBe(SHORT_TOKEN);
    expect(seen[0]?.headers['x-hooked']).toBe('yes');
  });

  it('refuses a list holding anything but functions', () => {
    expect(typeErrorOf({ baseUrl: BASE_URL, hooks: { beforeRequest: [() => undefined, 'x'] } })).toEqual(new TypeError(HOOKS_MESSAGE));
    expect(typeErrorOf({ baseUrl: BASE_URL, hooks: { afterResponse: () => undefined } })).toEqual(new TypeError(HOOKS_MESSAGE));
  });
});
