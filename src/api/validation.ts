import type * as core from 'zod/v4/core';
import type { ValidationIssue } from '../errors/RequestValidationError.js';
import { isDateTime, MAX_TOKEN_LENGTH, safeParse, WHITESPACE_MESSAGE } from '../schemas.js';

/**
 * Turns zod issues into the SDK's value-free issues, under `prefix` (e.g. `['body']`). Every issue
 * the schemas raise carries its own message (zod's core ships no locale: its would all read "Invalid
 * input"), which says what is wrong without echoing the value, which may be a secret.
 */
export function toIssues(issues: readonly core.$ZodIssue[], prefix: readonly string[]): ValidationIssue[] {
  // The schemas have no symbol keys: a path holds field names and indexes only.
  return issues.map((issue) => ({ path: [...prefix, ...(issue.path as (string | number)[])], message: issue.message }));
}

/**
 * Validates `value` with `schema`. Returns the parsed copy (own, known fields only) or pushes the
 * issues, under `prefix`, onto `into`.
 */
export function parseInto<T>(schema: core.$ZodType<T>, value: unknown, prefix: readonly string[], into: ValidationIssue[]): T | undefined {
  const result = safeParse(schema, value);
  if (result.success) return result.data;
  into.push(...toIssues(result.error.issues, prefix));
  return undefined;
}

const VISIBLE_ASCII = /^[\x21-\x7e]+$/;

/** Checks a credential for a header: a non-empty string of visible ASCII; the message never shows it. */
export function headerValueIssue(value: unknown, path: readonly string[]): ValidationIssue | undefined {
  if (typeof value !== 'string') return { path, message: `expected string, got ${value === null ? 'null' : typeof value}` };
  if (value.length === 0) return { path, message: 'must not be empty' };
  if (value.length > MAX_TOKEN_LENGTH) return { path, message: `must be at most ${MAX_TOKEN_LENGTH} characters` };
  if (value.trim() !== value) return { path, message: WHITESPACE_MESSAGE };
  if (!VISIBLE_ASCII.test(value)) return { path, message: 'must hold visible ASCII characters only (no spaces or line breaks)' };
  return undefined;
}

/** What a `longToken` option must be, on AuthApi and AuthSession alike. */
export const LONG_TOKEN_FORMS =
  'must be a token string of visible ASCII characters without surrounding whitespace, { access_token, expires_at?, token_id? } with expires_at an ISO 8601 date-time such as 2026-12-01T00:00:00Z, or a function returning one';

/** Whether `value` is a long token source: a valid token or record, or a function (checked on use). */
export const isLongTokenSource = (value: unknown): boolean => typeof value === 'function' || typeof longTokenValue(value, []) === 'string';

/**
 * Checks a long token as the app gives it: a token string, or `{ access_token, expires_at?, token_id? }`
 * with an ISO 8601 `expires_at`. Returns the token, or the issue (which never shows a value).
 */
export function longTokenValue(value: unknown, path: readonly string[]): string | ValidationIssue {
  if (typeof value === 'object' && value !== null) {
    const { access_token, expires_at, token_id } = value as Record<string, unknown>;
    if (expires_at !== undefined && (typeof expires_at !== 'string' || !isDateTime(expires_at)))
      return { path: [...path, 'expires_at'], message: 'must be an ISO 8601 date-time such as 2026-12-01T00:00:00Z' };
    if (token_id !== undefined && (typeof token_id !== 'string' || token_id === ''))
      return { path: [...path, 'token_id'], message: 'must be a non-empty string' };
    return headerValueIssue(access_token, [...path, 'access_token']) ?? (access_token as string);
  }
  return headerValueIssue(value, path) ?? (value as string);
}

/** Whether `value` looks like an AbortSignal (duck-typed, so signals from other realms pass). */
export function isAbortSignal(value: unknown): value is AbortSignal {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as AbortSignal).aborted === 'boolean' &&
    typeof (value as AbortSignal).addEventListener === 'function'
  );
}
