import { HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { AuthApi, ResponseValidationError } from '../../src/index.js';
import { BASE_URL, LONG_TOKEN, onPost, shortTokenBody, useMsw } from '../support/msw.js';

// Which success responses are read as a token: the JSON content types, and the bodies refused with
// a ResponseValidationError that says why.

useMsw();

const api = () => new AuthApi({ baseUrl: BASE_URL, longToken: LONG_TOKEN });
const text = JSON.stringify(shortTokenBody);

async function refusal(body: string, contentType: string): Promise<ResponseValidationError> {
  onPost('auth/tokens/short', () => new HttpResponse(body, { status: 201, headers: { 'content-type': contentType } }));
  const error = await api()
    .issueShortTermToken()
    .catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(ResponseValidationError);
  return error as ResponseValidationError;
}

describe('content types read as JSON', () => {
  it.each([
    'application/json',
    'application/json; charset=utf-8',
    'Application/JSON',
    'application/vnd.api+json',
    'application/vnd.c2m.auth-v2+json; charset=utf-8',
    'application/problem+json',
  ])('%s', async (contentType) => {
    onPost('auth/tokens/short', () => new HttpResponse(text, { status: 201, headers: { 'content-type': contentType } }));
    await expect(api().issueShortTermToken()).resolves.toEqual(shortTokenBody);
  });
});

describe('content types refused, naming the type without its parameters', () => {
  it.each([
    ['text/plain; format=application/json', 'text/plain'],
    ['text/html ; charset=utf-8', 'text/html'],
    ['text/application/json', 'text/application/json'],
    ['application/jsonp', 'application/jsonp'],
    ['application/+json', 'application/+json'],
  ])('%s', async (contentType, named) => {
    const error = await refusal(text, contentType);
    expect(error.status).toBe(201);
    expect(error.issues).toEqual([{ path: [], message: `expected a JSON body, got content type "${named}"` }]);
    expect(error.message).toBe(`issueShortTermToken: unexpected response (HTTP 201): expected a JSON body, got content type "${named}"`);
  });
});

describe('bodies refused', () => {
  it.each([
    ['empty', ''],
    ['only whitespace', ' \n\t '],
  ])('an %s body is "empty body"', async (_kind, body) => {
    const error = await refusal(body, 'application/json');
    expect(error.issues).toEqual([{ path: [], message: 'empty body' }]);
    expect(error.message).toBe('issueShortTermToken: unexpected response (HTTP 201): empty body');
  });

  it('a body that is not JSON, without quoting it', async () => {
    const error = await refusal(`{"access_token": "${LONG_TOKEN}"`, 'application/json');
    expect(error.issues).toEqual([{ path: [], message: 'body is not valid JSON' }]);
  });

  it('a token missing its fields lists every field, joined by "; "', async () => {
    const error = await refusal('{"token_type": "Bearer"}', 'application/json');
    expect(error.issues.map((issue) => issue.path)).toEqual([['access_token'], ['expires_in'], ['expires_at']]);
    expect(error.message).toBe(
      'issueShortTermToken: unexpected response (HTTP 201): access_token: expected string; expires_in: expected number; expires_at: expected string',
    );
  });
});
