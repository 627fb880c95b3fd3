// AuthSession's options as a user meets them: every misused option named in a TypeError that says
// what it must be, the edges of each range accepted and used, the `api` form, the default store
// key, and getAccessToken's own options refused before anything is sent.
import { describe, expect, it } from 'vitest';
import {
  AuthApi,
  AuthSession,
  type AuthSessionOptions,
  RequestValidationError,
  type TokenRecord,
  type TokenStore,
} from '../../src/index.js';
import { tokenOf, useAuthMock } from '../support/kit.js';
import { BASE_URL, CLIENT_SECRET, seen, settled, useMsw } from '../support/msw.js';

useMsw();

const credentials = { grant_type: 'client_credentials', client_id: 'c2m_abc123', client_secret: CLIENT_SECRET } as const;
const mock = useAuthMock();

/** A plain store (no lease, no subscribe) that records the keys it is asked for. */
function recordingStore(record?: TokenRecord) {
  const keys: string[] = [];
  const store: TokenStore = {
    get: (key) => {
      keys.push(key);
      return record;
    },
    set: (key) => {
      keys.push(key);
    },
    delete: (key) => {
      keys.push(key);
    },
  };
  return { keys, store };
}

describe('AuthSession options', () => {
  it.each<[string, Record<string, unknown>, string]>([
    ['an empty clientId', { clientId: '' }, 'option "clientId" must be a non-empty string'],
    ['scopes with an empty one among them', { scopes: ['jobs:read', ''] }, 'option "scopes" must be an array of non-empty strings'],
    [
      'longTokenScopes that are not an array',
      { longTokenScopes: 'jobs:*' },
      'option "longTokenScopes" must be an array of non-empty strings',
    ],
    [
      'longTokenScopes with an empty one among them',
      { longTokenScopes: ['jobs:*', ''] },
      'option "longTokenScopes" must be an array of non-empty strings',
    ],
    [
      'a fractional longTokenTtlSeconds',
      { longTokenTtlSeconds: 3600.5 },
      'option "longTokenTtlSeconds" must be a whole number from 3600 to 7776000',
    ],
    [
      'a longTokenTtlSeconds under an hour',
      { longTokenTtlSeconds: 60 },
      'option "longTokenTtlSeconds" must be a whole number from 3600 to 7776000',
    ],
    [
      'a longTokenTtlSeconds over 90 days',
      { longTokenTtlSeconds: 7_776_001 },
      'option "longTokenTtlSeconds" must be a whole number from 3600 to 7776000',
    ],
    [
      'a refreshWindowSeconds given as a string',
      { refreshWindowSeconds: '60' },
      'option "refreshWindowSeconds" must be a number of seconds from 0 to 86400',
    ],
    [
      'a refreshWindowSeconds over a day',
      { refreshWindowSeconds: 86_401 },
      'option "refreshWindowSeconds" must be a number of seconds from 0 to 86400',
    ],
    [
      'a longTokenRotationFraction over 1',
      { longTokenRotationFraction: 1.5 },
      'option "longTokenRotationFraction" must be a number from 0 to 1',
    ],
    ['an empty storeKey', { storeKey: '' }, 'option "storeKey" must be a non-empty string'],
    ['a storeTimeoutMs of 0', { storeTimeoutMs: 0 }, 'option "storeTimeoutMs" must be a number of ms from 1 to 600000'],
    ['a leaseTtlMs under 100 ms', { leaseTtlMs: 99 }, 'option "leaseTtlMs" must be a number of ms from 100 to 600000'],
    ['an autoRefresh that is not a boolean', { autoRefresh: 'yes' }, 'option "autoRefresh" must be a boolean'],
    ['a storeShortToken that is not a boolean', { storeShortToken: 1 }, 'option "storeShortToken" must be a boolean'],
    ['a now that is not a function', { now: 1_000 }, 'option "now" must be a function'],
    ['on that is not an object', { on: () => undefined }, 'option "on" must map event names to functions'],
    [
      'on with a listener that is not a function',
      { on: { tokenRefreshed: () => undefined, refreshFailed: 'log' } },
      'option "on" must map event names to functions',
    ],
  ])('refuses %s, naming the option and what it must be', (_name, options, message) => {
    expect(() => new AuthSession({ baseUrl: BASE_URL, credentials, ...options } as AuthSessionOptions)).toThrow(
      new TypeError(`AuthSession: ${message}`),
    );
  });

  it('asks for the longest long-token lifetime the range allows', async () => {
    const session = new AuthSession({ baseUrl: BASE_URL, credentials, longTokenTtlSeconds: 7_776_000 });
    await session.getLongToken();
    const [issue] = (await settled()).filter((request) => request.url.endsWith('/auth/tokens/long'));
    expect(JSON.parse(issue?.body ?? '{}')).toEqual({ ...credentials, ttl_seconds: 7_776_000 });
  });

  it('sends through the AuthApi given as api', async () => {
    const urls: string[] = [];
    const api = new AuthApi({
      baseUrl: BASE_URL,
      fetch: (input, init) => {
        urls.push(input instanceof Request ? input.url : String(input));
        return fetch(input, init);
      },
    });
    const session = new AuthSession({ api, credentials });
    const token = await session.getAccessToken();
    expect(tokenOf(mock(), token)?.kind).toBe('short');
    expect(urls).toEqual([`${BASE_URL}/auth/tokens/long`, `${BASE_URL}/auth/tokens/short`]);
  });

  it('refuses allowInsecureHttp beside api: it belongs on that AuthApi', () => {
    const api = new AuthApi({ baseUrl: BASE_URL });
    expect(() => new AuthSession({ api, credentials, allowInsecureHttp: true } as unknown as AuthSessionOptions)).toThrow(
      new TypeError('AuthSession: with "api", set "baseUrl" and "allowInsecureHttp" on that AuthApi, not on the session'),
    );
  });

  it('uses a given long token without expires_at as one that never expires', async () => {
    const given = mock().mintLongToken();
    const session = new AuthSession({
      baseUrl: BASE_URL,
      longToken: { access_token: given.access_token, token_id: given.token_id as string },
    });
    const token = await session.getAccessToken();
    expect(tokenOf(mock(), token)?.kind).toBe('short');
    expect(seen.map((request) => [new URL(request.url).pathname, request.headers.authorization])).toEqual([
      ['/v1/auth/tokens/short', `Bearer ${given.access_token}`],
    ]);
  });
});

