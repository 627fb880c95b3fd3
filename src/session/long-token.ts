import type { AuthApi } from '../api/AuthApi.js';
import type { LongTokenValue } from '../api/options.js';
import { longTokenValue } from '../api/validation.js';
import { AuthSdkError } from '../errors/AuthSdkError.js';
import { RequestValidationError } from '../errors/RequestValidationError.js';
import { SessionClosedError } from '../errors/SessionClosedError.js';
import { SessionExpiredError } from '../errors/SessionExpiredError.js';
import type { LongTokenRequest } from '../types.js';
import { type Emitter, iso, isoOrUndefined } from './events.js';
import { type HeldToken, heldFromResponse, inRotationWindow, isUsable } from './expiry.js';
import type { AuthSessionOptions } from './options.js';
import type { SessionStore, StoredTokens } from './SessionStore.js';
import { givenLongToken } from './session-config.js';

/** The error a failed refresh reports: the SDK's own, or a plain one wrapped. */
export const asSdkError = (error: unknown): AuthSdkError =>
  error instanceof AuthSdkError ? error : new AuthSdkError('AuthSession: refresh failed', { cause: error });

/** What the long-token life cycle needs from its session. */
export interface LongTokenContext {
  readonly api: AuthApi;
  readonly store: SessionStore;
  readonly events: Emitter;
  readonly now: () => number;
  readonly options: AuthSessionOptions;
}

/**
 * A session's long token through its life: taken from the store (a peer's is adopted), else the app's
 * `longToken`, else issued from the credentials; rotated in the last part of its life; dropped after
 * a 401. Every write is a compare-and-set against the record last read, so two processes never both
 * win: the loser of an issue or rotation race revokes the token it just got and adopts the winner's.
 * The caller holds the store's lease around {@link LongTokens.ensure} where the store has one.
 */
export class LongTokens {
  readonly #context: LongTokenContext;
  #long: HeldToken | undefined;
  #given: HeldToken | undefined;
  #warnedExpiring: HeldToken | undefined;
  #generation = 0;
  /** The app's long token, got by {@link LongTokens.prepare} for the next `ensure` (taken once). */
  #preparedApp: { readonly long: HeldToken | undefined } | undefined;
  /** The credentials function's answer, got by {@link LongTokens.prepare} for the next issue (taken once). */
  #preparedBody: LongTokenRequest | undefined;
  /** Long tokens the server refused: never taken into use again, whatever a store still holds. */
  readonly #refused = new Set<string>();

  constructor(context: LongTokenContext) {
    this.#context = context;
    const given = context.options.longToken;
    if (typeof given !== 'function') this.#given = givenLongToken(given);
  }

  /** The long token in memory (or the app's), for revocation. */
  get held(): HeldToken | undefined {
    return this.#long ?? this.#given;
  }

  /** The token in memory when it needs no work (usable, not due for rotation): no store round trip. */
  fresh(): HeldToken | undefined {
    return this.#ifNoWork(this.#long);
  }

  /** The stored long token when it needs no work, for adoption. */
  adoptable(stored: StoredTokens | undefined): HeldToken | undefined {
    return this.#ifNoWork(stored?.long);
  }

  /** Takes `long` (a peer's) into use, with a `tokenAdopted` event when it is new to this session. */
  adopt(long: HeldToken): HeldToken {
    if (this.#long?.token !== long.token) {
      this.#long = long;
      this.#context.events.emit('tokenAdopted', { kind: 'long', tokenId: long.tokenId, expiresAt: isoOrUndefined(long.expiresAtMs) });
    }
    return long;
  }

