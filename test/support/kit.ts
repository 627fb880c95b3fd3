import { afterEach, beforeEach, vi } from 'vitest';
import { type AuthHandlersOptions, type AuthMock, createAuthHandlers, type MockToken } from '../../src/testing/index.js';
import { BASE_URL, CLIENT_SECRET, server } from './msw.js';

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

/** The mock's answers so far, in order, as `<operation> <status>`. */
export function answers(mock: AuthMock): string[] {
  return mock.requests.map((entry) => `${entry.operation} ${entry.status}`);
}

/** Where the session suites' fake clock starts. */
export const START = Date.parse('2026-03-01T00:00:00Z');

/** The client-credentials grant of the kit's default client. */
export const credentials = { grant_type: 'client_credentials', client_id: 'c2m_abc123', client_secret: CLIENT_SECRET } as const;

/** Fakes setTimeout and Date for each test of the file, from `start`. */
export function useFakeClock(start = START): void {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    vi.setSystemTime(start);
  });
  afterEach(() => {
    vi.useRealTimers();
  });
}