describe('the default store key', () => {
  const storedLong = (): TokenRecord => ({
    version: 1,
    longToken: mock().mintLongToken().access_token,
    expiresAtMs: Date.now() + 60 * 86_400_000,
  });

  it('is the base URL and "default" when credentials is a function and no clientId is given', async () => {
    const { keys, store } = recordingStore(storedLong());
    const session = new AuthSession({ baseUrl: BASE_URL, credentials: () => credentials, store });
    await session.getLongToken();
    expect([...new Set(keys)]).toEqual([`c2m-auth:${BASE_URL}:default`]);
  });

  it('ignores any number of trailing slashes on the base URL', async () => {
    const record = storedLong();
    const { keys, store } = recordingStore(record);
    const session = new AuthSession({ baseUrl: `${BASE_URL}//`, credentials, store });
    expect(await session.getLongToken()).toBe(record.longToken);
    expect([...new Set(keys)]).toEqual([`c2m-auth:${BASE_URL}:c2m_abc123`]);
    expect(seen).toEqual([]);
  });
});

describe('getAccessToken options', () => {
  it.each<[string, unknown, string, { path: string[]; message: string }[]]>([
    ['options that are not an object', 'force', 'options: expected an object', [{ path: ['options'], message: 'expected an object' }]],
    [
      'a forceRefresh that is not a boolean and a signal that is not an AbortSignal',
      { forceRefresh: 'yes', signal: {} },
      'options.forceRefresh: expected boolean; options.signal: expected an AbortSignal',
      [
        { path: ['options', 'forceRefresh'], message: 'expected boolean' },
        { path: ['options', 'signal'], message: 'expected an AbortSignal' },
      ],
    ],
  ])('refuses %s, sending nothing', async (_name, options, message, issues) => {
    const session = new AuthSession({ baseUrl: BASE_URL, credentials });
    const error = await session.getAccessToken(options as never).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RequestValidationError);
    expect((error as RequestValidationError).message).toBe(`getAccessToken: invalid request: ${message}`);
    expect((error as RequestValidationError).issues).toEqual(issues);
    expect(seen).toEqual([]);
  });
});
