// A call's own input, checked before anything is sent: its options (signal, headers, token options
// and their record and function forms), token lengths at their bounds, and the token id of a revocation.
import { HttpResponse, http } from 'msw';
import { describe, expect, it } from 'vitest';
import { AuthApi, RequestValidationError } from '../../src/index.js';
import { BASE_URL, LONG_TOKEN, onPost, SHORT_TOKEN, seen, server, shortTokenBody, useMsw } from '../support/msw.js';

useMsw();

const answerShort = () => onPost('auth/tokens/short', () => HttpResponse.json(shortTokenBody, { status: 201 }));
const answerRevoke = () => server.use(http.post(`${BASE_URL}/auth/tokens/:tokenId/revoke`, () => new HttpResponse(null, { status: 204 })));

async function refusal(call: Promise<unknown>): Promise<RequestValidationError> {
  const error = await call.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(RequestValidationError);
  expect(seen).toHaveLength(0);
  return error as RequestValidationError;
}

describe('signal', () => {
  it.each<[string, unknown]>([
    ['null', null],
    ['an empty object', {}],
    ['an object with aborted only', { aborted: false }],
    ['an object with addEventListener only', { addEventListener: () => undefined }],
    ['an object whose aborted is not a boolean', { aborted: 'no', addEventListener: () => undefined }],
    ['a function shaped like a signal', Object.assign(() => undefined, { aborted: false, addEventListener: () => undefined })],
  ])('refuses %s', async (_name, signal) => {
    const error = await refusal(
      new AuthApi({ baseUrl: BASE_URL, longToken: LONG_TOKEN }).issueShortTermToken(undefined, { signal } as never),
    );
    expect(error.issues).toEqual([{ path: ['options', 'signal'], message: 'expected an AbortSignal' }]);
  });

  it('takes a real AbortSignal', async () => {
    answerShort();
    const token = await new AuthApi({ baseUrl: BASE_URL, longToken: LONG_TOKEN }).issueShortTermToken(undefined, {
      signal: new AbortController().signal,
    });
    expect(token.access_token).toBe(SHORT_TOKEN);
  });
});

describe('headers', () => {
  it('refuses null headers', async () => {
    const error = await refusal(new AuthApi({ baseUrl: BASE_URL, longToken: LONG_TOKEN }).revokeToken('tok_1', { headers: null } as never));
    expect(error.issues).toEqual([{ path: ['options', 'headers'], message: 'expected a Headers object, a record or an array of pairs' }]);
  });
});

describe('token options by name', () => {
  it('refuses a clientId function: only tokens may be functions', async () => {
    const error = await refusal(
      new AuthApi({ baseUrl: BASE_URL }).issueLongTermToken(
        { grant_type: 'client_credentials', client_id: 'c2m_abc123', client_secret: 'supersecret123' },
        { clientId: (() => 'c2m_abc123') as never },
      ),
    );
    expect(error.issues).toEqual([{ path: ['options', 'clientId'], message: 'expected string, got function' }]);
  });

  it('refuses a clientId in the record form, which only long tokens have', async () => {
    const error = await refusal(
      new AuthApi({ baseUrl: BASE_URL }).issueLongTermToken(
        { grant_type: 'client_credentials', client_id: 'c2m_abc123', client_secret: 'supersecret123' },
        { clientId: { access_token: 'c2m_abc123' } as never },
      ),
    );
    expect(error.issues).toEqual([{ path: ['options', 'clientId'], message: 'expected string, got object' }]);
  });

  it('refuses a short token in the record form, which only long tokens have', async () => {
    const error = await refusal(
      new AuthApi({ baseUrl: BASE_URL }).revokeToken('tok_1', { shortToken: { access_token: SHORT_TOKEN } as never }),
    );
    expect(error.issues).toEqual([{ path: ['options', 'shortToken'], message: 'expected string, got object' }]);
  });

  it('refuses a short token function returning the record form', async () => {
    const error = await refusal(
      new AuthApi({ baseUrl: BASE_URL }).revokeToken('tok_1', { shortToken: (() => ({ access_token: SHORT_TOKEN })) as never }),
    );
    expect(error.issues).toEqual([{ path: ['options', 'shortToken'], message: 'expected string, got object' }]);
  });

  it.each<['shortToken' | 'longToken']>([['shortToken'], ['longToken']])(
    'turns a %s function that throws into a RequestValidationError with the cause',
    async (name) => {
      const failure = new Error('vault unreachable');
      const error = await refusal(
        new AuthApi({ baseUrl: BASE_URL }).revokeToken('tok_1', {
          [name]: () => {
            throw failure;
          },
        }),
      );
      expect(error.issues).toEqual([{ path: ['options', name], message: 'the token function threw' }]);
      expect(error.cause).toBe(failure);
    },
  );
});

