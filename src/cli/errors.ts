import { AuthApiError } from '../errors/AuthApiError.js';
import { AuthSdkError } from '../errors/AuthSdkError.js';
import { NetworkError } from '../errors/NetworkError.js';
import { RequestValidationError } from '../errors/RequestValidationError.js';
import { SessionExpiredError } from '../errors/SessionExpiredError.js';
import { TimeoutError } from '../errors/TimeoutError.js';

/** A bad command, option or value: nothing was sent. */
export class UsageError extends AuthSdkError {
  override name = 'UsageError' as const;
}

/** The profile has no usable long token, and no credentials in the environment can issue one. */
export class NotLoggedInError extends AuthSdkError {
  override name = 'NotLoggedInError' as const;
}

/** The user pressed Ctrl-C at a prompt. */
export class InterruptedError extends AuthSdkError {
  override name = 'InterruptedError' as const;
}

/** The exit codes, as `--help` lists them. */
export const EXIT = {
  ok: 0,
  failure: 1,
  usage: 2,
  notLoggedIn: 3,
  refused: 4,
  network: 5,
  interrupted: 130,
} as const;

/** What a failure is reported with: the exit code and the one line for stderr. */
export interface Failure {
  readonly exitCode: number;
  readonly line: string;
}

/** Where the failure happened, for the advice: the command and the profile. */
export interface FailureContext {
  readonly command: string | undefined;
  /** Undefined when the command line did not parse. */
  readonly profile: string | undefined;
}

const loginCommand = (profile: string | undefined) =>
  `run c2m-auth login${profile === undefined || profile === 'default' ? '' : ` --profile ${profile}`}`;

function refusedAdvice(error: AuthApiError, context: FailureContext): string {
  if (error.status === 429) return error.retryAfter === undefined ? 'wait, then try again' : `wait ${error.retryAfter} s, then try again`;
  if (error.status >= 500) return 'the server failed: try again later';
  if (error.operation === 'issueLongTermToken') return 'check the client id and the credentials, then try again';
  return loginCommand(context.profile);
}

/** The exit code and the advice for `error`; the message is the error's own (the SDK's are free of secrets). */
function classify(error: unknown, context: FailureContext): { exitCode: number; advice: string } {
  if (error instanceof UsageError || error instanceof RequestValidationError)
    return { exitCode: EXIT.usage, advice: `see c2m-auth ${context.command === undefined ? '' : `${context.command} `}--help` };
  if (error instanceof NotLoggedInError || error instanceof SessionExpiredError)
    return { exitCode: EXIT.notLoggedIn, advice: loginCommand(context.profile) };
  if (error instanceof AuthApiError) return { exitCode: EXIT.refused, advice: refusedAdvice(error, context) };
  if (error instanceof NetworkError || error instanceof TimeoutError)
    return { exitCode: EXIT.network, advice: 'check the network and the base URL, then try again' };
  if (error instanceof InterruptedError) return { exitCode: EXIT.interrupted, advice: 'nothing was changed' };
  const name = error instanceof Error ? error.name : '';
  if (name === 'TokenStoreError' || name === 'CorruptTokenFileError')
    return { exitCode: EXIT.failure, advice: 'check the token file, or give another with --store PATH' };
  return { exitCode: EXIT.failure, advice: 'report it at https://github.com/c2m-auth/c2m-auth/issues' };
}

/**
 * The report of a failure: `c2m-auth: <ErrorClass>: <message>; <what to do>` on one line, and the
 * exit code (2 usage, 3 not logged in or expired, 4 server refused, 5 network, 1 anything else).
 */
export function failureOf(error: unknown, context: FailureContext): Failure {
  const { exitCode, advice } = classify(error, context);
  const name = error instanceof Error ? error.name : 'Error';
  const message = error instanceof Error ? error.message : 'an unexpected value was thrown';
  return { exitCode, line: `c2m-auth: ${name}: ${message.replace(/\s*\n\s*/g, ' ')}; ${advice}\n` };
}
