import { describe, expect, it } from 'vitest';
import { AuthApi, AuthSession, type AuthSessionOptions, RequestValidationError } from '../../src/index.js';
import { FileTokenStore } from '../../src/node/index.js';
import { useAuthMock } from '../support/kit.js';
import { BASE_URL, seen, useMsw } from '../support/msw.js';

// Every public function and option given wrong types, empty and huge strings, null, and
// prototype-polluting keys: a RequestValidationError (a TypeError for a misused constructor or
// listener) with a clear message, nothing sent, and Object.prototype untouched.

useMsw();
useAuthMock();

const HUGE = 'x'.repeat(5_000_000);
const polluting = (extra: string) =>
  JSON.parse(`{"__proto__": {"polluted": true}, "constructor": {"prototype": {"polluted": true}}, ${extra}}`) as never;
const grant = '"grant_type": "client_credentials", "client_id": "c2m_abc123", "client_secret": "supersecret123"';

async function refusal(call: () => Promise<unknown>): Promise<RequestValidationError> {
  const error = await call().then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(RequestValidationError);
  expect(seen).toHaveLength(0);
  expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
  return error as RequestValidationError;
}

describe('hostile input to AuthApi operations', () => {
  const api = () => new AuthApi({ baseUrl: BASE_URL, longToken: 'lt_x', shortToken: 'st_x' });
  const cases: [string, () => Promise<unknown>, string][] = [
    ['issueLongTermToken(null)', () => api().issueLongTermToken(null as never), 'body: expected object'],
    ['issueLongTermToken("text")', () => api().issueLongTermToken('grant_type=x' as never), 'body: expected object'],
    [
      'issueLongTermToken with __proto__ and constructor keys',
      () => api().issueLongTermToken(polluting(grant)),
      'body: unknown fields "__proto__", "constructor"',
    ],
    [
      'issueLongTermToken with a 5 MB secret',
      () => api().issueLongTermToken({ grant_type: 'client_credentials', client_id: 'c', client_secret: HUGE }),
      'body.client_secret: must have at most 4096 characters',
    ],
    [
      'issueLongTermToken with an empty secret',
      () => api().issueLongTermToken({ grant_type: 'client_credentials', client_id: 'c', client_secret: '' }),
      'body.client_secret: must not be empty',
    ],
    [
      'issueLongTermToken with 101 scopes',
      () =>
        api().issueLongTermToken({ grant_type: 'client_credentials', client_id: 'c', client_secret: 's', scopes: Array(101).fill('a') }),
      'body.scopes: must have at most 100 items',
    ],
    [
      'issueLongTermToken with a numeric ttl string',
      () =>
        api().issueLongTermToken({ grant_type: 'client_credentials', client_id: 'c', client_secret: 's', ttl_seconds: '3600' as never }),
      'body.ttl_seconds: expected number',
    ],
    [
      'issueShortTermToken with __proto__',
      () => api().issueShortTermToken(polluting('"scopes": []')),
      'body: unknown fields "__proto__", "constructor"',
    ],
    [
      'issueShortTermToken with a 5 MB long_token',
      () => new AuthApi({ baseUrl: BASE_URL }).issueShortTermToken({ long_token: HUGE }),
      'body.long_token: must have at most 16384 characters',
    ],
    [
      'issueShortTermToken with a null long token option',
      () => api().issueShortTermToken(undefined, { longToken: null as never }),
      'options.longToken: expected string, got null',
    ],
    [
      'issueShortTermToken with a 5 MB long token option',
      () => api().issueShortTermToken(undefined, { longToken: HUGE }),
      'options.longToken: must be at most 16384 characters',
    ],
    ['revokeToken(undefined)', () => api().revokeToken(undefined as never), 'tokenId: expected string, got undefined'],
    ['revokeToken with a 5 MB id', () => api().revokeToken(HUGE), 'tokenId: must be at most 1024 characters'],
    ['revokeToken with options "x"', () => api().revokeToken('tok_1', 'x' as never), 'options: expected an object'],
    ['withResponse.revokeToken(null)', () => api().withResponse.revokeToken(null as never), 'tokenId: expected string, got null'],
  ];
  it.each(cases)('%s', async (_name, call, message) => {
    const error = await refusal(call);
    expect(error.message.replace(/^\w+(?:\.\w+)?: invalid request: /, '')).toBe(message);
  });

  it.each<[string, () => Promise<unknown>, RequestValidationError['issues']]>([
    [
      'a 5 MB client_id in the body',
      () => api().issueLongTermToken({ grant_type: 'client_credentials', client_id: HUGE, client_secret: 's' }),
      [{ path: ['body', 'client_id'], message: 'must have at most 256 characters' }],
    ],
    [
      'a 5 MB clientId call option',
      () => api().issueLongTermToken({ grant_type: 'client_credentials', client_id: 'c', client_secret: 's' }, { clientId: HUGE }),
      [{ path: ['options', 'clientId'], message: 'must be at most 16384 characters' }],
    ],
  ])('issueLongTermToken with %s: that one issue, nothing sent', async (_name, call, issues) => {
    const error = await refusal(call);
    expect(error.issues).toEqual(issues);
    expect(error.message).toBe(`issueLongTermToken: invalid request: ${issues[0]?.path.join('.')}: ${issues[0]?.message}`);
  });
});

