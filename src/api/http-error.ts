import { AuthApiError } from '../errors/AuthApiError.js';
import { authErrorSchema, safeParse } from '../schemas.js';
import { maskSecrets, maskSecretsDeep } from './redact.js';
import { parseRetryAfterSeconds } from './retry.js';

const CODE_BY_STATUS: Readonly<Record<number, string>> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  408: 'request_timeout',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  422: 'unprocessable_entity',
  429: 'rate_limited',
  502: 'bad_gateway',
  503: 'service_unavailable',
  504: 'gateway_timeout',
};

/**
 * The error code a status stands for when the body gives none, e.g. 429 → `rate_limited`; a redirect
 * (3xx, or 0 for a browser's opaque redirect) → `unexpected_redirect`.
 */
export function codeForStatus(status: number): string {
  // The statuses under 400 that are not ok: a fetch never ends in 1xx, and a Response cannot hold one.
  if (status < 400) return 'unexpected_redirect';
  return CODE_BY_STATUS[status] ?? (status >= 500 ? 'server_error' : `http_${status}`);
}

interface ErrorBody {
  code?: string | undefined;
  message?: string | undefined;
  details?: Record<string, unknown> | undefined;
}

/** A short plain-text body (not HTML, not JSON) says something worth keeping in the message. */
function plainTextSnippet(text: string): string | undefined {
  const trimmed = text.trim();
  if (trimmed === '' || trimmed.length > 200 || /^[<{[]/.test(trimmed)) return undefined;
  return trimmed;
}

/**
 * What an error body says: the fields of an AuthError body or of an OAuth-style one, the text of a
 * short plain-text body, or nothing (HTML, empty, JSON of another shape).
 */
function readErrorBody(text: string): ErrorBody {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { message: plainTextSnippet(text) };
  }
  const parsed = safeParse(authErrorSchema, json);
  if (parsed.success) return parsed.data;
  // OAuth-style bodies ({ error, error_description }) from gateways in front of the API.
  // JSON.parse gives no undefined, and reading a property of any other primitive gives undefined.
  const oauth = json as { error?: unknown; error_description?: unknown } | null;
  if (oauth !== null && typeof oauth.error === 'string') {
    return {
      code: oauth.error,
      message: typeof oauth.error_description === 'string' ? oauth.error_description : oauth.error,
    };
  }
  return {};
}

/**
 * Builds the AuthApiError for an HTTP error response from its body text, masking the call's secrets
 * wherever the server echoed them.
 */
export function toAuthApiError(operation: string, response: Response, text: string, secrets: readonly string[]): AuthApiError {
  const body = readErrorBody(text);
  const message = body.message ?? response.statusText;
  return new AuthApiError({
    operation,
    status: response.status,
    code: maskSecrets(body.code ?? codeForStatus(response.status), secrets),
    message: maskSecrets(message, secrets),
    details: maskSecretsDeep(body.details, secrets) as Record<string, unknown> | undefined,
    retryAfter: parseRetryAfterSeconds(response.headers.get('retry-after'), Date.now()),
    headers: response.headers,
  });
}
