import { isTimeoutError } from 'ky';
import { AbortError } from '../errors/AbortError.js';
import { AuthSdkError } from '../errors/AuthSdkError.js';
import { NetworkError } from '../errors/NetworkError.js';
import { ResponseValidationError } from '../errors/ResponseValidationError.js';
import { TimeoutError } from '../errors/TimeoutError.js';
import { BodyReadError } from './body.js';

/** What a failed call was doing when it failed, to name the error right. */
export interface FailureContext {
  readonly operation: string;
  /** The caller's signal: when it fired, the failure is an abort whatever the platform said. */
  readonly signal: AbortSignal | undefined;
  /** The timeout in force, in ms. */
  readonly timeoutMs: number | false;
  /** The status of the response whose body was being read, if any. */
  readonly status?: number | undefined;
}

function systemCode(error: unknown): string | undefined {
  const cause = (error as { cause?: { code?: unknown } } | undefined)?.cause;
  const code = cause?.code ?? (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * Maps whatever ky, fetch or a body stream threw into the SDK's errors. ky's own errors are not kept
 * as `cause`: they hold the Request, and with it the Authorization header.
 */
export function toSdkFailure(error: unknown, context: FailureContext): AuthSdkError {
  const { operation } = context;
  if (context.signal?.aborted) return AbortError.from(operation, context.signal);
  if (error instanceof AuthSdkError) return error;
  if (isTimeoutError(error) || (error instanceof BodyReadError && error.reason === 'timeout'))
    return new TimeoutError(operation, context.timeoutMs || 0);
  if (error instanceof BodyReadError && error.reason === 'too-large') {
    return new ResponseValidationError(operation, context.status ?? 0, [{ path: [], message: error.message }]);
  }
  const code = systemCode(error);
  return new NetworkError(`${operation}: network error${code === undefined ? '' : ` (${code})`}`, { cause: error });
}
