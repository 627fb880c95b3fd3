/**
 * Base class of every error this SDK throws, so one `instanceof AuthSdkError` (or a check of
 * `err.name` across bundles) catches them all.
 *
 * No message, field or `cause` of an SDK error ever holds a client secret, OTP code, assertion or
 * token.
 */
export class AuthSdkError extends Error {
  override name: string = 'AuthSdkError';

  /**
   * @param message - What went wrong, in one sentence, free of secrets.
   * @param options - `cause`: the underlying error, when it is safe to keep.
   */
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
  }
}