  /**
   * Calls the app's functions that the next {@link LongTokens.ensure} would need (the `longToken`
   * function when no usable long token is held, a `credentials` function when one must be issued or
   * rotated), before the store's lease is asked for: no app code runs under a lease, where a slow or
   * hanging backend would stall every peer.
   */
  async prepare(stored: StoredTokens | undefined): Promise<void> {
    this.#preparedApp = undefined;
    this.#preparedBody = undefined;
    if (this.adoptable(stored) !== undefined) return;
    const { now, options } = this.#context;
    let long = [stored?.long, this.#long, this.#given].find((held) => held !== undefined && this.isLive(held));
    if (long === undefined && typeof options.longToken === 'function') {
      long = await this.#fromApp();
      this.#preparedApp = { long };
    }
    const issuing = long === undefined || !this.isLive(long) || inRotationWindow(long, now(), options.longTokenRotationFraction ?? 0.1);
    if (issuing && typeof options.credentials === 'function') this.#preparedBody = await this.#credentialsBody();
  }

  /**
   * A usable long token, given what the store holds now (read under the lease): the stored one, else
   * the one in memory (written back: the store may have lost it), else the app's (its function
   * called), else a new one from the credentials; rotated when it is in the last part of its life.
   */
  async ensure(stored: StoredTokens | undefined): Promise<HeldToken> {
    const generation = this.#generation;
    const { store, now, events, options } = this.#context;
    let long = stored?.long;
    if (long !== undefined && this.isLive(long)) long = this.adopt(long);
    else {
      long = this.#long ?? this.#given;
      if (long === undefined || !this.isLive(long)) {
        const prepared = this.#preparedApp;
        this.#preparedApp = undefined;
        long = prepared === undefined ? await this.#fromApp() : prepared.long;
      }
      if (long !== undefined && this.isLive(long)) {
        this.#assertCurrent(generation);
        this.#long = long;
        await store.write(long, undefined);
      } else {
        long = await this.#issueLong();
        events.emit('longTokenIssued', { tokenId: long.tokenId, expiresAt: iso(long.expiresAtMs) });
        long = await this.#keepOne(long, undefined);
      }
    }
    this.#assertCurrent(generation);
    if (!inRotationWindow(long, now(), options.longTokenRotationFraction ?? 0.1)) return long;
    if (options.credentials !== undefined) return this.#rotate(long);
    // By value: a token read back from the store is a new object each time.
    if (this.#warnedExpiring?.token !== long.token) {
      this.#warnedExpiring = long;
      events.emit('longTokenExpiring', { tokenId: long.tokenId, expiresAt: iso(long.expiresAtMs) });
    }
    return long;
  }

  /**
   * Forgets a long token the server refused (401), and deletes it from the store only if the store
   * still holds that exact token.
   * @throws {@link SessionExpiredError} when no credentials can issue another.
   */
  async drop(long: HeldToken, cause: unknown): Promise<void> {
    // A handful at most in a session's life; bounded all the same.
    if (this.#refused.size >= 16) this.#refused.clear();
    this.#refused.add(long.token);
    if (this.#long?.token === long.token) this.#long = undefined;
    if (this.#given?.token === long.token) this.#given = undefined;
    await this.#context.store.deleteIfHolding(long);
    if (this.#context.options.credentials === undefined) {
      this.#context.events.emit('sessionExpired', { tokenId: long.tokenId });
      throw new SessionExpiredError('AuthSession: the long token is expired or revoked, and no credentials can issue another', { cause });
    }
  }

  /** Forgets every token; an issue in flight is revoked when it lands. */
  close(): void {
    this.#generation += 1;
    this.#long = undefined;
    this.#given = undefined;
  }

  /** `long` when it needs no work: usable, and not due for rotation. */
  #ifNoWork(long: HeldToken | undefined): HeldToken | undefined {
    const { now, options } = this.#context;
    if (long === undefined || !this.isLive(long)) return undefined;
    return options.credentials === undefined || !inRotationWindow(long, now(), options.longTokenRotationFraction ?? 0.1) ? long : undefined;
  }

  /** Whether `long` may be used: usable now, and not refused by the server. */
  isLive(long: HeldToken): boolean {
    return isUsable(long, this.#context.now()) && !this.#refused.has(long.token);
  }

  /** The long token the app's `longToken` function returns, checked; undefined without one. */
  async #fromApp(): Promise<HeldToken | undefined> {
    const source = this.#context.options.longToken;
    if (typeof source !== 'function') return undefined;
    const path = ['longToken'];
    let value: unknown;
    try {
      value = await source();
    } catch (error) {
      if (error instanceof AuthSdkError) throw error;
      throw new RequestValidationError('AuthSession', [{ path, message: 'the longToken function threw' }], { cause: error });
    }
    const checked = longTokenValue(value, path);
    if (typeof checked === 'object') throw new RequestValidationError('AuthSession', [checked]);
    return givenLongToken(value as LongTokenValue);
  }

  /** The credentials: the object given, or what the credentials function returns. */
  async #credentialsBody(): Promise<LongTokenRequest> {
    const credentials = this.#context.options.credentials;
    try {
      return typeof credentials === 'function' ? await credentials() : (credentials as LongTokenRequest);
    } catch (error) {
      throw new RequestValidationError('AuthSession', [{ path: ['credentials'], message: 'the credentials function threw' }], {
        cause: error,
      });
    }
  }

  async #rotate(old: HeldToken): Promise<HeldToken> {
    let issued: HeldToken;
    try {
      issued = await this.#issueLong();
    } catch (error) {
      if (error instanceof SessionClosedError) throw error;
      // The old token still works: keep it, report, and try again at the next refresh.
      this.#context.events.emit('refreshFailed', { error: asSdkError(error), stillValidUntil: iso(old.expiresAtMs) });
      return old;
    }
    const kept = await this.#keepOne(issued, old);
    if (kept !== issued) return kept;
    this.#context.events.emit('longTokenRotated', {
      previousTokenId: old.tokenId,
      tokenId: issued.tokenId,
      expiresAt: iso(issued.expiresAtMs),
    });
    this.#revokeQuietly(old);
    return issued;
  }

  /**
   * Stores a newly issued token with compare-and-set. If a peer stored one first (it had the lease
   * while this session had none), the peer's survives and this one is revoked at once: 0 orphans.
   */
  async #keepOne(issued: HeldToken, fallback: HeldToken | undefined): Promise<HeldToken> {
    const { store } = this.#context;
    if ((await store.write(issued, undefined)) === 'conflict') {
      const stored = await store.read();
      const winner = stored !== undefined && this.isLive(stored.long) ? this.adopt(stored.long) : fallback;
      if (winner !== undefined) {
        this.#revokeQuietly(issued);
        return winner;
      }
    }
    this.#long = issued;
    return issued;
  }

  async #issueLong(): Promise<HeldToken> {
    const generation = this.#generation;
    const { api, events, now, options } = this.#context;
    const credentials = options.credentials;
    if (credentials === undefined) {
      events.emit('sessionExpired', { tokenId: undefined });
      throw new SessionExpiredError('AuthSession: no usable long token, and no credentials to issue one');
    }
    let body = this.#preparedBody ?? (await this.#credentialsBody());
    this.#preparedBody = undefined;
    if (typeof body === 'object' && body !== null) {
      body = { ...body };
      if (body.scopes === undefined && options.longTokenScopes !== undefined) body.scopes = [...options.longTokenScopes];
      if (body.ttl_seconds === undefined && options.longTokenTtlSeconds !== undefined) body.ttl_seconds = options.longTokenTtlSeconds;
    }
    const sentAtMs = now();
    const held = heldFromResponse(await api.issueLongTermToken(body), sentAtMs);
    if (generation !== this.#generation) {
      // Issued for a session that has since been closed: nobody will use it, so revoke it.
      this.#revokeQuietly(held);
      throw new SessionClosedError();
    }
    return held;
  }

  #revokeQuietly(held: HeldToken): void {
    if (held.tokenId !== undefined) this.#context.api.revokeToken(held.tokenId, { longToken: held.token }).catch(() => undefined);
  }

  #assertCurrent(generation: number): void {
    if (generation !== this.#generation) throw new SessionClosedError();
  }
}
