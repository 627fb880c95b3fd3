import { delay, HttpResponse, http } from 'msw';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AbortError, AuthApi, AuthApiError, NetworkError, ResponseValidationError, TimeoutError } from '../../src/index.js';
import { BASE_URL, LONG_TOKEN, onPost, seen, server, shortTokenBody, useMsw } from '../support/msw.js';

useMsw();

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
});
afterEach(() => {
  vi.useRealTimers();
});

/** Answers the short-token exchange with each responder in turn, the last one forever after. */
function answerInTurn(...responders: (() => Response | Promise<Response>)[]): void {
  let call = 0;
  onPost('auth/tokens/short', () => {
    const respond = responders[Math.min(call, responders.length - 1)];
    call += 1;
    return (respond as () => Response)();
  });
}

function revokeInTurn(...responders: (() => Response)[]): void {
  let call = 0;
  server.use(
    http.post(`${BASE_URL}/auth/tokens/:id/revoke`, () => {
      const respond = responders[Math.min(call, responders.length - 1)];
      call += 1;
      return (respond as () => Response)();
    }),
  );
}

const rateLimited = (retryAfter?: string) => () =>
  HttpResponse.json(
    { code: 'rate_limited', message: 'Too many requests. Please retry after 60 seconds.' },
    { status: 429, ...(retryAfter === undefined ? {} : { headers: { 'Retry-After': retryAfter } }) },
  );
const issued = () => HttpResponse.json(shortTokenBody, { status: 201 });
/** A 201 whose JSON body starts, then hangs for ever or fails mid-way. */
const partialBody = (then: 'hang' | 'error'): Response =>
  new HttpResponse(
    new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('{"token_type":'));
        if (then === 'error') controller.error(new Error('socket hang up'));
      },
    }),
    { status: 201, headers: { 'content-type': 'application/json' } },
  );
/** A server that never answers. */
const hangs = async (): Promise<Response> => {
  await delay('infinite');
  return issued();
};
const api = () => new AuthApi({ baseUrl: BASE_URL, longToken: LONG_TOKEN });

describe('retries of the issue operations', () => {
  it('retries a 429 after the Retry-After it names', async () => {
    answerInTurn(rateLimited('2'), issued);
    const pending = api().issueShortTermToken();
    await vi.advanceTimersByTimeAsync(1999);
    expect(seen).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    await expect(pending).resolves.toEqual(shortTokenBody);
    expect(seen).toHaveLength(2);
  });

  it('gives up after two retries with the 429 as AuthApiError', async () => {
    answerInTurn(rateLimited('1'));
    const pending = api()
      .issueShortTermToken()
      .catch((caught: unknown) => caught);
    await vi.advanceTimersByTimeAsync(5000);
    const error = await pending;
    expect(error).toBeInstanceOf(AuthApiError);
    expect(error).toMatchObject({ status: 429, code: 'rate_limited', retryAfter: 1 });
    expect(seen).toHaveLength(3);
  });

  it('does not wait out a Retry-After beyond the cap: one request, retryAfter reported', async () => {
    answerInTurn(rateLimited('3600'), issued);
    const error = await api()
      .issueShortTermToken()
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ name: 'AuthApiError', status: 429, retryAfter: 3600 });
    expect(seen).toHaveLength(1);
  });

  it('reads an HTTP-date Retry-After as seconds from now', async () => {
    vi.setSystemTime(new Date('2026-01-01T00:00:00Z'));
    answerInTurn(rateLimited('Thu, 01 Jan 2026 00:00:30 GMT'), issued);
    const pending = api().issueShortTermToken();
    await vi.advanceTimersByTimeAsync(30_000);
    await expect(pending).resolves.toEqual(shortTokenBody);
    expect(seen).toHaveLength(2);
  });

  it.each([500, 502, 503, 504])('never retries a %i: a token may have been created', async (status) => {
    answerInTurn(() => new HttpResponse('upstream down', { status, headers: { 'Retry-After': '1' } }), issued);
    const error = await api()
      .issueShortTermToken()
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AuthApiError);
    expect((error as AuthApiError).status).toBe(status);
    expect(seen).toHaveLength(1);
  });

  it('never retries a network error', async () => {
    answerInTurn(() => HttpResponse.error(), issued);
    const error = await api()
      .issueShortTermToken()
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(NetworkError);
    expect((error as NetworkError).message).toBe('issueShortTermToken: network error');
    expect(seen).toHaveLength(1);
  });

  it('can be turned off', async () => {
    answerInTurn(rateLimited('1'), issued);
    const error = await new AuthApi({ baseUrl: BASE_URL, longToken: LONG_TOKEN, retry: { issue: false } })
      .issueShortTermToken()
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ status: 429 });
    expect(seen).toHaveLength(1);
  });
});

