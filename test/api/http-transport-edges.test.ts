import { getEventListeners } from 'node:events';
import { HttpResponse, http } from 'msw';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  AbortError,
  AuthApi,
  AuthApiError,
  NetworkError,
  RequestValidationError,
  ResponseValidationError,
  TimeoutError,
} from '../../src/index.js';
import { BASE_URL, CLIENT_SECRET, LONG_TOKEN, onPost, SHORT_TOKEN, seen, server, shortTokenBody, useMsw } from '../support/msw.js';

// The edges of one HTTP exchange: what is (not) sent, what is cleaned up after it (timers, abort
// listeners, discarded bodies), how response bodies are read, and how platform failures are mapped.

useMsw();

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
});
afterEach(() => {
  vi.useRealTimers();
});

const encoder = new TextEncoder();
const tokenJson = JSON.stringify(shortTokenBody);
const json = { 'content-type': 'application/json' };

/** A fetch that answers every call with the next response of `responses` (the last one forever after). */
function fetchAnswering(...responses: (() => Response)[]) {
  let call = 0;
  return vi.fn(async (_input: RequestInfo | URL, _init?: RequestInit) => {
    const respond = responses[Math.min(call, responses.length - 1)] as () => Response;
    call += 1;
    return respond();
  });
}

/** A body stream that sends `chunks`, then hangs (never closes) unless `close` is set. */
function streamOf(chunks: readonly string[], close: boolean, onCancel?: () => void): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
      if (close) controller.close();
    },
    cancel() {
      onCancel?.();
    },
  });
}

const shortApi = (extra: Partial<ConstructorParameters<typeof AuthApi>[0]> = {}) =>
  new AuthApi({ baseUrl: BASE_URL, longToken: LONG_TOKEN, ...extra });

describe('before anything is sent', () => {
  it('calls neither the fetch nor the hooks when the signal has already fired', async () => {
    const fetch = fetchAnswering(() => Response.json(shortTokenBody, { status: 201 }));
    const beforeRequest = vi.fn(() => undefined);
    const controller = new AbortController();
    controller.abort(new Error('gone'));
    const error = await shortApi({ fetch, hooks: { beforeRequest: [beforeRequest] } })
      .issueShortTermToken(undefined, { signal: controller.signal })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AbortError);
    expect(error).toMatchObject({ message: 'issueShortTermToken: aborted', cause: controller.signal.reason });
    expect(fetch).not.toHaveBeenCalled();
    expect(beforeRequest).not.toHaveBeenCalled();
  });

  it('reports a bad body and a bad shortToken option of issueLongTermToken together', async () => {
    const error = await new AuthApi({ baseUrl: BASE_URL })
      .issueLongTermToken({ grant_type: 'client_credentials', client_id: '' } as never, { shortToken: 'has space' })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RequestValidationError);
    expect((error as RequestValidationError).issues.map((issue) => issue.path.join('.'))).toEqual(['options.shortToken', 'body.client_id']);
    expect(seen).toHaveLength(0);
  });

  it('reports an empty token id and bad token options of revokeToken together', async () => {
    const api = new AuthApi({ baseUrl: BASE_URL });
    const short = await api.revokeToken('', { shortToken: 'has space' }).catch((caught: unknown) => caught);
    const long = await api.revokeToken('', { longToken: 'has space' }).catch((caught: unknown) => caught);
    for (const [error, option] of [
      [short, 'options.shortToken'],
      [long, 'options.longToken'],
    ] as const) {
      expect(error).toBeInstanceOf(RequestValidationError);
      expect((error as RequestValidationError).issues.map((issue) => issue.path.join('.'))).toEqual(['tokenId', option]);
    }
    expect(seen).toHaveLength(0);
  });

  it('names options.shortToken when the short token function of issueLongTermToken returns no token', async () => {
    const error = await new AuthApi({ baseUrl: BASE_URL })
      .issueLongTermToken({ grant_type: 'client_credentials', client_id: 'c2m_abc123' }, { shortToken: () => 'has space' })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RequestValidationError);
    expect((error as RequestValidationError).issues).toEqual([
      { path: ['options', 'shortToken'], message: 'must hold visible ASCII characters only (no spaces or line breaks)' },
    ]);
    expect(seen).toHaveLength(0);
  });

  it('revokeToken takes a long token record from a longToken function, but no record from a shortToken function', async () => {
    server.use(http.post(`${BASE_URL}/auth/tokens/:id/revoke`, () => new HttpResponse(null, { status: 204 })));
    const api = new AuthApi({ baseUrl: BASE_URL });
    await api.revokeToken('tok_1', { longToken: () => ({ access_token: LONG_TOKEN }) });
    expect(seen.map((request) => request.headers.authorization)).toEqual([`Bearer ${LONG_TOKEN}`]);
    const error = await api
      .revokeToken('tok_2', { shortToken: (() => ({ access_token: SHORT_TOKEN })) as never })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RequestValidationError);
    expect((error as RequestValidationError).issues).toEqual([{ path: ['options', 'shortToken'], message: 'expected string, got object' }]);
    expect(seen).toHaveLength(1);
  });
});