describe('the long token record form', () => {
  it('takes a record without expires_at or token_id', async () => {
    answerShort();
    await new AuthApi({ baseUrl: BASE_URL }).issueShortTermToken(undefined, { longToken: { access_token: LONG_TOKEN } });
    expect(seen[0]?.headers.authorization).toBe(`Bearer ${LONG_TOKEN}`);
  });

  it.each<[string, Record<string, unknown>, RequestValidationError['issues'][number]]>([
    [
      'an expires_at that only reads as a date',
      { access_token: LONG_TOKEN, expires_at: ['2026-12-01T00:00:00Z'] },
      { path: ['options', 'longToken', 'expires_at'], message: 'must be an ISO 8601 date-time such as 2026-12-01T00:00:00Z' },
    ],
    [
      'an expires_at that is a String object, not a string',
      { access_token: LONG_TOKEN, expires_at: new String('2026-12-01T00:00:00Z') },
      { path: ['options', 'longToken', 'expires_at'], message: 'must be an ISO 8601 date-time such as 2026-12-01T00:00:00Z' },
    ],
    [
      'an empty token_id',
      { access_token: LONG_TOKEN, token_id: '' },
      { path: ['options', 'longToken', 'token_id'], message: 'must be a non-empty string' },
    ],
    [
      'a numeric token_id',
      { access_token: LONG_TOKEN, token_id: 7 },
      { path: ['options', 'longToken', 'token_id'], message: 'must be a non-empty string' },
    ],
    [
      'a numeric access_token',
      { access_token: 7, token_id: 'tok_lt_1' },
      { path: ['options', 'longToken', 'access_token'], message: 'expected string, got number' },
    ],
  ])('refuses %s, naming the field', async (_name, record, issue) => {
    const error = await refusal(new AuthApi({ baseUrl: BASE_URL }).issueShortTermToken(undefined, { longToken: record as never }));
    expect(error.issues).toEqual([issue]);
  });

  it('refuses such a record in the constructor too', () => {
    expect(() => new AuthApi({ baseUrl: BASE_URL, longToken: { access_token: LONG_TOKEN, token_id: '' } })).toThrow(
      /^AuthApi: option "longToken" must be a token string/,
    );
  });
});

describe('token length', () => {
  it('sends a long token of exactly 16384 characters', async () => {
    answerShort();
    const longest = `lt_${'a'.repeat(16_381)}`;
    await new AuthApi({ baseUrl: BASE_URL, longToken: longest }).issueShortTermToken();
    expect(seen[0]?.headers.authorization).toBe(`Bearer ${longest}`);
  });

  it('refuses one character more', async () => {
    const error = await refusal(
      new AuthApi({ baseUrl: BASE_URL }).issueShortTermToken(undefined, { longToken: `lt_${'a'.repeat(16_382)}` }),
    );
    expect(error.issues).toEqual([{ path: ['options', 'longToken'], message: 'must be at most 16384 characters' }]);
  });
});

describe('token id', () => {
  it('revokes a token id of exactly 1024 characters', async () => {
    answerRevoke();
    const longest = `tok_${'b'.repeat(1020)}`;
    await new AuthApi({ baseUrl: BASE_URL, longToken: LONG_TOKEN }).revokeToken(longest);
    expect(seen.map((request) => request.url)).toEqual([`${BASE_URL}/auth/tokens/${longest}/revoke`]);
  });

  it('refuses one character more', async () => {
    const error = await refusal(new AuthApi({ baseUrl: BASE_URL, longToken: LONG_TOKEN }).revokeToken(`tok_${'b'.repeat(1021)}`));
    expect(error.issues).toEqual([{ path: ['tokenId'], message: 'must be at most 1024 characters' }]);
  });

  it.each(['.', '..'])('refuses the dot segment %j, which would revoke another path', async (tokenId) => {
    const error = await refusal(new AuthApi({ baseUrl: BASE_URL, longToken: LONG_TOKEN }).revokeToken(tokenId));
    expect(error.issues).toEqual([{ path: ['tokenId'], message: 'must not be a dot segment' }]);
  });

  it('revokes an id made of dots and more', async () => {
    answerRevoke();
    await new AuthApi({ baseUrl: BASE_URL, longToken: LONG_TOKEN }).revokeToken('...');
    expect(seen.map((request) => request.url)).toEqual([`${BASE_URL}/auth/tokens/.../revoke`]);
  });
});
