import { AuthSdkError } from './AuthSdkError.js';

/** Why a token store call failed. */
export type TokenStoreErrorReason =
  /** The store did not answer within the session's `storeTimeoutMs`. */
  | 'timeout'
  /** The stored record cannot be read: corrupt, of another format, or sealed with another key. */
  | 'unreadable_record'
  /** The store (a Redis server, a lock file) cannot be reached or used. */
  | 'unavailable';

/**
 * A token store failed. Sessions never let it reach a caller: they emit it as a `storeError` event
 * and carry on without the store (per-process behaviour) until it works again. Stores throw it from
 * their own methods; its message never holds a token, a key's secret or a record's content.
 */
export class TokenStoreError extends AuthSdkError {
  override name = 'TokenStoreError' as const;
  /** Why it failed. */
  readonly reason: TokenStoreErrorReason;

  /**
   * @param reason - Why it failed.
   * @param message - What failed, free of secrets.
   * @param options - `cause`: the underlying error, when it is safe to keep.
   */
  constructor(reason: TokenStoreErrorReason, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.reason = reason;
  }
}
