import { HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { AuthApi, AuthApiError } from '../../src/index.js';
import { BASE_URL, LONG_TOKEN, onPost, seen, useMsw } from '../support/msw.js';

// How an HTTP error response becomes an AuthApiError: the code a status stands for when the body
// names none, which body text makes it into the message, and bodies that are odd but not fatal.

useMsw();

const api = () => new AuthApi({ baseUrl: BASE_URL, longToken: LONG_TOKEN, retry: false });

async function failure(respond: () => Response, client: AuthApi = api()): Promise<AuthApiError> {
  onPost('auth/tokens/short', respond);
  const error = await client.issueShortTermToken().catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(AuthApiError);
  return error as AuthApiError;
}

describe('the code of a status whose body names none', () => {
  it.each([
    [400, 'bad_request'],
    [401, 'unauthorized'],
    [403, 'forbidden'],
    [404, 'not_found'],
    [405, 'method_not_allowed'],
    [408, 'request_timeout'],
    [409, 'conflict'],
    [413, 'payload_too_large'],
    [415, 'unsupported_media_type'],
    [422, 'unprocessable_entity'],
    [429, 'rate_limited'],
    [451, 'http_451'],
    [499, 'http_499'],
    [500, 'server_error'],
    [502, 'bad_gateway'],
    [503, 'service_unavailable'],
    [504, 'gateway_timeout'],
    [505, 'server_error'],
    [599, 'server_error'],
  ])('%i is %s', async (status, code) => {
    const error = await failure(() => new HttpResponse(null, { status, statusText: 'Status text' }));
    expect(error.status).toBe(status);
    expect(error.code).toBe(code);
    expect(error.message).toBe(`issueShortTermToken: ${status} ${code}: Status text`);
  });

  it.each([300, 301, 302, 303, 307, 308, 399])('a %i redirect is not followed: unexpected_redirect, one request', async (status) => {
    const error = await failure(() => new HttpResponse(null, { status, headers: { location: 'https://elsewhere.test/' } }));
    expect(error).toMatchObject({ status, code: 'unexpected_redirect' });
    expect(seen).toHaveLength(1);
  });

  it("reads a status-0 answer (a browser's opaque redirect) as unexpected_redirect", async () => {
    const fetch = async () => Response.error();
    const error = await new AuthApi({ baseUrl: BASE_URL, longToken: LONG_TOKEN, fetch })
      .issueShortTermToken()
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AuthApiError);
    expect(error).toMatchObject({ status: 0, code: 'unexpected_redirect', message: 'issueShortTermToken: 0 unexpected_redirect' });
  });
});

