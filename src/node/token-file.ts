// The token file itself: `{ version: 1, records: { <key>: record | sealed text } }`, read whole and
// replaced whole (a temporary file, then a rename), so a reader sees the old or the new content.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { chmod, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { TokenStoreError } from '../errors/TokenStoreError.js';

/** The file's records by key: each a record as JSON, or the text `RecordSeal` made of it. */
export type StoredRecords = Record<string, unknown>;

/** The records in the file's text, or 'corrupt' when it is not a token file. */
export function parseTokenFile(text: string): StoredRecords | 'corrupt' {
  try {
    const parsed = JSON.parse(text) as { version?: unknown; records?: unknown } | null;
    if (parsed?.version !== 1 || typeof parsed.records !== 'object' || parsed.records === null) return 'corrupt';
    return { ...(parsed.records as StoredRecords) };
  } catch {
    return 'corrupt';
  }
}

/** The value under `key`, never an inherited property (`constructor`, `__proto__`). */
export const recordIn = (records: StoredRecords, key: string): unknown => (Object.hasOwn(records, key) ? records[key] : undefined);

/** What a failed read means: 'missing' when there is no file. */
function missingOr(error: unknown): 'missing' {
  if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
  throw new TokenStoreError('unavailable', 'FileTokenStore: the token file cannot be read', { cause: error });
}

/**
 * The file's records; 'missing' when there is no file.
 * @throws {@link TokenStoreError} `unavailable` when it cannot be read.
 */
export async function readTokenFile(path: string): Promise<StoredRecords | 'corrupt' | 'missing'> {
  try {
    return parseTokenFile(await readFile(path, 'utf8'));
  } catch (error) {
    return missingOr(error);
  }
}

/** {@link readTokenFile}, synchronously (for a listener's starting point). */
export function readTokenFileSync(path: string): StoredRecords | 'corrupt' | 'missing' {
  try {
    return parseTokenFile(readFileSync(path, 'utf8'));
  } catch (error) {
    return missingOr(error);
  }
}

/**
 * Replaces the file with `records`: a temporary file with mode 0600, then a rename over it, once
 * `beforeRename` resolves (it throws to drop the write).
 */
export async function writeTokenFile(path: string, records: StoredRecords, beforeRename: () => Promise<void>): Promise<void> {
  const temporary = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeFile(temporary, `${JSON.stringify({ version: 1, records }, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
    // The mode given to writeFile is masked by the umask; make sure of 0600.
    await chmod(temporary, 0o600);
    await beforeRename();
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}
