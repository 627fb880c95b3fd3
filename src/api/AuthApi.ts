import ky, { type KyInstance } from 'ky';
import type * as core from 'zod/v4/core';
import { AbortError } from '../errors/AbortError.js';
import { RequestValidationError, type ValidationIssue } from '../errors/RequestValidationError.js';
import { longTokenRequestSchema, longTokenResponseSchema, shortTokenRequestSchema, shortTokenResponseSchema } from '../schemas.js';
import type { LongTokenRequest, LongTokenResponse, ShortTokenRequest, ShortTokenResponse } from '../types.js';
import { readText } from './body.js';
import { checkCallOptions, resolveToken, tokenIdIssues } from './call-input.js';
import { checkOptions, DEFAULT_TIMEOUT_MS, toKyHooks } from './config.js';
import { toSdkFailure } from './failure.js';
import { grantIssues, namesMechanism } from './grant.js';
import { toAuthApiError } from './http-error.js';
import type {
  ApiResponse,
  AuthApiOptions,
  CallOptions,
  IssueLongTermTokenOptions,
  IssueShortTermTokenOptions,
  LongTokenSource,
  RetryPolicy,
  RevokeTokenOptions,
  TokenSource,
} from './options.js';
import { parseTokenResponse } from './parse-response.js';
import { type AttemptOutcome, ISSUE_RETRY, REVOKE_RETRY, resolveRetryPolicy, retryDelayMs, sleep } from './retry.js';
import { parseInto } from './validation.js';

/** The three operations, each returning its status and headers beside its data. */
export interface AuthApiWithResponse {
  /** {@link AuthApi.issueLongTermToken}, with status and headers. */
  issueLongTermToken(body: LongTokenRequest, options?: IssueLongTermTokenOptions): Promise<ApiResponse<LongTokenResponse>>;
  /** {@link AuthApi.issueShortTermToken}, with status and headers. */
  issueShortTermToken(body?: ShortTokenRequest, options?: IssueShortTermTokenOptions): Promise<ApiResponse<ShortTokenResponse>>;
  /** {@link AuthApi.revokeToken}, with status and headers. */
  revokeToken(tokenId: string, options?: RevokeTokenOptions): Promise<ApiResponse<undefined>>;
}

/**
 * Typed client of the C2M auth endpoints: one method per operation, over one ky instance. Input is
 * validated before anything is sent; answers are validated before anything is returned; every
 * failure is an {@link AuthSdkError}. It keeps no state between calls and knows nothing of time: for
 * cached, refreshed tokens use `AuthSession`.
 *
 * @example
 * ```ts
 * const api = new AuthApi({ baseUrl: 'https://api.example.com/v1' })
 * const long = await api.issueLongTermToken({ grant_type: 'client_credentials', client_id: 'c2m_abc123', client_secret })
 * const short = await api.issueShortTermToken({ scopes: ['jobs:submit'] }, { longToken: long.access_token })
 * ```
 */
export class AuthApi {
  /** The base URL requests go to. */
  readonly baseUrl: string;
  /** The same operations, resolving to `{ data, status, headers }`. */
  readonly withResponse: AuthApiWithResponse;
  readonly #ky: KyInstance;
  readonly #issueRetry: Required<RetryPolicy>;
  readonly #revokeRetry: Required<RetryPolicy>;
  readonly #clientId: string | undefined;
  readonly #longToken: LongTokenSource | undefined;
  readonly #shortToken: TokenSource | undefined;
  readonly #timeoutMs: number | false;

