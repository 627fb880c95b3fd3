import { AuthApi } from '../api/AuthApi.js';
import { MAX_TIMER_MS } from '../api/config.js';
import { AbortError } from '../errors/AbortError.js';
import { AuthApiError } from '../errors/AuthApiError.js';
import { AuthSdkError } from '../errors/AuthSdkError.js';
import { RequestValidationError } from '../errors/RequestValidationError.js';
import { SessionClosedError } from '../errors/SessionClosedError.js';
import { SessionExpiredError } from '../errors/SessionExpiredError.js';
import type { LongTokenRequest, ShortTokenResponse } from '../types.js';
import { AUTH_SESSION_EVENTS, type AuthSessionEventName, type AuthSessionListener, Emitter, iso } from './events.js';
import { type HeldToken, heldFromResponse, inRotationWindow, isUsable, refreshAtMs } from './expiry.js';
import type { AuthSessionOptions, GetAccessTokenOptions } from './options.js';
import { SessionStore } from './SessionStore.js';
import { checkGetAccessTokenOptions, checkSessionOptions, givenLongToken, storeKeyFor } from './session-config.js';
import { createSessionFetch } from './session-fetch.js';
import { SingleFlight, untilAborted } from './single-flight.js';
import { MemoryTokenStore } from './MemoryTokenStore.js';

const isUnauthorized = (error: unknown): boolean => error instanceof AuthApiError && error.status === 401;
const isNotFound = (error: unknown): boolean => error instanceof AuthApiError && error.status === 404;
const asSdkError = (error: unknown): AuthSdkError =>
  error instanceof AuthSdkError ? error : new AuthSdkError('AuthSession: refresh failed', { cause: error });

/**
 * Hands out short-term JWTs for every API call: it caches the long token (in a {@link TokenStore}),
 * exchanges it for short tokens, and refreshes them before they expire. Any number of concurrent
 * callers share one refresh; a failure is never cached; expiry is re-checked against the clock on
 * every call, so a machine that slept never gets an expired token; a refresh that fails while the
 * current token is still valid serves that token and reports the failure as an event. It keeps no
 * timer unless `autoRefresh` is set, and no secret or token shows in its errors, events or inspection.
 *
 * @example
 * ```ts
 * const session = new AuthSession({ baseUrl, credentials: { grant_type: 'client_credentials', client_id, client_secret } })
 * const jobs = await session.fetch(`${baseUrl}/jobs`) // Authorization: Bearer <short JWT>
 * ```
 */
export class AuthSession {
  /**
   * `fetch` with `Authorization: Bearer <short JWT>`; on a 401 it refreshes once and replays the
   * request. Bound, so it can be handed to ky (`ky.create({ fetch: session.fetch })`) or openapi-fetch.
   */
  readonly fetch: typeof fetch;
  readonly #api: AuthApi;
  readonly #options: AuthSessionOptions;
  readonly #store: SessionStore;
  readonly #now: () => number;
  readonly #refreshWindowSeconds: number;
  readonly #events = new Emitter();
  readonly #shortFlight = new SingleFlight<HeldToken>();
  readonly #longFlight = new SingleFlight<HeldToken>();
  #given: HeldToken | undefined;
  #long: HeldToken | undefined;
  #short: HeldToken | undefined;
  #shortRefreshAtMs = Number.NEGATIVE_INFINITY;
  #warnedExpiring: HeldToken | undefined;
  #closed = false;
  #generation = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;

  /**
   * Sends nothing: the first {@link AuthSession.getAccessToken} loads the long token (store, then
   * `longToken`, then `credentials`) and exchanges it.
   * @throws TypeError when an option has the wrong type (the message names it, never its value).
   */
  constructor(options: AuthSessionOptions = {}) {
    checkSessionOptions(options);
    this.#options = options;
    const fetchOption = options.fetch;
    this.#api =
      options.api ??
      new AuthApi({
        ...(options.baseUrl === undefined ? {} : { baseUrl: options.baseUrl }),
        ...(fetchOption === undefined ? {} : { fetch: fetchOption }),
      });
    this.#store = new SessionStore(
      options.store ?? new MemoryTokenStore(),
      options.storeKey ?? storeKeyFor(this.#api.baseUrl, options),
      this.#events,
    );
    this.#now = options.now ?? Date.now;
    this.#refreshWindowSeconds = options.refreshWindowSeconds ?? 60;
    this.#given = givenLongToken(options.longToken);
    for (const [name, listener] of Object.entries(options.on ?? {})) {
      this.#events.on(name as AuthSessionEventName, listener as AuthSessionListener<AuthSessionEventName>);
    }
    this.fetch = createSessionFetch(
      (refused, signal) => this.#tokenFor(refused, signal ?? undefined),
      () => fetchOption ?? globalThis.fetch,
    );
  }

