import { describe, expect, it } from 'vitest';

// The schemas are built when the module loads. This file imports them inside its tests, not at its
// top: a schema that fails to build then fails these tests by name, where a top-level import would
// fail the whole file before any test ran (which a test runner may report as no test at all).

const load = () => import('../../src/schemas.js');

describe('the schemas module', () => {
  it('loads, and its request schemas accept a valid request and name each mistake', async () => {
    const { longTokenRequestSchema, shortTokenRequestSchema, safeParse } = await load();
    const long = { grant_type: 'client_credentials', client_id: 'c2m_abc123', client_secret: 'supersecret123', scopes: ['jobs:*'] };
    expect(safeParse(longTokenRequestSchema, { ...long, ttl_seconds: 3600 })).toEqual({
      success: true,
      data: { ...long, ttl_seconds: 3600 },
    });
    expect(safeParse(shortTokenRequestSchema, { scopes: ['jobs:submit'] })).toEqual({ success: true, data: { scopes: ['jobs:submit'] } });
    const mistakes = safeParse(longTokenRequestSchema, { ...long, client_id: '', client_secret: ' s', scopes: [7], ttl_seconds: 60 });
    expect(mistakes.error?.issues.map(({ path, message }) => [path.join('.'), message])).toEqual([
      ['client_id', 'must not be empty'],
      ['client_secret', 'must not start or end with whitespace (a line break read from a file or variable?); nothing was sent'],
      ['scopes.0', 'expected string'],
      ['ttl_seconds', 'must be a whole number of seconds from 3600 to 7776000'],
    ]);
  });

  it('loads, and its response schemas accept a token and an error body and name each mistake', async () => {
    const { authErrorSchema, longTokenResponseSchema, safeParse } = await load();
    const token = { token_type: 'Bearer', access_token: 'lt_x', expires_in: 60, expires_at: '2026-12-01T00:00:00Z', token_id: 'tok_1' };
    expect(safeParse(longTokenResponseSchema, token)).toEqual({ success: true, data: token });
    expect(safeParse(authErrorSchema, { code: 'invalid_token', message: 'expired' })).toEqual({
      success: true,
      data: { code: 'invalid_token', message: 'expired' },
    });
    const mistakes = safeParse(longTokenResponseSchema, { ...token, expires_in: -1, expires_at: 'soon', scopes: 'jobs:*' });
    expect(mistakes.error?.issues.map(({ path, message }) => [path.join('.'), message])).toEqual([
      ['expires_in', 'must be a whole number of seconds, 0 or more'],
      ['expires_at', 'must be an ISO 8601 date-time'],
      ['scopes', 'expected array'],
    ]);
  });
});
