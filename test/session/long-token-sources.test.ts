// Where a session's long token comes from: the app's longToken function, the credentials (object or
// function, with the longTokenScopes / longTokenTtlSeconds defaults), and what the caller gets when a
// source fails.
import { describe, expect, it, vi } from 'vitest';
import {
  AuthApi,
  AuthSdkError,
  AuthSession,
  type AuthSessionEvents,
  type LongTokenRequest,
  MemoryTokenStore,
  RequestValidationError,
  SessionExpiredError,
} from '../../src/index.js';
import { credentials, START, tokenOf, useAuthMock, useFakeClock } from '../support/kit.js';
import { BASE_URL, settled, useMsw } from '../support/msw.js';

useMsw();

const KEY = `c2m-auth:${BASE_URL}:c2m_abc123`;
const mock = useAuthMock();

useFakeClock();

/** The JSON bodies of the long-token requests the server got, in order. */
async function longTokenBodies(): Promise<unknown[]> {
  return (await settled()).filter((request) => request.url.endsWith('/auth/tokens/long')).map((request) => JSON.parse(request.body));
}

describe('the longToken function', () => {
  it('is called when the session needs a long token; what it returns is used, kept in memory and written to the store', async () => {
    const minted = mock().mintLongToken();
    const source = vi.fn(async () => ({
      access_token: minted.access_token,
      expires_at: minted.expires_at,
      token_id: minted.token_id as string,
    }));
    const store = new MemoryTokenStore();
    const session = new AuthSession({ baseUrl: BASE_URL, clientId: 'c2m_abc123', longToken: source, store });
    const token = await session.getAccessToken();
    expect(tokenOf(mock(), token)?.longTokenId).toBe(minted.token_id);
    expect(store.get(KEY)).toMatchObject({ longToken: minted.access_token, tokenId: minted.token_id });
    await session.getAccessToken({ forceRefresh: true });
    expect(await session.getLongToken()).toBe(minted.access_token);
    expect(source).toHaveBeenCalledTimes(1);
    expect([mock().count('issueLongTermToken'), mock().count('issueShortTermToken')]).toEqual([0, 2]);
  });

  it('comes before the credentials: they issue a long token only when the function has none to give', async () => {
    const minted = mock().mintLongToken();
    const session = new AuthSession({ baseUrl: BASE_URL, credentials, longToken: () => minted.access_token });
    expect(await session.getLongToken()).toBe(minted.access_token);
    expect(mock().count('issueLongTermToken')).toBe(0);
  });

  it.each<[string, unknown, string]>([
    ['an empty string', '', 'longToken'],
    ['an expires_at that is no date', { access_token: 'lt_from_app', expires_at: 'soon' }, 'longToken.expires_at'],
  ])('refuses %s from it with RequestValidationError naming the field, sending nothing', async (_name, value, field) => {
    const session = new AuthSession({ baseUrl: BASE_URL, clientId: 'c2m_abc123', longToken: () => value as string });
    const error = await session.getAccessToken().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RequestValidationError);
    expect((error as RequestValidationError).message).toMatch(new RegExp(`^AuthSession: invalid request: ${field.replace('.', '\\.')}: `));
    expect((error as RequestValidationError).issues.map((issue) => issue.path)).toEqual([field.split('.')]);
    expect(mock().requests).toEqual([]);
  });

  it('throwing a plain error: RequestValidationError that names the function, with the error as cause', async () => {
    const failure = new Error('vault unreachable');
    const session = new AuthSession({
      baseUrl: BASE_URL,
      clientId: 'c2m_abc123',
      longToken: () => {
        throw failure;
      },
    });
    const error = await session.getAccessToken().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RequestValidationError);
    expect((error as RequestValidationError).message).toBe('AuthSession: invalid request: longToken: the longToken function threw');
    expect((error as RequestValidationError).issues).toEqual([{ path: ['longToken'], message: 'the longToken function threw' }]);
    expect((error as RequestValidationError).cause).toBe(failure);
    expect(mock().requests).toEqual([]);
  });

  it("throwing one of the SDK's errors: the caller gets that very error", async () => {
    const signedOut = new SessionExpiredError('the app signed the user out');
    const session = new AuthSession({
      baseUrl: BASE_URL,
      clientId: 'c2m_abc123',
      longToken: async () => {
        throw signedOut;
      },
    });
    await expect(session.getAccessToken()).rejects.toBe(signedOut);
    expect(mock().requests).toEqual([]);
  });
});

