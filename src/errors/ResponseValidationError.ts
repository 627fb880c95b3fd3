import { AuthSdkError } from './AuthSdkError.js';
import { formatIssues, type ValidationIssue } from './RequestValidationError.js';

/**
 * The server answered with a success status, but its body is not what the contract promises
 * (not JSON, HTML, empty, a required field missing or of the wrong type). Nothing is returned.
 */
export class ResponseValidationError extends AuthSdkError {
  override name = 'ResponseValidationError' as const;
  /** The HTTP status of the response, e.g. 201. */
  readonly status: number;
  /** Every problem found in the body, without its values. */
  readonly issues: readonly ValidationIssue[];

  /**
   * @param operation - The operation whose response was rejected.
   * @param status - The HTTP status of that response.
   * @param issues - What was wrong, without the values.
   */
  constructor(operation: string, status: number, issues: readonly ValidationIssue[]) {
    super(`${operation}: unexpected response (HTTP ${status}): ${formatIssues(issues)}`);
    this.status = status;
    this.issues = issues;
  }
}
