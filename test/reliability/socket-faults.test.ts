import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { AuthApi, AuthApiError, NetworkError, ResponseValidationError, TimeoutError } from '../../src/index.js';

// Faults from a real socket (not msw): a node:http server on 127.0.0.1 misbehaves on purpose. Retry
// waits are set to 0 ms (backoffLimitMs) and timeouts run on fake timers, so nothing sleeps.

type Behaviour = (request: IncomingMessage, response: ServerResponse) => void;
let behaviour: Behaviour = (_request, response) => response.writeHead(500).end();
let requests = 0;
let server: Server;
let baseUrl: string;
const errors: unknown[] = [];

const LONG_TOKEN = 'lt_socket_faults_secret_value';
const CLIENT_SECRET = 'socket-faults-client-secret';
const token = JSON.stringify({
  token_type: 'Bearer',
  access_token: 'eyJhbGciOiJIUzI1NiJ9.e30.c29ja2V0',
  expires_in: 900,
  expires_at: '2030-01-01T00:00:00Z',
});

beforeAll(async () => {
  server = createServer((request, response) => {
    requests += 1;
    request.resume();
    behaviour(request, response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  // Every error this suite produced, rendered every way a log could: no secret or token in any.
  const rendered = errors
    .map((error) => `${String(error)}${JSON.stringify(error)}${inspect(error, { depth: 10, showHidden: true })}`)
    .join('\n');
  expect(rendered.includes(LONG_TOKEN) || rendered.includes(CLIENT_SECRET)).toBe(false);
  expect(errors.length).toBeGreaterThan(20);
});
afterEach(() => {
  requests = 0;
});

const api = (timeoutMs = 10_000, url = baseUrl) =>
  new AuthApi({
    baseUrl: url,
    longToken: LONG_TOKEN,
    timeout: timeoutMs,
    retry: { issue: { backoffLimitMs: 0 }, revoke: { backoffLimitMs: 0 } },
  });

/**
 * A server of its own (a new origin, so no pooled keep-alive socket is reused under fake timers) that
 * counts the requests that arrive.
 */
async function holdingServer(respond: Behaviour) {
  let count = 0;
  const holder = createServer((request, response) => {
    count += 1;
    request.resume();
    respond(request, response);
  });
  await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
  return {
    baseUrl: `http://127.0.0.1:${(holder.address() as AddressInfo).port}/v1`,
    requests: () => count,
    /**
     * Resolves once `total` requests have arrived. Under fake timers the client's own small timers
     * must run for a request to go out, so time is nudged 1 ms at a time (far below any timeout
     * here), with a real turn of the event loop between nudges for the socket.
     */
    arrivals: async (total: number) => {
      for (let nudge = 0; nudge < 500 && count < total; nudge += 1) {
        await new Promise((resolve) => setImmediate(resolve));
        await vi.advanceTimersByTimeAsync(1);
      }
      if (count < total) throw new Error(`${count} of ${total} requests arrived`);
    },
    close: () =>
      new Promise<void>((resolve) => {
        holder.closeAllConnections();
        holder.close(() => resolve());
      }),
  };
}
const issueShort = (client = api()) => client.issueShortTermToken().catch((error: unknown) => record(error));
const issueLong = (client = api()) =>
  client
    .issueLongTermToken({ grant_type: 'client_credentials', client_id: 'c2m_abc123', client_secret: CLIENT_SECRET })
    .catch((error: unknown) => record(error));
const revoke = (client = api()) => client.revokeToken('tok_1').catch((error: unknown) => record(error));
function record(error: unknown): unknown {
  errors.push(error);
  return error;
}
const json =
  (status: number, body: string, headers: Record<string, string> = {}): Behaviour =>
  (_request, response) =>
    response.writeHead(status, { 'content-type': 'application/json', ...headers }).end(body);

describe('faults from a real socket', () => {
  it('connection refused: NetworkError (ECONNREFUSED)', async () => {
    const spare = createServer();
    await new Promise<void>((resolve) => spare.listen(0, '127.0.0.1', resolve));
    const { port } = spare.address() as AddressInfo;
    await new Promise<void>((resolve) => spare.close(() => resolve()));
    const closed = new AuthApi({ baseUrl: `http://127.0.0.1:${port}/v1`, longToken: LONG_TOKEN, retry: { revoke: { backoffLimitMs: 0 } } });
    expect(await issueShort(closed)).toMatchObject({ name: 'NetworkError', message: 'issueShortTermToken: network error (ECONNREFUSED)' });
    expect(await revoke(closed)).toMatchObject({ name: 'NetworkError', message: 'revokeToken: network error (ECONNREFUSED)' });
  });

  it('reset before the response: NetworkError; issue calls are not retried, revoke is', async () => {
    behaviour = (request) => request.socket.destroy();
    expect(await issueLong()).toBeInstanceOf(NetworkError);
    expect(requests).toBe(1);
    requests = 0;
    expect(await revoke()).toBeInstanceOf(NetworkError);
    expect(requests).toBe(3);
  });

  it('closed in the middle of the body: NetworkError, not a half-read token', async () => {
    behaviour = (_request, response) => {
      response.writeHead(201, { 'content-type': 'application/json', 'content-length': '400' });
      response.write(token.slice(0, 40));
      setImmediate(() => response.socket?.destroy());
    };
    expect(await issueShort()).toBeInstanceOf(NetworkError);
    expect(requests).toBe(1);
  });

  it('headers that never come: TimeoutError; an issue call once, revoke retried on each timeout', async () => {
    const hold = await holdingServer(() => undefined);
    try {
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
      const pending = issueShort(api(5000, hold.baseUrl));
      await hold.arrivals(1);
      await vi.advanceTimersByTimeAsync(5000);
      expect(await pending).toMatchObject({
        name: 'TimeoutError',
        timeoutMs: 5000,
        message: 'issueShortTermToken: no response within 5000 ms',
      });
      expect(hold.requests()).toBe(1);
      const revoking = revoke(api(5000, hold.baseUrl));
      for (let attempt = 1; attempt <= 3; attempt += 1) {
        await hold.arrivals(1 + attempt);
        await vi.advanceTimersByTimeAsync(5000);
      }
      expect(await revoking).toBeInstanceOf(TimeoutError);
      expect(hold.requests()).toBe(4);
    } finally {
      vi.useRealTimers();
      await hold.close();
    }
  });

  it('a body that trickles past the timeout: TimeoutError', async () => {
    const hold = await holdingServer((_request, response) => {
      response.writeHead(201, { 'content-type': 'application/json' });
      response.write('{"token_type":');
    });
    try {
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
      const pending = issueShort(api(2000, hold.baseUrl));
      await hold.arrivals(1);
      // The headers come at once; the body's own timer then runs out.
      await vi.advanceTimersByTimeAsync(1000);
      await vi.advanceTimersByTimeAsync(1000);
      expect(await pending).toMatchObject({ name: 'TimeoutError', timeoutMs: 2000 });
    } finally {
      vi.useRealTimers();
      await hold.close();
    }
  });

  it.each([
    ['declared', { 'content-length': String(10 * 2 ** 20) }],
    ['chunked', {}],
  ])('a 10 MB body (%s): ResponseValidationError without buffering it', async (_name, headers) => {
    behaviour = (_request, response) => {
      response.writeHead(201, { 'content-type': 'application/json', ...headers });
      const chunk = Buffer.alloc(2 ** 16, 'x');
      let sent = 0;
      const pump = (): void => {
        while (sent < 10 * 2 ** 20) {
          sent += chunk.length;
          if (!response.write(chunk)) return void response.once('drain', pump);
        }
        response.end();
      };
      pump();
    };
    const error = await issueShort();
    expect(error).toBeInstanceOf(ResponseValidationError);
    expect((error as ResponseValidationError).issues[0]?.message).toMatch(/exceeds 1048576/);
  });

  it.each<[string, Behaviour, string]>([
    ['invalid JSON', json(201, '{"token_type": "Bearer",'), 'body is not valid JSON'],
    [
      'HTML with a 200',
      (_request, response) => response.writeHead(200, { 'content-type': 'text/html' }).end('<html>hi</html>'),
      'expected a JSON body, got content type "text/html"',
    ],
    [
      'a wrong content type',
      (_request, response) => response.writeHead(201, { 'content-type': 'text/plain' }).end(token),
      'expected a JSON body, got content type "text/plain"',
    ],
  ])('%s: ResponseValidationError', async (_name, fault, message) => {
    behaviour = fault;
    const error = await issueShort();
    expect(error).toBeInstanceOf(ResponseValidationError);
    expect((error as ResponseValidationError).issues).toEqual([{ path: [], message }]);
  });

  it.each([500, 502, 503])('%i: AuthApiError; issue calls not retried, revoke retried twice', async (status) => {
    for (const retryAfter of [undefined, '0']) {
      behaviour = json(status, '{"code":"server_error","message":"down"}', retryAfter === undefined ? {} : { 'retry-after': retryAfter });
      requests = 0;
      expect(await issueLong()).toMatchObject({
        name: 'AuthApiError',
        status,
        code: 'server_error',
        retryAfter: retryAfter === undefined ? undefined : 0,
      });
      expect(requests).toBe(1);
      requests = 0;
      expect(await revoke()).toMatchObject({ name: 'AuthApiError', status });
      expect(requests).toBe(3);
    }
  });

  it('a 429 storm: two retries, then AuthApiError rate_limited', async () => {
    behaviour = json(429, '{"code":"rate_limited","message":"slow down"}', { 'retry-after': '0' });
    expect(await issueShort()).toMatchObject({ name: 'AuthApiError', status: 429, code: 'rate_limited', retryAfter: 0 });
    expect(requests).toBe(3);
  });

  it('a Retry-After of one hour is reported, not waited for', async () => {
    behaviour = json(429, '{"code":"rate_limited","message":"come back later"}', { 'retry-after': '3600' });
    expect(await issueShort()).toMatchObject({ name: 'AuthApiError', status: 429, retryAfter: 3600 });
    expect(requests).toBe(1);
  });

  it.each([301, 302, 307, 308])('a %i redirect is never followed: AuthApiError unexpected_redirect', async (status) => {
    behaviour = (_request, response) => response.writeHead(status, { location: 'http://127.0.0.1:9/steal' }).end();
    const error = await issueLong();
    expect(error).toBeInstanceOf(AuthApiError);
    expect(error).toMatchObject({ status, code: 'unexpected_redirect' });
    expect((error as AuthApiError).headers.get('location')).toBe('http://127.0.0.1:9/steal');
    expect(requests).toBe(1);
  });
});
