import { inspect } from 'node:util';
import { HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import {
  AbortError,
  AuthApi,
  AuthApiError,
  AuthSdkError,
  NetworkError,
  RequestValidationError,
  ResponseValidationError,
  TimeoutError,
} from '../../src/index.js';
import { ASSERTION, BASE_URL, CLIENT_SECRET, LONG_TOKEN, OTP_CODE, onPost, SHORT_TOKEN, useMsw } from '../support/msw.js';

useMsw();

const SECRETS = [CLIENT_SECRET, OTP_CODE, ASSERTION, LONG_TOKEN, SHORT_TOKEN];

/** Everything a log line could show of an error. */
function everyRendering(error: unknown): string {
  return [String(error), JSON.stringify(error), inspect(error, { depth: 10, showHidden: true }), (error as Error).stack].join('\n');
}

function expectNoSecret(error: unknown): void {
  const text = everyRendering(error);
  for (const secret of SECRETS) expect(text).not.toContain(secret);
}

describe('error classes', () => {
  it('all derive from AuthSdkError and name themselves with a literal', () => {
    const errors = [
      new AuthApiError({ operation: 'op', status: 400, code: 'c', message: 'm', headers: new Headers() }),
      new RequestValidationError('op', []),
      new ResponseValidationError('op', 201, []),
      new NetworkError('op: network error'),
      new TimeoutError('op', 1),
      new AbortError('op: aborted'),
    ];
    expect(errors.map((error) => error instanceof AuthSdkError && error instanceof Error)).toEqual([true, true, true, true, true, true]);
    expect(errors.map((error) => error.name)).toEqual([
      'AuthApiError',
      'RequestValidationError',
      'ResponseValidationError',
      'NetworkError',
      'TimeoutError',
      'AbortError',
    ]);
  });
});

describe('AuthApiError from an error response', () => {
  const api = () => new AuthApi({ baseUrl: BASE_URL, longToken: LONG_TOKEN });

  it('derives code and message from the status when the body is HTML', async () => {
    onPost('auth/tokens/short', () =>
      HttpResponse.html('<html><h1>502 Bad Gateway</h1></html>', { status: 502, statusText: 'Bad Gateway' }),
    );
    await expect(api().issueShortTermToken()).rejects.toMatchObject({
      status: 502,
      code: 'bad_gateway',
      message: 'issueShortTermToken: 502 bad_gateway: Bad Gateway',
    });
  });

  it('keeps a short plain-text body in the message', async () => {
    onPost('auth/tokens/short', () => new HttpResponse('upstream down', { status: 503, statusText: 'Service Unavailable' }));
    await expect(api().issueShortTermToken()).rejects.toMatchObject({
      code: 'service_unavailable',
      message: 'issueShortTermToken: 503 service_unavailable: upstream down',
      serverMessage: 'upstream down',
    });
  });

  it('reads an empty body as the status alone', async () => {
    onPost('auth/tokens/short', () => new HttpResponse(null, { status: 401 }));
    await expect(api().issueShortTermToken()).rejects.toMatchObject({
      code: 'unauthorized',
      message: 'issueShortTermToken: 401 unauthorized: Unauthorized',
      details: undefined,
    });
  });

  it('reads an OAuth-style body from a gateway', async () => {
    onPost('auth/tokens/short', () => HttpResponse.json({ error: 'invalid_client', error_description: 'Client unknown' }, { status: 401 }));
    await expect(api().issueShortTermToken()).rejects.toMatchObject({
      code: 'invalid_client',
      message: 'issueShortTermToken: 401 invalid_client: Client unknown',
    });
  });

  it('gives an unknown status a code of its own', async () => {
    onPost('auth/tokens/short', () => new HttpResponse(null, { status: 418 }));
    await expect(api().issueShortTermToken()).rejects.toMatchObject({ code: 'http_418' });
  });

  it('carries Retry-After and the headers', async () => {
    onPost('auth/tokens/short', () =>
      HttpResponse.json(
        { code: 'rate_limited', message: 'slow down' },
        { status: 429, headers: { 'Retry-After': '7200', 'X-Request-Id': 'req_1' } },
      ),
    );
    const error = (await api()
      .issueShortTermToken()
      .catch((caught: unknown) => caught)) as AuthApiError;
    expect(error.retryAfter).toBe(7200);
    expect(error.headers.get('x-request-id')).toBe('req_1');
  });
});

describe('no secret in any error', () => {
  it('masks a secret the server echoes in message, code and details', async () => {
    onPost('auth/tokens/long', () =>
      HttpResponse.json(
        {
          code: `bad_${CLIENT_SECRET}`,
          message: `secret ${CLIENT_SECRET} is wrong`,
          details: { tried: [CLIENT_SECRET], [CLIENT_SECRET]: 1 },
        },
        { status: 400 },
      ),
    );
    const error = (await new AuthApi({ baseUrl: BASE_URL })
      .issueLongTermToken({ grant_type: 'client_credentials', client_id: 'c2m_abc123', client_secret: CLIENT_SECRET })
      .catch((caught: unknown) => caught)) as AuthApiError;
    expect(error.message).toBe('issueLongTermToken: 400 bad_[REDACTED]: secret [REDACTED] is wrong');
    expect(error.serverMessage).toBe('secret [REDACTED] is wrong');
    expect(error.code).toBe('bad_[REDACTED]');
    expect(error.details).toEqual({ tried: ['[REDACTED]'], '[REDACTED]': 1 });
    expectNoSecret(error);
  });

  it('masks a secret of exactly four characters, the shortest it masks', async () => {
    onPost('auth/tokens/long', () => HttpResponse.json({ code: 'invalid_grant', message: 'code 4821 was used' }, { status: 400 }));
    const error = (await new AuthApi({ baseUrl: BASE_URL })
      .issueLongTermToken({ grant_type: 'client_credentials', client_id: 'c2m_abc123', otp_code: '4821' })
      .catch((caught: unknown) => caught)) as AuthApiError;
    expect(error.serverMessage).toBe('code [REDACTED] was used');
    expect(error.message).toBe('issueLongTermToken: 400 invalid_grant: code [REDACTED] was used');
  });

  it('masks an echoed token in a plain-text body', async () => {
    onPost('auth/tokens/short', () => new HttpResponse(`token ${LONG_TOKEN} revoked`, { status: 401 }));
    const error = await new AuthApi({ baseUrl: BASE_URL, longToken: LONG_TOKEN }).issueShortTermToken().catch((caught: unknown) => caught);
    expect((error as Error).message).toBe('issueShortTermToken: 401 unauthorized: token [REDACTED] revoked');
    expectNoSecret(error);
  });

  it('shows no secret or token in validation, network, timeout or abort errors', async () => {
    const errors: unknown[] = [];
    const api = new AuthApi({ baseUrl: BASE_URL, longToken: LONG_TOKEN, shortToken: SHORT_TOKEN });
    errors.push(
      await api
        .issueLongTermToken({
          grant_type: 'assertion',
          client_id: 'c2m_abc123',
          assertion: ASSERTION,
          otp_code: OTP_CODE,
          client_secret: CLIENT_SECRET,
        })
        .catch((caught: unknown) => caught),
    );
    errors.push(await api.issueShortTermToken({ long_token: 5 } as never).catch((caught: unknown) => caught));
    onPost('auth/tokens/short', () => HttpResponse.error());
    errors.push(await api.issueShortTermToken().catch((caught: unknown) => caught));
    const controller = new AbortController();
    controller.abort();
    errors.push(await api.revokeToken('tok_1', { signal: controller.signal }).catch((caught: unknown) => caught));
    expect(errors.map((error) => (error as Error).name)).toEqual([
      'RequestValidationError',
      'RequestValidationError',
      'NetworkError',
      'AbortError',
    ]);
    for (const error of errors) expectNoSecret(error);
  });

  it('shows no credential when an AuthApi is inspected or serialised', () => {
    const api = new AuthApi({ baseUrl: BASE_URL, longToken: LONG_TOKEN, shortToken: SHORT_TOKEN, clientId: 'c2m_abc123' });
    const text = `${inspect(api, { depth: 10, showHidden: true })}${JSON.stringify(api)}`;
    for (const secret of SECRETS) expect(text).not.toContain(secret);
  });
});