describe('retries of revokeToken (idempotent)', () => {
  const revoked = () => new HttpResponse(null, { status: 204 });

  it.each([408, 429, 500, 502, 503, 504])('retries a %i', async (status) => {
    revokeInTurn(() => HttpResponse.json({ code: 'x', message: 'y' }, { status }), revoked);
    const pending = api().revokeToken('tok_1');
    await vi.advanceTimersByTimeAsync(1000);
    await expect(pending).resolves.toBeUndefined();
    expect(seen).toHaveLength(2);
  });

  it('retries a network error with backoff (300 ms, then 600 ms)', async () => {
    revokeInTurn(
      () => HttpResponse.error(),
      () => HttpResponse.error(),
      revoked,
    );
    const pending = api().revokeToken('tok_1');
    await vi.advanceTimersByTimeAsync(299);
    expect(seen).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(seen).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(600);
    await expect(pending).resolves.toBeUndefined();
    expect(seen).toHaveLength(3);
  });

  it('stops after two retries', async () => {
    revokeInTurn(() => HttpResponse.json({ code: 'server_error', message: 'boom' }, { status: 500 }));
    const pending = api()
      .revokeToken('tok_1')
      .catch((caught: unknown) => caught);
    await vi.advanceTimersByTimeAsync(5000);
    expect(await pending).toMatchObject({ name: 'AuthApiError', status: 500, code: 'server_error' });
    expect(seen).toHaveLength(3);
  });

  it('does not retry a 404', async () => {
    revokeInTurn(() => HttpResponse.json({ code: 'not_found', message: 'no such token' }, { status: 404 }));
    await expect(api().revokeToken('tok_1')).rejects.toMatchObject({ status: 404, code: 'not_found' });
    expect(seen).toHaveLength(1);
  });
});

describe('timeouts', () => {
  it('fails with TimeoutError when headers do not come in time, without retrying an issue call', async () => {
    onPost('auth/tokens/short', hangs);
    const pending = new AuthApi({ baseUrl: BASE_URL, longToken: LONG_TOKEN, timeout: 5000 })
      .issueShortTermToken()
      .catch((caught: unknown) => caught);
    await vi.advanceTimersByTimeAsync(5000);
    const error = await pending;
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error).toMatchObject({ timeoutMs: 5000, message: 'issueShortTermToken: no response within 5000 ms' });
    expect(seen).toHaveLength(1);
  });

  it('fails with TimeoutError when the body trickles past the timeout', async () => {
    onPost('auth/tokens/short', () => partialBody('hang'));
    const pending = new AuthApi({ baseUrl: BASE_URL, longToken: LONG_TOKEN, timeout: 5000 })
      .issueShortTermToken()
      .catch((caught: unknown) => caught);
    await vi.advanceTimersByTimeAsync(5000);
    expect(await pending).toBeInstanceOf(TimeoutError);
  });

  it('with timeout: false, waits as long as the server takes', async () => {
    onPost('auth/tokens/short', async () => {
      await new Promise((resolve) => setTimeout(resolve, 120_000));
      return issued();
    });
    const pending = new AuthApi({ baseUrl: BASE_URL, longToken: LONG_TOKEN, timeout: false }).issueShortTermToken();
    await vi.advanceTimersByTimeAsync(120_000);
    await expect(pending).resolves.toEqual(shortTokenBody);
    expect(seen).toHaveLength(1);
  });

  it('retries a timed-out revoke', async () => {
    let calls = 0;
    server.use(
      http.post(`${BASE_URL}/auth/tokens/:id/revoke`, async () => {
        calls += 1;
        if (calls === 1) await delay('infinite');
        return new HttpResponse(null, { status: 204 });
      }),
    );
    const pending = new AuthApi({ baseUrl: BASE_URL, longToken: LONG_TOKEN, timeout: 1000 }).revokeToken('tok_1');
    await vi.advanceTimersByTimeAsync(1300);
    await expect(pending).resolves.toBeUndefined();
    expect(calls).toBe(2);
  });
});

