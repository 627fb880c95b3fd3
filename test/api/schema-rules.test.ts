import { HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { AuthApi, AuthApiError, type LongTokenRequest, RequestValidationError, ResponseValidationError } from '../../src/index.js';
import { BASE_URL, LONG_TOKEN, longTokenBody, onPost, seen, settled, shortTokenBody, useMsw } from '../support/msw.js';

// The rules of the contract's schemas where they bite: a request string or list at exactly its limit
// is sent, one over is refused with the limit in the message; a response's expires_at is an RFC 3339
// date-time, offsets included, and nothing else Date.parse happens to accept; an error body whose
// details is not an object is not an AuthError body.

useMsw();

const api = () => new AuthApi({ baseUrl: BASE_URL, longToken: LONG_TOKEN, retry: false });
const bySecret = { grant_type: 'client_credentials', client_id: 'c2m_abc123', client_secret: 'supersecret123' } as const;

async function refusal(call: () => Promise<unknown>): Promise<RequestValidationError> {
  const error = await call().catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(RequestValidationError);
  expect(seen).toHaveLength(0);
  return error as RequestValidationError;
}

describe('request limits', () => {
  it('sends every string and list at exactly its limit, unchanged', async () => {
    onPost('auth/tokens/long', () => HttpResponse.json(longTokenBody, { status: 201 }));
    const body: LongTokenRequest = {
      grant_type: 'assertion',
      client_id: 'c'.repeat(256),
      assertion_type: 't'.repeat(512),
      assertion: 'a'.repeat(16_384),
      scopes: Array.from({ length: 100 }, (_, index) => `${index}`.padEnd(256, 's')),
    };
    await expect(api().issueLongTermToken(body, { clientId: 'c'.repeat(256) })).resolves.toEqual(longTokenBody);
    expect(JSON.parse((await settled())[0]?.body ?? '')).toEqual(body);
  });

  it.each<[string, Partial<LongTokenRequest>, (string | number)[], string]>([
    ['a client_id of 257 characters', { client_id: 'c'.repeat(257) }, ['body', 'client_id'], 'must have at most 256 characters'],
    ['a scope of 257 characters', { scopes: ['jobs:*', 's'.repeat(257)] }, ['body', 'scopes', 1], 'must have at most 256 characters'],
    ['101 scopes', { scopes: Array(101).fill('jobs:*') }, ['body', 'scopes'], 'must have at most 100 items'],
    ['an empty scope', { scopes: [''] }, ['body', 'scopes', 0], 'must not be empty'],
  ])('refuses %s, naming the limit', async (_name, change, path, message) => {
    const error = await refusal(() => api().issueLongTermToken({ ...bySecret, ...change }));
    expect(error.issues).toEqual([{ path, message }]);
  });

  it('refuses an assertion_type of 513 characters, naming the limit', async () => {
    const body = { grant_type: 'assertion', client_id: 'c2m_abc123', assertion_type: 't'.repeat(513), assertion: 'a.b.c' } as const;
    const error = await refusal(() => api().issueLongTermToken(body));
    expect(error.issues).toEqual([{ path: ['body', 'assertion_type'], message: 'must have at most 512 characters' }]);
  });
});

describe("a token response's expires_at", () => {
  const answer = (expiresAt: string) =>
    onPost('auth/tokens/short', () => HttpResponse.json({ ...shortTokenBody, expires_at: expiresAt }, { status: 201 }));

  it.each([
    '2026-12-01T05:30:00+05:30',
    '2026-11-30T23:30:00-08:00',
    '2026-12-01T00:00:00.250Z',
    '2026-12-01t00:00:00z',
    '2028-02-29T00:00:00Z',
  ])('accepts the RFC 3339 date-time %s as sent', async (expiresAt) => {
    answer(expiresAt);
    await expect(api().issueShortTermToken()).resolves.toEqual({ ...shortTokenBody, expires_at: expiresAt });
  });

  it.each([
    ['text after the date-time', '2026-12-01T00:00:00Z\u0000'],
    ['text before the date-time', '1(2026-12-01T00:00:00Z'],
    ['a date and a comment before the date-time', '2026-12-01(2026-12-01T00:00:00Z'],
    ['an offset without its sign', '2026-12-01T00:00:00 05:30'],
    ['a day past the end of February', '2026-02-30T00:00:00Z'],
    ['February 29 of a common year', '2026-02-29T00:00:00Z'],
    ['a day past the end of April', '2026-04-31T00:00:00Z'],
    ['an hour that does not exist', '2026-12-01T25:00:00Z'],
  ])('refuses %s, though Date.parse may read it', async (_name, expiresAt) => {
    answer(expiresAt);
    const error = await api()
      .issueShortTermToken()
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ResponseValidationError);
    expect((error as ResponseValidationError).issues).toEqual([{ path: ['expires_at'], message: 'must be an ISO 8601 date-time' }]);
  });
});

