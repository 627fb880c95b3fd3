/** A short token kept in a store, with `storeShortToken`. */
export interface StoredShortToken {
  /** The short-term JWT. */
  readonly token: string;
  /** When it expires, in ms since the epoch (local clock). */
  readonly expiresAtMs: number;
  /** When it was issued, in ms since the epoch (local clock). */
  readonly issuedAtMs?: number | undefined;
  /** The server's id of the token. */
  readonly tokenId?: string | undefined;
}

/**
 * What a {@link TokenStore} keeps for one session key: versioned JSON holding the long token, its
 * expiry and server id. Short tokens stay in memory unless the session's `storeShortToken` is set.
 */
export interface TokenRecord {
  /** Format version; records of another version are ignored. */
  readonly version: 1;
  /**
   * An opaque, unique value the writer gives each record it writes; {@link TokenStore.compareAndSet}
   * compares it. Sessions always set it; a record written without one compares equal only to another
   * record without one.
   */
  readonly revision?: string | undefined;
  /** The long-term token. */
  readonly longToken: string;
  /** When it expires, in ms since the epoch (counted from the local clock when it was issued). */
  readonly expiresAtMs?: number | undefined;
  /** When it was issued, in ms since the epoch, if known: rotation starts in the last 10% of its life. */
  readonly issuedAtMs?: number | undefined;
  /** The server's id of the token, for revocation. */
  readonly tokenId?: string | undefined;
  /** The current short token, only with the session's `storeShortToken`. */
  readonly shortToken?: StoredShortToken | undefined;
}

/** What a {@link TokenStore.subscribe} listener is told: the record under the key changed or is gone. */
export interface TokenStoreChange {
  /** The new record's revision; undefined when the record was deleted (or written without one). */
  readonly revision: string | undefined;
  /**
   * True when the record was removed by {@link TokenStore.delete} (a session's `revoke()`: a sign-out),
   * not replaced or cleared by a compare-and-set. Sessions sharing the store close on it. Stores that
   * cannot tell leave it unset.
   */
  readonly signedOut?: boolean | undefined;
}

/** Options of {@link TokenStore.lease}. */
export interface LeaseOptions {
  /** Stops waiting for the lease: the call rejects with the signal's reason and `task` never runs. */
  readonly signal?: AbortSignal | undefined;
  /** Called once, before waiting, when another holder has the lease (sessions report it as `leaseWaited`). */
  readonly onWait?: (() => void) | undefined;
}

/**
 * Where an {@link AuthSession} keeps its long token between runs: memory (the default), a file
 * (`FileTokenStore` from `c2m-auth/node`), Redis (`RedisTokenStore` from `c2m-auth/redis`), a secret
 * manager, a database row. Every method may be sync or async. Sessions sharing a store (and key)
 * share one long token.
 *
 * A plain get/set/delete store works as it is. A store shared by several processes should also
 * implement the three optional capabilities, which let sessions coordinate: one long token and one
 * refresh for the whole fleet (see the README, "Running many processes").
 */
export interface TokenStore {
  /** The record under `key`, or undefined. */
  get(key: string): TokenRecord | undefined | Promise<TokenRecord | undefined>;
  /** Saves `record` under `key`. */
  set(key: string, record: TokenRecord): void | Promise<void>;
  /** Removes the record under `key`, if any. */
  delete(key: string): void | Promise<void>;
  /**
   * Atomically: if the record under `key` is still `expected` (the same `revision`; `undefined` means
   * "no record"), replaces it with `next` (`undefined` deletes it) and returns true; else changes
   * nothing and returns false.
   */
  compareAndSet?(key: string, expected: TokenRecord | undefined, next: TokenRecord | undefined): boolean | Promise<boolean>;
  /**
   * Runs `task` while this caller holds the lease on `key`: an exclusive, owned lock (a random owner
   * value; only its owner extends or releases it) that expires `ttlMs` after it was last extended, so
   * a holder that dies frees it. Waits while another holder has it (until `options.signal` fires). The
   * lease is extended while `task` runs and released when it settles; `signal` is aborted if the lease
   * is lost (expired or taken over). Rejects, without running `task`, when the lease cannot be asked
   * for (the store is down).
   */
  lease?<T>(key: string, ttlMs: number, task: (signal: AbortSignal) => Promise<T>, options?: LeaseOptions): Promise<T>;
  /**
   * Calls `listener` when the record under `key` is changed or deleted, by this process or another;
   * returns a function that stops listening. Listeners compare revisions to tell their own writes.
   */
  subscribe?(key: string, listener: (change: TokenStoreChange) => void): () => void;
}

const isOptionalNumber = (field: unknown) => field === undefined || Number.isFinite(field);
const isOptionalString = (field: unknown) => field === undefined || typeof field === 'string';

/** Checks that a value read back from a store is a record of this version (a corrupt one reads as none). */
export function isTokenRecord(value: unknown): value is TokenRecord {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  const short = record.shortToken as Record<string, unknown> | undefined;
  const shortOk =
    short === undefined ||
    (typeof short === 'object' &&
      short !== null &&
      typeof short.token === 'string' &&
      short.token !== '' &&
      Number.isFinite(short.expiresAtMs) &&
      isOptionalNumber(short.issuedAtMs) &&
      isOptionalString(short.tokenId));
  return (
    shortOk &&
    record.version === 1 &&
    typeof record.longToken === 'string' &&
    record.longToken !== '' &&
    isOptionalString(record.revision) &&
    isOptionalNumber(record.expiresAtMs) &&
    isOptionalNumber(record.issuedAtMs) &&
    isOptionalString(record.tokenId)
  );
}

/** Whether the stored record (or its absence) is the one a compare-and-set expects. */
export function isExpectedRecord(stored: TokenRecord | undefined, expected: TokenRecord | undefined): boolean {
  if (stored === undefined || expected === undefined) return stored === expected;
  return stored.revision === expected.revision;
}