  /**
   * @param options - Where and how to call; `baseUrl` is required, every other field optional.
   * @throws TypeError when `baseUrl` is missing, relative outside a browser, or plain http to a host
   * other than loopback (without `allowInsecureHttp`), or when an option is unknown or has the wrong
   * type or form (the message names it, never its value).
   */
  constructor(options: AuthApiOptions) {
    this.baseUrl = checkOptions(options);
    this.#clientId = options.clientId;
    this.#longToken = options.longToken;
    this.#shortToken = options.shortToken;
    this.#timeoutMs = options.timeout ?? DEFAULT_TIMEOUT_MS;
    const retry = options.retry;
    const perKind = typeof retry === 'object' ? retry : { issue: retry, revoke: retry };
    this.#issueRetry = resolveRetryPolicy(perKind.issue, ISSUE_RETRY);
    this.#revokeRetry = resolveRetryPolicy(perKind.revoke, REVOKE_RETRY);
    // Retries are the SDK's own (retry.ts): ky's would normalise and merge a policy on every request.
    this.#ky = ky.create({
      prefixUrl: this.baseUrl,
      timeout: this.#timeoutMs,
      retry: 0,
      throwHttpErrors: false,
      // Never follow a redirect: a 307/308 would carry the secret in the body, and the token in the
      // header, to wherever the Location points. A 3xx is an AuthApiError instead.
      redirect: 'manual',
      ...(options.headers === undefined ? {} : { headers: options.headers }),
      ...(options.hooks === undefined ? {} : { hooks: toKyHooks(options.hooks) }),
      ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
    });
    this.withResponse = {
      issueLongTermToken: (body, callOptions) => this.#issueLongTermToken(body, callOptions),
      issueShortTermToken: (body, callOptions) => this.#issueShortTermToken(body, callOptions),
      revokeToken: (tokenId, callOptions) => this.#revokeToken(tokenId, callOptions),
    };
  }

  /**
   * Issues a long-term token (30 to 90 days). Exactly one mechanism per call: `client_secret` or
   * `otp_code` with `client_credentials`, `assertion_type` + `assertion` with `assertion`, or a short
   * token holding `tokens:write` (the `shortToken` option; the constructor's is used when the body
   * names no mechanism). Without a short token the call sends `X-Client-Id`.
   * Retries only 429 by default: a token may exist after a network error or 5xx.
   *
   * @returns The token; `token_id` is taken from the `X-Token-Id` header when the body has none.
   * @throws {@link RequestValidationError} for a bad body or mechanism (nothing sent),
   * {@link AuthApiError} for 400/401/403/429, {@link ResponseValidationError}, {@link NetworkError},
   * {@link TimeoutError}, {@link AbortError}.
   */
  async issueLongTermToken(body: LongTokenRequest, options?: IssueLongTermTokenOptions): Promise<LongTokenResponse> {
    return (await this.#issueLongTermToken(body, options)).data;
  }

  /**
   * Exchanges a long-term token (`Authorization: Bearer <long>`) for a short-term JWT (about 15
   * minutes). The long token is the `longToken` option, else the constructor's, else `body.long_token`.
   *
   * @param body - Optional scope narrowing, e.g. `{ scopes: ['jobs:submit'] }`.
   * @throws {@link RequestValidationError} when there is no long token or the body is bad (nothing
   * sent), {@link AuthApiError} for 400/401/429, and the transport errors of issueLongTermToken.
   */
  async issueShortTermToken(body?: ShortTokenRequest, options?: IssueShortTermTokenOptions): Promise<ShortTokenResponse> {
    return (await this.#issueShortTermToken(body, options)).data;
  }

  /**
   * Revokes a short or long token by its id (idempotent, so retried on network errors, 408, 429 and
   * 5xx). Authorises with the first token it has: the call's short, the call's long, the
   * constructor's short, the constructor's long.
   *
   * @param tokenId - The token's id, e.g. `tok_lt_b8e0aa`; URL-encoded into the path.
   * @throws {@link RequestValidationError} for an empty id or no token (nothing sent),
   * {@link AuthApiError} for 401/404, and the transport errors of issueLongTermToken.
   */
  async revokeToken(tokenId: string, options?: RevokeTokenOptions): Promise<void> {
    await this.#revokeToken(tokenId, options);
  }

  async #issueLongTermToken(body: LongTokenRequest, callOptions?: IssueLongTermTokenOptions): Promise<ApiResponse<LongTokenResponse>> {
    const operation = 'issueLongTermToken';
    const issues: ValidationIssue[] = [];
    const options = checkCallOptions(callOptions, issues, ['shortToken', 'clientId']);
    const maybeParsed = parseInto(longTokenRequestSchema, body, ['body'], issues);
    // A body that names its own mechanism is not overridden by the constructor's short token.
    const shortSource = options.shortToken ?? (maybeParsed !== undefined && namesMechanism(maybeParsed) ? undefined : this.#shortToken);
    if (maybeParsed !== undefined) issues.push(...grantIssues(maybeParsed, shortSource !== undefined));
    if (issues.length > 0) throw new RequestValidationError(operation, issues);
    // parseInto gives undefined only beside an issue.
    const parsed = maybeParsed as LongTokenRequest;

    const secrets = [parsed.client_secret, parsed.otp_code, parsed.assertion].filter((value) => value !== undefined);
    let credential: Credential = ['x-client-id', options.clientId ?? this.#clientId ?? parsed.client_id];
    if (shortSource !== undefined) {
      const token = await resolveToken(operation, shortSource, ['options', 'shortToken']);
      secrets.push(token);
      credential = bearer(token);
    }
    const result = await this.#send(
      operation,
      'auth/tokens/long',
      parsed,
      options,
      credential,
      secrets,
      this.#issueRetry,
      longTokenResponseSchema,
    );
    const headerId = result.headers.get('x-token-id');
    if (result.data.token_id === undefined && headerId) result.data.token_id = headerId;
    return result;
  }

  async #issueShortTermToken(
    body: ShortTokenRequest | undefined,
    callOptions?: IssueShortTermTokenOptions,
  ): Promise<ApiResponse<ShortTokenResponse>> {
    const operation = 'issueShortTermToken';
    const issues: ValidationIssue[] = [];
    const options = checkCallOptions(callOptions, issues, ['longToken']);
    const parsed = body === undefined ? undefined : parseInto(shortTokenRequestSchema, body, ['body'], issues);
    const longSource = valid(operation, issues, options.longToken ?? this.#longToken ?? parsed?.long_token, {
      path: ['options', 'longToken'],
      message: 'a long token is required (the longToken option, the constructor option, or body.long_token)',
    });
    const token = await resolveToken(operation, longSource, ['options', 'longToken']);
    const secrets = parsed?.long_token === undefined ? [token] : [token, parsed.long_token];
    return this.#send(operation, 'auth/tokens/short', parsed, options, bearer(token), secrets, this.#issueRetry, shortTokenResponseSchema);
  }

  async #revokeToken(tokenId: string, callOptions?: RevokeTokenOptions): Promise<ApiResponse<undefined>> {
    const operation = 'revokeToken';
    const issues = tokenIdIssues(tokenId);
    const options = checkCallOptions(callOptions, issues, ['shortToken', 'longToken']);
    const source = valid(operation, issues, options.shortToken ?? options.longToken ?? this.#shortToken ?? this.#longToken, {
      path: ['options'],
      message: 'a short or long token is required to authorise the revocation',
    });
    const token = await resolveToken(operation, source, ['options', options.shortToken === undefined ? 'longToken' : 'shortToken']);
    const path = `auth/tokens/${encodeURIComponent(tokenId)}/revoke`;
    return this.#send(operation, path, undefined, options, bearer(token), [token], this.#revokeRetry);
  }

  /**
   * Sends one operation with its credential header, retrying as `retry` says, and returns its answer:
   * the token checked against `schema`, or nothing when there is no schema (revokeToken). An error
   * status is an AuthApiError with `secrets` masked. ky's timeout covers each attempt until the
   * headers come; the body then gets a timer of its own, so a body that trickles cannot hold the call.
   */
  async #send<T>(
    operation: string,
    path: string,
    json: unknown,
    options: CallOptions,
    credential: Credential,
    secrets: readonly string[],
    retry: Required<RetryPolicy>,
    schema?: core.$ZodType<T>,
  ): Promise<ApiResponse<T>> {
    const { signal } = options;
    if (signal?.aborted) throw AbortError.from(operation, signal);
    let response: Response;
    let text: string;
    try {
      for (let attempt = 1; ; attempt += 1) {
        let outcome: AttemptOutcome;
        try {
          outcome = {
            response: await this.#ky.post(path, {
              ...(json === undefined ? {} : { json }),
              headers: withCredential(options.headers, credential),
              ...(signal === undefined ? {} : { signal }),
            }),
          };
        } catch (error) {
          outcome = { error };
        }
        const delayMs = signal?.aborted ? undefined : retryDelayMs(retry, attempt, outcome, Date.now());
        if (delayMs === undefined) {
          if ('error' in outcome) throw outcome.error;
          response = outcome.response;
          break;
        }
        if ('response' in outcome) outcome.response.body?.cancel().catch(() => undefined);
        await sleep(delayMs, signal, operation);
      }
      try {
        text = await readText(operation, response, this.#timeoutMs, signal);
      } catch (error) {
        // An error status speaks for itself even when its body cannot be read.
        if (response.ok || signal?.aborted) throw error;
        text = '';
      }
    } catch (error) {
      throw toSdkFailure(error, operation, signal, this.#timeoutMs);
    }
    if (!response.ok) throw toAuthApiError(operation, response, text, secrets);
    return {
      data: (schema && parseTokenResponse(operation, schema, response, text)) as T,
      status: response.status,
      headers: response.headers,
    };
  }
}

/** A credential header: its name and value. */
type Credential = readonly [string, string];

const bearer = (token: string): Credential => ['authorization', `Bearer ${token}`];

/** `value` when nothing is wrong; else a RequestValidationError of `issues`, or of `missing` when there is none. */
function valid<T>(operation: string, issues: readonly ValidationIssue[], value: T | undefined, missing: ValidationIssue): T {
  if (issues.length === 0 && value !== undefined) return value;
  throw new RequestValidationError(operation, issues.length > 0 ? issues : [missing]);
}

/** The call's headers with the SDK's own on top (a plain object in the common case: no Headers to build). */
function withCredential(callHeaders: HeadersInit | undefined, [name, value]: Credential): HeadersInit {
  if (callHeaders === undefined) return { accept: 'application/json', [name]: value };
  const headers = new Headers(callHeaders);
  headers.set('accept', 'application/json');
  headers.set(name, value);
  return headers;
}
