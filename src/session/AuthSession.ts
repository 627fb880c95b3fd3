import { AuthApi } from '../api/AuthApi.js';
import { MAX_TIMER_MS } from '../api/config.js';
import { AbortError } from '../errors/AbortError.js';
import { AuthApiError } from '../errors/AuthApiError.js';
import { SessionClosedError } from '../errors/SessionClosedError.js';
import { RefreshCoordinator } from './coordinator.js';
import { AUTH_SESSION_EVENTS, type AuthSessionEventName, type AuthSessionListener, Emitter, iso } from './events.js';
import { type HeldToken, isUsable } from './expiry.js';
import { asSdkError, LongTokens } from './long-token.js';
import type { AuthSessionOptions, GetAccessTokenOptions } from './options.js';
import { onPageWake } from './page-wake.js';
import { SessionStore } from './SessionStore.js';
import { checkGetAccessTokenOptions, checkSessionOptions, storeKeyFor } from './session-config.js';
import { createSessionFetch } from './session-fetch.js';
import { ShortTokens } from './short-token.js';
import { SingleFlight, untilSignal } from './single-flight.js';

const isNotFound = (error: unknown): boolean => error instanceof AuthApiError && error.status === 404;

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
  readonly #longTokens: LongTokens;
  readonly #shortTokens: ShortTokens;
  readonly #now: () => number;
  readonly #events = new Emitter();
  readonly #shortFlight = new SingleFlight<HeldToken>();
  #closed = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** Stops listening for the page coming back (autoRefresh in a browser). */
  readonly #stopWaking: () => void;

  /**
   * Sends nothing: the first {@link AuthSession.getAccessToken} loads the long token (store, then
   * `longToken`, then `credentials`) and exchanges it.
   * @throws TypeError when neither `api` nor `baseUrl` is given, when an option is unknown or has the
   * wrong type (the message names AuthSession and the option, never its value), or for a `baseUrl`
   * AuthApi would refuse.
   */
  constructor(options: AuthSessionOptions) {
    const baseUrl = checkSessionOptions(options);
    this.#options = options;
    const fetchOption = options.fetch;
    this.#api =
      options.api ??
      new AuthApi({
        baseUrl: baseUrl as string,
        ...(options.allowInsecureHttp === undefined ? {} : { allowInsecureHttp: options.allowInsecureHttp }),
        ...(fetchOption === undefined ? {} : { fetch: fetchOption }),
      });
    this.#now = options.now ?? Date.now;
    this.#store = new SessionStore(
      // No store: the session's own memory is all it needs (a Map would only copy it).
      options.store ?? { get: () => undefined, set: () => undefined, delete: () => undefined },
      options.storeKey ?? storeKeyFor(this.#api.baseUrl, options),
      this.#events,
      options.storeTimeoutMs ?? 5_000,
    );
    const context = { api: this.#api, store: this.#store, events: this.#events, now: this.#now, options };
    this.#longTokens = new LongTokens(context);
    this.#shortTokens = new ShortTokens({
      ...context,
      coordinator: new RefreshCoordinator(this.#store, this.#events, options.leaseTtlMs ?? 30_000, this.#now, () => this.#closed),
      longTokens: this.#longTokens,
      onToken: () => this.#schedule(),
      // A sign-out elsewhere (a store that tells it: BrowserTokenStore) closes this session too; its
      // own revoke() closes it before it deletes, so it never hears itself.
      onSignedOut: () => this.close(),
    });
    for (const [name, listener] of Object.entries(options.on ?? {})) {
      this.#events.on(name as AuthSessionEventName, listener as AuthSessionListener<AuthSessionEventName>);
    }
    // A page back from sleep re-checks the clock: a token due meanwhile is refreshed at once (the
    // single flight joins a refresh already running); else the timer is set again from now.
    this.#stopWaking =
      options.autoRefresh === true
        ? onPageWake(() => {
            if (this.#shortTokens.current !== undefined) this.#schedule();
          })
        : () => {};
    this.fetch = createSessionFetch(
      (refused, signal) => this.#tokenFor(refused, signal ?? undefined),
      () => fetchOption ?? globalThis.fetch,
    );
  }

  /**
   * The short-term JWT for an API call: the cached one while it is outside its refresh window, else a
   * fresh one (one exchange shared by all concurrent callers, and with a coordinated store by every
   * process sharing it).
   * @throws {@link SessionClosedError} after close/revoke, {@link SessionExpiredError} when the long
   * token is gone and no credentials can replace it, {@link AbortError} when this caller's signal
   * fires, and the AuthApi's errors when a refresh fails and no valid token is left.
   */
  async getAccessToken(options?: GetAccessTokenOptions): Promise<string> {
    if (this.#closed) throw new SessionClosedError();
    if (options !== undefined) checkGetAccessTokenOptions(options);
    const force = options?.forceRefresh === true;
    const short = this.#shortTokens.current;
    if (short !== undefined && !force && this.#now() < this.#shortTokens.refreshAtMs) return short.token;
    try {
      const held = await untilSignal(this.#refreshShort(force), options?.signal, () => AbortError.from('getAccessToken', options?.signal));
      return held.token;
    } catch (error) {
      if (this.#closed) throw new SessionClosedError();
      if (error instanceof AbortError) throw error;
      // Refresh ahead failed, but the current token is still good: serve it, the next call tries again.
      const current = this.#shortTokens.current;
      if (!force && current !== undefined && isUsable(current, this.#now())) return current.token;
      throw error;
    }
  }

  /** The long-term token, loaded (store, `longToken`, `credentials`) or rotated as needed. */
  async getLongToken(): Promise<string> {
    if (this.#closed) throw new SessionClosedError();
    return (await this.#shortTokens.longToken()).token;
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
    const short = this.#shortTokens.current;
    let long = this.#longTokens.held;
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
    this.#stopWaking();
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#shortTokens.close();
    this.#longTokens.close();
    this.#shortFlight.forget();
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
    const options: GetAccessTokenOptions = signal === undefined ? {} : { signal };
    if (refused === undefined) return this.getAccessToken(options);
    const current = this.#shortTokens.current;
    if (current !== undefined && current.token !== refused && isUsable(current, this.#now())) return Promise.resolve(current.token);
    return this.getAccessToken({ ...options, forceRefresh: true });
  }

  #refreshShort(force: boolean): Promise<HeldToken> {
    return this.#shortFlight.run(async () => {
      try {
        return await this.#shortTokens.obtain(force);
      } catch (error) {
        const sdkError = this.#closed ? new SessionClosedError() : asSdkError(error);
        const current = this.#shortTokens.current;
        const stillValid = current !== undefined && isUsable(current, this.#now());
        if (!this.#closed)
          this.#events.emit('refreshFailed', { error: sdkError, stillValidUntil: stillValid ? iso(current.expiresAtMs) : undefined });
        throw sdkError;
      }
    });
  }

  /**
   * With autoRefresh: one timer, unref'ed, for the start of the refresh window; the clock is re-checked
   * when it fires. After a failed refresh it tries again in 5 s (the failure is already an event).
   */
  #schedule(delayMs = this.#shortTokens.refreshAtMs - this.#now()): void {
    if (this.#options.autoRefresh !== true || this.#closed) return;
    clearTimeout(this.#timer);
    const timer = setTimeout(
      () => {
        this.#timer = undefined;
        // A failed refresh may still serve the valid token: the window is then still open, and
        // rescheduling for its start would fire at once, again and again, until the token expires.
        this.getAccessToken().then(
          () => this.#schedule(this.#now() < this.#shortTokens.refreshAtMs ? undefined : 5_000),
          () => this.#schedule(5_000),
        );
      },
      Math.max(0, Math.min(delayMs, MAX_TIMER_MS)),
    );
    (timer as { unref?: () => void }).unref?.();
    this.#timer = timer;
  }
}
