import { AuthSdkError } from './AuthSdkError.js';

/**
 * The session has no usable long token and cannot get one: the long token it was given is expired or
 * revoked (the server answered 401) and no `credentials` can issue another. Sign the user in again.
 */
export class SessionExpiredError extends AuthSdkError {
  override name = 'SessionExpiredError' as const;
}
