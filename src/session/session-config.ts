import { AuthApi } from '../api/AuthApi.js';
import type { LongTokenValue } from '../api/options.js';
import { isAbortSignal, isLongTokenSource, LONG_TOKEN_FORMS } from '../api/validation.js';
import { RequestValidationError, type ValidationIssue } from '../errors/RequestValidationError.js';
import { assertOptions, type Check, isBoolean, isFunction, isObject, type OptionCheck, resolveBaseUrl } from '../option-checks.js';
import type { HeldToken } from './expiry.js';
import type { AuthSessionOptions, AuthSessionSettings, GetAccessTokenOptions } from './options.js';

const isString: Check = (value) => typeof value === 'string' && value !== '';
const isStringList: Check = (value) => Array.isArray(value) && value.every(isString);
const isNumberIn =
  (min: number, max: number): Check =>
  (value) =>
    typeof value === 'number' && value >= min && value <= max;
const isStore: Check = (value) =>
  isObject(value) && ['get', 'set', 'delete'].every((name) => isFunction((value as Record<string, unknown>)[name]));

// Built on use, so a bundle that never constructs a session drops all of it.
const checks = (): readonly OptionCheck<AuthSessionOptions>[] => [
  ['api', (value) => value instanceof AuthApi, 'must be an AuthApi'],
  ['baseUrl', isString, 'must be a non-empty string'],
  ['allowInsecureHttp', isBoolean, 'must be a boolean'],
  ['fetch', isFunction, 'must be a function'],
  ['credentials', (value) => isObject(value) || isFunction(value), 'must be a LongTokenRequest or a function returning one'],
  ['longToken', isLongTokenSource, LONG_TOKEN_FORMS],
  ['clientId', isString, 'must be a non-empty string'],
  ['scopes', isStringList, 'must be an array of non-empty strings'],
  ['longTokenScopes', isStringList, 'must be an array of non-empty strings'],
  [
    'longTokenTtlSeconds',
    (value) => Number.isInteger(value) && isNumberIn(3600, 7_776_000)(value),
    'must be a whole number from 3600 to 7776000',
  ],
  ['refreshWindowSeconds', isNumberIn(0, 86_400), 'must be a number of seconds from 0 to 86400'],
  ['longTokenRotationFraction', isNumberIn(0, 1), 'must be a number from 0 to 1'],
  ['store', isStore, 'must have get, set and delete methods'],
  ['storeKey', isString, 'must be a non-empty string'],
  ['storeTimeoutMs', isNumberIn(1, 600_000), 'must be a number of ms from 1 to 600000'],
  ['leaseTtlMs', isNumberIn(100, 600_000), 'must be a number of ms from 100 to 600000'],
  ['autoRefresh', isBoolean, 'must be a boolean'],
  ['storeShortToken', isBoolean, 'must be a boolean'],
  ['now', isFunction, 'must be a function'],
  ['on', (value) => isObject(value) && Object.values(value as object).every(isFunction), 'must map event names to functions'],
];

/**
 * Checks the session's options, throwing a TypeError that names AuthSession and the misused option,
 * never its value. Returns the base URL for the AuthApi the session makes (undefined with `api`).
 */
export function checkSessionOptions(options: unknown): string | undefined {
  assertOptions<AuthSessionOptions>('AuthSession', options, checks());
  const { api, baseUrl, credentials, longToken, allowInsecureHttp } = options;
  if (credentials === undefined && longToken === undefined) throw new TypeError('AuthSession: give "credentials" or "longToken" (or both)');
  if (api === undefined) return resolveBaseUrl('AuthSession', baseUrl, allowInsecureHttp);
  if (baseUrl !== undefined || allowInsecureHttp !== undefined)
    throw new TypeError('AuthSession: with "api", set "baseUrl" and "allowInsecureHttp" on that AuthApi, not on the session');
  return undefined;
}

/** The app's long token as a held token; its expiry is the server's `expires_at` (no send time is known). */
export function givenLongToken(given: LongTokenValue | undefined): HeldToken | undefined {
  if (given === undefined) return undefined;
  if (typeof given === 'string') return { token: given, expiresAtMs: Number.POSITIVE_INFINITY };
  return {
    token: given.access_token,
    expiresAtMs: given.expires_at === undefined ? Number.POSITIVE_INFINITY : Date.parse(given.expires_at),
    tokenId: given.token_id,
  };
}

/** The default store key: the base URL and the client id, so different APIs and clients never collide. */
export function storeKeyFor(baseUrl: string, options: AuthSessionSettings): string {
  const credentials = options.credentials;
  const clientId = options.clientId ?? (typeof credentials === 'object' ? credentials.client_id : undefined) ?? 'default';
  return `c2m-auth:${baseUrl.replace(/\/+$/, '')}:${clientId}`;
}

/** Checks getAccessToken's options; nothing is sent when they are wrong. */
export function checkGetAccessTokenOptions(options: unknown): asserts options is GetAccessTokenOptions {
  const issues: ValidationIssue[] = [];
  if (!isObject(options)) issues.push({ path: ['options'], message: 'expected an object' });
  else {
    const { forceRefresh, signal } = options as Record<string, unknown>;
    if (forceRefresh !== undefined && typeof forceRefresh !== 'boolean')
      issues.push({ path: ['options', 'forceRefresh'], message: 'expected boolean' });
    if (signal !== undefined && !isAbortSignal(signal)) issues.push({ path: ['options', 'signal'], message: 'expected an AbortSignal' });
  }
  if (issues.length > 0) throw new RequestValidationError('getAccessToken', issues);
}
