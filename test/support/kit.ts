import { beforeEach } from 'vitest';
import { type AuthHandlersOptions, type AuthMock, createAuthHandlers, type MockToken } from '../../src/testing/index.js';
import { BASE_URL, server } from './msw.js';

/** A fresh mock auth server (the project's own testing kit) for each test of the file, under BASE_URL. */
export function useAuthMock(options: AuthHandlersOptions = {}): () => AuthMock {
  let mock: AuthMock | undefined;
  beforeEach(() => {
    mock = createAuthHandlers({ baseUrl: BASE_URL, ...options });
    server.use(...mock.handlers);
  });
  return () => {
    if (mock === undefined) throw new Error('useAuthMock: no test is running');
    return mock;
  };
}

/** The token the mock issued with this value. */
export function tokenOf(mock: AuthMock, value: string): MockToken | undefined {
  return mock.tokens.find((token) => token.value === value);
}

/** Whether the mock would accept this token right now. */
export function isLive(mock: AuthMock, value: string): boolean {
  const token = tokenOf(mock, value);
  return token !== undefined && !token.revoked && Date.now() < token.expiresAtMs;
}

/** The mock's tokens of one kind. */
export function issued(mock: AuthMock, kind: 'long' | 'short'): MockToken[] {
  return mock.tokens.filter((token) => token.kind === kind);
}
