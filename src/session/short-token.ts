import type { AuthApi } from '../api/AuthApi.js';
import { AuthApiError } from '../errors/AuthApiError.js';
import { SessionClosedError } from '../errors/SessionClosedError.js';
import type { ShortTokenResponse } from '../types.js';
import type { RefreshCoordinator } from './coordinator.js';
import { type Emitter, iso } from './events.js';
import { type HeldToken, heldFromResponse, refreshAtMs } from './expiry.js';
import type { LongTokens } from './long-token.js';
import type { AuthSessionOptions } from './options.js';
import type { SessionStore, StoredTokens } from './SessionStore.js';
import { SingleFlight } from './single-flight.js';
import type { TokenStoreChange } from './TokenStore.js';

const isUnauthorized = (error: unknown): boolean => error instanceof AuthApiError && error.status === 401;

/**
 * Thrown under a lease when the long token was refused (401): the lease is let go and the refresh runs
 * again, so whatever its replacement needs of the app (`longToken`, `credentials`) is called outside it.
 */
class ReplaceOutsideLease {
  constructor(readonly cause: unknown) {}
}

/** A long token and the short token exchanged for it. */
type TokenPair = { readonly long: HeldToken; readonly short: HeldToken };

/** What the short-token cache needs from its session. */
export interface ShortTokenContext {
  readonly api: AuthApi;
  readonly store: SessionStore;
  readonly coordinator: RefreshCoordinator;
  readonly longTokens: LongTokens;
  readonly events: Emitter;
  readonly now: () => number;
  readonly options: AuthSessionOptions;
  /** Called whenever a new short token is taken into use (the session schedules its timer). */
  readonly onToken: () => void;
  /** Called when another session sharing the store signed out (the session closes). */
  readonly onSignedOut: () => void;
}

/**
 * A session's short token: the cache, the exchange, and how it is shared through the store. With
 * `storeShortToken` a peer's stored token is adopted, else one exchange under the lease; without it
 * each session exchanges on its own and only the long token's work is coordinated. A store that can
 * tell of changes is followed as they happen, so peers move to a new token together.
 */
export class ShortTokens {
  readonly #context: ShortTokenContext;
  readonly #refreshWindowSeconds: number;
  readonly #longFlight = new SingleFlight<HeldToken>();
  #short: HeldToken | undefined;
  #refreshAtMs = Number.NEGATIVE_INFINITY;
  #generation = 0;
  /** Stops listening to the store's changes; null until the first refresh subscribes. */
  #unsubscribe: (() => void) | undefined | null = null;

  constructor(context: ShortTokenContext) {
    this.#context = context;
    this.#refreshWindowSeconds = context.options.refreshWindowSeconds ?? 60;
  }

  /** The short token held, if any. */
  get current(): HeldToken | undefined {
    return this.#short;
  }

  /** When the held token's refresh window starts (−∞ when it must be refreshed now). */
  get refreshAtMs(): number {
    return this.#refreshAtMs;
  }

