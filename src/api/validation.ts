import type * as z from 'zod/mini';
import type { ValidationIssue } from '../errors/RequestValidationError.js';
import { MAX_TOKEN_LENGTH } from '../schemas.js';

type ZodIssue = z.core.$ZodIssue;

// zod/mini ships no locale (its messages all read "Invalid input"); these say what is wrong without
// echoing the value, which may be a secret.
function describe(issue: ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return `expected ${issue.expected}`;
    case 'too_small':
      return 'must not be empty';
    case 'too_big':
      return `must have at most ${issue.maximum} ${issue.origin === 'array' ? 'items' : 'characters'}`;
    case 'invalid_value':
      return `must be ${issue.values.map((value) => JSON.stringify(value)).join(' or ')}`;
    case 'unrecognized_keys':
      return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((key) => JSON.stringify(key)).join(', ')}`;
    default:
      // Our refinements carry their own message.
      return issue.message;
  }
}

/** Turns zod issues into the SDK's value-free issues, under `prefix` (e.g. `['body']`). */
export function toIssues(issues: readonly ZodIssue[], prefix: readonly string[]): ValidationIssue[] {
  return issues.map((issue) => ({
    path: [...prefix, ...issue.path.filter((key): key is string | number => typeof key !== 'symbol')],
    message: describe(issue),
  }));
}

/**
 * Validates `value` with `schema`. Returns the parsed copy (own, known fields only) or pushes the
 * issues, under `prefix`, onto `into`.
 */
export function parseInto<T>(schema: z.ZodMiniType<T>, value: unknown, prefix: readonly string[], into: ValidationIssue[]): T | undefined {
  const result = schema.safeParse(value);
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
  if (!VISIBLE_ASCII.test(value)) return { path, message: 'must hold visible ASCII characters only (no spaces or line breaks)' };
  return undefined;
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
