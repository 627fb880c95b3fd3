import ky from 'ky';
import { HttpResponse, http } from 'msw';
import createClient from 'openapi-fetch';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AuthSession } from '../../src/index.js';
import { issued, tokenOf, useAuthMock } from '../support/kit.js';
import { BASE_URL, CLIENT_SECRET, seen, server, useMsw } from '../support/msw.js';

useMsw();

const credentials = { grant_type: 'client_credentials', client_id: 'c2m_abc123', client_secret: CLIENT_SECRET } as const;
const mock = useAuthMock();
afterEach(() => {
  vi.useRealTimers();
});

const jobRequests = () => seen.filter((request) => request.url === `${BASE_URL}/jobs`);

describe('session.fetch', () => {
  it('adds the short JWT as a Bearer token', async () => {
    const session = new AuthSession({ baseUrl: BASE_URL, credentials });
    const response = await session.fetch(`${BASE_URL}/jobs`, { headers: { 'x-app': 'demo' } });
    expect(response.status).toBe(200);
    const token = await session.getAccessToken();
    expect(jobRequests()).toHaveLength(1);
    expect(jobRequests()[0]?.headers).toMatchObject({ authorization: `Bearer ${token}`, 'x-app': 'demo' });
  });

  it('replaces an Authorization header of any case rather than sending two', async () => {
    const session = new AuthSession({ baseUrl: BASE_URL, credentials });
    await session.fetch(new URL(`${BASE_URL}/jobs`), { headers: { Authorization: 'Bearer stale' } });
    expect(jobRequests()[0]?.headers.authorization).toBe(`Bearer ${await session.getAccessToken()}`);
  });

  it.each([
    ['a Headers object', () => new Headers({ 'x-app': 'demo', Authorization: 'Bearer stale' })],
    [
      'an array of pairs',
      () =>
        [
          ['x-app', 'demo'],
          ['Authorization', 'Bearer stale'],
        ] as [string, string][],
    ],
  ])("keeps the caller's headers given as %s, with its own Authorization in place", async (_name, headers) => {
    const session = new AuthSession({ baseUrl: BASE_URL, credentials });
    await session.fetch(`${BASE_URL}/jobs`, { headers: headers() });
    expect(jobRequests()[0]?.headers).toMatchObject({ authorization: `Bearer ${await session.getAccessToken()}`, 'x-app': 'demo' });
  });

  it('after a 401, replays with the token another caller refreshed meanwhile, without a new exchange', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const session = new AuthSession({ baseUrl: BASE_URL, credentials });
    const first = await session.getAccessToken();
    mock().failNext('jobs', { delayMs: 1000 });
    const pending = session.fetch(`${BASE_URL}/jobs`);
    await vi.advanceTimersByTimeAsync(10);
    mock().revoke(tokenOf(mock(), first)?.id ?? '');
    const second = await session.getAccessToken({ forceRefresh: true });
    await vi.advanceTimersByTimeAsync(1000);
    expect((await pending).status).toBe(200);
    expect(jobRequests().map((request) => request.headers.authorization)).toEqual([`Bearer ${first}`, `Bearer ${second}`]);
    expect(mock().count('issueShortTermToken')).toBe(2);
  });

  it('sends its own token requests through the fetch option too', async () => {
    const urls: string[] = [];
    const session = new AuthSession({
      baseUrl: BASE_URL,
      credentials,
      fetch: (input, init) => {
        urls.push(input instanceof Request ? input.url : String(input));
        return fetch(input, init);
      },
    });
    expect((await session.fetch(`${BASE_URL}/jobs`)).status).toBe(200);
    expect(urls).toEqual([`${BASE_URL}/auth/tokens/long`, `${BASE_URL}/auth/tokens/short`, `${BASE_URL}/jobs`]);
  });

  it('after a 401, refreshes once and replays a POST with its JSON body', async () => {
    const session = new AuthSession({ baseUrl: BASE_URL, credentials });
    const first = await session.getAccessToken();
    mock().revokeAll();
    const body = JSON.stringify({ template: 'letter', copies: 2 });
    const response = await session.fetch(`${BASE_URL}/jobs`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
    expect(response.status).toBe(201);
    expect(mock().jobBodies).toEqual([body]);
    const [refused, replayed] = jobRequests();
    expect(jobRequests()).toHaveLength(2);
    expect(refused?.headers.authorization).toBe(`Bearer ${first}`);
    expect(replayed?.headers.authorization).toBe(`Bearer ${await session.getAccessToken()}`);
    expect(replayed?.headers.authorization).not.toBe(refused?.headers.authorization);
    expect([mock().count('issueLongTermToken'), mock().count('issueShortTermToken')]).toEqual([2, 3]);
  });

  it('replays a stream body, buffered before the first send', async () => {
    const session = new AuthSession({ baseUrl: BASE_URL, credentials });
    await session.getAccessToken();
    mock().revokeAll();
    const stream = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('{"streamed":'));
        controller.enqueue(new TextEncoder().encode('true}'));
        controller.close();
      },
    });
    const response = await session.fetch(`${BASE_URL}/jobs`, { method: 'POST', body: stream, duplex: 'half' } as RequestInit);
    expect(response.status).toBe(201);
    expect(mock().jobBodies).toEqual(['{"streamed":true}']);
  });

  it('returns a second 401 as it is, without looping', async () => {
    server.use(http.all(`${BASE_URL}/jobs`, () => HttpResponse.json({ code: 'invalid_token', message: 'no' }, { status: 401 })));
    const session = new AuthSession({ baseUrl: BASE_URL, credentials });
    const response = await session.fetch(`${BASE_URL}/jobs`, { method: 'POST', body: '{}' });
    expect(response.status).toBe(401);
    expect(jobRequests()).toHaveLength(2);
    expect(mock().count('issueShortTermToken')).toBe(2);
  });

  it('shares one refresh when many requests meet a 401 together', async () => {
    const session = new AuthSession({ baseUrl: BASE_URL, credentials });
    await session.getAccessToken();
    for (const token of issued(mock(), 'short')) token.revoked = true;
    const responses = await Promise.all(Array.from({ length: 20 }, () => session.fetch(`${BASE_URL}/jobs`)));
    expect(responses.map((response) => response.status)).toEqual(Array(20).fill(200));
    expect(mock().count('issueShortTermToken')).toBe(2);
  });

  it('drops into ky: a Request with a body is replayed after a 401', async () => {
    const session = new AuthSession({ baseUrl: BASE_URL, credentials });
    await session.getAccessToken();
    mock().revokeAll();
    const api = ky.create({ prefixUrl: BASE_URL, fetch: session.fetch, retry: 0 });
    const result = await api.post('jobs', { json: { copies: 1 } }).json();
    expect(result).toEqual({ id: 'job_1' });
    expect(mock().jobBodies).toEqual(['{"copies":1}']);
    expect(jobRequests()).toHaveLength(2);
  });

  it('drops into openapi-fetch', async () => {
    interface paths {
      '/jobs': { get: { responses: { 200: { content: { 'application/json': { jobs: unknown[] } } } } } };
    }
    const session = new AuthSession({ baseUrl: BASE_URL, credentials });
    const client = createClient<paths>({ baseUrl: BASE_URL, fetch: session.fetch });
    const { data, response } = await client.GET('/jobs');
    expect(response.status).toBe(200);
    expect(data).toEqual({ jobs: [] });
    expect(jobRequests()[0]?.headers.authorization).toBe(`Bearer ${await session.getAccessToken()}`);
  });
});
