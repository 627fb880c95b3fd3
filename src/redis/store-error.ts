// How RedisTokenStore reports a client's failure: a TokenStoreError whose message names the error's
// kind, never its text (some clients put the command's arguments, the record, in theirs).
import { TokenStoreError } from '../errors/TokenStoreError.js';

/** The name every message of the store starts with. */
export const OWNER = 'RedisTokenStore';

/** A secret-free description of a client error: its name, its system code, a Redis error code. */
function describeError(error: unknown): string {
  if (!(error instanceof Error)) return 'a non-error rejection';
  // node-redis's errors keep the name 'Error': their class says more (ClientOfflineError, SocketClosedUnexpectedlyError).
  const name = error.name === 'Error' ? error.constructor.name : error.name;
  const parts = [/^\w{1,60}$/.test(name) ? name : 'Error'];
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && /^[A-Z][A-Z0-9_]{1,40}$/.test(code)) parts.push(code);
  const redisCode = /^([A-Z]{3,20})\b/.exec(error.message)?.[1];
  if (redisCode !== undefined && !parts.includes(redisCode)) parts.push(redisCode);
  return parts.join(' ');
}

/**
 * The client's failure as a {@link TokenStoreError} `unavailable`. No cause is kept: some clients
 * attach the command's arguments (the record) to their errors.
 */
export function storeError(error: unknown, operation: string): TokenStoreError {
  if (error instanceof TokenStoreError) return error;
  return new TokenStoreError('unavailable', `${OWNER}: Redis failed ${operation} (${describeError(error)})`);
}

/** What every call on a closed store rejects with. */
export const closedError = (): TokenStoreError => new TokenStoreError('unavailable', `${OWNER}: the store is closed`);
