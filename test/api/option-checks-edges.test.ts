import { afterEach, describe, expect, it, vi } from 'vitest';
import { AuthApi, type AuthApiOptions, AuthSession, type AuthSessionOptions } from '../../src/index.js';
import { BASE_URL, CLIENT_SECRET } from '../support/msw.js';

// The constructors' option checks at their edges: how close a misspelt option name must be for a
// "did you mean", which tie wins, and which base URLs count as absolute http(s), credential-free and
// loopback.

const credentials = { grant_type: 'client_credentials', client_id: 'c2m_abc123', client_secret: CLIENT_SECRET } as const;
const construct = (owner: 'AuthApi' | 'AuthSession', options: Record<string, unknown>) =>
  owner === 'AuthApi'
    ? () => new AuthApi(options as unknown as AuthApiOptions)
    : () => new AuthSession({ credentials, ...options } as unknown as AuthSessionOptions);
const ABSOLUTE = 'option "baseUrl" must be an absolute http(s) URL without credentials, or in a browser a path starting with "/"';
const PLAIN_HTTP =
  'option "baseUrl" uses plain http to a host that is not loopback, which would send secrets in clear text: use https, or set allowInsecureHttp: true';

describe.each(['AuthApi', 'AuthSession'] as const)('%s: a misspelt option name', (owner) => {
  it('that differs only in case, however much, gets the option it names', () => {
    expect(construct(owner, { baseUrl: BASE_URL, ALLOWINSECUREHTTP: true })).toThrow(
      new TypeError(`${owner}: unknown option "ALLOWINSECUREHTTP"; did you mean "allowInsecureHttp"?`),
    );
  });

  it('three edits away, the last one at its end, gets the list of options instead', () => {
    expect(construct(owner, { baseUrl: BASE_URL, fetchAll: 'x' })).toThrow(
      new RegExp(`^${owner}: unknown option "fetchAll"; the options are (\\w+, )+\\w+$`),
    );
  });
});

describe('AuthSession: a misspelt option name as close to two options', () => {
  it('gets the one listed first', () => {
    expect(construct('AuthSession', { baseUrl: BASE_URL, non: 1 })).toThrow(
      new TypeError('AuthSession: unknown option "non"; did you mean "now"?'),
    );
  });
});

describe.each(['AuthApi', 'AuthSession'] as const)('%s: baseUrl', (owner) => {
  afterEach(() => vi.unstubAllGlobals());

  it.each([
    'https://client@api.example.com/v1',
    'https://:hunter2@api.example.com/v1',
    'xhttps://api.example.com/v1',
    'https+x://api.example.com/v1',
  ])('refuses %s: credentials, or a scheme that only contains https', (baseUrl) => {
    expect(construct(owner, { baseUrl })).toThrow(new TypeError(`${owner}: ${ABSOLUTE}`));
  });

  it.each(['http://localhost.example.com/v1', 'http://notlocalhost/v1', 'http://127.0.0.1.example.com/v1'])(
    'refuses plain http to %s, a host that only contains a loopback name',
    (baseUrl) => {
      expect(construct(owner, { baseUrl })).toThrow(new TypeError(`${owner}: ${PLAIN_HTTP}`));
    },
  );

  it('allows plain http to any 127.x.y.z address', () => {
    expect(construct(owner, { baseUrl: 'http://127.10.200.30:8080/v1' })()).toBeInstanceOf(owner === 'AuthApi' ? AuthApi : AuthSession);
  });

  it('resolves a path only against a page whose href is a string', () => {
    vi.stubGlobal('location', { href: new URL('https://app.example.org/') });
    expect(construct(owner, { baseUrl: '/c2m/v1' })).toThrow(
      new TypeError(`${owner}: option "baseUrl" is a path, and there is no page here to resolve it against: give an absolute https URL`),
    );
  });
});
