import { AuthSdkError } from './AuthSdkError.js';

/** The session was closed or revoked; every call after that rejects with this error. */
export class SessionClosedError extends AuthSdkError {
  override name = 'SessionClosedError' as const;

  constructor() {
    super('AuthSession: the session is closed');
  }
}
