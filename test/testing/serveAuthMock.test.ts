import { describe, expect, it } from 'vitest';
import { AuthApi, AuthSession, NetworkError } from '../../src/index.js';
import { serveAuthMock } from '../../src/testing/node/index.js';

const credentials = { grant_type: 'client_credentials', client_id: 'c2m_abc123', client_secret: 'supersecret123' } as const;

describe('serveAuthMock', () => {
  it('serves the kit on a real 127.0.0.1 socket for a whole session', async () => {
    const served = await serveAuthMock();
    try {
      expect(served.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
      const session = new AuthSession({ baseUrl: served.url, credentials });
      const created = await session.fetch(`${served.url}/jobs`, { method: 'POST', body: '{"copies":2}' });
      expect(created.status).toBe(201);
      await session.revoke();
      expect(served.mock.requests.map((entry) => `${entry.operation} ${entry.status}`)).toEqual([
        'issueLongTermToken 201',
        'issueShortTermToken 201',
        'jobs 201',
        'revokeToken 204',
        'revokeToken 204',
      ]);
      expect(served.mock.jobBodies).toEqual(['{"copies":2}']);
    } finally {
      await served.close();
    }
  });

  it('turns an injected network error into a dropped connection', async () => {
    const served = await serveAuthMock({ baseUrl: 'https://example.test/api/v2' });
    try {
      served.mock.failNext('issueShortTermToken', { networkError: true });
      const error = await new AuthApi({ baseUrl: served.url, longToken: 'lt_x' }).issueShortTermToken().catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(NetworkError);
      expect(served.url).toMatch(/\/api\/v2$/);
    } finally {
      await served.close();
    }
  });

  it('stops listening on close', async () => {
    const served = await serveAuthMock();
    await served.close();
    const error = await new AuthApi({ baseUrl: served.url, longToken: 'lt_x', retry: { revoke: false } })
      .revokeToken('tok_1')
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(NetworkError);
    expect((error as NetworkError).message).toBe('revokeToken: network error (ECONNREFUSED)');
  });
});
