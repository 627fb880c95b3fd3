import { AuthSdkError } from '../errors/AuthSdkError.js';
import { RequestValidationError, type ValidationIssue } from '../errors/RequestValidationError.js';
import type { LongTokenSource } from './options.js';
import { headerValueIssue, isAbortSignal, longTokenValue } from './validation.js';

/** Longest token id accepted, in characters. */
export const MAX_TOKEN_ID_LENGTH = 1024;

type TokenOption = 'shortToken' | 'longToken' | 'clientId';

/**
 * Checks a call's options object: its signal, headers and the named token options. Issues go onto
 * `into`; values are never echoed. Returns the options, or an empty object in place of a non-object.
 */
export function checkCallOptions<T extends object>(
  options: T | undefined,
  into: ValidationIssue[],
  allowed: readonly TokenOption[],
): T | Partial<T> {
  if (options === undefined) return {};
  if (typeof options !== 'object' || options === null) {
    into.push({ path: ['options'], message: 'expected an object' });
    return {};
  }
  const record = options as Record<string, unknown>;
  if (record.signal !== undefined && !isAbortSignal(record.signal))
    into.push({ path: ['options', 'signal'], message: 'expected an AbortSignal' });
  if (record.headers !== undefined && (typeof record.headers !== 'object' || record.headers === null)) {
    into.push({ path: ['options', 'headers'], message: 'expected a Headers object, a record or an array of pairs' });
  }
  for (const name of allowed) {
    const value = record[name];
    // A function is resolved, and its result checked, when the call needs it.
    if (value === undefined || (name !== 'clientId' && typeof value === 'function')) continue;
    const path = ['options', name];
    const issue = name === 'longToken' ? longTokenValue(value, path) : headerValueIssue(value, path);
    if (typeof issue === 'object') into.push(issue);
  }
  return options;
}

/** Issues of a token id: a non-empty string, not a dot segment (which a URL would resolve away). */
export function tokenIdIssues(tokenId: unknown): ValidationIssue[] {
  const path = ['tokenId'];
  if (typeof tokenId !== 'string') return [{ path, message: `expected string, got ${tokenId === null ? 'null' : typeof tokenId}` }];
  if (tokenId.trim() === '') return [{ path, message: 'must not be empty' }];
  if (tokenId.length > MAX_TOKEN_ID_LENGTH) return [{ path, message: `must be at most ${MAX_TOKEN_ID_LENGTH} characters` }];
  // URL parsers treat '.', '..' and their %2e spellings as dot segments, whatever the encoding.
  if (tokenId === '.' || tokenId === '..') return [{ path, message: 'must not be a dot segment' }];
  return [];
}

/**
 * Resolves a token source (a short token's, or a long token's with its record form) to a checked
 * header value. A function that throws, or returns something that is not a token, gives a
 * RequestValidationError (nothing is sent).
 */
export async function resolveToken(operation: string, source: LongTokenSource, path: readonly string[]): Promise<string> {
  let token: unknown;
  try {
    token = typeof source === 'function' ? await source() : source;
  } catch (error) {
    if (error instanceof AuthSdkError) throw error;
    throw new RequestValidationError(operation, [{ path, message: 'the token function threw' }], { cause: error });
  }
  // A short token has no record form: only `longToken` paths accept one.
  const checked = path.at(-1) === 'longToken' ? longTokenValue(token, path) : (headerValueIssue(token, path) ?? (token as string));
  if (typeof checked === 'object') throw new RequestValidationError(operation, [checked]);
  return checked;
}
