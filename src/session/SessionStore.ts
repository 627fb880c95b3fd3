import type { Emitter } from './events.js';
import type { HeldToken } from './expiry.js';
import { isTokenRecord, type TokenRecord, type TokenStore } from './TokenStore.js';

/** What a session reads back from its store. */
export interface StoredTokens {
  readonly long: HeldToken;
  readonly short: HeldToken | undefined;
}

const toRecord = (long: HeldToken, short: HeldToken | undefined): TokenRecord => ({
  version: 1,
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
 * A session's view of its {@link TokenStore} under one key: records in, held tokens out. A failing
 * store or a corrupt record is reported as a `storeError` event and reads as empty, never a crash.
 */
export class SessionStore {
  readonly #store: TokenStore;
  readonly #key: string;
  readonly #events: Emitter;

  constructor(store: TokenStore, key: string, events: Emitter) {
    this.#store = store;
    this.#key = key;
    this.#events = events;
  }

  async read(): Promise<StoredTokens | undefined> {
    const record = await this.#call('get', () => this.#store.get(this.#key));
    if (record === undefined) return undefined;
    if (!isTokenRecord(record)) {
      this.#events.emit('storeError', { operation: 'get', error: new TypeError('the stored record is not a c2m-auth token record') });
      return undefined;
    }
    return fromRecord(record);
  }

  write(long: HeldToken, short: HeldToken | undefined): Promise<void> {
    return this.#call('set', () => this.#store.set(this.#key, toRecord(long, short)));
  }

  async delete(): Promise<void> {
    await this.#call('delete', () => this.#store.delete(this.#key));
  }

  /** Deletes the record only if it still holds `long`: another session may have stored a newer one. */
  async deleteIfHolding(long: HeldToken): Promise<void> {
    if ((await this.read())?.long.token === long.token) await this.delete();
  }

  async #call<T>(operation: 'get' | 'set' | 'delete', call: () => T | Promise<T>): Promise<T | undefined> {
    try {
      return await call();
    } catch (error) {
      this.#events.emit('storeError', { operation, error });
      return undefined;
    }
  }
}
