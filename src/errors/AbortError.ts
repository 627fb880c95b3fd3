import { AuthSdkError } from './AuthSdkError.js';

/**
 * The caller's `AbortSignal` fired before the call finished. `name` is `'AbortError'`, as with
 * `fetch`, so existing `err.name === 'AbortError'` checks keep working; `cause` is the signal's reason.
 */
export class AbortError extends AuthSdkError {
  override name = 'AbortError' as const;
}
