import type { Hooks } from 'ky';
import { assertOptions, type Check, isBoolean, isFunction, isObject, type OptionCheck, resolveBaseUrl } from '../option-checks.js';
import type { AuthApiHooks, AuthApiOptions } from './options.js';
import { headerValueIssue, isLongTokenSource, LONG_TOKEN_FORMS } from './validation.js';

/** Default per-attempt timeout, in ms. */
export const DEFAULT_TIMEOUT_MS = 10_000;
/** setTimeout's ceiling, in ms; ky throws a RangeError past it, and a longer delay fires at once. */
export const MAX_TIMER_MS = 2_147_483_647;

const isMs = (value: unknown, min: number): boolean => typeof value === 'number' && value >= min && value <= MAX_TIMER_MS;
const isHeaderValue: Check = (value) => headerValueIssue(value, []) === undefined;
const isTokenSource: Check = (value) => isFunction(value) || isHeaderValue(value);
const isFunctionList: Check = (value) => value === undefined || (Array.isArray(value) && value.every(isFunction));

function isRetryPolicy(policy: unknown): boolean {
  if (policy === undefined || policy === false) return true;
  if (!isObject(policy)) return false;
  const { limit, statusCodes, networkErrors, maxRetryAfterMs, backoffLimitMs } = policy as Record<string, unknown>;
  return (
    (limit === undefined || isRetryLimit(limit)) &&
    (statusCodes === undefined ||
      (Array.isArray(statusCodes) && statusCodes.every((code) => Number.isInteger(code) && code >= 400 && code <= 599))) &&
    (networkErrors === undefined || isBoolean(networkErrors)) &&
    (maxRetryAfterMs === undefined || isMs(maxRetryAfterMs, 0)) &&
    (backoffLimitMs === undefined || isMs(backoffLimitMs, 0))
  );
}

const isRetryLimit: Check = (value) => Number.isInteger(value) && (value as number) >= 0 && (value as number) <= 10;

const CHECKS: readonly OptionCheck<AuthApiOptions>[] = [
  ['baseUrl', (value) => typeof value === 'string', 'must be a string'],
  ['allowInsecureHttp', isBoolean, 'must be a boolean'],
  ['clientId', isHeaderValue, 'must be a non-empty string of visible ASCII characters'],
  ['longToken', isLongTokenSource, LONG_TOKEN_FORMS],
  [
    'shortToken',
    isTokenSource,
    'must be a token string of visible ASCII characters without surrounding whitespace, or a function returning one',
  ],
  ['fetch', isFunction, 'must be a function'],
  ['timeout', (value) => value === false || isMs(value, 1), `must be false or a number of milliseconds from 1 to ${MAX_TIMER_MS}`],
  [
    'retry',
    (value) =>
      value === false ||
      isRetryLimit(value) ||
      (isObject(value) &&
        Object.keys(value as object).every((key) => key === 'issue' || key === 'revoke') &&
        isRetryPolicy((value as Record<string, unknown>).issue) &&
        isRetryPolicy((value as Record<string, unknown>).revoke)),
    'must be false, a limit from 0 to 10, or { issue?, revoke? }, each false or { limit: 0-10, statusCodes: 400-599, networkErrors, maxRetryAfterMs, backoffLimitMs }',
  ],
  ['headers', isObject, 'must be a Headers object, a record or an array of pairs'],
  [
    'hooks',
    (value) =>
      isObject(value) && isFunctionList((value as AuthApiHooks).beforeRequest) && isFunctionList((value as AuthApiHooks).afterResponse),
    'must be { beforeRequest?, afterResponse? }, arrays of functions',
  ],
];

/**
 * Checks the constructor's options, throwing a TypeError that names the misused one, never its value.
 * Returns the base URL to send to (a path resolved against the page).
 */
export function checkOptions(options: unknown): string {
  assertOptions<AuthApiOptions>('AuthApi', options, CHECKS);
  return resolveBaseUrl('AuthApi', options.baseUrl, options.allowInsecureHttp);
}

/** Adapts the SDK's hooks to ky's, so ky's types stay out of the public API. */
export function toKyHooks(hooks: AuthApiHooks): Hooks {
  return {
    beforeRequest: (hooks.beforeRequest ?? []).map((hook) => (request: Request) => hook(request)),
    afterResponse: (hooks.afterResponse ?? []).map(
      (hook) => (request: Request, _options: unknown, response: Response) => hook(request, response),
    ),
  };
}
