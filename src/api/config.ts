import type { Hooks } from 'ky';
import { assertOptions, type Check, isFunction, isObject, type OptionCheck } from '../option-checks.js';
import type { AuthApiHooks, AuthApiOptions } from './options.js';
import { headerValueIssue } from './validation.js';

/** The contract's placeholder server. */
export const DEFAULT_BASE_URL = 'https://api.example.com/v1';
/** Default per-attempt timeout, in ms. */
export const DEFAULT_TIMEOUT_MS = 10_000;
/** setTimeout's ceiling, in ms; ky throws a RangeError past it, and a longer delay fires at once. */
export const MAX_TIMER_MS = 2_147_483_647;

const isMs = (value: unknown, min: number): boolean => typeof value === 'number' && value >= min && value <= MAX_TIMER_MS;
const isHeaderValue: Check = (value) => headerValueIssue(value, []) === undefined;
const isTokenSource: Check = (value) => isFunction(value) || isHeaderValue(value);
const isFunctionList: Check = (value) => value === undefined || (Array.isArray(value) && value.every(isFunction));

function isBaseUrl(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  // A path such as '/api/v1' is resolved by the browser against the page.
  if (/^\/(?!\/)/.test(value)) return true;
  try {
    const url = new URL(value);
    return /^https?:$/.test(url.protocol) && url.username === '' && url.password === '';
  } catch {
    return false;
  }
}

function isRetryPolicy(policy: unknown): boolean {
  if (policy === undefined || policy === false) return true;
  if (!isObject(policy)) return false;
  const { limit, statusCodes, networkErrors, maxRetryAfterMs, backoffLimitMs } = policy as Record<string, unknown>;
  return (
    (limit === undefined || (Number.isInteger(limit) && isMs(limit, 0) && (limit as number) <= 10)) &&
    (statusCodes === undefined ||
      (Array.isArray(statusCodes) && statusCodes.every((code) => Number.isInteger(code) && code >= 400 && code <= 599))) &&
    (networkErrors === undefined || typeof networkErrors === 'boolean') &&
    (maxRetryAfterMs === undefined || isMs(maxRetryAfterMs, 0)) &&
    (backoffLimitMs === undefined || isMs(backoffLimitMs, 0))
  );
}

const CHECKS: readonly OptionCheck<AuthApiOptions>[] = [
  ['baseUrl', isBaseUrl, 'must be an absolute http(s) URL without credentials, or a path starting with "/"'],
  ['clientId', isHeaderValue, 'must be a non-empty string of visible ASCII characters'],
  ['longToken', isTokenSource, 'must be a non-empty token string of visible ASCII characters, or a function returning one'],
  ['shortToken', isTokenSource, 'must be a non-empty token string of visible ASCII characters, or a function returning one'],
  ['fetch', isFunction, 'must be a function'],
  ['timeout', (value) => value === false || isMs(value, 1), `must be false or a number of milliseconds from 1 to ${MAX_TIMER_MS}`],
  [
    'retry',
    (value) =>
      isObject(value) &&
      isRetryPolicy((value as Record<string, unknown>).issue) &&
      isRetryPolicy((value as Record<string, unknown>).revoke),
    'must be { issue?, revoke? }, each false or { limit: 0-10, statusCodes: 400-599, networkErrors, maxRetryAfterMs, backoffLimitMs }',
  ],
  ['headers', isObject, 'must be a Headers object, a record or an array of pairs'],
  [
    'hooks',
    (value) =>
      isObject(value) && isFunctionList((value as AuthApiHooks).beforeRequest) && isFunctionList((value as AuthApiHooks).afterResponse),
    'must be { beforeRequest?, afterResponse? }, arrays of functions',
  ],
];

/** Checks the constructor's options, throwing a TypeError that names the misused one, never its value. */
export function checkOptions(options: unknown): asserts options is AuthApiOptions {
  assertOptions<AuthApiOptions>('AuthApi', options, CHECKS);
}

/** Adapts the SDK's hooks to ky's, so ky's types stay out of the public API. */
export function toKyHooks(hooks: AuthApiHooks | undefined): Hooks {
  return {
    beforeRequest: (hooks?.beforeRequest ?? []).map((hook) => (request: Request) => hook(request)),
    afterResponse: (hooks?.afterResponse ?? []).map(
      (hook) => (request: Request, _options: unknown, response: Response) => hook(request, response),
    ),
  };
}
