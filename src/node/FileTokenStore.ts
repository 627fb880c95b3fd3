import { createHash } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { AuthSdkError } from '../errors/AuthSdkError.js';
import { TokenStoreError } from '../errors/TokenStoreError.js';
import { assertOptions, ENCRYPTION_KEY_CHECK, type OptionCheck } from '../option-checks.js';
import {
  isExpectedRecord,
  isTokenRecord,
  type LeaseOptions,
  type TokenRecord,
  type TokenStore,
  type TokenStoreChange,
} from '../session/TokenStore.js';
import { type EncryptionKey, RecordSeal } from '../stores/seal.js';
import { acquireLock, inTurn } from './lock-file.js';
import { RecordWatch } from './record-watch.js';
import { readTokenFile, recordIn, type StoredRecords, writeTokenFile } from './token-file.js';

/** A writer that has not refreshed the file's lock for this long is taken for dead. */
export const MUTEX_STALE_MS = 3_000;
const MUTEX_RETRY_MS = [5, 40] as const;
const LEASE_RETRY_MS = [20, 150] as const;

/** Options of {@link FileTokenStore}. */
export interface FileTokenStoreOptions {
  /** The JSON file; its folder is created with mode 0700 when first written. */
  readonly path: string;
  /**
   * Seals each record in the file with AES-256-GCM (the store key as additional data): 32 bytes, or
   * their base64. A record that does not open with it (another key, tampered) makes `get` throw a
   * {@link TokenStoreError} `unreadable_record`.
   * @default undefined (records are kept as plain JSON, readable by whoever can read the file)
   */
  readonly encryptionKey?: EncryptionKey | undefined;
  /**
   * How long a write waits for another process's write to the same file, in ms, before it throws a
   * {@link TokenStoreError} `unavailable`.
   * @default 5000
   */
  readonly lockTimeoutMs?: number | undefined;
}

/** A token file that exists but cannot be read as one; the session reports it and carries on. */
export class CorruptTokenFileError extends AuthSdkError {
  override name = 'CorruptTokenFileError' as const;
}

const isPath = (value: unknown) => typeof value === 'string' && value !== '';
const checks: readonly OptionCheck<FileTokenStoreOptions>[] = [
  ['path', isPath, 'must be a non-empty string'],
  ENCRYPTION_KEY_CHECK,
  ['lockTimeoutMs', (value) => Number.isFinite(value) && (value as number) > 0, 'must be a positive number of ms'],
];

/**
 * A {@link TokenStore} in one JSON file, shared by the processes of one host: CLIs that keep their
 * long token across runs, and workers or cron jobs that share one long token and one refresh.
 *
 * - Every write (`set`, `delete`, `compareAndSet`) reads, changes and replaces the file under a
 *   lock beside it (`<path>.lock`), so processes writing different keys never lose each other's
 *   records. A writer that died holding it frees it after 3 s.
 * - Writes are atomic (a temporary file, then a rename) with mode 0600, in a folder made with mode
 *   0700; reads take no lock.
 * - `lease` is a lock per key beside the file (`<path>.lease-<hash of the key>`), refreshed while the
 *   task runs and freed `ttlMs` after a holder died, so one process at a time refreshes a token.
 * - `subscribe` tells of this store's writes at once, and of other processes' within 200 ms.
 * - A missing file reads as empty; a corrupt one makes `get` throw {@link CorruptTokenFileError} (the
 *   session emits `storeError` and goes on without it) and is replaced by the next `set`.
 *
 * It needs a local file system (atomic rename, mtime in ms): not a network share such as NFS or SMB.
 *
 * @example One file shared by every process of a host (each runs this; one long token between them)
 * ```ts
 * import { AuthSession } from 'c2m-auth'
 * import { FileTokenStore } from 'c2m-auth/node'
 *
 * const session = new AuthSession({
 *   baseUrl: 'https://api.example.com/v1',
 *   credentials,
 *   store: new FileTokenStore({
 *     path: '/var/lib/my-app/c2m-tokens.json',
 *     encryptionKey: process.env.C2M_TOKEN_KEY, // 32 bytes as base64: the file holds no token text
 *   }),
 * })
 * ```
 * @example A CLI's own file
 * ```ts
 * const store = new FileTokenStore(join(homedir(), '.config', 'my-cli', 'tokens.json'))
 * ```
 */
export class FileTokenStore implements TokenStore {
  /** The file's path. */
  readonly path: string;
  readonly #seal: RecordSeal | undefined;
  readonly #lockTimeoutMs: number;
  readonly #watch: RecordWatch;

  /**
   * @param options - The file's path, or {@link FileTokenStoreOptions}.
   * @throws TypeError when the path is empty, an option is misused, or the key is not 32 bytes.
   */
  constructor(options: string | FileTokenStoreOptions) {
    const given = typeof options === 'string' ? { path: options } : options;
    assertOptions<FileTokenStoreOptions>('FileTokenStore', given, checks);
    if (!isPath(given.path)) throw new TypeError('FileTokenStore: option "path" must be a non-empty string');
    this.path = given.path;
    this.#seal = given.encryptionKey === undefined ? undefined : new RecordSeal(given.encryptionKey, 'FileTokenStore');
    this.#lockTimeoutMs = given.lockTimeoutMs ?? 5_000;
    this.#watch = new RecordWatch(this.path, async (key, stored) => (await this.#open(key, { [key]: stored }))?.revision);
  }

  /**
   * {@inheritDoc TokenStore.get}
   * @throws {@link CorruptTokenFileError} when the file is not a token file; {@link TokenStoreError}
   * `unreadable_record` when the record does not open with this store's `encryptionKey` (another key,
   * tampered, plain JSON where a sealed record is expected, or sealed while this store has no key).
   */
  async get(key: string): Promise<TokenRecord | undefined> {
    const records = await readTokenFile(this.path);
    if (records === 'corrupt') throw this.#corrupt();
    return records === 'missing' ? undefined : this.#open(key, records);
  }

