// Constructor option checks shared by AuthApi and AuthSession: a table of (option, predicate,
// message), a TypeError naming the first misused option, never its value, and a "did you mean" for
// option names nobody reads (`baseURL`, `clientID`), which would otherwise be ignored in silence.

/** A predicate over an option's value. */
export type Check = (value: unknown) => boolean;

/** One row: the option, its predicate, and what it must be. */
export type OptionCheck<Options> = readonly [keyof Options & string, Check, string];

export const isObject: Check = (value) => typeof value === 'object' && value !== null;
export const isFunction: Check = (value) => typeof value === 'function';
export const isBoolean: Check = (value) => typeof value === 'boolean';

/** The `encryptionKey` row of the stores that seal records (FileTokenStore, RedisTokenStore). */
export const ENCRYPTION_KEY_CHECK = [
  'encryptionKey',
  (value: unknown) => value instanceof Uint8Array || typeof value === 'string',
  'must be 32 bytes (a Uint8Array, or its base64)',
] as const;

/** The known name closest to `name`: the same but for case, else at most two edits away. */
export function closestName(name: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of known) {
    const distance = candidate.toLowerCase() === name.toLowerCase() ? 0 : editDistance(name, candidate);
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  return best;
}

/** Levenshtein distance (insertions, deletions, substitutions), one row at a time. */
function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i += 1) {
    const next = [i];
    for (let j = 1; j <= b.length; j += 1)
      next[j] = Math.min((row[j] as number) + 1, (next[j - 1] as number) + 1, (row[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1));
    row = next;
  }
  return row[b.length] as number;
}

/**
 * Throws a TypeError for the first problem: options that are not an object, an option name that is
 * not known (`<owner>: unknown option "baseURL"; did you mean "baseUrl"?`), or an option that fails
 * its check (`<owner>: option "<name>" <message>`).
 */
export function assertOptions<Options>(
  owner: string,
  options: unknown,
  checks: readonly OptionCheck<Options>[],
): asserts options is Options {
  if (!isObject(options)) throw new TypeError(`${owner}: options must be an object`);
  const known: string[] = checks.map(([name]) => name);
  for (const name of Object.keys(options as object)) {
    if (known.includes(name)) continue;
    const suggestion = closestName(name, known);
    const hint = suggestion === undefined ? `the options are ${known.join(', ')}` : `did you mean "${suggestion}"?`;
    throw new TypeError(`${owner}: unknown option "${name}"; ${hint}`);
  }
  for (const [name, check, message] of checks) {
    const value = (options as Record<string, unknown>)[name];
    if (value !== undefined && !check(value)) throw new TypeError(`${owner}: option "${name}" ${message}`);
  }
}

const LOOPBACK = /^(?:localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i;

/**
 * The base URL to send to, checked for `owner`'s constructor: required; absolute http(s) without
 * credentials; a path (`/c2m/v1`, a same-origin proxy) only where a page's `location` resolves it;
 * plain http only to loopback unless `allowInsecureHttp`. Throws a TypeError that says what to do.
 * `value` has passed the owner's option checks: a string, or absent.
 */
export function resolveBaseUrl(owner: string, value: string | undefined, allowInsecureHttp: unknown): string {
  const option = `${owner}: option "baseUrl"`;
  if (value === undefined) throw new TypeError(`${option} is required: the API's base URL, e.g. { baseUrl: 'https://api.example.com/v1' }`);
  const page = (globalThis as { location?: { href?: unknown } }).location?.href;
  const isPath = /^\/(?!\/)/.test(value);
  let url: URL | undefined;
  try {
    url = new URL(value, isPath && typeof page === 'string' ? page : undefined);
  } catch {
    if (isPath) throw new TypeError(`${option} is a path, and there is no page here to resolve it against: give an absolute https URL`);
  }
  if (url === undefined || !['http:', 'https:'].includes(url.protocol) || url.username !== '' || url.password !== '')
    throw new TypeError(`${option} must be an absolute http(s) URL without credentials, or in a browser a path starting with "/"`);
  if (url.protocol === 'http:' && allowInsecureHttp !== true && !LOOPBACK.test(url.hostname))
    throw new TypeError(
      `${option} uses plain http to a host that is not loopback, which would send secrets in clear text: use https, or set allowInsecureHttp: true`,
    );
  return isPath ? url.href : value;
}