  /** A new short token: adopted from a peer, or exchanged (forced: never the one held now). */
  async obtain(force: boolean, replaced = false): Promise<HeldToken> {
    this.#listen();
    const { options, longTokens, store, coordinator } = this.#context;
    if (options.storeShortToken !== true) {
      const long = longTokens.fresh() ?? (await this.longToken());
      return (await this.#exchange(long, () => this.longToken(), undefined)).short;
    }
    const generation = this.#generation;
    try {
      const { value, adopted } = await coordinator.run(
        (stored) => this.#adoptable(stored, force),
        async (stored, lease) => {
          const relock = async () => longTokens.ensure(await store.read());
          return this.#exchange(await longTokens.ensure(stored), relock, lease);
        },
        (stored) => longTokens.prepare(stored),
      );
      this.#assertCurrent(generation);
      if (adopted) this.#adopt(value);
      return value.short;
    } catch (error) {
      if (!(error instanceof ReplaceOutsideLease)) throw error;
      // Refused twice in a row: this call fails with the server's answer; the next one tries again.
      if (replaced) throw error.cause;
      return this.obtain(force, true);
    }
  }

  /** A usable long token: memory when it needs no work, else coordinated through the store. */
  async longToken(): Promise<HeldToken> {
    const { longTokens, coordinator } = this.#context;
    const fresh = longTokens.fresh();
    if (fresh !== undefined) return fresh;
    return this.#longFlight.run(async () => {
      const { value, adopted } = await coordinator.run(
        (stored) => longTokens.adoptable(stored),
        (stored) => longTokens.ensure(stored),
        (stored) => longTokens.prepare(stored),
      );
      return adopted ? longTokens.adopt(value) : value;
    });
  }

  /** Forgets the token and stops following the store; work in flight ends in SessionClosedError. */
  close(): void {
    this.#generation += 1;
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    this.#short = undefined;
    this.#longFlight.forget();
  }

  /** The stored pair when its short token can be handed out now (and, when forced, is not the one held). */
  #adoptable(stored: StoredTokens | undefined, force: boolean): TokenPair | undefined {
    const now = this.#context.now();
    if (stored?.short === undefined || !this.#context.longTokens.isLive(stored.long)) return undefined;
    const short = stored.short;
    if (now >= refreshAtMs(short, this.#refreshWindowSeconds)) return undefined;
    if (force && (this.#short === undefined || this.#short.token === short.token)) return undefined;
    return { long: stored.long, short };
  }

  #adopt(pair: TokenPair): void {
    this.#context.longTokens.adopt(pair.long);
    if (this.#short?.token === pair.short.token) return;
    this.#use(pair.short);
    this.#context.events.emit('tokenAdopted', { kind: 'short', tokenId: pair.short.tokenId, expiresAt: iso(pair.short.expiresAtMs) });
  }

  #use(held: HeldToken): void {
    this.#short = held;
    this.#refreshAtMs = refreshAtMs(held, this.#refreshWindowSeconds);
    this.#context.onToken();
  }

  /**
   * One exchange of `long` for a short token. A 401 means the long token is revoked or expired: it is
   * dropped (from the store only if it still holds it), `relock` gets another, and the exchange is
   * tried once more.
   */
  async #exchange(long: HeldToken, relock: () => Promise<HeldToken>, lease: AbortSignal | undefined): Promise<TokenPair> {
    const { longTokens, now, events, options, store } = this.#context;
    const generation = this.#generation;
    let sentAtMs = now();
    let response: ShortTokenResponse;
    try {
      response = await this.#issue(long);
    } catch (error) {
      if (!isUnauthorized(error)) throw error;
      await longTokens.drop(long, error);
      // Closed meanwhile (revoke() may be why the server refused it): issue nothing more.
      this.#assertCurrent(generation);
      if (lease !== undefined) throw new ReplaceOutsideLease(error);
      long = await relock();
      sentAtMs = now();
      try {
        response = await this.#issue(long);
      } catch (retryError) {
        if (isUnauthorized(retryError)) await longTokens.drop(long, retryError);
        throw retryError;
      }
    }
    this.#assertCurrent(generation);
    const held = heldFromResponse(response, sentAtMs);
    this.#use(held);
    // A lease lost meanwhile means a peer may be writing: the compare-and-set would refuse us anyway.
    if (options.storeShortToken === true && lease?.aborted !== true) await store.write(long, held);
    events.emit('tokenRefreshed', { tokenId: held.tokenId, expiresAt: iso(held.expiresAtMs), expiresInSeconds: response.expires_in });
    return { long, short: held };
  }

  #issue(long: HeldToken): Promise<ShortTokenResponse> {
    const scopes = this.#context.options.scopes;
    return this.#context.api.issueShortTermToken(scopes === undefined ? undefined : { scopes: [...scopes] }, { longToken: long.token });
  }

  /** Follows a peer's writes as they happen, where the store can tell: its newer tokens are taken into use. */
  #listen(): void {
    if (this.#unsubscribe !== null) return;
    this.#unsubscribe = this.#context.store.subscribe((change) => void this.#onStoreChange(change));
  }

  async #onStoreChange(change: TokenStoreChange): Promise<void> {
    const { store, longTokens, options } = this.#context;
    if (this.#unsubscribe === undefined) return;
    if (change.signedOut === true) return this.#context.onSignedOut();
    if (change.revision === undefined || store.isOwn(change)) return;
    const generation = this.#generation;
    const stored = await store.read();
    // A long token the server refused stays refused, whoever writes it back (a peer that has not heard).
    if (generation !== this.#generation || stored === undefined || !longTokens.isLive(stored.long)) return;
    const short = this.#short;
    const pair = options.storeShortToken === true ? this.#adoptable(stored, false) : undefined;
    if (pair !== undefined && (short === undefined || (pair.short.token !== short.token && pair.short.expiresAtMs >= short.expiresAtMs)))
      this.#adopt(pair);
    else if (longTokens.held?.token !== stored.long.token) {
      longTokens.adopt(stored.long);
      // A peer replaced the long token (rotation, or after a 401): short tokens of the old one may be
      // revoked with it, so the next call refreshes (the current token still serves if that fails).
      if (options.storeShortToken !== true) this.#refreshAtMs = Number.NEGATIVE_INFINITY;
    }
  }

  #assertCurrent(generation: number): void {
    if (generation !== this.#generation) throw new SessionClosedError();
  }
}
