import { describe, expect, it } from 'vitest';
import { AuthSession } from '../../src/index.js';
import { useAuthMock } from '../support/kit.js';
import { BASE_URL, CLIENT_SECRET, useMsw } from '../support/msw.js';

useMsw();

const credentials = { grant_type: 'client_credentials', client_id: 'c2m_abc123', client_secret: CLIENT_SECRET } as const;
const mock = useAuthMock();

describe('session.on', () => {
  it('calls every listener of an event, and stops calling one once it unsubscribes', async () => {
    const session = new AuthSession({ baseUrl: BASE_URL, credentials });
    const first: string[] = [];
    const second: string[] = [];
    const stopFirst = session.on('tokenRefreshed', (event) => first.push(event.tokenId ?? ''));
    session.on('tokenRefreshed', (event) => second.push(event.tokenId ?? ''));
    await session.getAccessToken();
    expect([first, second]).toEqual([['tok_st_2'], ['tok_st_2']]);
    stopFirst();
    await session.getAccessToken({ forceRefresh: true });
    expect([first, second]).toEqual([['tok_st_2'], ['tok_st_2', 'tok_st_3']]);
    expect(mock().count('issueShortTermToken')).toBe(2);
  });
});