describe('what is sent', () => {
  it('asks for JSON with or without call headers', async () => {
    onPost('auth/tokens/short', () => HttpResponse.json(shortTokenBody, { status: 201 }));
    await shortApi().issueShortTermToken();
    await shortApi().issueShortTermToken(undefined, { headers: { 'x-trace': 't1', accept: 'text/html' } });
    expect(seen.map((request) => [request.headers.accept, request.headers['x-trace']])).toEqual([
      ['application/json', undefined],
      ['application/json', 't1'],
    ]);
  });

  it('withResponse.issueShortTermToken gives the token with its status and headers', async () => {
    onPost('auth/tokens/short', () => HttpResponse.json(shortTokenBody, { status: 201, headers: { 'x-request-id': 'req_7' } }));
    const { data, status, headers } = await shortApi().withResponse.issueShortTermToken({ scopes: ['jobs:submit'] });
    expect(data).toEqual(shortTokenBody);
    expect(status).toBe(201);
    expect(headers.get('x-request-id')).toBe('req_7');
    expect(seen).toHaveLength(1);
  });

  it("masks body.long_token when the server echoes it, even when the option's token was sent", async () => {
    const bodyToken = 'lt_from_the_body_0123456789';
    onPost('auth/tokens/short', () =>
      HttpResponse.json({ code: 'invalid_request', message: `long_token ${bodyToken} is not allowed here` }, { status: 400 }),
    );
    const error = await new AuthApi({ baseUrl: BASE_URL })
      .issueShortTermToken({ long_token: bodyToken }, { longToken: LONG_TOKEN })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AuthApiError);
    expect((error as AuthApiError).serverMessage).toBe('long_token [REDACTED] is not allowed here');
    expect(seen[0]?.headers.authorization).toBe(`Bearer ${LONG_TOKEN}`);
  });
});

