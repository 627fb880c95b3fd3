import type { CommandContext } from '../context.js';
import { isoOrNull } from '../context.js';
import { NotLoggedInError } from '../errors.js';
import { readProfile } from '../files.js';
import type { CliTokenRecord } from '../scoped-store.js';

/** A token in the report: its id and expiry, never its value. */
interface TokenState {
  readonly tokenId: string | null;
  readonly expiresAt: string | null;
  readonly expired: boolean;
}

const stateOf = (tokenId: string | undefined, expiresAtMs: number | undefined, nowMs: number): TokenState => ({
  tokenId: tokenId ?? null,
  expiresAt: isoOrNull(expiresAtMs),
  expired: expiresAtMs !== undefined && nowMs >= expiresAtMs,
});

const lineOf = (state: TokenState | null): string =>
  state === null ? 'none' : `${state.tokenId ?? '(no id)'}, ${state.expired ? 'expired' : 'expires'} ${state.expiresAt ?? 'never'}`;

/**
 * `c2m-auth status`: the profile, its base URL and client id, the token file, and the ids and expiry
 * times of its long and cached short token; never a token. Exits 3 (after the report) when the
 * profile has no usable long token.
 */
export async function status(context: CommandContext): Promise<void> {
  const { io, profile } = context;
  const saved = await readProfile(context.profilesFile, profile);
  const record: CliTokenRecord | undefined = await context.store.get(context.key);
  const nowMs = io.now();
  const longToken = record === undefined ? null : stateOf(record.tokenId, record.expiresAtMs, nowMs);
  const short = record?.shortToken;
  const shortToken = short === undefined ? null : stateOf(short.tokenId, short.expiresAtMs, nowMs);
  const shortScopes = record?.shortTokenScopes;
  const loggedIn = longToken !== null && !longToken.expired;
  const text = [
    `profile: ${profile}`,
    `base url: ${saved?.baseUrl ?? 'none'}`,
    `client id: ${saved?.clientId ?? 'none'}`,
    `token file: ${context.tokenFile}`,
    `long token: ${lineOf(longToken)}`,
    `short token: ${lineOf(shortToken)}${shortToken === null || !shortScopes ? '' : `, scopes ${shortScopes}`}`,
    '',
  ].join('\n');
  context.print(text, {
    profile,
    baseUrl: saved?.baseUrl ?? null,
    clientId: saved?.clientId ?? null,
    tokenFile: context.tokenFile,
    loggedIn,
    longToken,
    shortToken: shortToken === null ? null : { ...shortToken, scopes: shortScopes ? shortScopes.split(' ') : null },
  });
  if (!loggedIn)
    throw new NotLoggedInError(
      longToken === null ? `profile ${profile} is not logged in` : `the long token of profile ${profile} is expired`,
    );
}
