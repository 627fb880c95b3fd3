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

/**
 * Where an {@link AuthSession} keeps its long token between runs: memory (the default), a file
 * (`FileTokenStore` from `c2m-auth/node`), `localStorage`, a secret manager, a database row. Every
 * method may be sync or async. Sessions sharing a store (and key) share one long token.
 */
export interface TokenStore {
  /** The record under `key`, or undefined. */
  get(key: string): TokenRecord | undefined | Promise<TokenRecord | undefined>;
  /** Saves `record` under `key`. */
  set(key: string, record: TokenRecord): void | Promise<void>;
  /** Removes the record under `key`, if any. */
  delete(key: string): void | Promise<void>;
}

/** Checks that a value read back from a store is a record of this version (a corrupt one reads as none). */
export function isTokenRecord(value: unknown): value is TokenRecord {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  const optionalNumber = (field: unknown) => field === undefined || (typeof field === 'number' && Number.isFinite(field));
  const short = record.shortToken as Record<string, unknown> | undefined;
  const shortOk =
    short === undefined ||
    (typeof short === 'object' &&
      short !== null &&
      typeof short.token === 'string' &&
      short.token !== '' &&
      typeof short.expiresAtMs === 'number' &&
      optionalNumber(short.issuedAtMs) &&
      (short.tokenId === undefined || typeof short.tokenId === 'string'));
  return (
    shortOk &&
    record.version === 1 &&
    typeof record.longToken === 'string' &&
    record.longToken !== '' &&
    optionalNumber(record.expiresAtMs) &&
    optionalNumber(record.issuedAtMs) &&
    (record.tokenId === undefined || typeof record.tokenId === 'string')
  );
}

/** The default store: a Map in memory, shared by the sessions given the same instance. */
export class MemoryTokenStore implements TokenStore {
  readonly #records = new Map<string, TokenRecord>();

  /** {@inheritDoc TokenStore.get} */
  get(key: string): TokenRecord | undefined {
    return this.#records.get(key);
  }

  /** {@inheritDoc TokenStore.set} */
  set(key: string, record: TokenRecord): void {
    this.#records.set(key, record);
  }

  /** {@inheritDoc TokenStore.delete} */
  delete(key: string): void {
    this.#records.delete(key);
  }
}
