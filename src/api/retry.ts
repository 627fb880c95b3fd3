import { AbortError } from '../errors/AbortError.js';
import type { RetryPolicy } from './options.js';

/** Defaults of the issue operations: only 429, where the server did nothing. */
export const ISSUE_RETRY: Required<RetryPolicy> = {
  limit: 2,
  statusCodes: [429],
  networkErrors: false,
  maxRetryAfterMs: 60_000,
  backoffLimitMs: 10_000,
};

/** Defaults of revokeToken, which is idempotent. */
export const REVOKE_RETRY: Required<RetryPolicy> = {
  limit: 2,
  statusCodes: [408, 429, 500, 502, 503, 504],
  networkErrors: true,
  maxRetryAfterMs: 60_000,
  backoffLimitMs: 10_000,
};

/** A policy with every field set; `false` becomes no retries, a number the limit. */
export function resolveRetryPolicy(
  policy: RetryPolicy | number | false | undefined,
  defaults: Required<RetryPolicy>,
): Required<RetryPolicy> {
  if (policy === false) return { ...defaults, limit: 0 };
  return typeof policy === 'number' ? { ...defaults, limit: policy } : { ...defaults, ...policy };
}

/**
 * Seconds to wait from a `Retry-After` value: delay-seconds or an HTTP date (counted from `nowMs`).
 * Undefined when absent or unreadable.
 */
export function parseRetryAfterSeconds(value: string | null, nowMs: number): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  // An HTTP date names its weekday and month; anything else (a negative number, a bare year) is unreadable.
  const dateMs = /[a-z]/i.test(trimmed) ? Date.parse(trimmed) : Number.NaN;
  if (Number.isNaN(dateMs)) return undefined;
  return Math.max(0, Math.ceil((dateMs - nowMs) / 1000));
}

/** What one attempt ended with: a response (any status), or what was thrown (network error, timeout). */
export type AttemptOutcome = { readonly response: Response } | { readonly error: unknown };

/**
 * How long to wait before attempt `attempt + 1`, or undefined for no retry: past the limit, a status
 * the policy does not retry, a thrown error when network errors are not retried, an abort, or a
 * `Retry-After` beyond the cap (not obeyed blindly: the caller gets the error and its retryAfter).
 * Without `Retry-After` the backoff doubles from 300 ms, up to `backoffLimitMs`.
 */
export function retryDelayMs(policy: Required<RetryPolicy>, attempt: number, outcome: AttemptOutcome, nowMs: number): number | undefined {
  if (attempt > policy.limit) return undefined;
  if ('error' in outcome) {
    const aborted = outcome.error instanceof Error && outcome.error.name === 'AbortError';
    if (aborted || !policy.networkErrors) return undefined;
  } else {
    if (!policy.statusCodes.includes(outcome.response.status)) return undefined;
    const afterSeconds = parseRetryAfterSeconds(outcome.response.headers.get('retry-after'), nowMs);
    if (afterSeconds !== undefined) return afterSeconds * 1000 > policy.maxRetryAfterMs ? undefined : afterSeconds * 1000;
  }
  return Math.min(policy.backoffLimitMs, 300 * 2 ** (attempt - 1));
}

/** Waits `ms`, or rejects with AbortError as soon as `signal` fires. */
export function sleep(ms: number, signal: AbortSignal | undefined, operation: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(AbortError.from(operation, signal));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
