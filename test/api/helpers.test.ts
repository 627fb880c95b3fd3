import { describe, expect, it } from 'vitest';
import { codeForStatus } from '../../src/api/http-error.js';
import { maskSecrets, maskSecretsDeep } from '../../src/api/redact.js';
import { ISSUE_RETRY, parseRetryAfterSeconds, REVOKE_RETRY, resolveRetryPolicy, retryDelayMs } from '../../src/api/retry.js';

describe('parseRetryAfterSeconds', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  it.each<[string | null, number | undefined]>([
    [null, undefined],
    ['120', 120],
    [' 0 ', 0],
    ['Thu, 01 Jan 2026 00:01:00 GMT', 60],
    ['Wed, 31 Dec 2025 23:00:00 GMT', 0],
    ['soon', undefined],
    ['-5', undefined],
  ])('reads %j as %j', (value, seconds) => {
    expect(parseRetryAfterSeconds(value, now)).toBe(seconds);
  });
});

describe('maskSecrets', () => {
  it('replaces every occurrence of every secret of four characters or more', () => {
    expect(maskSecrets('a=hunter2, b=hunter2, c=xyz', ['hunter2', 'xyz'])).toBe('a=[REDACTED], b=[REDACTED], c=xyz');
  });

  it('masks keys and values deep inside JSON, keeping a "__proto__" key a plain key', () => {
    const value = JSON.parse('{"__proto__": {"k": "hunter2"}, "list": ["hunter2", 1]}') as unknown;
    const masked = maskSecretsDeep(value, ['hunter2']) as Record<string, unknown>;
    expect(Object.getPrototypeOf(masked)).toBe(Object.prototype);
    expect(Object.keys(masked)).toEqual(['__proto__', 'list']);
    expect(JSON.stringify(masked)).toBe('{"__proto__":{"k":"[REDACTED]"},"list":["[REDACTED]",1]}');
  });
});

describe('codeForStatus', () => {
  it.each([
    [400, 'bad_request'],
    [401, 'unauthorized'],
    [403, 'forbidden'],
    [404, 'not_found'],
    [429, 'rate_limited'],
    [500, 'server_error'],
    [507, 'server_error'],
    [451, 'http_451'],
  ])('%i → %s', (status, code) => {
    expect(codeForStatus(status)).toBe(code);
  });
});

describe('retryDelayMs', () => {
  const NOW = Date.parse('2026-01-01T00:00:00Z');
  const answer = (status: number, retryAfter?: string) => ({
    response: new Response(null, { status, ...(retryAfter === undefined ? {} : { headers: { 'retry-after': retryAfter } }) }),
  });

  it('backs off 300 ms, then 600 ms, then stops at the limit', () => {
    expect([1, 2, 3].map((attempt) => retryDelayMs(REVOKE_RETRY, attempt, answer(503), NOW))).toEqual([300, 600, undefined]);
  });

  it('honours Retry-After up to the cap, and refuses to wait longer', () => {
    expect(retryDelayMs(ISSUE_RETRY, 1, answer(429, '7'), NOW)).toBe(7000);
    expect(retryDelayMs(ISSUE_RETRY, 1, answer(429, '3600'), NOW)).toBeUndefined();
    expect(retryDelayMs(ISSUE_RETRY, 1, answer(429, '60'), NOW)).toBe(60_000);
    expect(retryDelayMs(ISSUE_RETRY, 1, answer(429, '61'), NOW)).toBeUndefined();
  });

  it('retries only the statuses and errors its policy names', () => {
    expect(retryDelayMs(ISSUE_RETRY, 1, answer(503), NOW)).toBeUndefined();
    expect(retryDelayMs(ISSUE_RETRY, 1, { error: new TypeError('fetch failed') }, NOW)).toBeUndefined();
    expect(retryDelayMs(REVOKE_RETRY, 1, { error: new TypeError('fetch failed') }, NOW)).toBe(300);
    expect(retryDelayMs(REVOKE_RETRY, 1, { error: new DOMException('aborted', 'AbortError') }, NOW)).toBeUndefined();
    expect(retryDelayMs(REVOKE_RETRY, 1, answer(404), NOW)).toBeUndefined();
  });

  it('caps the backoff and turns off with false', () => {
    expect(retryDelayMs(resolveRetryPolicy({ limit: 10, backoffLimitMs: 1000 }, REVOKE_RETRY), 6, answer(500), NOW)).toBe(1000);
    expect(retryDelayMs(resolveRetryPolicy(false, REVOKE_RETRY), 1, answer(500), NOW)).toBeUndefined();
  });
});
