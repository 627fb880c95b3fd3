import { AuthSession } from '../../session/AuthSession.js';
import type { AuthSessionOptions } from '../../session/options.js';
import { parseScopes } from '../args.js';
import { type CommandContext, given } from '../context.js';
import { NotLoggedInError } from '../errors.js';
import { readProfile, saveProfile } from '../files.js';
import { ScopedShortTokenStore, scopesTag } from '../scoped-store.js';

/**
 * `c2m-auth token`: a short JWT from an AuthSession on the profile's record, with `storeShortToken`,
 * so a JWT still outside its refresh window is reused by the next run. Without a usable long token it
 * fails with NotLoggedInError, unless `C2M_CLIENT_SECRET` is set: then a new long token is issued.
 */
export async function token(context: CommandContext): Promise<void> {
  const { io, line, profile, key } = context;
  const scopesText = line.string('scopes');
  const scopes = scopesText === undefined ? undefined : parseScopes(scopesText);
  const saved = await readProfile(context.profilesFile, profile);
  // The profile's base URL wins over the environment's: its long token is only ever sent where it was issued.
  const baseUrl = saved?.baseUrl ?? given(io.env.C2M_BASE_URL);
  const clientId = saved?.clientId ?? given(io.env.C2M_CLIENT_ID);
  const secret = given(io.env.C2M_CLIENT_SECRET);
  const record = await context.store.get(key);
  const notLoggedIn = () =>
    new NotLoggedInError(
      record === undefined
        ? `profile ${profile} is not logged in`
        : `the long token of profile ${profile} expired at ${new Date(record.expiresAtMs ?? 0).toISOString()}`,
    );
  if (baseUrl === undefined) throw notLoggedIn();
  const issue: Pick<AuthSessionOptions, 'credentials' | 'longToken'> =
    secret !== undefined && clientId !== undefined
      ? { credentials: { grant_type: 'client_credentials', client_id: clientId, client_secret: secret } }
      : {
          longToken: () => {
            throw notLoggedIn();
          },
        };
  let tokenId: string | undefined;
  let expiresAt: string | undefined;
  let issuedLong = false;
  const session = new AuthSession({
    baseUrl,
    fetch: io.fetch,
    now: io.now,
    store: new ScopedShortTokenStore(context.store, scopesTag(scopes)),
    storeKey: key,
    storeShortToken: true,
    ...issue,
    ...(scopes === undefined ? {} : { scopes }),
    ...(saved?.scopes === undefined ? {} : { longTokenScopes: saved.scopes }),
    ...(saved?.ttlSeconds === undefined ? {} : { longTokenTtlSeconds: saved.ttlSeconds }),
    on: {
      tokenRefreshed: (event) => {
        tokenId = event.tokenId;
        expiresAt = event.expiresAt;
      },
      tokenAdopted: (event) => {
        if (event.kind === 'long') return;
        tokenId = event.tokenId;
        expiresAt = event.expiresAt;
      },
      longTokenIssued: () => {
        issuedLong = true;
      },
      longTokenExpiring: (event) =>
        io.stderr(`c2m-auth: warning: the long token of profile ${profile} expires ${event.expiresAt}; run c2m-auth login\n`),
    },
  });
  let jwt: string;
  try {
    jwt = await session.getAccessToken();
  } finally {
    session.close();
  }
  if (issuedLong && saved === undefined && clientId !== undefined) await saveProfile(context.profilesFile, profile, { baseUrl, clientId });
  context.print(`${jwt}\n`, { profile, token: jwt, tokenId: tokenId ?? null, expiresAt: expiresAt ?? null });
}
