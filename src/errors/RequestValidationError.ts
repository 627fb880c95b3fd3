import { AuthSdkError } from './AuthSdkError.js';

/** One problem found in a value: where it is and what is wrong, never the value itself. */
export interface ValidationIssue {
  /** Path to the offending field, e.g. `['body', 'ttl_seconds']`; empty for the value as a whole. */
  readonly path: readonly (string | number)[];
  /** What is wrong, e.g. `Too small: expected number to be >=3600`. */
  readonly message: string;
}

/** Formats issues as `path: message; path: message` for an error message. */
export function formatIssues(issues: readonly ValidationIssue[]): string {
  return issues.map((issue) => (issue.path.length > 0 ? `${issue.path.join('.')}: ${issue.message}` : issue.message)).join('; ');
}

/**
 * A call's input was rejected before anything was sent: a bad body, a missing or malformed token,
 * an empty token id.
 *
 * @example
 * ```ts
 * try { await api.issueLongTermToken(body) }
 * catch (err) { if (err instanceof RequestValidationError) console.error(err.issues) }
 * ```
 */
export class RequestValidationError extends AuthSdkError {
  override name = 'RequestValidationError' as const;
  /** Every problem found; nothing was sent. */
  readonly issues: readonly ValidationIssue[];

  /**
   * @param operation - The operation that refused its input, e.g. `issueLongTermToken`.
   * @param issues - What was wrong, without the values.
   * @param options - `cause`: an error the app's own code threw (a token function), if any.
   */
  constructor(operation: string, issues: readonly ValidationIssue[], options?: { cause?: unknown }) {
    super(`${operation}: invalid request: ${formatIssues(issues)}`, options);
    this.issues = issues;
  }
}
