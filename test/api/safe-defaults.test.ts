// Safe defaults and options that explain themselves: each case here passed silently, or failed late
// and obscurely, before the SDK checked it at construction.
import { HttpResponse, http } from 'msw';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  AuthApi,
  type AuthApiOptions,
  AuthSdkError,
  AuthSession,
  type AuthSessionOptions,
  RequestValidationError,
  SessionClosedError,
  SessionExpiredError,
} from '../../src/index.js';
import { CorruptTokenFileError } from '../../src/node/index.js';
import { BASE_URL, CLIENT_SECRET, LONG_TOKEN, onPost, SHORT_TOKEN, seen, server, shortTokenBody, useMsw } from '../support/msw.js';

useMsw();

/** Asserts `construct` throws a TypeError whose message matches `message`. */
function expectTypeError(construct: () => unknown, message: RegExp): void {
  const error = (() => {
    try {
      construct();
    } catch (caught) {
      return caught;
    }
    return undefined;
  })();
  expect(error).toBeInstanceOf(TypeError);
  expect((error as Error).message).toMatch(message);
}

const credentials = { grant_type: 'client_credentials', client_id: 'c2m_abc123', client_secret: CLIENT_SECRET } as const;
const construct = (owner: 'AuthApi' | 'AuthSession', options: Record<string, unknown>) =>
  owner === 'AuthApi'
    ? () => new AuthApi(options as unknown as AuthApiOptions)
    : () => new AuthSession({ credentials, ...options } as unknown as AuthSessionOptions);

describe.each(['AuthApi', 'AuthSession'] as const)('%s: baseUrl', (owner) => {
  it('is required, with an example in the message', () => {
    expect(construct(owner, {})).toThrow(
      new TypeError(`${owner}: option "baseUrl" is required: the API's base URL, e.g. { baseUrl: 'https://api.example.com/v1' }`),
    );
  });

  it.each([
    ['baseURL', 'baseUrl'],
    ['clientID', 'clientId'],
    ['basUrl', 'baseUrl'],
    ['fetchh', 'fetch'],
  ])('refuses the unknown option %s, suggesting %s', (wrong, right) => {
    expect(construct(owner, { baseUrl: BASE_URL, [wrong]: 'x' })).toThrow(
      new TypeError(`${owner}: unknown option "${wrong}"; did you mean "${right}"?`),
    );
  });

  it('lists the options when nothing is close', () => {
    expect(construct(owner, { baseUrl: BASE_URL, colour: 'blue' })).toThrow(
      new RegExp(`^${owner}: unknown option "colour"; the options are (\\w+, )+\\w+$`),
    );
  });

  it('refuses a path where there is no page to resolve it against', () => {
    expect(construct(owner, { baseUrl: '/c2m/v1' })).toThrow(
      new TypeError(`${owner}: option "baseUrl" is a path, and there is no page here to resolve it against: give an absolute https URL`),
    );
  });

  it.each(['http://api.example.com/v1', 'http://10.0.0.7:8080/v1', 'http://127.example.com/v1', 'http://[::2]/v1'])(
    'refuses plain http to %s',
    (baseUrl) => {
      expect(construct(owner, { baseUrl })).toThrow(
        new TypeError(
          `${owner}: option "baseUrl" uses plain http to a host that is not loopback, which would send secrets in clear text: use https, or set allowInsecureHttp: true`,
        ),
      );
    },
  );

  it.each(['http://localhost:8080/v1', 'http://127.0.0.1/v1', 'http://127.4.5.6:1/v1', 'http://[::1]:8080/v1', 'http://LOCALHOST/v1'])(
    'allows plain http to loopback %s',
    (baseUrl) => {
      expect(construct(owner, { baseUrl })()).toBeInstanceOf(owner === 'AuthApi' ? AuthApi : AuthSession);
    },
  );

  it('allows plain http elsewhere with allowInsecureHttp: true, and refuses a non-boolean', () => {
    expect(construct(owner, { baseUrl: 'http://auth.internal/v1', allowInsecureHttp: true })()).toBeInstanceOf(
      owner === 'AuthApi' ? AuthApi : AuthSession,
    );
    expect(construct(owner, { baseUrl: 'http://auth.internal/v1', allowInsecureHttp: 'yes' })).toThrow(
      new TypeError(`${owner}: option "allowInsecureHttp" must be a boolean`),
    );
  });
});