describe('hostile input to AuthSession', () => {
  const credentials = { grant_type: 'client_credentials', client_id: 'c2m_abc123', client_secret: 'supersecret123' } as const;

  it.each<[string, unknown]>([
    ['forceRefresh "yes"', { forceRefresh: 'yes' }],
    ['a signal that is a string', { signal: 'abort' }],
    ['null', null],
  ])('getAccessToken with %s: RequestValidationError, nothing sent', async (_name, options) => {
    const session = new AuthSession({ baseUrl: BASE_URL, credentials });
    await refusal(() => session.getAccessToken(options as never));
  });

  it('a credentials function returning a polluting body: RequestValidationError, nothing sent', async () => {
    const session = new AuthSession({ baseUrl: BASE_URL, credentials: () => polluting(grant) });
    const error = await refusal(() => session.getAccessToken());
    expect(error.message).toContain('unknown fields "__proto__", "constructor"');
  });

  it.each<[string, unknown, string]>([
    ['null options', null, 'AuthSession: options must be an object'],
    ['an empty base URL', { baseUrl: '', credentials }, 'AuthSession: option "baseUrl" must be a non-empty string'],
    [
      'credentials that are a string',
      { credentials: 'secret' },
      'AuthSession: option "credentials" must be a LongTokenRequest or a function returning one',
    ],
    [
      'a long token of null',
      { longToken: null },
      'AuthSession: option "longToken" must be a token string of visible ASCII characters without surrounding whitespace, { access_token, expires_at?, token_id? } with expires_at an ISO 8601 date-time such as 2026-12-01T00:00:00Z, or a function returning one',
    ],
    ['a numeric now', { credentials, now: 5 }, 'AuthSession: option "now" must be a function'],
    [
      'a huge refresh window',
      { credentials, refreshWindowSeconds: 1e12 },
      'AuthSession: option "refreshWindowSeconds" must be a number of seconds from 0 to 86400',
    ],
  ])('new AuthSession with %s: TypeError', (_name, options, message) => {
    expect(() => new AuthSession(options as AuthSessionOptions)).toThrow(new TypeError(message));
    expect(seen).toHaveLength(0);
  });

  it('on() with an unknown event or a non-function listener: TypeError', () => {
    const session = new AuthSession({ baseUrl: BASE_URL, credentials });
    expect(() => session.on('__proto__' as never, () => undefined)).toThrow(new TypeError('AuthSession.on: unknown event "__proto__"'));
    expect(() => session.on('tokenRefreshed', 'log' as never)).toThrow(new TypeError('AuthSession.on: the listener must be a function'));
  });
});

describe('hostile input to constructors', () => {
  it.each<[string, unknown, string]>([
    [
      'a 5 MB client id',
      { baseUrl: BASE_URL, clientId: HUGE },
      'AuthApi: option "clientId" must be a non-empty string of visible ASCII characters',
    ],
    [
      'a base URL of javascript:',
      { baseUrl: 'javascript:alert(1)' },
      'AuthApi: option "baseUrl" must be an absolute http(s) URL without credentials, or in a browser a path starting with "/"',
    ],
    [
      'a __proto__ options object',
      JSON.parse('{"__proto__": {"baseUrl": "https://evil.test"}}'),
      'AuthApi: unknown option "__proto__"; the options are baseUrl, allowInsecureHttp, clientId, longToken, shortToken, fetch, timeout, retry, headers, hooks',
    ],
  ])('new AuthApi with %s: TypeError, nothing sent', (_name, options, message) => {
    expect(() => new AuthApi(options as never)).toThrow(new TypeError(message));
    expect(seen).toHaveLength(0);
    expect(({} as { polluted?: unknown; baseUrl?: unknown }).baseUrl).toBeUndefined();
  });

  it('new FileTokenStore with an empty path: TypeError', () => {
    expect(() => new FileTokenStore('')).toThrow(new TypeError('FileTokenStore: option "path" must be a non-empty string'));
  });
});
