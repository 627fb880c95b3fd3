import { TokenStoreError } from '../errors/TokenStoreError.js';
import { randomHex } from '../stores/hex.js';
import type { AuthSessionEvents, Emitter } from './events.js';
import type { HeldToken } from './expiry.js';
import { isTokenRecord, type TokenRecord, type TokenStore, type TokenStoreChange } from './TokenStore.js';

/** What a session reads back from its store. */
export interface StoredTokens {
  readonly long: HeldToken;
  readonly short: HeldToken | undefined;
}

/** How a write went: done, refused because a peer wrote first, or not done because the store failed. */
export type WriteOutcome = 'written' | 'conflict' | 'failed';

type Operation = AuthSessionEvents['storeError']['operation'];

// By name, not instanceof: a store may come from another bundle (a CJS entry carries its own copy).
const isUnreadable = (error: unknown): boolean =>
  error instanceof Error &&
  ((error.name === 'TokenStoreError' && (error as TokenStoreError).reason === 'unreadable_record') ||
    error.name === 'CorruptTokenFileError');

const newRevision = (): string => randomHex(12);

const toRecord = (long: HeldToken, short: HeldToken | undefined): TokenRecord => ({
  version: 1,
  revision: newRevision(),
  longToken: long.token,
  // A token with no known expiry is kept without one (JSON has no Infinity).
  expiresAtMs: Number.isFinite(long.expiresAtMs) ? long.expiresAtMs : undefined,
  issuedAtMs: long.issuedAtMs,
  tokenId: long.tokenId,
  ...(short === undefined ? {} : { shortToken: short }),
});

const fromRecord = (record: TokenRecord): StoredTokens => ({
  long: {
    token: record.longToken,
    expiresAtMs: record.expiresAtMs ?? Number.POSITIVE_INFINITY,
    issuedAtMs: record.issuedAtMs,
    tokenId: record.tokenId,
  },
  short: record.shortToken,
});

/**
 * A session's view of its {@link TokenStore} under one key: records in, held tokens out, each write a
 * new revision, written with compare-and-set against the record last seen where the store can. Every
 * call has a timeout; a failing or slow store, or a corrupt record, is reported as a `storeError`
 * event and reads as empty or writes as `failed`, never a crash: the session goes on by itself.
 */
export class SessionStore {
  readonly #store: TokenStore;
  readonly #key: string;
  readonly #events: Emitter;
  readonly #timeoutMs: number;
  /** The record this session last read or wrote: what a compare-and-set expects. */
  #last: TokenRecord | undefined;
  /** False after a call failed, until one succeeds. */
  #healthy = true;
  /** The store holds a record this session cannot read: the next write replaces it whatever it is. */
  #unreadable = false;
  /** The revision of this session's last write, kept before the store is called: its notification may come first. */
  #written: string | undefined;

  constructor(store: TokenStore, key: string, events: Emitter, timeoutMs: number) {
    this.#store = store;
    this.#key = key;
    this.#events = events;
    this.#timeoutMs = timeoutMs;
  }

  /** Whether the store can lease and its last call worked: coordination is on. */
  get coordinated(): boolean {
    return this.#healthy && typeof this.#store.lease === 'function';
  }

  /** Whether a change notification is about this session's own last write. */
  isOwn(change: TokenStoreChange): boolean {
    return change.revision !== undefined && change.revision === this.#written;
  }

  async read(): Promise<StoredTokens | undefined> {
    this.#unreadable = false;
    const record = await this.#call('get', () => this.#store.get(this.#key));
    if (record === undefined) return undefined;
    if (record === null) {
      this.#last = undefined;
      return undefined;
    }
    if (!isTokenRecord(record)) {
      this.#unreadable = true;
      this.#events.emit('storeError', {
        operation: 'get',
        error: new TokenStoreError('unreadable_record', 'the stored record is not a c2m-auth token record'),
      });
      return undefined;
    }
    this.#last = record;
    return fromRecord(record);
  }

  /** Writes the tokens as a new revision, if the store still holds the record last seen. */
  write(long: HeldToken, short: HeldToken | undefined): Promise<WriteOutcome> {
    return this.#replace(toRecord(long, short));
  }

  /**
   * Deletes the record only if it holds `long`: a peer's newer token is never deleted. Read first, even
   * when the record last seen holds `long`: a peer may have replaced it since, and a plain store (no
   * compare-and-set) would delete whatever is there.
   */
  async deleteIfHolding(long: HeldToken): Promise<WriteOutcome> {
    await this.read();
    if (this.#last?.longToken !== long.token) return 'conflict';
    return this.#replace(undefined);
  }

  /** Deletes the record, whoever wrote it (sign-out). */
  async delete(): Promise<void> {
    if ((await this.#call('delete', () => this.#store.delete(this.#key))) !== undefined) this.#last = undefined;
  }

  /**
   * `task` under the store's lease (only called when {@link SessionStore.coordinated}). Rejects (not
   * reported here) when the store cannot give one; `task`'s own errors pass through.
   */
  async lease<T>(ttlMs: number, task: (signal: AbortSignal) => Promise<T>, signal: AbortSignal, onWait: () => void): Promise<T> {
    return (this.#store as Required<TokenStore>).lease<T>(this.#key, ttlMs, task, { signal, onWait });
  }

  /** Listens to changes of the record, where the store can tell; returns the function that stops. */
  subscribe(listener: (change: TokenStoreChange) => void): (() => void) | undefined {
    if (typeof this.#store.subscribe !== 'function') return undefined;
    try {
      return this.#store.subscribe(this.#key, listener);
    } catch (error) {
      this.#report('subscribe', error);
      return undefined;
    }
  }

  /** Reports a store failure that happened outside this class (a lease that could not be had). */
  report(operation: Operation, error: unknown): void {
    this.#report(operation, error);
  }

  async #replace(next: TokenRecord | undefined): Promise<WriteOutcome> {
    const store = this.#store;
    const expected = this.#last;
    const compareAndSet = store.compareAndSet?.bind(store);
    this.#written = next?.revision;
    let outcome: boolean | null | undefined;
    if (compareAndSet !== undefined && !this.#unreadable) {
      outcome = await this.#call('compareAndSet', () => compareAndSet(this.#key, expected, next));
    } else {
      outcome = await this.#call(next === undefined ? 'delete' : 'set', async () => {
        await (next === undefined ? store.delete(this.#key) : store.set(this.#key, next));
        return true;
      });
    }
    if (outcome === undefined) return 'failed';
    if (outcome !== true) return 'conflict';
    this.#last = next;
    this.#unreadable = false;
    return 'written';
  }

  /** The call's result (null for "nothing"), or undefined when it failed or timed out (reported). */
  async #call<T>(operation: Operation, call: () => T | Promise<T>): Promise<NonNullable<T> | null | undefined> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new TokenStoreError('timeout', `the store did not answer ${operation} within ${this.#timeoutMs} ms`)),
          this.#timeoutMs,
        );
      });
      const result = await Promise.race([Promise.resolve().then(call), timeout]);
      this.#healthy = true;
      return result ?? null;
    } catch (error) {
      if (operation === 'get' && isUnreadable(error)) {
        // The store works; the record in it does not open (another key, corrupt): it reads as none.
        this.#healthy = true;
        this.#unreadable = true;
        this.#events.emit('storeError', { operation, error });
        return null;
      }
      this.#report(operation, error);
      return undefined;
    } finally {
      clearTimeout(timer);
    }
  }

  #report(operation: Operation, error: unknown): void {
    this.#healthy = false;
    this.#events.emit('storeError', { operation, error });
  }
}