describe('baseUrl in a browser', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('resolves a path against the page, and sends there', async () => {
    vi.stubGlobal('location', { href: 'https://app.example.org/billing/index.html' });
    server.use(http.post('https://app.example.org/c2m/v1/auth/tokens/short', () => HttpResponse.json(shortTokenBody, { status: 201 })));
    const api = new AuthApi({ baseUrl: '/c2m/v1', longToken: LONG_TOKEN });
    expect(api.baseUrl).toBe('https://app.example.org/c2m/v1');
    await api.issueShortTermToken();
    expect(seen.map((request) => request.url)).toEqual(['https://app.example.org/c2m/v1/auth/tokens/short']);
  });

  it('still refuses a page-relative path without the leading slash', () => {
    vi.stubGlobal('location', { href: 'https://app.example.org/' });
    expectTypeError(() => new AuthApi({ baseUrl: 'c2m/v1' }), /^AuthApi: option "baseUrl" must be an absolute/);
  });
});

describe('AuthSession names itself in its errors', () => {
  it.each<[string, Record<string, unknown>, string]>([
    ['a bad baseUrl', { baseUrl: 'ftp://x' }, 'AuthSession: option "baseUrl" must be an absolute'],
    ['a bad fetch', { baseUrl: BASE_URL, fetch: 1 }, 'AuthSession: option "fetch" must be a function'],
  ])('%s', (_name, options, start) => {
    expect(construct('AuthSession', options)).toThrow(new RegExp(`^${start.replace(/[()]/g, '\\$&')}`));
  });

  it('says what to do once closed', async () => {
    const session = new AuthSession({ baseUrl: BASE_URL, credentials });
    session.close();
    const error = await session.getAccessToken().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SessionClosedError);
    expect((error as Error).message).toBe(
      'AuthSession: the session is closed (close() or revoke() was called); create a new AuthSession to get tokens again',
    );
  });
});

describe('secrets and tokens with surrounding whitespace are refused, never sent, never trimmed', () => {
  const message = 'must not start or end with whitespace (a line break read from a file or variable?); nothing was sent';
  const api = () => new AuthApi({ baseUrl: BASE_URL });

  it.each<[string, Record<string, string>, string[]]>([
    ['a client secret with a newline', { client_secret: `${CLIENT_SECRET}\n` }, ['body', 'client_secret']],
    ['an OTP code with a space', { client_secret: undefined as never, otp_code: ' 123456' }, ['body', 'otp_code']],
    ['a client id with a tab', { client_id: 'c2m_abc123\t' }, ['body', 'client_id']],
  ])('%s', async (_name, fields, path) => {
    const body = Object.fromEntries(Object.entries({ ...credentials, ...fields }).filter(([, value]) => value !== undefined));
    const error = await api()
      .issueLongTermToken(body as never)
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RequestValidationError);
    expect((error as RequestValidationError).issues).toEqual([{ path, message }]);
    expect(seen).toHaveLength(0);
  });

  it('an assertion with a trailing newline', async () => {
    const error = await api()
      .issueLongTermToken({ grant_type: 'assertion', client_id: 'c2m_abc123', assertion_type: 'jwt-bearer', assertion: 'eyJ.eyJ.sig\n' })
      .catch((caught: unknown) => caught);
    expect((error as RequestValidationError).issues).toEqual([{ path: ['body', 'assertion'], message }]);
    expect(seen).toHaveLength(0);
  });

  it.each([
    ['a long token option', () => api().issueShortTermToken(undefined, { longToken: `${LONG_TOKEN}\n` }), ['options', 'longToken']],
    ['a long token in the body', () => api().issueShortTermToken({ long_token: ` ${LONG_TOKEN}` }), ['body', 'long_token']],
    ['a short token', () => api().revokeToken('tok_1', { shortToken: `${SHORT_TOKEN} ` }), ['options', 'shortToken']],
    ['a token function result', () => api().revokeToken('tok_1', { longToken: async () => `${LONG_TOKEN}\r\n` }), ['options', 'longToken']],
  ])('%s', async (_name, call, path) => {
    const error = await call().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RequestValidationError);
    expect((error as RequestValidationError).issues).toEqual([{ path, message }]);
    expect(seen).toHaveLength(0);
  });

  it('a constructor token: TypeError at construction', () => {
    expectTypeError(() => new AuthApi({ baseUrl: BASE_URL, longToken: `${LONG_TOKEN}\n` }), /^AuthApi: option "longToken" must be/);
    expectTypeError(() => new AuthSession({ baseUrl: BASE_URL, longToken: `${LONG_TOKEN}\n` }), /^AuthSession: option "longToken" must be/);
  });
});

