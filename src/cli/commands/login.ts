import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { TokenRecord } from '../../session/TokenStore.js';
import type { LongTokenRequest } from '../../types.js';
import { parseScopes, parseTtl } from '../args.js';
import { apiFor, type CommandContext, given, isoOrNull } from '../context.js';
import { UsageError } from '../errors.js';
import { readProfile, saveProfile } from '../files.js';
import type { CliIo } from '../io.js';
import type { CliTokenRecord } from '../scoped-store.js';
import { type Revoked, revokedLine, revokeOne } from './revoke.js';

/** The assertion type `--assertion-file` sends unless `--assertion-type` says otherwise. */
export const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

async function ask(io: CliIo, question: string, echo: boolean): Promise<string> {
  const answer = await io.prompt(question, { echo });
  if (answer === '') throw new UsageError(`nothing was typed at "${question.trim()}"`);
  return answer;
}

/** The assertion in the file, without the line break that ends it. */
async function readAssertion(path: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new UsageError('--assertion-file cannot be read', { cause: error });
  }
  return text.replace(/\r?\n$/, '');
}

/** The step-up mechanism of the request: a one-time code, an assertion, or the client secret. */
async function mechanism(context: CommandContext): Promise<Partial<LongTokenRequest>> {
  const { io, line } = context;
  const assertionFile = line.string('assertion-file');
  const assertionType = line.string('assertion-type');
  if (line.flag('otp') && assertionFile !== undefined) throw new UsageError('--otp and --assertion-file are two ways to log in: give one');
  if (assertionType !== undefined && assertionFile === undefined) throw new UsageError('--assertion-type goes with --assertion-file');
  if (line.flag('otp')) return { grant_type: 'client_credentials', otp_code: await ask(io, 'One-time code: ', false) };
  if (assertionFile !== undefined)
    return { grant_type: 'assertion', assertion_type: assertionType ?? JWT_BEARER, assertion: await readAssertion(assertionFile) };
  return { grant_type: 'client_credentials', client_secret: given(io.env.C2M_CLIENT_SECRET) ?? (await ask(io, 'Client secret: ', false)) };
}

/**
 * Revokes the long token a login replaced, at the base URL it was issued by and authorised by itself,
 * so no long token is left live and unused. The login has succeeded by then: a failure is a warning.
 * Without that base URL (the profiles file lost it) the token is sent nowhere else.
 */
async function revokeReplaced(context: CommandContext, baseUrl: string | undefined, replaced: CliTokenRecord): Promise<Revoked> {
  const tokenId = replaced.tokenId ?? null;
  let why = 'the profile no longer names the base URL that issued it';
  if (baseUrl !== undefined)
    try {
      return await revokeOne(apiFor(baseUrl, context.io), 'long', replaced.tokenId, replaced.longToken);
    } catch (error) {
      why = (error as Error).name;
    }
  context.io.stderr(
    `c2m-auth: warning: the replaced long token ${tokenId} could not be revoked (${why}); it stays valid until it expires\n`,
  );
  return { kind: 'long', tokenId, outcome: 'failed' };
}

/**
 * `c2m-auth login`: issues a long token (client secret, `--otp` code or `--assertion-file`), keeps it
 * in the profile's record of the token file, saves the profile's base URL and client id, and revokes
 * the long token the profile held before, if any.
 */
export async function login(context: CommandContext): Promise<void> {
  const { io, line, profile } = context;
  const scopesText = line.string('scopes');
  const ttlText = line.string('ttl');
  const scopes = scopesText === undefined ? undefined : parseScopes(scopesText);
  const ttlSeconds = ttlText === undefined ? undefined : parseTtl(ttlText);
  const saved = await readProfile(context.profilesFile, profile);
  const baseUrl = line.string('base-url') ?? given(io.env.C2M_BASE_URL) ?? saved?.baseUrl ?? (await ask(io, 'Base URL: ', true));
  const api = apiFor(baseUrl, io);
  const clientId = line.string('client-id') ?? given(io.env.C2M_CLIENT_ID) ?? saved?.clientId ?? (await ask(io, 'Client id: ', true));
  const body = {
    client_id: clientId,
    ...(await mechanism(context)),
    ...(scopes === undefined ? {} : { scopes }),
    ...(ttlSeconds === undefined ? {} : { ttl_seconds: ttlSeconds }),
  } as LongTokenRequest;
  const previous = await context.store.get(context.key);
  const sentAtMs = io.now();
  const issued = await api.issueLongTermToken(body);
  // The same expiry rule as a session's: the local send time plus expires_in, whatever the server's clock.
  const record: TokenRecord = {
    version: 1,
    revision: randomBytes(12).toString('hex'),
    longToken: issued.access_token,
    expiresAtMs: sentAtMs + issued.expires_in * 1000,
    issuedAtMs: sentAtMs,
    tokenId: issued.token_id,
  };
  await context.store.set(context.key, record);
  await saveProfile(context.profilesFile, profile, { baseUrl, clientId, scopes, ttlSeconds });
  // The server the replaced token came from: the profile's base URL before this login.
  const replaced = previous === undefined ? null : await revokeReplaced(context, saved?.baseUrl, previous);
  const expiresAt = isoOrNull(record.expiresAtMs);
  const text = `logged in (profile ${profile}, client ${clientId}): long token ${issued.token_id ?? '(no id)'}, expires ${expiresAt}\n`;
  context.print(replaced === null ? text : `${text}replaced ${revokedLine(replaced)}`, {
    profile,
    baseUrl,
    clientId,
    longToken: { tokenId: issued.token_id ?? null, expiresAt },
    replaced,
  });
}
