// A planted leak, run only by test/support/reporter.test.ts (its name matches no include glob of the
// project's own config): the test passes, but an SDK error it builds carries the client secret, so the
// secret sweep fails the file after the test.
import { expect, it } from 'vitest';
import { AuthSdkError } from '../../../src/errors/AuthSdkError.js';
import { CLIENT_SECRET } from '../msw.js';

it('passes, while an error it builds carries the client secret', () => {
  const error = new AuthSdkError(`upstream said: bad secret ${CLIENT_SECRET}`);
  expect(error.name).toBe('AuthSdkError');
});
