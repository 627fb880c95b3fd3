import { describe, expectTypeOf, it } from 'vitest';
import {
  type AuthSdkError,
  AuthSession,
  type AuthSessionEvents,
  type GetAccessTokenOptions,
  type MemoryTokenStore,
  type SessionClosedError,
  type SessionExpiredError,
  type TokenRecord,
  type TokenStore,
} from '../../src/index.js';
import type { FileTokenStore } from '../../src/node/index.js';

const credentials = { grant_type: 'client_credentials', client_id: 'c2m_abc123', client_secret: 's' } as const;

describe('AuthSession types', () => {
  it('types its methods', () => {
    const session = new AuthSession({ baseUrl: 'https://api.example.com/v1', credentials });
    expectTypeOf(session.getAccessToken).parameters.toEqualTypeOf<[options?: GetAccessTokenOptions]>();
    expectTypeOf(session.getAccessToken).returns.toEqualTypeOf<Promise<string>>();
    expectTypeOf(session.getLongToken).returns.toEqualTypeOf<Promise<string>>();
    expectTypeOf(session.fetch).toEqualTypeOf<typeof fetch>();
    expectTypeOf(session.revoke).returns.toEqualTypeOf<Promise<void>>();
    expectTypeOf(session.close).returns.toEqualTypeOf<void>();
  });

  it('accepts each credentials form and a held long token', () => {
    new AuthSession({
      baseUrl: 'https://api.example.com/v1',
      credentials: async () => ({ grant_type: 'assertion', client_id: 'c', assertion_type: 't', assertion: 'a' }),
    });
    new AuthSession({ baseUrl: 'https://api.example.com/v1', longToken: 'lt_x' });
    new AuthSession({ baseUrl: 'https://api.example.com/v1', longToken: async () => ({ access_token: 'lt_x' }) });
    new AuthSession({
      baseUrl: 'https://api.example.com/v1',
      longToken: { access_token: 'lt_x', expires_at: '2030-01-01T00:00:00Z', token_id: 'tok_lt_1' },
    });
    // @ts-expect-error credentials are the wire shape
    new AuthSession({ baseUrl: 'https://api.example.com/v1', credentials: { grantType: 'client_credentials' } });
    // @ts-expect-error a session needs api or baseUrl
    new AuthSession({ credentials });
    // @ts-expect-error not both
    new AuthSession({ api: new AuthApi({ baseUrl: 'https://api.example.com/v1' }), baseUrl: 'https://api.example.com/v1', credentials });
  });

  it('types its events with ids and times, never a token', () => {
    const session = new AuthSession({ baseUrl: 'https://api.example.com/v1', credentials });
    session.on('tokenRefreshed', (event) => {
      expectTypeOf(event).toEqualTypeOf<AuthSessionEvents['tokenRefreshed']>();
      expectTypeOf(event).toHaveProperty('expiresAt').toEqualTypeOf<string>();
      expectTypeOf(event).not.toHaveProperty('access_token');
    });
    session.on('refreshFailed', (event) => expectTypeOf(event.error).toEqualTypeOf<AuthSdkError>());
    // @ts-expect-error no such event
    session.on('tokenLeaked', () => undefined);
  });

  it('types the stores and errors', () => {
    expectTypeOf<MemoryTokenStore>().toExtend<TokenStore>();
    expectTypeOf<FileTokenStore>().toExtend<TokenStore>();
    expectTypeOf<TokenRecord['version']>().toEqualTypeOf<1>();
    expectTypeOf<SessionExpiredError>().toExtend<AuthSdkError>();
    expectTypeOf<SessionClosedError['name']>().toEqualTypeOf<'SessionClosedError'>();
  });
});
