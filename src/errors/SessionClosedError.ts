import { AuthSdkError } from './AuthSdkError.js';

/**
 * The session was closed or revoked; every call after that rejects with this error. A closed session
 * stays closed: create a new `AuthSession` to get tokens again.
 */
export class SessionClosedError extends AuthSdkError {
  override name = 'SessionClosedError' as const;

  constructor() {
    super('AuthSession: the session is closed (close() or revoke() was called); create a new AuthSession to get tokens again');
  }
}
