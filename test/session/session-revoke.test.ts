// Which token authorises each revocation: the session's long token when it has one (for both), else
// the short token revokes itself; and the long token revoked is the one this session holds.
import { describe, expect, it } from 'vitest';
import { AuthSession, SessionExpiredError, type TokenRecord, type TokenStore } from '../../src/index.js';
import { tokenOf, useAuthMock } from '../support/kit.js';
import { BASE_URL, CLIENT_SECRET, seen, useMsw } from '../support/msw.js';

useMsw();

const credentials = { grant_type: 'client_credentials', client_id: 'c2m_abc123', client_secret: CLIENT_SECRET } as const;
const mock = useAuthMock();

/** Each revocation sent: [path, Authorization]. */
const revocations = () =>
  seen
    .filter((request) => request.url.endsWith('/revoke'))
    .map((request) => [new URL(request.url).pathname, request.headers.authorization]);

const revokePath = (token: string) => `/v1/auth/tokens/${tokenOf(mock(), token)?.id}/revoke`;

describe('revoke()', () => {
  it('authorises both revocations with the long token', async () => {
    const session = new AuthSession({ baseUrl: BASE_URL, credentials });
    const short = await session.getAccessToken();
    const long = await session.getLongToken();
    await session.revoke();
    expect(revocations()).toEqual([
      [revokePath(short), `Bearer ${long}`],
      [revokePath(long), `Bearer ${long}`],
    ]);
    expect([tokenOf(mock(), short)?.revoked, tokenOf(mock(), long)?.revoked]).toEqual([true, true]);
  });

  it('revokes the short token with itself once the server refused the long token', async () => {
    const given = mock().mintLongToken();
    const session = new AuthSession({ baseUrl: BASE_URL, longToken: given.access_token });
    const short = await session.getAccessToken();
    mock().failNext('issueShortTermToken', { status: 401 });
    await expect(session.getAccessToken({ forceRefresh: true })).rejects.toBeInstanceOf(SessionExpiredError);
    await session.revoke();
    expect(revocations()).toEqual([[revokePath(short), `Bearer ${short}`]]);
    expect(tokenOf(mock(), short)?.revoked).toBe(true);
  });

  it('revokes the long token it holds, not one the store was given since by someone else', async () => {
    const records = new Map<string, TokenRecord>();
    const store: TokenStore = {
      get: (key) => records.get(key),
      set: (key, record) => {
        records.set(key, record);
      },
      delete: (key) => {
        records.delete(key);
      },
    };
    const session = new AuthSession({ baseUrl: BASE_URL, credentials, store });
    const short = await session.getAccessToken();
    const long = await session.getLongToken();
    const other = mock().mintLongToken();
    const key = `c2m-auth:${BASE_URL}:c2m_abc123`;
    records.set(key, { version: 1, longToken: other.access_token, tokenId: other.token_id, expiresAtMs: Date.now() + 86_400_000 });
    await session.revoke();
    expect(revocations()).toEqual([
      [revokePath(short), `Bearer ${long}`],
      [revokePath(long), `Bearer ${long}`],
    ]);
    expect(tokenOf(mock(), other.access_token)?.revoked).toBe(false);
    expect(records.has(key)).toBe(false);
  });
});
