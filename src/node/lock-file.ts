// An exclusive lock shared by the processes of one host through the file system, with an owner and
// an expiry. The lock at `lockPath` is a folder holding one file, `<owner>.owner` (`{ owner, pid }`),
// whose mtime its holder refreshes while it holds it.
//
// Why a folder and not a plain file: stealing a stale lock must remove only the stale one, and POSIX
// has no "unlink this path if it is still that file". Here every removal is conditional:
// - taking: the owner file is written in a private staging folder, then the folder is renamed to
//   `lockPath`, which fails while `lockPath` is a folder with anything in it (ENOTEMPTY/EEXIST); of
//   racing takers exactly one wins, and the lock never exists without its owner;
// - stealing: a waiter that finds the owner file older than `staleMs` unlinks that file by its name,
//   which holds the stale owner's random id: a newer lock has another owner file and is never touched,
//   so two waiters that both judged it stale remove the same file (one gets ENOENT) and then race for
//   `lockPath` by rename, as above;
// - an empty folder is free: rename replaces it, and `rmdir` (which fails unless it is empty) clears it.
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rename, rm, rmdir, stat, unlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TokenStoreError } from '../errors/TokenStoreError.js';

const OWNER_SUFFIX = '.owner';
/**
 * The errors by which `platform` refuses to rename a folder onto a folder that is not empty, that is,
 * the lock is taken: ENOTEMPTY or EEXIST (POSIX allows either), and EPERM or EACCES on Windows.
 */
export const takenErrors = (platform: string): ReadonlySet<string> =>
  new Set(['ENOTEMPTY', 'EEXIST', ...(platform === 'win32' ? ['EPERM', 'EACCES'] : [])]);
const TAKEN = takenErrors(process.platform);

/** How {@link acquireLock} waits and when the lock is stale. */
export interface LockOptions {
  /** What the lock guards, for error messages (never a key or a token). */
  readonly name: string;
  /** A lock whose holder has not refreshed it for this long is stale: its holder is taken for dead. */
  readonly staleMs: number;
  /** The least and the most time between two tries while the lock is held (a random time between). */
  readonly retryMs: readonly [number, number];
  /** Gives up after this long with a TokenStoreError `unavailable`; unset: waits until `signal` fires. */
  readonly timeoutMs?: number | undefined;
  /** Stops waiting: rejects with its reason. */
  readonly signal?: AbortSignal | undefined;
  /** Called once, before waiting, when another holder has the lock. */
  readonly onWait?: (() => void) | undefined;
}

/** A lock this process holds. */
export interface HeldLock {
  /** Aborted (with a TokenStoreError `unavailable`) when the lock is found gone: it expired and was taken. */
  readonly lost: AbortSignal;
  /** Whether the lock is still this holder's. */
  isHeld(): Promise<boolean>;
  /** Stops refreshing it and removes it if it is still this holder's; never throws. */
  release(): Promise<void>;
}

// Every error this module catches is a file system error, an object (its code unset for a TokenStoreError).
const codeOf = (error: unknown): unknown => (error as NodeJS.ErrnoException).code;
const ignoring =
  (...codes: string[]) =>
  (error: unknown): void => {
    if (!codes.includes(codeOf(error) as string)) throw error;
  };

function unavailable(name: string, error: unknown): TokenStoreError {
  return error instanceof TokenStoreError
    ? error
    : new TokenStoreError('unavailable', `${name} cannot be used (${String(codeOf(error))})`, { cause: error });
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort);
    function onAbort(this: AbortSignal) {
      clearTimeout(timer);
      reject(this.reason);
    }
  });
}

/** Whether the lock looks free, after clearing a stale owner or an empty folder. */
async function inspect(lockPath: string, staleMs: number): Promise<boolean> {
  let entries: string[];
  try {
    entries = await readdir(lockPath);
  } catch (error) {
    if (codeOf(error) === 'ENOENT') return true;
    throw error;
  }
  const owners = entries.filter((entry) => entry.endsWith(OWNER_SUFFIX));
  // Anything else in the folder is not ours to remove: the lock stays held until someone clears it.
  if (owners.length !== entries.length) return false;
  for (const owner of owners) {
    const file = join(lockPath, owner);
    try {
      if (Date.now() - (await stat(file)).mtimeMs <= staleMs) return false;
      // Stale: removed by its owner's name, so only this holder's lock goes, never a newer one.
      await unlink(file);
    } catch (error) {
      ignoring('ENOENT')(error);
    }
  }
  // Empty, or every owner was stale and is gone: the folder is free. Rename replaces an empty folder on
  // POSIX, not on Windows: clear it (unless someone else cleared it, or took it, meanwhile).
  await rmdir(lockPath).catch(ignoring('ENOENT', 'ENOTEMPTY', 'EEXIST'));
  return true;
}

