import { AuthSdkError } from './AuthSdkError.js';

/**
 * The caller's `AbortSignal` fired before the call finished. `name` is `'AbortError'`, as with
 * `fetch`, so existing `err.name === 'AbortError'` checks keep working; `cause` is the signal's reason.
 */
export class AbortError extends AuthSdkError {
  override name = 'AbortError' as const;

  /** The error for `operation` stopped by `signal`: its reason becomes the cause. */
  static from(operation: string, signal: AbortSignal | undefined): AbortError {
    return new AbortError(`${operation}: aborted`, { cause: signal?.reason });
  }
}