describe("an error body's details", () => {
  const failure = async (details: unknown) => {
    onPost('auth/tokens/short', () => HttpResponse.json({ code: 'invalid_scope', message: 'Scope not granted', details }, { status: 403 }));
    const error = await api()
      .issueShortTermToken()
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AuthApiError);
    return error as AuthApiError;
  };

  it('are read when they are an object', async () => {
    expect(await failure({ scope: 'jobs:admin' })).toMatchObject({ code: 'invalid_scope', details: { scope: 'jobs:admin' } });
  });

  it.each([
    ['null', null],
    ['an array', [{ scope: 'jobs:admin' }]],
    ['a string', 'jobs:admin'],
  ])('make the body no AuthError when they are %s: the code is the status one, details undefined', async (_name, details) => {
    const error = await failure(details);
    expect(error).toMatchObject({ status: 403, code: 'forbidden', details: undefined });
    expect(error.serverMessage).not.toBe('Scope not granted');
  });
});

describe("a long token's expires_at given by the caller", () => {
  it('is refused when its day does not exist, naming longToken; nothing is sent', async () => {
    const client = new AuthApi({ baseUrl: BASE_URL, retry: false });
    const longToken = { access_token: LONG_TOKEN, expires_at: '2026-02-30T00:00:00Z' };
    const error = await refusal(() => client.issueShortTermToken(undefined, { longToken }));
    expect(error.issues).toEqual([
      { path: ['options', 'longToken', 'expires_at'], message: 'must be an ISO 8601 date-time such as 2026-12-01T00:00:00Z' },
    ]);
  });
});

// The object rules zod's object kind has, which the schemas keep (they build objects from refinements).
describe('request objects', () => {
  it.each<[string, unknown, { path: (string | number)[]; message: string }[]]>([
    ['an array', [bySecret], [{ path: ['body'], message: 'expected object' }]],
    ['null', null, [{ path: ['body'], message: 'expected object' }]],
    [
      'an optional field present but undefined (absent is fine, undefined is not)',
      { ...bySecret, otp_code: undefined },
      [{ path: ['body', 'otp_code'], message: 'expected string' }],
    ],
    [
      'every field wrong at once: each in the schema order, the unknown keys last, together',
      { colour: 'blue', client_id: '', grant_type: 'password', client_secret: 7, size: 1 },
      [
        { path: ['body', 'grant_type'], message: 'must be "client_credentials" or "assertion"' },
        { path: ['body', 'client_id'], message: 'must not be empty' },
        { path: ['body', 'client_secret'], message: 'expected string' },
        { path: ['body'], message: 'unknown fields "colour", "size"' },
      ],
    ],
    [
      'a scope of the wrong type: its index, and the list rules do not run (zod aborts there too)',
      { ...bySecret, scopes: ['jobs:*', 7, ...Array(99).fill('jobs:*')] },
      [{ path: ['body', 'scopes', 1], message: 'expected string' }],
    ],
    [
      'a scope too long: its index, and the list rules still run',
      { ...bySecret, scopes: ['jobs:*', 's'.repeat(257), ...Array(99).fill('jobs:*')] },
      [
        { path: ['body', 'scopes', 1], message: 'must have at most 256 characters' },
        { path: ['body', 'scopes'], message: 'must have at most 100 items' },
      ],
    ],
  ])('refuses %s with exactly its issues', async (_name, body, issues) => {
    const error = await refusal(() => api().issueLongTermToken(body as LongTokenRequest));
    expect(error.issues).toEqual(issues);
  });

  it('sends a copy of the known fields: the caller changing its body afterwards changes nothing sent', async () => {
    onPost('auth/tokens/long', () => HttpResponse.json(longTokenBody, { status: 201 }));
    const body = { ...bySecret, scopes: ['jobs:*'] };
    const call = api().issueLongTermToken(body);
    body.scopes.push('templates:read');
    await call;
    expect(JSON.parse((await settled())[0]?.body ?? '')).toEqual({ ...bySecret, scopes: ['jobs:*'] });
  });
});
