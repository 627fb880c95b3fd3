import { isTimeoutError } from 'ky';
import { AbortError } from '../errors/AbortError.js';
import { AuthSdkError } from '../errors/AuthSdkError.js';
import { NetworkError } from '../errors/NetworkError.js';
import { TimeoutError } from '../errors/TimeoutError.js';

function systemCode(error: unknown): string | undefined {
  const cause = (error as { cause?: { code?: unknown } } | undefined)?.cause;
  const code = cause?.code ?? (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * Maps whatever ky, fetch or a body stream threw during `operation` into the SDK's errors: an abort
 * when the caller's `signal` fired, whatever the platform said. ky's own errors are not kept as
 * `cause`: they hold the Request, and with it the Authorization header.
 */
export function toSdkFailure(error: unknown, operation: string, signal: AbortSignal | undefined, timeoutMs: number | false): AuthSdkError {
  if (signal?.aborted) return AbortError.from(operation, signal);
  if (error instanceof AuthSdkError) return error;
  if (isTimeoutError(error)) return new TimeoutError(operation, timeoutMs || 0);
  const code = systemCode(error);
  return new NetworkError(`${operation}: network error${code === undefined ? '' : ` (${code})`}`, { cause: error });
}
