import { AuthSdkError } from './AuthSdkError.js';

/** No response came within the `timeout` option (each attempt has its own). */
export class TimeoutError extends AuthSdkError {
  override name = 'TimeoutError' as const;
  /** The timeout that ran out, in milliseconds. */
  readonly timeoutMs: number;

  /**
   * @param operation - The operation that timed out.
   * @param timeoutMs - The timeout that ran out.
   */
  constructor(operation: string, timeoutMs: number) {
    super(`${operation}: no response within ${timeoutMs} ms`);
    this.timeoutMs = timeoutMs;
  }
}
