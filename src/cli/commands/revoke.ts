import { randomBytes } from 'node:crypto';
import type { AuthApi } from '../../api/AuthApi.js';
import { AuthApiError } from '../../errors/AuthApiError.js';
import { apiFor, type CommandContext } from '../context.js';
import { NotLoggedInError, UsageError } from '../errors.js';
import { readProfile } from '../files.js';
import type { CliTokenRecord } from '../scoped-store.js';

/** Which tokens `revoke` revokes. */
export type RevokeWhat = 'short' | 'long' | 'all';

/**
 * What became of one token: revoked now, already refused by the server (401, 404), without an id to
 * revoke, or (a token `login` replaced) not revoked because the request failed.
 */
type Outcome = 'revoked' | 'already_invalid' | 'no_id' | 'failed';

/** One token `revoke` (or `login`, for the token it replaced) tried to revoke, and what became of it. */
export interface Revoked {
  readonly kind: 'short' | 'long';
  readonly tokenId: string | null;
  readonly outcome: Outcome;
}

const SAYS: Readonly<Record<Outcome, string>> = {
  revoked: 'revoked',
  already_invalid: 'was already revoked or expired',
  no_id: 'has no id to revoke: forgotten here only',
  failed: 'could not be revoked',
};

/** The line that says what became of `entry`. */
export const revokedLine = (entry: Revoked): string => `${entry.kind} token ${entry.tokenId ?? '(no id)'} ${SAYS[entry.outcome]}\n`;

/** `--short`, `--long` or `--all` (the default); two of them are a usage error. */
export function revokeWhat(context: CommandContext): RevokeWhat {
  const given = (['short', 'long', 'all'] as const).filter((what) => context.line.flag(what));
  if (given.length > 1) throw new UsageError('give one of --short, --long and --all');
  return given[0] ?? 'all';
}

/** Revokes one token authorised by `longToken`; 401 and 404 count as already gone, other failures throw. */
export async function revokeOne(api: AuthApi, kind: 'short' | 'long', tokenId: string | undefined, longToken: string): Promise<Revoked> {
  if (tokenId === undefined) return { kind, tokenId: null, outcome: 'no_id' };
  try {
    await api.revokeToken(tokenId, { longToken });
    return { kind, tokenId, outcome: 'revoked' };
  } catch (error) {
    // 404: unknown or already gone; 401: the long token is expired or revoked, and its short tokens with it.
    if (error instanceof AuthApiError && (error.status === 404 || error.status === 401))
      return { kind, tokenId, outcome: 'already_invalid' };
    throw error;
  }
}

/**
 * `c2m-auth revoke` and `logout`: revokes the profile's tokens on the server (authorised by the long
 * token), then forgets them: `--short` the cached short token only, `--long` and `--all` the whole
 * record. A failure other than 401 or 404 leaves the record as it was, so the command can be run again.
 */
export async function revoke(context: CommandContext, what: RevokeWhat): Promise<void> {
  const { io, profile, store, key } = context;
  const record: CliTokenRecord | undefined = await store.get(key);
  if (record === undefined) {
    context.print(`profile ${profile} is not logged in: nothing to revoke\n`, { profile, revoked: [], loggedIn: false });
    return;
  }
  const saved = await readProfile(context.profilesFile, profile);
  if (saved === undefined) throw new NotLoggedInError(`profile ${profile} has no base URL in ${context.profilesFile}`);
  const api = apiFor(saved.baseUrl, io);
  const revoked: Revoked[] = [];
  const short = record.shortToken;
  if (what !== 'long' && short !== undefined) revoked.push(await revokeOne(api, 'short', short.tokenId, record.longToken));
  if (what !== 'short') revoked.push(await revokeOne(api, 'long', record.tokenId, record.longToken));
  if (what !== 'short') await store.delete(key);
  else if (short !== undefined) {
    const { shortToken: _gone, shortTokenScopes: _its, ...kept } = record;
    await store.set(key, { ...kept, revision: randomBytes(12).toString('hex') });
  }
  const lines = revoked.map(revokedLine);
  if (what === 'short' && short === undefined) lines.push(`profile ${profile} has no short token to revoke\n`);
  if (what !== 'short') lines.push(`profile ${profile} is logged out\n`);
  context.print(lines.join(''), { profile, revoked, loggedIn: what === 'short' });
}
