import type { Hooks } from 'ky';
import type { AuthApiHooks, AuthApiOptions, RetryPolicy } from './options.js';
import { headerValueIssue, isTokenSource } from './validation.js';

/** The contract's placeholder server. */
export const DEFAULT_BASE_URL = 'https://api.example.com/v1';
/** Default per-attempt timeout, in ms. */
export const DEFAULT_TIMEOUT_MS = 10_000;
// setTimeout's ceiling; ky throws a RangeError past it.
const MAX_TIMEOUT_MS = 2_147_483_647;

function fail(option: string, message: string): never {
  throw new TypeError(`AuthApi: option "${option}" ${message}`);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function checkBaseUrl(value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '') fail('baseUrl', 'must be a non-empty string');
  // A path such as '/api/v1' is resolved by the browser against the page; anything else must be http(s).
  if (value.startsWith('/') && !value.startsWith('//')) return value;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    fail('baseUrl', 'must be an absolute http(s) URL or a path starting with "/"');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') fail('baseUrl', 'must use http or https');
  if (url.username !== '' || url.password !== '') fail('baseUrl', 'must not carry credentials');
  return value;
}

function checkRetryPolicy(name: string, policy: unknown): void {
  if (policy === undefined || policy === false) return;
  if (!isObject(policy)) fail(name, 'must be an object or false');
  const { limit, statusCodes, networkErrors, maxRetryAfterMs, backoffLimitMs } = policy as RetryPolicy;
  if (limit !== undefined && !(Number.isInteger(limit) && limit >= 0 && limit <= 10))
    fail(`${name}.limit`, 'must be an integer from 0 to 10');
  if (
    statusCodes !== undefined &&
    !(Array.isArray(statusCodes) && statusCodes.every((code) => Number.isInteger(code) && code >= 400 && code <= 599))
  ) {
    fail(`${name}.statusCodes`, 'must be an array of HTTP error statuses (400-599)');
  }
  if (networkErrors !== undefined && typeof networkErrors !== 'boolean') fail(`${name}.networkErrors`, 'must be a boolean');
  for (const [key, value] of [
    ['maxRetryAfterMs', maxRetryAfterMs],
    ['backoffLimitMs', backoffLimitMs],
  ] as const) {
    if (value !== undefined && !(typeof value === 'number' && value >= 0 && value <= MAX_TIMEOUT_MS))
      fail(`${name}.${key}`, 'must be a number of milliseconds');
  }
}

function checkHooks(hooks: unknown): void {
  if (hooks === undefined) return;
  if (!isObject(hooks)) fail('hooks', 'must be an object');
  for (const key of ['beforeRequest', 'afterResponse'] as const) {
    const list = hooks[key];
    if (list !== undefined && !(Array.isArray(list) && list.every((hook) => typeof hook === 'function'))) {
      fail(`hooks.${key}`, 'must be an array of functions');
    }
  }
}

/** Checks the constructor's options, throwing a TypeError that names the misused one. */
export function checkOptions(options: unknown): asserts options is AuthApiOptions {
  if (!isObject(options)) fail('options', 'must be an object');
  const { baseUrl, clientId, longToken, shortToken, fetch, timeout, retry, headers, hooks } = options as AuthApiOptions;
  if (baseUrl !== undefined) checkBaseUrl(baseUrl);
  if (clientId !== undefined && headerValueIssue(clientId, []) !== undefined)
    fail('clientId', 'must be a non-empty string of visible ASCII characters');
  for (const [name, source] of [
    ['longToken', longToken],
    ['shortToken', shortToken],
  ] as const) {
    if (source === undefined) continue;
    if (!isTokenSource(source) || (typeof source === 'string' && headerValueIssue(source, []) !== undefined)) {
      fail(name, 'must be a non-empty token string of visible ASCII characters, or a function returning one');
    }
  }
  if (fetch !== undefined && typeof fetch !== 'function') fail('fetch', 'must be a function');
  if (timeout !== undefined && timeout !== false && !(typeof timeout === 'number' && timeout > 0 && timeout <= MAX_TIMEOUT_MS)) {
    fail('timeout', `must be false or a number of milliseconds from 1 to ${MAX_TIMEOUT_MS}`);
  }
  if (retry !== undefined) {
    if (!isObject(retry)) fail('retry', 'must be an object');
    checkRetryPolicy('retry.issue', retry.issue);
    checkRetryPolicy('retry.revoke', retry.revoke);
  }
  if (headers !== undefined && !isObject(headers)) fail('headers', 'must be a Headers object, a record or an array of pairs');
  checkHooks(hooks);
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
