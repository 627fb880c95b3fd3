// A long token the server refuses (401) is deleted from the store only if the store still holds it:
// on a plain get/set/delete store too, a peer's newer token survives and is taken into use.
import { describe, expect, it } from 'vitest';
import { AuthSession, MemoryTokenStore, type TokenStore } from '../../src/index.js';
import { issued, useAuthMock } from '../support/kit.js';
import { BASE_URL, CLIENT_SECRET, useMsw } from '../support/msw.js';

useMsw();

const KEY = `c2m-auth:${BASE_URL}:c2m_abc123`;
const credentials = { grant_type: 'client_credentials', client_id: 'c2m_abc123', client_secret: CLIENT_SECRET } as const;
const mock = useAuthMock();

describe('a refused long token on a plain store', () => {
  it("is not deleted over a peer's newer token: the session adopts the peer's and issues none", async () => {
    const inner = new MemoryTokenStore();
    const plain: TokenStore = {
      get: (key) => inner.get(key),
      set: (key, record) => inner.set(key, record),
      delete: (key) => inner.delete(key),
    };
    const session = new AuthSession({ baseUrl: BASE_URL, credentials, store: plain });
    const old = await session.getAccessToken();
    const [mine] = issued(mock(), 'long');
    // A peer replaced the long token (it rotated) and the server revoked the old one.
    const peer = mock().mintLongToken();
    inner.set(KEY, { version: 1, revision: 'peer', longToken: peer.access_token, tokenId: peer.token_id });
    mock().revoke(mine?.id ?? '');
    const fresh = await session.getAccessToken({ forceRefresh: true });
    expect(fresh).not.toBe(old);
    expect(inner.get(KEY)?.longToken).toBe(peer.access_token);
    expect(await session.getLongToken()).toBe(peer.access_token);
    expect([mock().count('issueLongTermToken'), mock().count('issueShortTermToken')]).toEqual([1, 3]);
  });

  it('is deleted when the store still holds it, and a new one is issued and stored', async () => {
    const inner = new MemoryTokenStore();
    const plain: TokenStore = {
      get: (key) => inner.get(key),
      set: (key, record) => inner.set(key, record),
      delete: (key) => inner.delete(key),
    };
    const session = new AuthSession({ baseUrl: BASE_URL, credentials, store: plain });
    await session.getAccessToken();
    const [mine] = issued(mock(), 'long');
    mock().revoke(mine?.id ?? '');
    await session.getAccessToken({ forceRefresh: true });
    const [, next] = issued(mock(), 'long');
    expect(inner.get(KEY)?.longToken).toBe(next?.value);
    expect(inner.get(KEY)?.tokenId).toBe(next?.id);
    expect(mock().count('issueLongTermToken')).toBe(2);
  });
});