  /** {@inheritDoc TokenStore.set} */
  async set(key: string, record: TokenRecord): Promise<void> {
    const stored = await this.#sealed(key, record);
    await this.#update((records) => ({ ...(records === 'corrupt' ? {} : records), [key]: stored }));
  }

  /** {@inheritDoc TokenStore.delete} */
  async delete(key: string): Promise<void> {
    // No file, no record: nothing to lock (a write racing with this one lands after it, as it may).
    if ((await readTokenFile(this.path)) === 'missing') return;
    await this.#update((records) => {
      if (records === 'corrupt') return {};
      return Object.hasOwn(records, key) ? without(records, key) : undefined;
    });
  }

  /**
   * {@inheritDoc TokenStore.compareAndSet}
   * @throws {@link CorruptTokenFileError} or {@link TokenStoreError} `unreadable_record` when the
   * record cannot be read to compare (a `set` replaces it).
   */
  async compareAndSet(key: string, expected: TokenRecord | undefined, next: TokenRecord | undefined): Promise<boolean> {
    const stored = next === undefined ? undefined : await this.#sealed(key, next);
    let swapped = false;
    await this.#update(async (records) => {
      if (records === 'corrupt') throw this.#corrupt();
      if (!isExpectedRecord(await this.#open(key, records), expected)) return undefined;
      swapped = true;
      if (stored !== undefined) return { ...records, [key]: stored };
      return Object.hasOwn(records, key) ? without(records, key) : undefined;
    });
    return swapped;
  }

  /**
   * {@inheritDoc TokenStore.lease}
   * Waiters poll the lease every 20 to 150 ms; a holder that died frees it `ttlMs` after it last
   * extended it. The task's signal is aborted with a {@link TokenStoreError} `unavailable` if the lease
   * was lost (its process stalled for longer than `ttlMs` and another took it).
   * @throws {@link TokenStoreError} `unavailable` when the lease's folder cannot be used.
   */
  async lease<T>(key: string, ttlMs: number, task: (signal: AbortSignal) => Promise<T>, options: LeaseOptions = {}): Promise<T> {
    if (!(Number.isFinite(ttlMs) && ttlMs > 0)) throw new TypeError('FileTokenStore: ttlMs must be a positive number');
    await this.#folder();
    const lease = await acquireLock(`${this.path}.lease-${createHash('sha256').update(key).digest('hex').slice(0, 32)}`, {
      name: 'FileTokenStore: the lease',
      staleMs: ttlMs,
      retryMs: LEASE_RETRY_MS,
      signal: options.signal,
      onWait: options.onWait,
    });
    try {
      return await task(lease.lost);
    } finally {
      await lease.release();
    }
  }

  /**
   * {@inheritDoc TokenStore.subscribe}
   * This store's own writes are told at once; other processes' (and other instances') writes within
   * 200 ms, by polling the file while anyone listens (fs.watch is not reliable across platforms). A
   * record that does not open is told with an undefined revision.
   * @throws {@link TokenStoreError} `unavailable` when the file cannot be read.
   */
  subscribe(key: string, listener: (change: TokenStoreChange) => void): () => void {
    return this.#watch.subscribe(key, listener);
  }

  /** The record under `key` in `records`, opened. */
  async #open(key: string, records: StoredRecords): Promise<TokenRecord | undefined> {
    const stored = recordIn(records, key);
    if (stored === undefined) return undefined;
    if (this.#seal !== undefined) return this.#seal.open(stored, key);
    if (typeof stored === 'string')
      throw new TokenStoreError('unreadable_record', 'the stored record is sealed; this FileTokenStore has no encryptionKey');
    // A record of another version reads as none.
    return isTokenRecord(stored) ? stored : undefined;
  }

  #sealed(key: string, record: TokenRecord): Promise<unknown> {
    return this.#seal === undefined ? Promise.resolve(record) : this.#seal.seal(record, key);
  }

  /** Reads, changes (`change` returns the new records, or undefined to leave them) and writes the file under its lock. */
  async #update(
    change: (records: StoredRecords | 'corrupt') => StoredRecords | undefined | Promise<StoredRecords | undefined>,
  ): Promise<void> {
    const lockPath = `${this.path}.lock`;
    await inTurn(resolve(lockPath), async () => {
      await this.#folder();
      const lock = await acquireLock(lockPath, {
        name: 'FileTokenStore: the lock on the token file',
        staleMs: MUTEX_STALE_MS,
        retryMs: MUTEX_RETRY_MS,
        timeoutMs: this.#lockTimeoutMs,
      });
      try {
        const read = await readTokenFile(this.path);
        const records = await change(read === 'missing' ? {} : read);
        if (records === undefined) return;
        await writeTokenFile(this.path, records, async () => {
          // A writer that stalled past the lock's expiry has lost it: its change is dropped, not forced.
          if (!(await lock.isHeld()))
            throw new TokenStoreError('unavailable', 'FileTokenStore: the lock on the token file expired during the write');
        });
        this.#watch.check();
      } finally {
        await lock.release();
      }
    });
  }

  async #folder(): Promise<void> {
    try {
      await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
    } catch (error) {
      throw new TokenStoreError('unavailable', "FileTokenStore: the token file's folder cannot be created", { cause: error });
    }
  }

  #corrupt(): CorruptTokenFileError {
    return new CorruptTokenFileError(`FileTokenStore: ${this.path} is not a token file`);
  }
}

function without(records: StoredRecords, key: string): StoredRecords {
  const { [key]: _removed, ...rest } = records;
  return rest;
}
