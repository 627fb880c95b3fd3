// What tokenAdopted says about a long token taken from the store: its expiry when known, none when not.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AuthSession, type AuthSessionEvents, MemoryTokenStore } from '../../src/index.js';
import { useAuthMock } from '../support/kit.js';
import { BASE_URL, CLIENT_SECRET, useMsw } from '../support/msw.js';

useMsw();

const KEY = `c2m-auth:${BASE_URL}:c2m_abc123`;
const credentials = { grant_type: 'client_credentials', client_id: 'c2m_abc123', client_secret: CLIENT_SECRET } as const;
const mock = useAuthMock();

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  vi.setSystemTime(Date.parse('2026-03-01T00:00:00Z'));
});
afterEach(() => {
  vi.useRealTimers();
});

describe('tokenAdopted for a long token', () => {
  it.each([
    ['an ISO expiresAt when the store knows its expiry', Date.parse('2026-03-20T00:00:00Z'), '2026-03-20T00:00:00.000Z'],
    ['expiresAt undefined when it does not', undefined, undefined],
  ])('carries %s', async (_name, expiresAtMs, expiresAt) => {
    const peer = mock().mintLongToken();
    const store = new MemoryTokenStore();
    store.set(KEY, { version: 1, revision: 'peer', longToken: peer.access_token, expiresAtMs, tokenId: peer.token_id });
    const events: AuthSessionEvents['tokenAdopted'][] = [];
    const session = new AuthSession({ baseUrl: BASE_URL, credentials, store, on: { tokenAdopted: (event) => events.push(event) } });
    expect(await session.getLongToken()).toBe(peer.access_token);
    expect(events).toStrictEqual([{ kind: 'long', tokenId: peer.token_id, expiresAt }]);
  });
});
