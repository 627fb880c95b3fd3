import type * as core from 'zod/v4/core';
import { ResponseValidationError } from '../errors/ResponseValidationError.js';
import { safeParse } from '../schemas.js';
import { toIssues } from './validation.js';

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\b/i;

/**
 * Turns a success response into a validated token: a body that is empty, not JSON, of another content
 * type or off the schema becomes a ResponseValidationError. Returns the parsed body itself, so fields
 * the SDK does not know are kept.
 */
export function parseTokenResponse<T>(operation: string, schema: core.$ZodType<T>, response: Response, text: string): T {
  const fail = (message: string): never => {
    throw new ResponseValidationError(operation, response.status, [{ path: [], message }]);
  };
  // Headers hands values out with surrounding whitespace already stripped.
  const contentType = response.headers.get('content-type');
  if (contentType !== null && !JSON_TYPE.test(contentType))
    fail(`expected a JSON body, got content type ${JSON.stringify(contentType.split(';')[0]?.trim())}`);
  if (text.trim() === '') fail('empty body');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    // The parser's message quotes the body, which may hold a token: it is not kept.
    fail('body is not valid JSON');
  }
  const result = safeParse(schema, json);
  if (!result.success) throw new ResponseValidationError(operation, response.status, toIssues(result.error.issues, []));
  return json as T;
}
