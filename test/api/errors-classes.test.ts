import { describe, expect, it } from 'vitest';
import {
  AbortError,
  AuthApiError,
  AuthSdkError,
  RequestValidationError,
  ResponseValidationError,
  SessionClosedError,
  SessionExpiredError,
  TimeoutError,
  TokenStoreError,
} from '../../src/index.js';

// The error classes as an app meets them: names and messages it can show or match, and the fields
// it reads. (How the SDK fills them from responses is tested with the operations.)

describe('AuthSdkError', () => {
  it('names itself, so a check of err.name works across bundles', () => {
    const error = new AuthSdkError('something failed');
    expect(error.name).toBe('AuthSdkError');
    expect(String(error)).toBe('AuthSdkError: something failed');
    expect(Object.hasOwn(error, 'cause')).toBe(false);
  });

  it('keeps a cause only when one is given', () => {
    const cause = new Error('root');
    expect(new AuthSdkError('x', { cause }).cause).toBe(cause);
    expect(Object.hasOwn(new AuthSdkError('x', {}), 'cause')).toBe(false);
  });
});

describe('AbortError.from', () => {
  it("takes the signal's reason as its cause", () => {
    const controller = new AbortController();
    controller.abort('navigated away');
    const error = AbortError.from('revokeToken', controller.signal);
    expect(error).toBeInstanceOf(AuthSdkError);
    expect(error).toMatchObject({ name: 'AbortError', message: 'revokeToken: aborted', cause: 'navigated away' });
  });

  it('has no cause without a signal', () => {
    const error = AbortError.from('revokeToken', undefined);
    expect(error.message).toBe('revokeToken: aborted');
    expect(Object.hasOwn(error, 'cause')).toBe(false);
  });
});

describe('AuthApiError', () => {
  it('names operation, status and code, then the server text', () => {
    const headers = new Headers({ 'x-request-id': 'req_1' });
    const error = new AuthApiError({ operation: 'revokeToken', status: 404, code: 'not_found', message: 'No such token', headers });
    expect(error.message).toBe('revokeToken: 404 not_found: No such token');
    expect(error).toMatchObject({ serverMessage: 'No such token', operation: 'revokeToken', status: 404, code: 'not_found' });
    expect(error.details).toBeUndefined();
    expect(error.retryAfter).toBeUndefined();
    expect(error.headers).toBe(headers);
  });

  it('ends at the code when the server gave no text', () => {
    const error = new AuthApiError({
      operation: 'issueShortTermToken',
      status: 429,
      code: 'rate_limited',
      message: '',
      retryAfter: 30,
      headers: new Headers(),
    });
    expect(error.message).toBe('issueShortTermToken: 429 rate_limited');
    expect(error.serverMessage).toBe('');
    expect(error.retryAfter).toBe(30);
  });
});

describe('validation errors', () => {
  it('RequestValidationError lists each issue as path: message, joined by "; "; an empty path is the message alone', () => {
    const issues = [
      { path: [], message: 'a long token is required' },
      { path: ['body', 'scopes', 0], message: 'must not be empty' },
    ];
    const error = new RequestValidationError('issueShortTermToken', issues);
    expect(error.message).toBe('issueShortTermToken: invalid request: a long token is required; body.scopes.0: must not be empty');
    expect(error.issues).toBe(issues);
  });

  it('ResponseValidationError names the status', () => {
    const error = new ResponseValidationError('issueLongTermToken', 200, [{ path: ['expires_in'], message: 'expected number' }]);
    expect(error.message).toBe('issueLongTermToken: unexpected response (HTTP 200): expires_in: expected number');
    expect(error.status).toBe(200);
  });
});

describe('the other errors', () => {
  it('say what happened and what to do', () => {
    expect(new TimeoutError('revokeToken', 250)).toMatchObject({
      name: 'TimeoutError',
      message: 'revokeToken: no response within 250 ms',
      timeoutMs: 250,
    });
    expect(new SessionClosedError()).toMatchObject({
      name: 'SessionClosedError',
      message: 'AuthSession: the session is closed (close() or revoke() was called); create a new AuthSession to get tokens again',
    });
    expect(new SessionExpiredError('sign in again')).toMatchObject({ name: 'SessionExpiredError', message: 'sign in again' });
    const cause = new Error('ECONNREFUSED');
    expect(new TokenStoreError('unavailable', 'RedisTokenStore.get failed', { cause })).toMatchObject({
      name: 'TokenStoreError',
      reason: 'unavailable',
      message: 'RedisTokenStore.get failed',
      cause,
    });
  });
});
