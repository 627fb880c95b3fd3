import { AuthApi } from '../api/AuthApi.js';
import type { FileTokenStore } from '../node/FileTokenStore.js';
import type { CommandLine } from './args.js';
import { UsageError } from './errors.js';
import type { CliIo } from './io.js';

/** What every command gets: the io, its command line, and the profile's place in the files. */
export interface CommandContext {
  readonly io: CliIo;
  readonly line: CommandLine;
  /** The profile's name. */
  readonly profile: string;
  /** The token file's absolute path. */
  readonly tokenFile: string;
  /** The profiles file's absolute path. */
  readonly profilesFile: string;
  /** The token file. */
  readonly store: FileTokenStore;
  /** The profile's key in it. */
  readonly key: string;
  /** Prints the outcome: `json` as one line with `--json`, else `text`. */
  print(text: string, json: object): void;
}

/** An environment variable's value; an empty one counts as not set. */
export const given = (value: string | undefined): string | undefined => (value === '' ? undefined : value);

/** An instant as ISO 8601; `null` when unknown. */
export const isoOrNull = (ms: number | undefined): string | null => (ms === undefined ? null : new Date(ms).toISOString());

/**
 * The AuthApi for `baseUrl`, on the io's fetch.
 * @throws {@link UsageError} for a base URL AuthApi refuses (not http(s), plain http to a host other than loopback).
 */
export function apiFor(baseUrl: string, io: CliIo): AuthApi {
  try {
    return new AuthApi({ baseUrl, fetch: io.fetch });
  } catch (error) {
    throw new UsageError('the base URL must be an absolute https URL (plain http only to localhost or 127.0.0.1)', { cause: error });
  }
}
