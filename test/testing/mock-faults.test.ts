import { afterEach, describe, expect, it, vi } from 'vitest';
import { useAuthMock } from '../support/kit.js';
import { BASE_URL, useMsw } from '../support/msw.js';

useMsw();
const mock = useAuthMock();

const bySecret = { grant_type: 'client_credentials', client_id: 'c2m_abc123', client_secret: 'supersecret123' };

/** POST /auth/tokens/long with the default client's secret, as any HTTP client sends it. */
const postLong = () =>
  fetch(`${BASE_URL}/auth/tokens/long`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-client-id': 'c2m_abc123' },
    body: JSON.stringify(bySecret),
  });

/** Status, Retry-After and JSON body of a response. */
const answer = async (response: Response) => [response.status, response.headers.get('retry-after'), await response.json()];

describe('createAuthHandlers failNext: injected answers', () => {
  it.each([
    [400, 'invalid_grant'],
    [401, 'invalid_token'],
    [403, 'insufficient_scope'],
    [404, 'not_found'],
    [429, 'rate_limited'],
    [500, 'server_error'],
    [503, 'server_error'],
    [499, 'http_499'],
    [418, 'http_418'],
  ])('answers status %i with the AuthError code %s by default, and no Retry-After', async (status, code) => {
    mock().failNext('issueLongTermToken', { status });
    expect(await answer(await postLong())).toEqual([status, null, { code, message: `Injected fault: ${code}` }]);
  });

  it('answers with the given code and Retry-After seconds', async () => {
    mock().failNext('issueLongTermToken', { status: 503, code: 'maintenance', retryAfterSeconds: 0 });
    expect(await answer(await postLong())).toEqual([503, '0', { code: 'maintenance', message: 'Injected fault: maintenance' }]);
  });

  it('answers one call by default, then the operation works again', async () => {
    mock().failNext('issueLongTermToken', { status: 500 });
    expect((await postLong()).status).toBe(500);
    const recovered = await postLong();
    expect([recovered.status, ((await recovered.json()) as { token_id: string }).token_id]).toEqual([201, 'tok_lt_1']);
    expect(mock().requests.map((entry) => entry.status)).toEqual([500, 201]);
  });

  it('answers exactly `times` calls in a row, queued after faults added before', async () => {
    mock().failNext('issueLongTermToken', { status: 429 });
    mock().failNext('issueLongTermToken', { times: 2, status: 503 });
    const statuses: number[] = [];
    for (let call = 0; call < 4; call += 1) statuses.push((await postLong()).status);
    expect(statuses).toEqual([429, 503, 503, 201]);
  });

  it('keeps the faults of one operation from the others', async () => {
    mock().failNext('issueShortTermToken', { status: 500 });
    expect((await postLong()).status).toBe(201);
    expect(mock().requests.map((entry) => [entry.operation, entry.status])).toEqual([['issueLongTermToken', 201]]);
  });

  it('forgets queued faults on reset', async () => {
    mock().failNext('issueLongTermToken', { times: 3, status: 500 });
    mock().reset();
    expect((await postLong()).status).toBe(201);
  });

  it('drops the connection for networkError, whatever status is given with it', async () => {
    mock().failNext('issueLongTermToken', { networkError: true, status: 500 });
    await expect(postLong()).rejects.toBeInstanceOf(TypeError);
    expect(mock().requests.map((entry) => entry.status)).toEqual([0]);
  });
});

describe('createAuthHandlers failNext: delays', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  /** Settles to 'pending' when `promise` has not settled after the macrotask queue drains once. */
  const stateOf = async (promise: Promise<unknown>) => {
    let state = 'pending';
    promise.then(
      () => (state = 'settled'),
      () => (state = 'settled'),
    );
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    return state;
  };

  it('holds the call delayMs by the (fake) clock, then serves it as usual', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    mock().failNext('issueLongTermToken', { delayMs: 1_000 });
    const call = postLong();
    await vi.advanceTimersByTimeAsync(999);
    expect(await stateOf(call)).toBe('pending');
    await vi.advanceTimersByTimeAsync(1);
    const response = await call;
    expect([response.status, ((await response.json()) as { token_id: string }).token_id]).toEqual([201, 'tok_lt_1']);
  });

  it('holds the call delayMs, then answers the injected status', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    mock().failNext('issueLongTermToken', { delayMs: 500, status: 429, retryAfterSeconds: 7 });
    const call = postLong();
    await vi.advanceTimersByTimeAsync(499);
    expect(await stateOf(call)).toBe('pending');
    await vi.advanceTimersByTimeAsync(1);
    expect(await answer(await call)).toEqual([429, '7', { code: 'rate_limited', message: 'Injected fault: rate_limited' }]);
    expect(mock().tokens).toEqual([]);
  });
});
