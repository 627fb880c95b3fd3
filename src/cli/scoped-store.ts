import type { FileTokenStore } from '../node/FileTokenStore.js';
import type { LeaseOptions, TokenRecord, TokenStore, TokenStoreChange } from '../session/TokenStore.js';

/** A record as the CLI keeps it: its short token's scopes noted beside it (`''`: the long token's own). */
export type CliTokenRecord = TokenRecord & { readonly shortTokenScopes?: string | undefined };

/** How a set of scopes is noted beside a short token: sorted, space-separated; `''` when none are asked. */
export const scopesTag = (scopes: readonly string[] | undefined): string =>
  scopes === undefined ? '' : [...new Set(scopes)].sort().join(' ');

/**
 * The token file as one `token` run sees it: a cached short token is handed to the session only when
 * it was issued for the scopes this run asks for, so `token --scopes jobs:submit` never gets the wider
 * token of a plain `token` run, nor the other way round. Each write notes its short token's scopes;
 * the lease and the change notifications are the file store's own.
 */
export class ScopedShortTokenStore implements TokenStore {
  readonly #store: FileTokenStore;
  readonly #tag: string;

  /** @param tag - The scopes this run asks for, from {@link scopesTag}. */
  constructor(store: FileTokenStore, tag: string) {
    this.#store = store;
    this.#tag = tag;
  }

  /** The record, without its short token when that was issued for other scopes. */
  async get(key: string): Promise<TokenRecord | undefined> {
    const record: CliTokenRecord | undefined = await this.#store.get(key);
    if (record?.shortToken === undefined || (record.shortTokenScopes ?? '') === this.#tag) return record;
    const { shortToken: _other, shortTokenScopes: _its, ...rest } = record;
    return rest;
  }

  /** {@inheritDoc TokenStore.set} */
  set(key: string, record: TokenRecord): Promise<void> {
    return this.#store.set(key, this.#noted(record));
  }

  /** {@inheritDoc TokenStore.delete} */
  delete(key: string): Promise<void> {
    return this.#store.delete(key);
  }

  /** {@inheritDoc TokenStore.compareAndSet} */
  compareAndSet(key: string, expected: TokenRecord | undefined, next: TokenRecord | undefined): Promise<boolean> {
    return this.#store.compareAndSet(key, expected, next === undefined ? undefined : this.#noted(next));
  }

  /** {@inheritDoc TokenStore.lease} */
  lease<T>(key: string, ttlMs: number, task: (signal: AbortSignal) => Promise<T>, options?: LeaseOptions): Promise<T> {
    return this.#store.lease(key, ttlMs, task, options);
  }

  /** {@inheritDoc TokenStore.subscribe} */
  subscribe(key: string, listener: (change: TokenStoreChange) => void): () => void {
    return this.#store.subscribe(key, listener);
  }

  #noted(record: TokenRecord): CliTokenRecord {
    return record.shortToken === undefined ? record : { ...record, shortTokenScopes: this.#tag };
  }
}