describe('abort', () => {
  it('rejects with AbortError carrying the reason when the signal fires mid-flight', async () => {
    onPost('auth/tokens/short', hangs);
    const controller = new AbortController();
    const pending = api()
      .issueShortTermToken(undefined, { signal: controller.signal })
      .catch((caught: unknown) => caught);
    await vi.advanceTimersByTimeAsync(10);
    const reason = new Error('user left the page');
    controller.abort(reason);
    const error = await pending;
    expect(error).toBeInstanceOf(AbortError);
    expect(error).toMatchObject({ name: 'AbortError', message: 'issueShortTermToken: aborted' });
    expect((error as Error).cause).toBe(reason);
  });

  it('sends nothing when the signal has already fired', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(api().revokeToken('tok_1', { signal: controller.signal })).rejects.toBeInstanceOf(AbortError);
    expect(seen).toHaveLength(0);
  });

  it('cuts a retry wait short', async () => {
    answerInTurn(rateLimited('30'), issued);
    const controller = new AbortController();
    const pending = api()
      .issueShortTermToken(undefined, { signal: controller.signal })
      .catch((caught: unknown) => caught);
    await vi.advanceTimersByTimeAsync(1000);
    controller.abort();
    expect(await pending).toBeInstanceOf(AbortError);
    expect(seen).toHaveLength(1);
  });
});

describe('bodies', () => {
  it('reads a body that arrives in several chunks whole', async () => {
    const text = JSON.stringify(shortTokenBody);
    const parts = [text.slice(0, 10), text.slice(10, 40), text.slice(40)];
    onPost(
      'auth/tokens/short',
      () =>
        new HttpResponse(
          new ReadableStream({
            start(controller) {
              for (const part of parts) controller.enqueue(new TextEncoder().encode(part));
              controller.close();
            },
          }),
          { status: 201, headers: { 'content-type': 'application/json' } },
        ),
    );
    await expect(api().issueShortTermToken()).resolves.toEqual(shortTokenBody);
  });

  it('refuses a success body over 1 MiB', async () => {
    onPost('auth/tokens/short', () => HttpResponse.json({ ...shortTokenBody, padding: 'x'.repeat(1_100_000) }, { status: 201 }));
    const error = await api()
      .issueShortTermToken()
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ResponseValidationError);
    expect((error as ResponseValidationError).issues[0]?.message).toMatch(/exceeds 1048576/);
  });

  it('still maps an error status whose body is over 1 MiB', async () => {
    onPost('auth/tokens/short', () => new HttpResponse('x'.repeat(1_100_000), { status: 503 }));
    await expect(api().issueShortTermToken()).rejects.toMatchObject({ name: 'AuthApiError', status: 503, code: 'service_unavailable' });
  });

  it('reports a body cut off mid-way as NetworkError', async () => {
    onPost('auth/tokens/short', () => partialBody('error'));
    await expect(api().issueShortTermToken()).rejects.toBeInstanceOf(NetworkError);
  });
});
