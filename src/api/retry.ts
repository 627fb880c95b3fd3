import { isHTTPError, isTimeoutError, type RetryOptions } from 'ky';
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

function isAbort(error: Error): boolean {
  return error.name === 'AbortError';
}

/** Translates a policy into ky's retry options (`false`: no retries). */
export function toKyRetry(policy: RetryPolicy | false | undefined, defaults: Required<RetryPolicy>): RetryOptions {
  if (policy === false) return { limit: 0 };
  const merged = { ...defaults, ...policy };
  return {
    limit: merged.limit,
    methods: ['post'],
    statusCodes: [...merged.statusCodes],
    // Retry-After is honoured for every retried status, up to the cap below.
    afterStatusCodes: [...merged.statusCodes],
    maxRetryAfter: merged.maxRetryAfterMs,
    backoffLimit: merged.backoffLimitMs,
    retryOnTimeout: merged.networkErrors,
    shouldRetry: ({ error }) => {
      if (isHTTPError(error)) {
        const afterSeconds = parseRetryAfterSeconds(error.response.headers.get('retry-after'), Date.now());
        // A server asking for a longer wait than the cap is not obeyed blindly: fail now, with retryAfter.
        if (afterSeconds !== undefined && afterSeconds * 1000 > merged.maxRetryAfterMs) return false;
        return undefined;
      }
      if (isTimeoutError(error)) return undefined;
      if (isAbort(error)) return false;
      // Anything else never reached the server's answer: a network error.
      return merged.networkErrors;
    },
  };
}
