/**
 * A token, or a function that returns one (sync or async) when a call needs it: read from a vault,
 * a cookie, another session. Called once per call that uses it.
 */
export type TokenSource = string | (() => string | Promise<string>);

/**
 * A long token as an app holds it: the token itself, or the record the server issued
 * (`expires_at` an ISO 8601 date-time such as `2026-12-01T00:00:00Z`, as the server sends it).
 */
export type LongTokenValue = string | { readonly access_token: string; readonly expires_at?: string; readonly token_id?: string };

/**
 * A long token, or a function that returns one (sync or async) when one is needed: read from a
 * vault, fetched from the app's backend. The same forms on {@link AuthApi} and `AuthSession`.
 */
export type LongTokenSource = LongTokenValue | (() => LongTokenValue | Promise<LongTokenValue>);

/** How one group of operations retries. Every field has a default; see {@link AuthApiRetryOptions}. */
export interface RetryPolicy {
  /**
   * Retries after the first attempt.
   * @default 2
   */
  readonly limit?: number;
  /** HTTP statuses that are retried. */
  readonly statusCodes?: readonly number[];
  /** Whether network errors and timeouts are retried (only safe for idempotent operations). */
  readonly networkErrors?: boolean;
  /**
   * The longest `Retry-After` that is waited for, in ms. A server asking for longer gets no retry: the
   * call fails at once with {@link AuthApiError} and its `retryAfter`, so the app decides.
   * @default 60_000
   */
  readonly maxRetryAfterMs?: number;
  /**
   * The longest backoff between attempts when the server gives no `Retry-After`, in ms (the backoff
   * doubles from 300 ms).
   * @default 10_000
   */
  readonly backoffLimitMs?: number;
}

/**
 * Retry policies. The issue operations create tokens, so by default they retry only 429 (the server
 * did nothing) and never a network error or 5xx, after which a token may exist. revokeToken is
 * idempotent and retries network errors, timeouts, 408, 429 and 5xx.
 * `false` turns retries off for that group. The `retry` option also takes a number (the limit of
 * both groups, their statuses unchanged) or `false` (no retries at all), as ky does.
 */
export interface AuthApiRetryOptions {
  /**
   * issueLongTermToken and issueShortTermToken.
   * @default { limit: 2, statusCodes: [429], networkErrors: false }
   */
  readonly issue?: RetryPolicy | false;
  /**
   * revokeToken.
   * @default { limit: 2, statusCodes: [408, 429, 500, 502, 503, 504], networkErrors: true }
   */
  readonly revoke?: RetryPolicy | false;
}

/** A hook run before each attempt is sent; it may return a replacement Request, or a Response to skip the network. */
export type BeforeRequestHook = (request: Request) => Request | Response | undefined | Promise<Request | Response | undefined>;
/** A hook run after each response arrives; it may return a replacement Response. */
export type AfterResponseHook = (request: Request, response: Response) => Response | undefined | Promise<Response | undefined>;

/** Hooks around each HTTP attempt (retries included): tracing, metrics, extra headers. */
export interface AuthApiHooks {
  /** Run in order before each attempt. The request carries the credentials: never log its headers. */
  readonly beforeRequest?: readonly BeforeRequestHook[];
  /** Run in order after each response. */
  readonly afterResponse?: readonly AfterResponseHook[];
}

/**
 * Request headers: a `Headers`, a record, or `[name, value]` pairs, as the environment's fetch takes
 * them. Derived from `RequestInit` (as ky does) rather than named `HeadersInit`, a type that only the
 * DOM lib declares: a Node project without `lib: ["DOM"]` has `RequestInit` (from @types/node) but no
 * `HeadersInit`.
 */
export type HeadersOption = NonNullable<RequestInit['headers']>;

/** Options of {@link AuthApi}. */
export interface AuthApiOptions {
  /**
   * The API's base URL, with or without a trailing slash, e.g. `'https://api.example.com/v1'`.
   * Required: an absolute https URL; plain http only to loopback (`localhost`, `127.0.0.0/8`,
   * `[::1]`) unless `allowInsecureHttp`; in a browser also a path such as `'/c2m/v1'` (a same-origin
   * proxy), resolved against the page.
   */
  readonly baseUrl: string;
  /**
   * Allow a plain `http://` base URL to a host other than loopback (inside a private network, behind
   * a TLS-terminating sidecar). Without it such a URL is refused: secrets would travel in clear text.
   * @default false
   */
  readonly allowInsecureHttp?: boolean;
  /** Client id, sent as `X-Client-Id` (ClientKey) by issueLongTermToken; defaults to the body's `client_id`. */
  readonly clientId?: string;
  /** Long-term token for calls that pass none (issueShortTermToken, revokeToken). */
  readonly longToken?: LongTokenSource;
  /** Short-term token for calls that pass none (revokeToken; issueLongTermToken when the body names no grant). */
  readonly shortToken?: TokenSource;
  /**
   * The fetch implementation.
   * @default globalThis.fetch
   */
  readonly fetch?: typeof fetch;
  /**
   * Milliseconds each attempt may wait for its response headers, and then again for its body; `false`: no limit.
   * @default 10_000
   */
  readonly timeout?: number | false;
  /**
   * Retry policies, see {@link AuthApiRetryOptions}; or a number, the retry limit of every operation
   * (each keeping its own statuses); or `false`, no retries at all.
   */
  readonly retry?: AuthApiRetryOptions | number | false;
  /** Headers sent with every request (the SDK's own auth headers win). */
  readonly headers?: HeadersOption;
  /** Hooks around each HTTP attempt. */
  readonly hooks?: AuthApiHooks;
}

/** Options every operation takes. */
export interface CallOptions {
  /** Cancels the call, retries and waits included; the call rejects with {@link AbortError}. */
  readonly signal?: AbortSignal;
  /** Headers for this call only (the SDK's own auth headers win). */
  readonly headers?: HeadersOption;
}

/** Options of {@link AuthApi.issueLongTermToken}. */
export interface IssueLongTermTokenOptions extends CallOptions {
  /** Authorise with a short token holding `tokens:write` instead of a grant in the body. */
  readonly shortToken?: TokenSource;
  /** Client id for `X-Client-Id`, when it differs from the constructor's and the body's. */
  readonly clientId?: string;
}

/** Options of {@link AuthApi.issueShortTermToken}. */
export interface IssueShortTermTokenOptions extends CallOptions {
  /** The long token to exchange; defaults to the constructor's, then to the body's `long_token`. */
  readonly longToken?: LongTokenSource;
}

/** Options of {@link AuthApi.revokeToken}. */
export interface RevokeTokenOptions extends CallOptions {
  /** Authorise with this short token (tried first). */
  readonly shortToken?: TokenSource;
  /** Authorise with this long token. */
  readonly longToken?: LongTokenSource;
}

/** A successful call's result with its HTTP status and response headers. */
export interface ApiResponse<T> {
  /** The validated body (`undefined` for revokeToken). */
  readonly data: T;
  /** The HTTP status, e.g. 201 or 204. */
  readonly status: number;
  /** The response headers, e.g. `X-Token-Id`, rate-limit headers. */
  readonly headers: Headers;
}