  /**
   * The short-term JWT for an API call: the cached one while it is outside its refresh window, else a
   * fresh one (one exchange shared by all concurrent callers).
   * @throws {@link SessionClosedError} after close/revoke, {@link SessionExpiredError} when the long
   * token is gone and no credentials can replace it, {@link AbortError} when this caller's signal
   * fires, and the AuthApi's errors when a refresh fails and no valid token is left.
   */
  async getAccessToken(options?: GetAccessTokenOptions): Promise<string> {
    if (this.#closed) throw new SessionClosedError();
    if (options !== undefined) checkGetAccessTokenOptions(options);
    const force = options?.forceRefresh === true;
    const short = this.#short;
    if (short !== undefined && !force && this.#now() < this.#shortRefreshAtMs) return short.token;
    try {
      const held = await untilAborted(this.#refreshShort(force), options?.signal, 'getAccessToken');
      return held.token;
    } catch (error) {
      if (this.#closed) throw new SessionClosedError();
      if (error instanceof AbortError) throw error;
      // Refresh ahead failed, but the current token is still good: serve it, the next call tries again.
      const current = this.#short;
      if (!force && current !== undefined && isUsable(current, this.#now())) return current.token;
      throw error;
    }
  }

  /** The long-term token, loaded (store, `longToken`, `credentials`) or rotated as needed. */
  async getLongToken(): Promise<string> {
    if (this.#closed) throw new SessionClosedError();
    return (await this.#longToken()).token;
  }

  /**
   * Listens to a session event; returns a function that stops listening. Events carry ids and times,
   * never tokens or credentials.
   */
  on<K extends AuthSessionEventName>(name: K, listener: AuthSessionListener<K>): () => void {
    if (!(AUTH_SESSION_EVENTS as readonly string[]).includes(name))
      throw new TypeError(`AuthSession.on: unknown event ${JSON.stringify(String(name))}`);
    if (typeof listener !== 'function') throw new TypeError('AuthSession.on: the listener must be a function');
    return this.#events.on(name, listener);
  }

  /**
   * Signs out: clears memory and store first, then revokes the short and the long token on the server
   * (a 404 counts as done). In-flight refreshes are abandoned; every call afterwards rejects with
   * {@link SessionClosedError}. Tokens without a known id cannot be revoked on the server.
   * @throws the first revocation error other than 404, after both were tried.
   */
  async revoke(): Promise<void> {
    const short = this.#short;
    let long = this.#long ?? this.#given;
    this.close();
    if (long === undefined) {
      const stored = await this.#store.read();
      if (stored !== undefined) long = stored.long;
    }
    await this.#store.delete();
    const failures: unknown[] = [];
    for (const held of [short, long]) {
      if (held?.tokenId === undefined) continue;
      // The long token authorises both when the session has one; else the short one revokes itself.
      const auth = long === undefined ? { shortToken: held.token } : { longToken: long.token };
      await this.#api.revokeToken(held.tokenId, auth).catch((error: unknown) => {
        if (!isNotFound(error)) failures.push(error);
      });
    }
    if (failures.length > 0) throw failures[0];
  }

  /** Stops the session without revoking anything: timers stop, memory is cleared, the store is kept. */
  close(): void {
    this.#closed = true;
    this.#generation += 1;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#short = undefined;
    this.#long = undefined;
    this.#given = undefined;
    this.#shortFlight.forget();
    this.#longFlight.forget();
  }

  /** `using session = new AuthSession(…)`: closes it. */
  [Symbol.dispose](): void {
    this.close();
  }

  /** `await using session = new AuthSession(…)`: closes it. */
  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
  }

  /** For session.fetch: the current token, or after a 401 a fresh one unless another caller already got it. */
  #tokenFor(refused: string | undefined, signal: AbortSignal | undefined): Promise<string> {
    if (refused === undefined) return signal === undefined ? this.getAccessToken() : this.getAccessToken({ signal });
    const current = this.#short;
    if (current !== undefined && current.token !== refused && isUsable(current, this.#now())) return Promise.resolve(current.token);
    return this.getAccessToken(signal === undefined ? { forceRefresh: true } : { forceRefresh: true, signal });
  }

  #refreshShort(force: boolean): Promise<HeldToken> {
    return this.#shortFlight.run(async () => {
      try {
        if (!force && this.#short === undefined && this.#options.storeShortToken === true) {
          const stored = await this.#storedShort();
          if (stored !== undefined) return stored;
        }
        return await this.#exchange();
      } catch (error) {
        const sdkError = this.#closed ? new SessionClosedError() : asSdkError(error);
        const current = this.#short;
        const stillValid = current !== undefined && isUsable(current, this.#now());
        if (!this.#closed)
          this.#events.emit('refreshFailed', { error: sdkError, stillValidUntil: stillValid ? iso(current.expiresAtMs) : undefined });
        throw sdkError;
      }
    });
  }

  #adoptShort(held: HeldToken): void {
    this.#short = held;
    this.#shortRefreshAtMs = refreshAtMs(held, this.#refreshWindowSeconds);
  }

  /** With storeShortToken, on a cold start: the stored short token while it is outside its refresh window. */
  async #storedShort(): Promise<HeldToken | undefined> {
    const generation = this.#generation;
    const stored = await this.#store.read();
    this.#assertCurrent(generation);
    if (stored?.short === undefined || !isUsable(stored.long, this.#now())) return undefined;
    if (this.#now() >= refreshAtMs(stored.short, this.#refreshWindowSeconds)) return undefined;
    this.#long ??= stored.long;
    this.#adoptShort(stored.short);
    this.#schedule();
    return stored.short;
  }

  async #exchange(): Promise<HeldToken> {
    const generation = this.#generation;
    let long = await this.#longToken();
    let sentAtMs = this.#now();
    let response: ShortTokenResponse;
    try {
      response = await this.#issueShort(long);
    } catch (error) {
      if (!isUnauthorized(error)) throw error;
      // The long token is revoked or expired: drop it, get another from the credentials, retry once.
      await this.#dropLong(long, error);
      long = await this.#longToken();
      sentAtMs = this.#now();
      try {
        response = await this.#issueShort(long);
      } catch (retryError) {
        if (isUnauthorized(retryError)) await this.#dropLong(long, retryError);
        throw retryError;
      }
    }
    this.#assertCurrent(generation);
    const held = heldFromResponse(response, sentAtMs);
    this.#adoptShort(held);
    if (this.#options.storeShortToken === true) await this.#store.write(long, held);
    this.#events.emit('tokenRefreshed', { tokenId: held.tokenId, expiresAt: iso(held.expiresAtMs), expiresInSeconds: response.expires_in });
    this.#schedule();
    return held;
  }

  #issueShort(long: HeldToken): Promise<ShortTokenResponse> {
    const scopes = this.#options.scopes;
    return this.#api.issueShortTermToken(scopes === undefined ? undefined : { scopes: [...scopes] }, { longToken: long.token });
  }

  async #longToken(): Promise<HeldToken> {
    let long = this.#long;
    if (long === undefined || !isUsable(long, this.#now())) long = await this.#longFlight.run(() => this.#loadLong());
    if (inRotationWindow(long, this.#now(), this.#options.longTokenRotationFraction ?? 0.1)) {
      const old = long;
      if (this.#options.credentials !== undefined) return this.#longFlight.run(() => this.#rotate(old));
      if (this.#warnedExpiring !== old) {
        this.#warnedExpiring = old;
        this.#events.emit('longTokenExpiring', { tokenId: old.tokenId, expiresAt: iso(old.expiresAtMs) });
      }
    }
    return long;
  }

  async #loadLong(): Promise<HeldToken> {
    const generation = this.#generation;
    const stored = (await this.#store.read())?.long;
    this.#assertCurrent(generation);
    if (stored !== undefined && isUsable(stored, this.#now())) {
      this.#long = stored;
      return stored;
    }
    const given = this.#given;
    if (given !== undefined && isUsable(given, this.#now())) {
      this.#long = given;
      await this.#store.write(given, undefined);
      return given;
    }
    const issued = await this.#issueLong();
    this.#events.emit('longTokenIssued', { tokenId: issued.tokenId, expiresAt: iso(issued.expiresAtMs) });
    return issued;
  }

  async #rotate(old: HeldToken): Promise<HeldToken> {
    let issued: HeldToken;
    try {
      issued = await this.#issueLong();
    } catch (error) {
      if (this.#closed) throw error;
      // The old token still works: keep it, report, and try again at the next refresh.
      this.#events.emit('refreshFailed', { error: asSdkError(error), stillValidUntil: iso(old.expiresAtMs) });
      return old;
    }
    this.#events.emit('longTokenRotated', { previousTokenId: old.tokenId, tokenId: issued.tokenId, expiresAt: iso(issued.expiresAtMs) });
    if (old.tokenId !== undefined) this.#api.revokeToken(old.tokenId, { longToken: old.token }).catch(() => undefined);
    return issued;
  }

  async #issueLong(): Promise<HeldToken> {
    const generation = this.#generation;
    const credentials = this.#options.credentials;
    if (credentials === undefined) {
      this.#events.emit('sessionExpired', { tokenId: undefined });
      throw new SessionExpiredError('AuthSession: no usable long token, and no credentials to issue one');
    }
    const body = await this.#credentialsBody(credentials);
    const sentAtMs = this.#now();
    const response = await this.#api.issueLongTermToken(body);
    const held = heldFromResponse(response, sentAtMs);
    if (generation !== this.#generation) {
      // Issued for a session that has since been closed: nobody will use it, so revoke it.
      if (held.tokenId !== undefined) this.#api.revokeToken(held.tokenId, { longToken: held.token }).catch(() => undefined);
      throw new SessionClosedError();
    }
    this.#long = held;
    await this.#store.write(held, undefined);
    return held;
  }

  async #credentialsBody(credentials: NonNullable<AuthSessionOptions['credentials']>): Promise<LongTokenRequest> {
    let body: LongTokenRequest;
    try {
      body = typeof credentials === 'function' ? await credentials() : credentials;
    } catch (error) {
      throw new RequestValidationError('AuthSession', [{ path: ['credentials'], message: 'the credentials function threw' }], {
        cause: error,
      });
    }
    const { longTokenScopes, longTokenTtlSeconds } = this.#options;
    if (typeof body !== 'object' || body === null) return body;
    return {
      ...body,
      ...(body.scopes === undefined && longTokenScopes !== undefined ? { scopes: [...longTokenScopes] } : {}),
      ...(body.ttl_seconds === undefined && longTokenTtlSeconds !== undefined ? { ttl_seconds: longTokenTtlSeconds } : {}),
    };
  }

  async #dropLong(long: HeldToken, cause: unknown): Promise<void> {
    if (this.#long === long) this.#long = undefined;
    if (this.#given === long) this.#given = undefined;
    await this.#store.deleteIfHolding(long);
    if (this.#options.credentials === undefined) {
      this.#events.emit('sessionExpired', { tokenId: long.tokenId });
      throw new SessionExpiredError('AuthSession: the long token is expired or revoked, and no credentials can issue another', { cause });
    }
  }

  #assertCurrent(generation: number): void {
    if (generation !== this.#generation) throw new SessionClosedError();
  }

  /**
   * With autoRefresh: one timer, unref'ed, for the start of the refresh window; the clock is re-checked
   * when it fires. After a failed refresh it tries again in 5 s (the failure is already an event).
   */
  #schedule(delayMs = this.#shortRefreshAtMs - this.#now()): void {
    if (this.#options.autoRefresh !== true || this.#closed) return;
    clearTimeout(this.#timer);
    const timer = setTimeout(
      () => {
        this.#timer = undefined;
        this.getAccessToken().then(
          () => this.#schedule(),
          () => this.#schedule(5_000),
        );
      },
      Math.max(0, Math.min(delayMs, MAX_TIMER_MS)),
    );
    (timer as { unref?: () => void }).unref?.();
    this.#timer = timer;
  }
}