describe('the server text kept in the message', () => {
  it('trims a plain-text body', async () => {
    const error = await failure(() => new HttpResponse('\n  upstream down \n', { status: 503, statusText: 'Service Unavailable' }));
    expect(error.serverMessage).toBe('upstream down');
    expect(error.message).toBe('issueShortTermToken: 503 service_unavailable: upstream down');
  });

  it('keeps a plain-text body of 200 characters, and prefers the status text to one of 201', async () => {
    const exactly200 = `quota ${'x'.repeat(194)}`;
    expect(exactly200).toHaveLength(200);
    const kept = await failure(() => new HttpResponse(exactly200, { status: 429, statusText: 'Too Many Requests' }));
    expect(kept.serverMessage).toBe(exactly200);
    const dropped = await failure(() => new HttpResponse(`${exactly200}y`, { status: 429, statusText: 'Too Many Requests' }));
    expect(dropped.serverMessage).toBe('Too Many Requests');
  });

  it('keeps plain text that holds markup characters past its start', async () => {
    const error = await failure(() => new HttpResponse('quota of <tier free> exceeded {see docs}', { status: 429 }));
    expect(error.serverMessage).toBe('quota of <tier free> exceeded {see docs}');
  });

  it.each([
    ['HTML', '<html><body>Bad gateway</body></html>'],
    ['a JSON array', '["upstream", "down"]'],
    ['JSON of another shape', '{"status": "down"}'],
    ['an OAuth-like body whose error is not a string', '{"error": 42, "error_description": "upstream"}'],
    ['a description without an error', '{"error_description": "upstream"}'],
  ])('falls back to the status text for %s', async (_kind, body) => {
    const error = await failure(() => new HttpResponse(body, { status: 502, statusText: 'Bad Gateway' }));
    expect(error).toMatchObject({ code: 'bad_gateway', serverMessage: 'Bad Gateway', details: undefined });
  });

  it.each([
    ['null', 'null'],
    ['a number', '42'],
    ['a boolean', 'true'],
    ['a string', '"upstream down"'],
  ])('reads a JSON %s as no text of its own: the status text is the message', async (_kind, body) => {
    const error = await failure(() => new HttpResponse(body, { status: 401, statusText: 'Unauthorized' }));
    expect(error).toMatchObject({ code: 'unauthorized', serverMessage: 'Unauthorized', details: undefined });
    expect(error.message).toBe('issueShortTermToken: 401 unauthorized: Unauthorized');
  });

  it('uses an OAuth error as its own message when it has no description', async () => {
    const error = await failure(() => HttpResponse.json({ error: 'invalid_client' }, { status: 401 }));
    expect(error).toMatchObject({ code: 'invalid_client', serverMessage: 'invalid_client' });
    expect(error.message).toBe('issueShortTermToken: 401 invalid_client: invalid_client');
  });

  it('ignores an OAuth description that is not a string', async () => {
    const error = await failure(() => HttpResponse.json({ error: 'invalid_grant', error_description: { text: 'no' } }, { status: 400 }));
    expect(error).toMatchObject({ code: 'invalid_grant', serverMessage: 'invalid_grant' });
  });

  it('ends the message at the code when there is no text at all', async () => {
    const fetch = async () => new Response(null, { status: 401 });
    const error = await failure(
      () => new HttpResponse(null, { status: 500 }),
      new AuthApi({ baseUrl: BASE_URL, longToken: LONG_TOKEN, fetch }),
    );
    expect(error.serverMessage).toBe('');
    expect(error.message).toBe('issueShortTermToken: 401 unauthorized');
  });

  it('reads the code and message of an AuthError body with its details', async () => {
    const error = await failure(() =>
      HttpResponse.json({ code: 'invalid_scope', message: 'Scope not granted', details: { scope: 'jobs:admin' } }, { status: 403 }),
    );
    expect(error).toMatchObject({
      status: 403,
      code: 'invalid_scope',
      serverMessage: 'Scope not granted',
      details: { scope: 'jobs:admin' },
    });
    expect(error.message).toBe('issueShortTermToken: 403 invalid_scope: Scope not granted');
  });

  it('keeps null, numbers and nested values of the details as they came', async () => {
    const details = { field: null, limit: 5, nested: { list: [null, true, 'x'] } };
    const error = await failure(() => HttpResponse.json({ code: 'invalid_request', message: 'Bad', details }, { status: 400 }));
    expect(error.details).toEqual(details);
  });
});

describe('an error body that cannot be read', () => {
  it('still gives the status, with the status text as message', async () => {
    const error = await failure(
      () =>
        new HttpResponse(
          new ReadableStream({
            start(controller) {
              controller.enqueue(new TextEncoder().encode('upstream'));
              controller.error(new Error('socket hang up'));
            },
          }),
          { status: 503, statusText: 'Service Unavailable' },
        ),
    );
    expect(error).toMatchObject({ status: 503, code: 'service_unavailable', serverMessage: 'Service Unavailable' });
    expect(error.message).toBe('issueShortTermToken: 503 service_unavailable: Service Unavailable');
  });

  it('does not read an error body over 1 MiB into the message', async () => {
    const error = await failure(() => new HttpResponse('x'.repeat(1_100_000), { status: 500, statusText: 'Internal Server Error' }));
    expect(error).toMatchObject({ status: 500, code: 'server_error', serverMessage: 'Internal Server Error' });
  });
});