describe('retry shorthand', () => {
  it('a number is the limit of every operation, each keeping its statuses', async () => {
    onPost('auth/tokens/short', () =>
      HttpResponse.json({ code: 'rate_limited', message: 'slow' }, { status: 429, headers: { 'retry-after': '0' } }),
    );
    server.use(
      http.post(`${BASE_URL}/auth/tokens/:id/revoke`, () => new HttpResponse(null, { status: 503, headers: { 'retry-after': '0' } })),
    );
    const api = new AuthApi({ baseUrl: BASE_URL, longToken: LONG_TOKEN, retry: 3 });
    await expect(api.issueShortTermToken()).rejects.toMatchObject({ status: 429 });
    expect(seen).toHaveLength(4);
    await expect(api.revokeToken('tok_1')).rejects.toMatchObject({ status: 503 });
    expect(seen).toHaveLength(8);
  });

  it('false turns every retry off', async () => {
    onPost('auth/tokens/short', () =>
      HttpResponse.json({ code: 'rate_limited', message: 'slow' }, { status: 429, headers: { 'retry-after': '0' } }),
    );
    server.use(http.post(`${BASE_URL}/auth/tokens/:id/revoke`, () => new HttpResponse(null, { status: 503 })));
    const api = new AuthApi({ baseUrl: BASE_URL, longToken: LONG_TOKEN, retry: false });
    await expect(api.issueShortTermToken()).rejects.toMatchObject({ status: 429 });
    await expect(api.revokeToken('tok_1')).rejects.toMatchObject({ status: 503 });
    expect(seen).toHaveLength(2);
  });

  it.each([11, -1, 1.5, true, { issues: 1 }])('refuses %j', (retry) => {
    expectTypeError(() => new AuthApi({ baseUrl: BASE_URL, retry: retry as never }), /^AuthApi: option "retry" must be false, a limit/);
  });
});

