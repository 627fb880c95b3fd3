import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AuthApi, type AuthApiError } from '../../src/index.js';
import { tokenOf, useAuthMock } from '../support/kit.js';
import { BASE_URL, useMsw } from '../support/msw.js';

useMsw();
const mock = useAuthMock();

const api = () => new AuthApi({ baseUrl: BASE_URL, retry: { issue: false, revoke: false } });
const bySecret = { grant_type: 'client_credentials', client_id: 'c2m_abc123', client_secret: 'supersecret123' } as const;
const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: unknown) => error as AuthApiError,
  );
/** The status of GET /jobs with `token` as its bearer. */
const jobsStatus = async (token: string) => (await fetch(`${BASE_URL}/jobs`, { headers: { authorization: `Bearer ${token}` } })).status;

describe('createAuthHandlers tokens', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.parse('2026-05-01T00:00:00Z'));
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('numbers long and short tokens in one sequence, with their kind, client, scopes and lifetime', async () => {
    const long = await api().issueLongTermToken({ ...bySecret, ttl_seconds: 3_600, scopes: ['jobs:*'] });
    const short = await api().issueShortTermToken({ scopes: ['jobs:submit'] }, { longToken: long.access_token });
    expect(mock().tokens).toEqual([
      {
        kind: 'long',
        id: 'tok_lt_1',
        value: long.access_token,
        clientId: 'c2m_abc123',
        scopes: ['jobs:*'],
        issuedAtMs: Date.parse('2026-05-01T00:00:00Z'),
        expiresAtMs: Date.parse('2026-05-01T01:00:00Z'),
        longTokenId: undefined,
        revoked: false,
      },
      {
        kind: 'short',
        id: 'tok_st_2',
        value: short.access_token,
        clientId: 'c2m_abc123',
        scopes: ['jobs:submit'],
        issuedAtMs: Date.parse('2026-05-01T00:00:00Z'),
        expiresAtMs: Date.parse('2026-05-01T00:15:00Z'),
        longTokenId: 'tok_lt_1',
        revoked: false,
      },
    ]);
    expect(long.access_token).toMatch(/^lt_[0-9a-f]{24}$/);
    expect(short.access_token).toMatch(/^eyJhbGciOiJIUzI1NiJ9\.[0-9a-f]{24}\.2$/);
  });

  it('gives every token its own random value', async () => {
    const values = new Set<string>();
    for (let index = 0; index < 5; index += 1) values.add((await api().issueLongTermToken(bySecret)).access_token);
    expect(values.size).toBe(5);
  });

  it('accepts a token until the millisecond it expires', async () => {
    const long = await api().issueLongTermToken(bySecret);
    const short = await api().issueShortTermToken(undefined, { longToken: long.access_token });
    vi.setSystemTime(Date.parse('2026-05-01T00:14:59.999Z'));
    expect(await jobsStatus(short.access_token)).toBe(200);
    vi.setSystemTime(Date.parse('2026-05-01T00:15:00Z'));
    expect(await jobsStatus(short.access_token)).toBe(401);
    expect(mock().expiredOrRevokedUses).toBe(1);
  });

  it('refuses a token of the wrong kind or unknown without counting it as an expired or revoked use', async () => {
    const long = await api().issueLongTermToken(bySecret);
    const short = await api().issueShortTermToken(undefined, { longToken: long.access_token });
    expect(await jobsStatus(long.access_token)).toBe(401);
    expect(await failure(api().issueShortTermToken(undefined, { longToken: short.access_token }))).toMatchObject({ status: 401 });
    expect(await jobsStatus('st_unknown')).toBe(401);
    expect(mock().expiredOrRevokedUses).toBe(0);
    // A revoked token of the wrong kind is refused for its kind first.
    mock().revoke(long.token_id ?? '');
    expect(await jobsStatus(long.access_token)).toBe(401);
    expect(mock().expiredOrRevokedUses).toBe(0);
    expect(await jobsStatus(short.access_token)).toBe(401);
    expect(mock().expiredOrRevokedUses).toBe(1);
  });

  it("revokes a long token's own short tokens with it, and nothing else", async () => {
    const [first, second] = [await api().issueLongTermToken(bySecret), await api().issueLongTermToken(bySecret)];
    const ofFirst = await api().issueShortTermToken(undefined, { longToken: first.access_token });
    const ofSecond = await api().issueShortTermToken(undefined, { longToken: second.access_token });
    const alsoOfSecond = await api().issueShortTermToken(undefined, { longToken: second.access_token });
    mock().revoke(alsoOfSecond.token_id ?? '');
    expect([tokenOf(mock(), second.access_token)?.revoked, tokenOf(mock(), ofSecond.access_token)?.revoked]).toEqual([false, false]);
    await api().revokeToken(first.token_id ?? '', { longToken: second.access_token });
    expect(mock().tokens.map((token) => [token.id, token.revoked])).toEqual([
      ['tok_lt_1', true],
      ['tok_lt_2', false],
      ['tok_st_3', true],
      ['tok_st_4', false],
      ['tok_st_5', true],
    ]);
    expect([await jobsStatus(ofFirst.access_token), await jobsStatus(ofSecond.access_token)]).toEqual([401, 200]);
  });

  it('finds a token to revoke by its exact id only', async () => {
    const long = await api().issueLongTermToken(bySecret);
    expect(await failure(api().revokeToken('tok_lt_', { longToken: long.access_token }))).toMatchObject({ status: 404, code: 'not_found' });
    mock().revoke('tok_lt_9');
    expect(tokenOf(mock(), long.access_token)?.revoked).toBe(false);
  });

  it('starts the sequence again and forgets every value on reset', async () => {
    const long = await api().issueLongTermToken(bySecret);
    mock().reset();
    expect(await failure(api().issueShortTermToken(undefined, { longToken: long.access_token }))).toMatchObject({ status: 401 });
    expect((await api().issueLongTermToken(bySecret)).token_id).toBe('tok_lt_1');
  });
});

describe('createAuthHandlers scopes', () => {
  /** The scopes a long token granted `granted` gives a short token asking for `wanted`, or the error code. */
  const narrow = async (granted: string[], wanted: string[]) => {
    const long = mock().mintLongToken({ scopes: granted });
    const short = await failure(api().issueShortTermToken({ scopes: wanted }, { longToken: long.access_token }));
    return short === undefined ? 'issued' : short.code;
  };

  it('lets a family:* scope cover every scope of that family', async () => {
    expect(await narrow(['jobs:*'], ['jobs:submit', 'jobs:read'])).toBe('issued');
    expect(await narrow(['templates:read', 'jobs:*'], ['jobs:submit', 'templates:read'])).toBe('issued');
  });

  it('refuses a scope of another family, or one that only shares a prefix', async () => {
    expect(await narrow(['jobs:*'], ['templates:read'])).toBe('invalid_scope');
    expect(await narrow(['jobs:*'], ['jobsx:submit'])).toBe('invalid_scope');
    expect(await narrow(['jobs:submit'], ['jobs:submitx'])).toBe('invalid_scope');
    expect(await narrow(['templates:read'], ['templates:rea'])).toBe('invalid_scope');
    expect(await narrow(['jobs:*', 'templates:read'], ['jobs:submit', 'tokens:write'])).toBe('invalid_scope');
  });

  it('treats a * without a family separator as a plain scope', async () => {
    expect(await narrow(['jobs*'], ['jobs*'])).toBe('issued');
    expect(await narrow(['jobs*'], ['jobsx'])).toBe('invalid_scope');
  });
});
