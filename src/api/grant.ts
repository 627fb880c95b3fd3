import type { ValidationIssue } from '../errors/RequestValidationError.js';
import type { LongTokenRequest } from '../types.js';

/** Whether the body names a step-up mechanism of its own (secret, OTP code or assertion). */
export function namesMechanism(body: LongTokenRequest): boolean {
  return (
    body.client_secret !== undefined || body.otp_code !== undefined || body.assertion !== undefined || body.assertion_type !== undefined
  );
}

/**
 * The contract's step-up rule: exactly one mechanism per call. `client_credentials` takes exactly one
 * of `client_secret` or `otp_code`, or none when a short token (`tokens:write`) authorises the call;
 * `assertion` takes `assertion_type` and `assertion`; nothing is mixed.
 */
export function grantIssues(body: LongTokenRequest, authorisedByShortToken: boolean): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const add = (field: string, message: string): void => {
    issues.push({ path: field === '' ? ['body'] : ['body', field], message });
  };
  const hasSecret = body.client_secret !== undefined;
  const hasOtp = body.otp_code !== undefined;

  if (body.grant_type === 'client_credentials') {
    if (body.assertion !== undefined) add('assertion', 'belongs to grant_type "assertion"');
    if (body.assertion_type !== undefined) add('assertion_type', 'belongs to grant_type "assertion"');
    if (authorisedByShortToken) {
      if (hasSecret || hasOtp) add('', 'a short token authorises this call: send no client_secret or otp_code with it');
    } else if (hasSecret && hasOtp) {
      add('', 'client_credentials takes client_secret or otp_code, not both');
    } else if (!hasSecret && !hasOtp) {
      add('', 'client_credentials needs client_secret or otp_code (or a short token holding tokens:write)');
    }
    return issues;
  }

  if (hasSecret) add('client_secret', 'belongs to grant_type "client_credentials"');
  if (hasOtp) add('otp_code', 'belongs to grant_type "client_credentials"');
  if (body.assertion_type === undefined) add('assertion_type', 'is required with grant_type "assertion"');
  if (body.assertion === undefined) add('assertion', 'is required with grant_type "assertion"');
  if (authorisedByShortToken) add('', 'an assertion and a short token are two mechanisms: send one');
  return issues;
}