/** Tries once to take the lock: true if this owner now holds it. */
async function take(lockPath: string, owner: string): Promise<boolean> {
  const staging = `${lockPath}.${owner}.tmp`;
  await mkdir(staging, { mode: 0o700 });
  try {
    await writeFile(join(staging, `${owner}${OWNER_SUFFIX}`), JSON.stringify({ owner, pid: process.pid }), { mode: 0o600 });
    await rename(staging, lockPath);
    return true;
  } catch (error) {
    // The staging folder is this owner's alone: it is there until this removes it.
    await rm(staging, { recursive: true });
    if (TAKEN.has(codeOf(error) as string)) return false;
    throw error;
  }
}

function hold(lockPath: string, owner: string, options: LockOptions): HeldLock {
  const file = join(lockPath, `${owner}${OWNER_SUFFIX}`);
  const lost = new AbortController();
  let released = false;
  // Touching the file by its owner's name is the ownership check: it is gone once someone took over.
  const touch = async () => {
    const nowSeconds = Date.now() / 1000;
    try {
      await utimes(file, nowSeconds, nowSeconds);
    } catch (error) {
      // Another failure is retried at the next tick; if it lasts, the lock goes stale and is lost.
      if (codeOf(error) !== 'ENOENT' || released) return;
      clearInterval(timer);
      lost.abort(new TokenStoreError('unavailable', `${options.name} was lost: it expired and another holder took it`));
    }
  };
  const timer = setInterval(() => void touch(), Math.max(1, Math.floor(options.staleMs / 3)));
  timer.unref();
  return {
    lost: lost.signal,
    isHeld: () =>
      stat(file).then(
        () => true,
        () => false,
      ),
    async release() {
      released = true;
      clearInterval(timer);
      try {
        await unlink(file);
        await rmdir(lockPath);
      } catch {
        // Gone already, or taken by the next holder; a lock that could not be removed goes stale.
      }
    },
  };
}

/**
 * Waits for the lock at `lockPath` (in an existing folder) and takes it, with a new random owner.
 * @throws the signal's reason when it fires; {@link TokenStoreError} `unavailable` after `timeoutMs`
 * or when the file system refuses.
 */
export async function acquireLock(lockPath: string, options: LockOptions): Promise<HeldLock> {
  const owner = randomBytes(16).toString('hex');
  const startedMs = Date.now();
  let waiting = false;
  for (;;) {
    options.signal?.throwIfAborted();
    try {
      if ((await inspect(lockPath, options.staleMs)) && (await take(lockPath, owner))) return hold(lockPath, owner, options);
    } catch (error) {
      throw unavailable(options.name, error);
    }
    if (!waiting) {
      waiting = true;
      options.onWait?.();
    }
    if (Date.now() - startedMs >= (options.timeoutMs ?? Number.POSITIVE_INFINITY)) {
      throw new TokenStoreError('unavailable', `${options.name} was held by another process for more than ${options.timeoutMs} ms`);
    }
    const [leastMs, mostMs] = options.retryMs;
    await sleep(leastMs + Math.random() * (mostMs - leastMs), options.signal);
  }
}

// One queue per lock in this process: its callers take turns here instead of polling the file.
const queues = new Map<string, Promise<void>>();

/** Runs `work` after the work queued before it under the same `id` in this process. */
export async function inTurn<T>(id: string, work: () => Promise<T>): Promise<T> {
  const previous = queues.get(id) ?? Promise.resolve();
  let done = () => {};
  const tail = previous.then(() => new Promise<void>((resolve) => (done = resolve)));
  queues.set(id, tail);
  try {
    await previous;
    return await work();
  } finally {
    done();
    if (queues.get(id) === tail) queues.delete(id);
  }
}