describe('credentials', () => {
  it('a function that throws: RequestValidationError naming credentials, with the error as cause, and nothing sent', async () => {
    const failure = new Error('secret manager down');
    const session = new AuthSession({
      baseUrl: BASE_URL,
      clientId: 'c2m_abc123',
      credentials: () => {
        throw failure;
      },
    });
    const error = await session.getAccessToken().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RequestValidationError);
    expect((error as RequestValidationError).message).toBe('AuthSession: invalid request: credentials: the credentials function threw');
    expect((error as RequestValidationError).issues).toEqual([{ path: ['credentials'], message: 'the credentials function threw' }]);
    expect((error as RequestValidationError).cause).toBe(failure);
    expect(mock().requests).toEqual([]);
  });

  it.each<[string, unknown]>([
    ['null', null],
    ['a string', 'c2m_abc123'],
  ])('a function that returns %s: the request is refused as a whole, nothing sent', async (_name, body) => {
    const session = new AuthSession({ baseUrl: BASE_URL, clientId: 'c2m_abc123', credentials: () => body as LongTokenRequest });
    const error = await session.getAccessToken().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RequestValidationError);
    expect((error as RequestValidationError).issues).toEqual([{ path: ['body'], message: expect.stringMatching(/object/) }]);
    expect(mock().requests).toEqual([]);
  });

  it('asks for the longTokenScopes and longTokenTtlSeconds options when the credentials name none', async () => {
    const session = new AuthSession({
      baseUrl: BASE_URL,
      credentials: () => credentials,
      longTokenScopes: ['jobs:submit'],
      longTokenTtlSeconds: 86_400,
    });
    await session.getLongToken();
    expect(await longTokenBodies()).toEqual([{ ...credentials, scopes: ['jobs:submit'], ttl_seconds: 86_400 }]);
  });

  it("keeps the credentials' own scopes and ttl_seconds over the options", async () => {
    const session = new AuthSession({
      baseUrl: BASE_URL,
      credentials: { ...credentials, scopes: ['templates:read'], ttl_seconds: 7200 },
      longTokenScopes: ['jobs:submit'],
      longTokenTtlSeconds: 86_400,
    });
    await session.getLongToken();
    expect(await longTokenBodies()).toEqual([{ ...credentials, scopes: ['templates:read'], ttl_seconds: 7200 }]);
  });

  it('sends the credentials as they are when no option adds to them', async () => {
    await new AuthSession({ baseUrl: BASE_URL, credentials }).getLongToken();
    expect(await longTokenBodies()).toEqual([credentials]);
  });
});

describe('no source left', () => {
  it('without credentials, once the given long token has expired: SessionExpiredError and sessionExpired with no token id', async () => {
    const expired: AuthSessionEvents['sessionExpired'][] = [];
    const session = new AuthSession({
      baseUrl: BASE_URL,
      longToken: { access_token: 'lt_expired_given', expires_at: new Date(START - 1).toISOString(), token_id: 'tok_lt_old' },
      on: { sessionExpired: (event) => expired.push(event) },
    });
    const error = await session.getLongToken().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SessionExpiredError);
    expect((error as SessionExpiredError).message).toBe('AuthSession: no usable long token, and no credentials to issue one');
    expect(expired).toStrictEqual([{ tokenId: undefined }]);
    expect(mock().requests).toEqual([]);
  });

  it("wraps an error that is not the SDK's own (from an AuthApi the app gave) in AuthSdkError, reported as refreshFailed", async () => {
    const api = new AuthApi({ baseUrl: BASE_URL });
    const failure = new TypeError('instrumentation broke');
    vi.spyOn(api, 'issueShortTermToken').mockRejectedValue(failure);
    const failed: AuthSessionEvents['refreshFailed'][] = [];
    const session = new AuthSession({ api, credentials, on: { refreshFailed: (event) => failed.push(event) } });
    const error = await session.getAccessToken().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AuthSdkError);
    expect((error as AuthSdkError).message).toBe('AuthSession: refresh failed');
    expect((error as AuthSdkError).cause).toBe(failure);
    expect(failed).toEqual([{ error, stillValidUntil: undefined }]);
  });
});
