import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { isTokenRecord, type TokenRecord, type TokenStore } from '../session/TokenStore.js';

interface FileContent {
  version: 1;
  records: Record<string, TokenRecord>;
}

/** A token file that exists but cannot be read as one; the session reports it and carries on. */
export class CorruptTokenFileError extends Error {
  override name = 'CorruptTokenFileError' as const;
}

/**
 * A {@link TokenStore} in one JSON file, for CLIs and servers that keep their long token across runs.
 * Writes are atomic (a temporary file, then a rename) with mode 0600, in a folder made with mode 0700.
 * A missing file reads as empty; a corrupt one makes `get` throw {@link CorruptTokenFileError} (the
 * session emits `storeError` and goes on without it) and is replaced by the next write.
 *
 * @example
 * ```ts
 * import { FileTokenStore } from 'c2m-auth/node'
 * const store = new FileTokenStore(join(homedir(), '.config', 'my-cli', 'tokens.json'))
 * ```
 */
export class FileTokenStore implements TokenStore {
  /** The file's path. */
  readonly path: string;

  /** @param path - The JSON file; its folder is created when first written. */
  constructor(path: string) {
    if (typeof path !== 'string' || path === '') throw new TypeError('FileTokenStore: path must be a non-empty string');
    this.path = path;
  }

  /** {@inheritDoc TokenStore.get} */
  async get(key: string): Promise<TokenRecord | undefined> {
    const content = await this.#read();
    if (content === 'corrupt') throw new CorruptTokenFileError(`FileTokenStore: ${this.path} is not a token file`);
    const record = content.records[key];
    return isTokenRecord(record) ? record : undefined;
  }

  /** {@inheritDoc TokenStore.set} */
  async set(key: string, record: TokenRecord): Promise<void> {
    const content = await this.#read();
    const records = content === 'corrupt' ? {} : content.records;
    await this.#write({ version: 1, records: { ...records, [key]: record } });
  }

  /** {@inheritDoc TokenStore.delete} */
  async delete(key: string): Promise<void> {
    const content = await this.#read();
    if (content === 'corrupt') return this.#write({ version: 1, records: {} });
    if (!(key in content.records)) return;
    const { [key]: _removed, ...rest } = content.records;
    await this.#write({ version: 1, records: rest });
  }

  async #read(): Promise<FileContent | 'corrupt'> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, records: {} };
      throw error;
    }
    try {
      const parsed = JSON.parse(text) as Partial<FileContent> | null;
      if (parsed?.version !== 1 || typeof parsed.records !== 'object' || parsed.records === null) return 'corrupt';
      return { version: 1, records: { ...parsed.records } };
    } catch {
      return 'corrupt';
    }
  }

  async #write(content: FileContent): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
    const temporary = `${this.path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      await writeFile(temporary, `${JSON.stringify(content, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
      // The mode given to writeFile is masked by the umask; make sure of 0600.
      await chmod(temporary, 0o600);
      await rename(temporary, this.path);
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
  }
}
