import { request as httpRequest } from 'node:http';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AuthApi, NetworkError } from '../../src/index.js';
import { type ServedAuthMock, serveAuthMock } from '../../src/testing/node/index.js';

const credentials = { grant_type: 'client_credentials', client_id: 'c2m_abc123', client_secret: 'supersecret123' } as const;

let served: ServedAuthMock | undefined;
afterEach(async () => {
  await served?.close();
  served = undefined;
});

/** A raw request to the served mock: its status, content type and body text. */
function raw(url: string, method: string, headers: Record<string, string> = {}): Promise<[number, string | undefined, string]> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, { method, headers, agent: false }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve([response.statusCode ?? 0, response.headers['content-type'], Buffer.concat(chunks).toString()]));
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end();
  });
}

describe('serveAuthMock over HTTP', () => {
  it('answers 404 not_found as JSON for a path the kit does not serve', async () => {
    served = await serveAuthMock();
    expect(await raw(`${served.url}/nowhere`, 'POST')).toEqual([
      404,
      'application/json',
      '{"code":"not_found","message":"No such endpoint"}',
    ]);
    expect(served.mock.requests).toEqual([]);
  });

  it('passes headers, bodies and the answer headers through, for POST and GET', async () => {
    served = await serveAuthMock();
    const api = new AuthApi({ baseUrl: served.url });
    const issued = await api.withResponse.issueLongTermToken(credentials);
    expect(issued.headers.get('x-token-id')).toBe('tok_lt_1');
    const short = await api.issueShortTermToken({ scopes: ['jobs:submit'] }, { longToken: issued.data.access_token });
    const authorization = `Bearer ${short.access_token}`;
    const posted = await fetch(`${served.url}/jobs`, { method: 'POST', headers: { authorization }, body: 'first job' });
    expect([posted.status, await posted.json()]).toEqual([201, { id: 'job_1' }]);
    expect(await raw(`${served.url}/jobs`, 'GET', { authorization })).toEqual([
      200,
      'application/json',
      '{"jobs":[{"id":"job_1","body":"first job"}]}',
    ]);
    expect(served.mock.requests.map((entry) => `${entry.method} ${entry.operation} ${entry.status}`)).toEqual([
      'POST issueLongTermToken 201',
      'POST issueShortTermToken 201',
      'POST jobs 201',
      'GET jobs 200',
    ]);
  });

  it('answers a HEAD request without reading a body', async () => {
    served = await serveAuthMock();
    const [status] = await raw(`${served.url}/jobs`, 'HEAD');
    expect(status).toBe(404);
  });

  it('answers 500 to a request it cannot turn into a fetch Request, and goes on serving', async () => {
    served = await serveAuthMock();
    expect(await raw(`${served.url}/jobs`, 'TRACE')).toEqual([500, undefined, '']);
    expect((await new AuthApi({ baseUrl: served.url }).issueLongTermToken(credentials)).token_id).toBe('tok_lt_1');
  });

  it('serves under the path of the given base URL, trailing slashes dropped', async () => {
    served = await serveAuthMock({ baseUrl: 'https://example.test/api/v2//' });
    expect(served.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/v2$/);
    expect((await new AuthApi({ baseUrl: served.url }).issueLongTermToken(credentials)).token_id).toBe('tok_lt_1');
    expect((await raw(served.url.replace('/api/v2', '/v1/auth/tokens/long'), 'POST'))[0]).toBe(404);
  });

  it('listens on the given host and port', async () => {
    const first = await serveAuthMock({ host: '127.0.0.1' });
    const port = Number(new URL(first.url).port);
    await first.close();
    served = await serveAuthMock({ port, host: '127.0.0.1' });
    expect(served.url).toBe(`http://127.0.0.1:${port}/v1`);
    expect((await new AuthApi({ baseUrl: served.url }).issueLongTermToken(credentials)).token_id).toBe('tok_lt_1');
  });

  it('rejects when the port is taken', async () => {
    served = await serveAuthMock();
    const port = Number(new URL(served.url).port);
    await expect(serveAuthMock({ port })).rejects.toMatchObject({ code: 'EADDRINUSE' });
  });

  it('ends a call still in progress on close, instead of waiting for it', async () => {
    const closing = await serveAuthMock();
    closing.mock.failNext('issueLongTermToken', { delayMs: 1_500 });
    const call = new AuthApi({ baseUrl: closing.url, retry: { issue: false } })
      .issueLongTermToken(credentials)
      .catch((error: unknown) => error);
    await vi.waitFor(() => expect(closing.mock.requests).toHaveLength(1));
    await closing.close();
    expect(await call).toBeInstanceOf(NetworkError);
  });
});