describe('longToken: the same forms on AuthApi and AuthSession', () => {
  const record = { access_token: LONG_TOKEN, expires_at: '2099-01-01T00:00:00Z', token_id: 'tok_lt_1' };
  const forms: [string, unknown][] = [
    ['a string', LONG_TOKEN],
    ['a record', record],
    ['a sync function returning a string', () => LONG_TOKEN],
    ['an async function returning a record', async () => record],
  ];

  it.each(forms)('AuthApi takes %s', async (_name, longToken) => {
    onPost('auth/tokens/short', () => HttpResponse.json(shortTokenBody, { status: 201 }));
    await new AuthApi({ baseUrl: BASE_URL, longToken: longToken as never }).issueShortTermToken();
    await new AuthApi({ baseUrl: BASE_URL }).issueShortTermToken(undefined, { longToken: longToken as never });
    expect(seen.map((request) => request.headers.authorization)).toEqual([`Bearer ${LONG_TOKEN}`, `Bearer ${LONG_TOKEN}`]);
  });

  it.each(forms)('AuthSession takes %s', async (_name, longToken) => {
    onPost('auth/tokens/short', () => HttpResponse.json(shortTokenBody, { status: 201 }));
    const session = new AuthSession({ baseUrl: BASE_URL, longToken: longToken as never });
    expect(await session.getAccessToken()).toBe(SHORT_TOKEN);
    expect(seen.map((request) => request.headers.authorization)).toEqual([`Bearer ${LONG_TOKEN}`]);
    session.close();
  });

  it('AuthSession calls the function again for a new long token after a 401', async () => {
    const given = ['lt_first_token', 'lt_second_token'];
    const source = vi.fn(async () => given.shift() ?? 'lt_none');
    server.use(
      http.post(`${BASE_URL}/auth/tokens/short`, ({ request }) =>
        request.headers.get('authorization') === 'Bearer lt_first_token'
          ? HttpResponse.json({ code: 'invalid_token', message: 'revoked' }, { status: 401 })
          : HttpResponse.json(shortTokenBody, { status: 201 }),
      ),
    );
    const session = new AuthSession({ baseUrl: BASE_URL, longToken: source });
    await expect(session.getAccessToken()).rejects.toMatchObject({ name: 'SessionExpiredError' });
    expect(await session.getAccessToken()).toBe(SHORT_TOKEN);
    expect(source).toHaveBeenCalledTimes(2);
    session.close();
  });

  it('a function that returns garbage or throws is a RequestValidationError naming longToken; nothing is sent', async () => {
    const bad = new AuthSession({ baseUrl: BASE_URL, longToken: async () => ({ access_token: LONG_TOKEN, expires_at: 'tomorrow' }) });
    await expect(bad.getAccessToken()).rejects.toMatchObject({
      name: 'RequestValidationError',
      issues: [{ path: ['longToken', 'expires_at'], message: 'must be an ISO 8601 date-time such as 2026-12-01T00:00:00Z' }],
    });
    const throwing = new AuthSession({
      baseUrl: BASE_URL,
      longToken: () => {
        throw new Error('vault down');
      },
    });
    await expect(throwing.getAccessToken()).rejects.toMatchObject({
      name: 'RequestValidationError',
      issues: [{ path: ['longToken'], message: 'the longToken function threw' }],
    });
    expect(seen).toHaveLength(0);
  });

  it('an SDK error thrown by a token function passes through as it is, on both; nothing is sent', async () => {
    const expired = new SessionExpiredError('the vault says the token is gone');
    const source = () => {
      throw expired;
    };
    await expect(new AuthApi({ baseUrl: BASE_URL, longToken: source }).issueShortTermToken()).rejects.toBe(expired);
    await expect(new AuthApi({ baseUrl: BASE_URL }).revokeToken('tok_1', { shortToken: source })).rejects.toBe(expired);
    await expect(new AuthSession({ baseUrl: BASE_URL, longToken: source }).getAccessToken()).rejects.toBe(expired);
    expect(seen).toHaveLength(0);
  });

  it.each(['2026-12-01', 'Dec 1 2026', '2026-12-01T00:00:00'])('refuses expires_at %j, as the message says, on both', (expiresAt) => {
    const longToken = { access_token: LONG_TOKEN, expires_at: expiresAt };
    const forms = 'ISO 8601 date-time such as 2026-12-01T00:00:00Z';
    expect(() => new AuthApi({ baseUrl: BASE_URL, longToken })).toThrow(forms);
    expect(() => new AuthSession({ baseUrl: BASE_URL, longToken })).toThrow(forms);
  });
});

describe('every SDK error is an AuthSdkError', () => {
  it('CorruptTokenFileError too', () => {
    const error = new CorruptTokenFileError('FileTokenStore: /tmp/x is not a token file');
    expect(error).toBeInstanceOf(AuthSdkError);
    expect(error.name).toBe('CorruptTokenFileError');
  });
});
