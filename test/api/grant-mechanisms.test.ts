// The step-up rule of issueLongTermToken: one mechanism per call. A body naming its own mechanism is
// not authorised by the constructor's short token; anything mixed or missing is refused, by field,
// before anything is sent.
import { HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { AuthApi, type LongTokenRequest, RequestValidationError } from '../../src/index.js';
import { ASSERTION, BASE_URL, CLIENT_SECRET, longTokenBody, OTP_CODE, onPost, SHORT_TOKEN, seen, useMsw } from '../support/msw.js';

useMsw();

const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const withCtorShortToken = () => new AuthApi({ baseUrl: BASE_URL, shortToken: SHORT_TOKEN });

async function issuesOf(call: Promise<unknown>): Promise<RequestValidationError['issues']> {
  const error = await call.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(RequestValidationError);
  expect(seen).toHaveLength(0);
  return (error as RequestValidationError).issues;
}

describe('a body naming its own mechanism, with a short token in the constructor', () => {
  it.each<[string, Partial<LongTokenRequest>]>([
    ['client_secret', { client_secret: CLIENT_SECRET }],
    ['otp_code', { otp_code: OTP_CODE }],
  ])('sends %s with X-Client-Id, not the constructor short token', async (_name, mechanism) => {
    onPost('auth/tokens/long', () => HttpResponse.json(longTokenBody, { status: 201 }));
    const token = await withCtorShortToken().issueLongTermToken({
      grant_type: 'client_credentials',
      client_id: 'c2m_abc123',
      ...mechanism,
    });
    expect(token.token_id).toBe('tok_lt_b8e0aa');
    expect(seen).toHaveLength(1);
    expect(seen[0]?.headers['x-client-id']).toBe('c2m_abc123');
    expect(seen[0]?.headers.authorization).toBeUndefined();
  });

  it('sends a complete assertion grant with X-Client-Id', async () => {
    onPost('auth/tokens/long', () => HttpResponse.json(longTokenBody, { status: 201 }));
    await withCtorShortToken().issueLongTermToken({
      grant_type: 'assertion',
      client_id: 'c2m_abc123',
      assertion_type: ASSERTION_TYPE,
      assertion: ASSERTION,
    });
    expect(seen).toHaveLength(1);
    expect(seen[0]?.headers['x-client-id']).toBe('c2m_abc123');
    expect(seen[0]?.headers.authorization).toBeUndefined();
  });

  it('reports only the missing assertion_type of an assertion grant, not a mix with the short token', async () => {
    const issues = await issuesOf(
      withCtorShortToken().issueLongTermToken({ grant_type: 'assertion', client_id: 'c2m_abc123', assertion: ASSERTION }),
    );
    expect(issues).toEqual([{ path: ['body', 'assertion_type'], message: 'is required with grant_type "assertion"' }]);
  });

  it('reports only the missing assertion of an assertion grant, not a mix with the short token', async () => {
    const issues = await issuesOf(
      withCtorShortToken().issueLongTermToken({ grant_type: 'assertion', client_id: 'c2m_abc123', assertion_type: ASSERTION_TYPE }),
    );
    expect(issues).toEqual([{ path: ['body', 'assertion'], message: 'is required with grant_type "assertion"' }]);
  });
});

describe('fields of the other grant', () => {
  it('refuses an assertion_type with client_credentials', async () => {
    const issues = await issuesOf(
      new AuthApi({ baseUrl: BASE_URL }).issueLongTermToken({
        grant_type: 'client_credentials',
        client_id: 'c2m_abc123',
        client_secret: CLIENT_SECRET,
        assertion_type: ASSERTION_TYPE,
      }),
    );
    expect(issues).toEqual([{ path: ['body', 'assertion_type'], message: 'belongs to grant_type "assertion"' }]);
  });

  it('refuses an assertion with client_credentials', async () => {
    const issues = await issuesOf(
      new AuthApi({ baseUrl: BASE_URL }).issueLongTermToken({
        grant_type: 'client_credentials',
        client_id: 'c2m_abc123',
        otp_code: OTP_CODE,
        assertion: ASSERTION,
      }),
    );
    expect(issues).toEqual([{ path: ['body', 'assertion'], message: 'belongs to grant_type "assertion"' }]);
  });

  it.each<[string, Partial<LongTokenRequest>]>([
    ['client_secret', { client_secret: CLIENT_SECRET }],
    ['otp_code', { otp_code: OTP_CODE }],
  ])('refuses a %s with the assertion grant', async (field, extra) => {
    const issues = await issuesOf(
      new AuthApi({ baseUrl: BASE_URL }).issueLongTermToken({
        grant_type: 'assertion',
        client_id: 'c2m_abc123',
        assertion_type: ASSERTION_TYPE,
        assertion: ASSERTION,
        ...extra,
      }),
    );
    expect(issues).toEqual([{ path: ['body', field], message: 'belongs to grant_type "client_credentials"' }]);
  });

  it('lists every problem of an empty assertion grant at once', async () => {
    const issues = await issuesOf(
      new AuthApi({ baseUrl: BASE_URL }).issueLongTermToken({ grant_type: 'assertion', client_id: 'c2m_abc123' }),
    );
    expect(issues).toEqual([
      { path: ['body', 'assertion_type'], message: 'is required with grant_type "assertion"' },
      { path: ['body', 'assertion'], message: 'is required with grant_type "assertion"' },
    ]);
  });
});

describe('two mechanisms at once', () => {
  it('refuses an assertion grant with a short token in the call', async () => {
    const issues = await issuesOf(
      new AuthApi({ baseUrl: BASE_URL }).issueLongTermToken(
        { grant_type: 'assertion', client_id: 'c2m_abc123', assertion_type: ASSERTION_TYPE, assertion: ASSERTION },
        { shortToken: SHORT_TOKEN },
      ),
    );
    expect(issues).toEqual([{ path: ['body'], message: 'an assertion and a short token are two mechanisms: send one' }]);
  });

  it('refuses a client secret with a short token in the call', async () => {
    const issues = await issuesOf(
      new AuthApi({ baseUrl: BASE_URL }).issueLongTermToken(
        { grant_type: 'client_credentials', client_id: 'c2m_abc123', client_secret: CLIENT_SECRET },
        { shortToken: SHORT_TOKEN },
      ),
    );
    expect(issues).toEqual([{ path: ['body'], message: 'a short token authorises this call: send no client_secret or otp_code with it' }]);
  });
});
