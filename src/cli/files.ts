// Where the CLI keeps things: the token file (a FileTokenStore, one record per profile) and, beside
// it, profiles.json with each profile's base URL, client id and long-token settings (never a token).
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { TokenStoreError } from '../errors/TokenStoreError.js';
import { UsageError } from './errors.js';

/** What a profile remembers from its last login, so `token` needs no flags. */
export interface Profile {
  /** The API's base URL; the long token is only ever sent there. */
  readonly baseUrl: string;
  /** The client id. */
  readonly clientId: string;
  /** The long token's scopes, asked at login (and for a long token issued again from the environment). */
  readonly scopes?: readonly string[] | undefined;
  /** The long token's lifetime asked at login, in seconds. */
  readonly ttlSeconds?: number | undefined;
}

/**
 * The token file: `--store PATH`, else `$XDG_CONFIG_HOME/c2m-auth/tokens.json`, else
 * `~/.config/c2m-auth/tokens.json`.
 * @throws {@link UsageError} when there is neither an absolute `XDG_CONFIG_HOME` nor a `HOME`.
 */
export function tokenFilePath(store: string | undefined, env: Readonly<Record<string, string | undefined>>): string {
  if (store !== undefined) return resolve(store);
  const xdg = env.XDG_CONFIG_HOME;
  const home = env.HOME;
  const config = xdg !== undefined && isAbsolute(xdg) ? xdg : home !== undefined && home !== '' ? join(home, '.config') : undefined;
  if (config === undefined) throw new UsageError('there is no config folder: set XDG_CONFIG_HOME or HOME, or give --store PATH');
  return join(config, 'c2m-auth', 'tokens.json');
}

/** The profiles file: `profiles.json` in the token file's folder. */
export const profilesFilePath = (tokenFile: string): string => join(dirname(tokenFile), 'profiles.json');

/** The profile's key in the token file. */
export const storeKeyOf = (profile: string): string => `c2m-auth:profile:${profile}`;

const isProfile = (value: unknown): value is Profile => {
  const profile = value as Partial<Profile> | null;
  return typeof profile?.baseUrl === 'string' && typeof profile.clientId === 'string';
};

async function readProfiles(path: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new TokenStoreError('unavailable', `c2m-auth: ${path} cannot be read`, { cause: error });
  }
  try {
    const parsed = JSON.parse(text) as { version?: unknown; profiles?: unknown };
    if (parsed.version === 1 && typeof parsed.profiles === 'object' && parsed.profiles !== null)
      return parsed.profiles as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw new TokenStoreError('unreadable_record', `c2m-auth: ${path} is not a c2m-auth profiles file`);
}

/**
 * The profile saved under `name`, or undefined.
 * @throws {@link TokenStoreError} when the file cannot be read or is not a profiles file.
 */
export async function readProfile(path: string, name: string): Promise<Profile | undefined> {
  const profiles = await readProfiles(path);
  const profile = Object.hasOwn(profiles, name) ? profiles[name] : undefined;
  return isProfile(profile) ? profile : undefined;
}

/** Saves `profile` under `name`: the file is replaced atomically (a temporary file, then a rename), mode 0600. */
export async function saveProfile(path: string, name: string, profile: Profile): Promise<void> {
  const profiles = { ...(await readProfiles(path)), [name]: profile };
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    // The umask can only take permissions away from 0600.
    await writeFile(temporary, `${JSON.stringify({ version: 1, profiles }, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
    await rename(temporary, path);
  } finally {
    await rm(temporary, { force: true });
  }
}