describe('what is left behind', () => {
  it('no timer and no abort listener once a call has succeeded', async () => {
    onPost('auth/tokens/short', () => HttpResponse.json(shortTokenBody, { status: 201 }));
    const controller = new AbortController();
    await shortApi().issueShortTermToken(undefined, { signal: controller.signal });
    expect(vi.getTimerCount()).toBe(0);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('no abort listener once a retry wait has run out, nor once one was cut short', async () => {
    let call = 0;
    onPost('auth/tokens/short', () => {
      call += 1;
      return call === 1
        ? HttpResponse.json({ code: 'rate_limited', message: 'slow' }, { status: 429, headers: { 'retry-after': '1' } })
        : HttpResponse.json(shortTokenBody, { status: 201 });
    });
    const controller = new AbortController();
    const pending = shortApi().issueShortTermToken(undefined, { signal: controller.signal });
    await vi.advanceTimersByTimeAsync(1000);
    await expect(pending).resolves.toEqual(shortTokenBody);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);

    onPost('auth/tokens/short', () =>
      HttpResponse.json({ code: 'rate_limited', message: 'slow' }, { status: 429, headers: { 'retry-after': '30' } }),
    );
    const second = new AbortController();
    const cut = shortApi()
      .issueShortTermToken(undefined, { signal: second.signal })
      .catch((caught: unknown) => caught);
    await vi.advanceTimersByTimeAsync(1000);
    second.abort();
    expect(await cut).toBeInstanceOf(AbortError);
    expect(getEventListeners(second.signal, 'abort')).toHaveLength(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('cancels the body of a response it retries', async () => {
    const cancelled = vi.fn();
    const fetch = fetchAnswering(
      () => new Response(streamOf(['{"code":"rate_limited",'], false, cancelled), { status: 429, headers: { 'retry-after': '0' } }),
      () => new Response(tokenJson, { status: 201, headers: json }),
    );
    const pending = shortApi({ fetch }).issueShortTermToken();
    await vi.advanceTimersByTimeAsync(0);
    await expect(pending).resolves.toEqual(shortTokenBody);
    expect(fetch).toHaveBeenCalledTimes(2);
    expect(cancelled).toHaveBeenCalledTimes(1);
  });
});

describe('reading a success body', () => {
  /** A 201 of valid token JSON padded with spaces to exactly `bytes` bytes, sent in 64 KiB chunks. */
  function paddedTo(bytes: number): Response {
    const text = `${tokenJson}${' '.repeat(bytes - tokenJson.length)}`;
    const chunks: string[] = [];
    for (let at = 0; at < text.length; at += 65_536) chunks.push(text.slice(at, at + 65_536));
    return new Response(streamOf(chunks, true), { status: 201, headers: json });
  }

  it('accepts a body of exactly 1 MiB and refuses one byte more', async () => {
    await expect(shortApi({ fetch: fetchAnswering(() => paddedTo(1_048_576)) }).issueShortTermToken()).resolves.toEqual(shortTokenBody);
    const error = await shortApi({ fetch: fetchAnswering(() => paddedTo(1_048_577)) })
      .issueShortTermToken()
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ResponseValidationError);
    expect(error).toMatchObject({
      status: 201,
      issues: [{ path: [], message: 'body exceeds 1048576 bytes' }],
      message: 'issueShortTermToken: unexpected response (HTTP 201): body exceeds 1048576 bytes',
    });
  });

  it('refuses a declared Content-Length over 1 MiB at once, without waiting for the body', async () => {
    const fetch = fetchAnswering(
      () => new Response(streamOf(['{'], false), { status: 201, headers: { ...json, 'content-length': '1048577' } }),
    );
    const error = await shortApi({ fetch })
      .issueShortTermToken()
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ResponseValidationError);
    expect(error).toMatchObject({ issues: [{ path: [], message: 'body of 1048577 bytes exceeds 1048576' }] });
  });

  it('reads a declared Content-Length of exactly 1 MiB', async () => {
    const text = `${tokenJson}${' '.repeat(1_048_576 - tokenJson.length)}`;
    const fetch = fetchAnswering(() => new Response(text, { status: 201, headers: { ...json, 'content-length': '1048576' } }));
    await expect(shortApi({ fetch }).issueShortTermToken()).resolves.toEqual(shortTokenBody);
  });

  it('with timeout: false, waits for a body that trickles in over minutes', async () => {
    const fetch = fetchAnswering(
      () =>
        new Response(
          new ReadableStream({
            start(controller) {
              controller.enqueue(encoder.encode(tokenJson.slice(0, 20)));
              setTimeout(() => {
                controller.enqueue(encoder.encode(tokenJson.slice(20)));
                controller.close();
              }, 120_000);
            },
          }),
          { status: 201, headers: json },
        ),
    );
    const pending = shortApi({ fetch, timeout: false }).issueShortTermToken();
    await vi.advanceTimersByTimeAsync(120_000);
    await expect(pending).resolves.toEqual(shortTokenBody);
  });

  it('stops reading a body that never ends when the signal fires, even if the fetch ignores the signal', async () => {
    const fetch = fetchAnswering(() => new Response(streamOf(['{"token_type":'], false), { status: 201, headers: json }));
    const controller = new AbortController();
    const pending = shortApi({ fetch, timeout: false })
      .issueShortTermToken(undefined, { signal: controller.signal })
      .catch((caught: unknown) => caught);
    await vi.advanceTimersByTimeAsync(10);
    const reason = new Error('user left');
    controller.abort(reason);
    const error = await pending;
    expect(error).toBeInstanceOf(AbortError);
    expect((error as AbortError).cause).toBe(reason);
  });

  it('times a body that never ends out after the timeout', async () => {
    const fetch = fetchAnswering(() => new Response(streamOf(['{"token_type":'], false), { status: 201, headers: json }));
    const pending = shortApi({ fetch, timeout: 2000 })
      .issueShortTermToken()
      .catch((caught: unknown) => caught);
    await vi.advanceTimersByTimeAsync(1999);
    expect(vi.getTimerCount()).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    const error = await pending;
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error).toMatchObject({ timeoutMs: 2000, message: 'issueShortTermToken: no response within 2000 ms' });
  });
});

describe('failures of the fetch itself', () => {
  it('maps a rejection with nothing at all to NetworkError', async () => {
    const fetch = vi.fn(async () => {
      throw undefined;
    });
    const error = await shortApi({ fetch })
      .issueShortTermToken()
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(NetworkError);
    expect((error as NetworkError).message).toBe('issueShortTermToken: network error');
    expect(Object.hasOwn(error as NetworkError, 'cause')).toBe(false);
  });

  it('names a system error code of the cause or of the error itself, and keeps the error as cause', async () => {
    const onCause = Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNRESET' } });
    const onError = Object.assign(new Error('write EPIPE'), { code: 'EPIPE' });
    const errors: unknown[] = [];
    for (const thrown of [onCause, onError]) {
      const fetch = vi.fn(async () => {
        throw thrown;
      });
      errors.push(
        await shortApi({ fetch })
          .issueShortTermToken()
          .catch((caught: unknown) => caught),
      );
    }
    expect(errors.map((error) => (error as Error).message)).toEqual([
      'issueShortTermToken: network error (ECONNRESET)',
      'issueShortTermToken: network error (EPIPE)',
    ]);
    expect(errors.map((error) => (error as Error).cause)).toEqual([onCause, onError]);
    expect((errors[0] as Error).cause).toBe(onCause);
  });

  it('leaves out a code that is not a string', async () => {
    const thrown = Object.assign(new TypeError('fetch failed'), { cause: { code: 42 } });
    const fetch = vi.fn(async () => {
      throw thrown;
    });
    const error = await shortApi({ fetch })
      .issueShortTermToken()
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(NetworkError);
    expect((error as NetworkError).message).toBe('issueShortTermToken: network error');
    expect((error as NetworkError).cause).toBe(thrown);
  });
});

describe('Retry-After values', () => {
  it.each(['120 seconds', '5s', '1e3', '+30'])('ignores the unreadable %j', async (value) => {
    onPost('auth/tokens/short', () =>
      HttpResponse.json({ code: 'rate_limited', message: 'slow' }, { status: 429, headers: { 'retry-after': value } }),
    );
    const error = await shortApi({ retry: false })
      .issueShortTermToken()
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AuthApiError);
    expect((error as AuthApiError).retryAfter).toBeUndefined();
  });
});

describe('details of an error body', () => {
  it('are a plain copy the app may change, like JSON.parse gives', async () => {
    onPost('auth/tokens/long', () =>
      HttpResponse.json(
        { code: 'invalid_client', message: 'no', details: { field: 'client_secret', echoed: CLIENT_SECRET } },
        { status: 401 },
      ),
    );
    const error = (await new AuthApi({ baseUrl: BASE_URL })
      .issueLongTermToken({ grant_type: 'client_credentials', client_id: 'c2m_abc123', client_secret: CLIENT_SECRET })
      .catch((caught: unknown) => caught)) as AuthApiError;
    const details = error.details as Record<string, unknown>;
    expect(Object.getOwnPropertyDescriptors(details)).toEqual({
      field: { value: 'client_secret', writable: true, enumerable: true, configurable: true },
      echoed: { value: '[REDACTED]', writable: true, enumerable: true, configurable: true },
    });
    details.field = 'redacted by the app';
    delete details.echoed;
    expect(details).toEqual({ field: 'redacted by the app' });
  });
});
