import { AuthSdkError } from './AuthSdkError.js';

/** The fields of an {@link AuthApiError}, as the SDK builds them from an HTTP error response. */
export interface AuthApiErrorInit {
  /** The operation that failed, e.g. `issueShortTermToken`. */
  readonly operation: string;
  /** The HTTP status, e.g. 401. */
  readonly status: number;
  /** The AuthError `code`, e.g. `invalid_token`; derived from the status when the body has none. */
  readonly code: string;
  /**
   * The server's own text: the AuthError `message`, a short plain-text body, or the status text;
   * empty when there is none.
   */
  readonly message: string;
  /** The AuthError `details`, when the server sent them. */
  readonly details?: Readonly<Record<string, unknown>> | undefined;
  /** Seconds to wait, from `Retry-After` (delay-seconds or an HTTP date). */
  readonly retryAfter?: number | undefined;
  /** The response headers. */
  readonly headers: Headers;
}

/**
 * The server answered with an HTTP error status (4xx or 5xx). Its AuthError body is parsed into
 * `code`, `message` and `details`; a body that is not an AuthError (HTML from a proxy, empty, plain
 * text) still yields a code derived from the status (`unauthorized`, `rate_limited`, `server_error`…).
 * `message` names the operation, the status and the code, then the server's text (with any secret of
 * the call masked): `issueLongTermToken: 401 invalid_client: Unknown client`; `serverMessage` is the
 * server's text alone.
 *
 * @example
 * ```ts
 * try { await api.issueShortTermToken() }
 * catch (err) {
 *   if (err instanceof AuthApiError && err.code === 'rate_limited') wait(err.retryAfter ?? 60)
 * }
 * ```
 */
export class AuthApiError extends AuthSdkError {
  override name = 'AuthApiError' as const;
  /** The operation that failed, e.g. `issueShortTermToken`. */
  readonly operation: string;
  /** The HTTP status, e.g. 401. */
  readonly status: number;
  /** The AuthError `code` (e.g. `invalid_token`), or one derived from the status. */
  readonly code: string;
  /** The server's text alone (the AuthError `message`, a plain-text body or the status text), or `''`. */
  readonly serverMessage: string;
  /** The AuthError `details`, when the server sent them. */
  readonly details: Readonly<Record<string, unknown>> | undefined;
  /** Seconds the server asked to wait (`Retry-After`), or undefined. */
  readonly retryAfter: number | undefined;
  /** The response headers. */
  readonly headers: Headers;

  /** @param init - The fields, already free of secrets. */
  constructor(init: AuthApiErrorInit) {
    super(`${init.operation}: ${init.status} ${init.code}${init.message === '' ? '' : `: ${init.message}`}`);
    this.serverMessage = init.message;
    this.operation = init.operation;
    this.status = init.status;
    this.code = init.code;
    this.details = init.details;
    this.retryAfter = init.retryAfter;
    this.headers = init.headers;
  }
}
