// What session.fetch hands to the fetch underneath it (the `fetch` option): the caller's own input
// and init, with only the Authorization added; a Request passed on as it is; a refused response's
// body freed; and the caller's signal honoured while it waits for a token, before and after a 401.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AbortError, AuthSession, SessionClosedError } from '../../src/index.js';
import { tokenOf, useAuthMock } from '../support/kit.js';
import { BASE_URL, CLIENT_SECRET, useMsw } from '../support/msw.js';

useMsw();

const credentials = { grant_type: 'client_credentials', client_id: 'c2m_abc123', client_secret: CLIENT_SECRET } as const;
const mock = useAuthMock();
afterEach(() => {
  vi.useRealTimers();
});

const JOBS = `${BASE_URL}/jobs`;

interface Call {
  input: RequestInfo | URL;
  init: RequestInit | undefined;
}

/**
 * A session whose `fetch` option answers the app's calls to /jobs with `respond` (by call number,
 * from 1) and records them; the session's own token calls go on to the mock auth server.
 */
function sessionWith(respond: (call: number) => Response = () => Response.json({ jobs: [] })) {
  const calls: Call[] = [];
  const session = new AuthSession({
    baseUrl: BASE_URL,
    credentials,
    fetch: (input, init) => {
      if (!(input instanceof Request ? input.url : String(input)).startsWith(JOBS)) return fetch(input, init);
      calls.push({ input, init });
      return Promise.resolve(respond(calls.length));
    },
  });
  return { session, calls };
}

const unauthorized = () => Response.json({ code: 'invalid_token', message: 'expired' }, { status: 401 });

describe('session.fetch hands the fetch option', () => {
  it("the caller's URL and init, with a plain header object kept plain and only the Authorization replaced", async () => {
    const { session, calls } = sessionWith();
    const init: RequestInit = { method: 'GET', cache: 'no-store', headers: { 'x-app': 'demo', Authorization: 'Bearer stale' } };
    expect((await session.fetch(JOBS, init)).status).toBe(200);
    const token = await session.getAccessToken();
    expect(calls).toStrictEqual([
      { input: JOBS, init: { method: 'GET', cache: 'no-store', headers: { 'x-app': 'demo', authorization: `Bearer ${token}` } } },
    ]);
    expect(init.headers).toEqual({ 'x-app': 'demo', Authorization: 'Bearer stale' });
  });

  it('the very Request it was given when it has no init, with the Authorization set on it', async () => {
    const { session, calls } = sessionWith();
    const request = new Request(JOBS, { headers: { 'x-app': 'demo' } });
    await session.fetch(request);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.input).toBe(request);
    expect(calls[0]?.init).toBeUndefined();
    expect(Object.fromEntries(request.headers)).toEqual({ 'x-app': 'demo', authorization: `Bearer ${await session.getAccessToken()}` });
  });

  it('a Request with the init given beside it applied', async () => {
    const { session, calls } = sessionWith();
    await session.fetch(new Request(JOBS), { method: 'POST', body: '{"doc":1}', headers: { 'x-app': 'demo' } });
    const sent = calls[0]?.input as Request;
    expect([sent.method, sent.headers.get('x-app'), sent.headers.get('authorization'), await sent.text()]).toEqual([
      'POST',
      'demo',
      `Bearer ${await session.getAccessToken()}`,
      '{"doc":1}',
    ]);
  });

  it('a bodyless Request twice as the same object when a 401 makes it replay, the second time with the new token', async () => {
    const { session, calls } = sessionWith((call) => (call === 1 ? unauthorized() : Response.json({ jobs: [] })));
    const request = new Request(JOBS);
    expect((await session.fetch(request)).status).toBe(200);
    expect(calls).toHaveLength(2);
    expect(calls.every((call) => call.input === request)).toBe(true);
    expect(request.headers.get('authorization')).toBe(`Bearer ${await session.getAccessToken()}`);
    expect(mock().count('issueShortTermToken')).toBe(2);
  });
});

describe('session.fetch after a 401', () => {
  it("frees the refused response's body before replaying", async () => {
    const cancel = vi.fn();
    const body = new ReadableStream({ cancel });
    const { session, calls } = sessionWith((call) => (call === 1 ? new Response(body, { status: 401 }) : Response.json({ jobs: [] })));
    expect((await session.fetch(JOBS)).status).toBe(200);
    await vi.waitFor(() => expect(cancel).toHaveBeenCalledTimes(1));
    expect(calls).toHaveLength(2);
  });

  it('replays after a 401 that has no body at all', async () => {
    const { session, calls } = sessionWith((call) => (call === 1 ? new Response(null, { status: 401 }) : Response.json({ jobs: [] })));
    expect((await session.fetch(JOBS)).status).toBe(200);
    const tokens = calls.map((call) => new Headers(call.init?.headers).get('authorization')?.replace('Bearer ', '') ?? '');
    expect(tokens.map((token) => tokenOf(mock(), token)?.revoked)).toEqual([false, false]);
    expect(tokens[0]).not.toBe(tokens[1]);
  });

  it('rejects with SessionClosedError, sending nothing more, when the session was closed meanwhile', async () => {
    let session: AuthSession | undefined;
    const made = sessionWith(() => {
      session?.close();
      return unauthorized();
    });
    session = made.session;
    await expect(session.fetch(JOBS)).rejects.toBeInstanceOf(SessionClosedError);
    expect(made.calls).toHaveLength(1);
    expect(mock().count('issueShortTermToken')).toBe(1);
  });

  it("stops waiting for the new token when the caller's signal fires", async () => {
    const controller = new AbortController();
    const { session, calls } = sessionWith(() => {
      controller.abort(new Error('user left'));
      return unauthorized();
    });
    const error = await session.fetch(JOBS, { signal: controller.signal }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AbortError);
    expect((error as AbortError).cause).toEqual(new Error('user left'));
    expect(calls).toHaveLength(1);
  });
});

describe("session.fetch and the caller's signal", () => {
  it.each<[string, (signal: AbortSignal) => Parameters<typeof fetch>]>([
    ['in init', (signal) => [JOBS, { signal }]],
    ['on the Request', (signal) => [new Request(JOBS, { signal })]],
  ])('rejects with AbortError, sending nothing to the API, when the signal %s has fired', async (_where, args) => {
    const { session, calls } = sessionWith();
    const controller = new AbortController();
    controller.abort(new Error('user left'));
    const error = await session.fetch(...args(controller.signal)).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AbortError);
    expect((error as AbortError).message).toBe('getAccessToken: aborted');
    expect((error as AbortError).cause).toEqual(new Error('user left'));
    expect(calls).toEqual([]);
    // The refresh it started is shared with the next caller, not lost.
    expect(tokenOf(mock(), await session.getAccessToken())?.kind).toBe('short');
    expect(mock().count('issueShortTermToken')).toBe(1);
  });
});

describe('session.fetch and the refresh window', () => {
  it('refreshes a token inside its refresh window before sending', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const { session, calls } = sessionWith();
    const first = await session.getAccessToken();
    // Short tokens live 900 s; the window is the last 60 s.
    await vi.advanceTimersByTimeAsync(841_000);
    await session.fetch(JOBS);
    const second = await session.getAccessToken();
    expect(second).not.toBe(first);
    expect(calls.map((call) => new Headers(call.init?.headers).get('authorization'))).toEqual([`Bearer ${second}`]);
    expect(mock().count('issueShortTermToken')).toBe(2);
  });
});
