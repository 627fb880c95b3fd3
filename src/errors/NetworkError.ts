import { AuthSdkError } from './AuthSdkError.js';

/**
 * The request did not get an HTTP response: connection refused or reset, DNS failure, TLS failure,
 * a body cut off mid-way. `cause` holds the platform's error.
 */
export class NetworkError extends AuthSdkError {
  override name = 'NetworkError' as const;
}
