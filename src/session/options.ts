import type { AuthApi } from '../api/AuthApi.js';
import type { LongTokenSource } from '../api/options.js';
import type { LongTokenRequest } from '../types.js';
import type { AuthSessionEventName, AuthSessionListener } from './events.js';
import type { TokenStore } from './TokenStore.js';

/** How a session gets a long token: a request body, or a function called each time one is needed. */
export type SessionCredentials = LongTokenRequest | (() => LongTokenRequest | Promise<LongTokenRequest>);

/**
 * A long token the app already holds (from its backend, a vault, an earlier run), or a function
 * returning one: the same forms as AuthApi's `longToken`.
 */
export type GivenLongToken = LongTokenSource;

/**
 * Where a session sends its calls: an `api` of the app's, or a `baseUrl` (and, to a non-loopback
 * plain-http URL, `allowInsecureHttp`) for the AuthApi the session makes. One or the other is required.
 */
export type AuthSessionTarget =
  | { readonly api: AuthApi; readonly baseUrl?: never; readonly allowInsecureHttp?: never }
  | {
      readonly api?: never;
      /** Base URL for the AuthApi the session makes; the same rules as AuthApi's `baseUrl`. */
      readonly baseUrl: string;
      /**
       * Allow a plain `http://` base URL to a host other than loopback.
       * @default false
       */
      readonly allowInsecureHttp?: boolean;
    };

/**
 * Options of {@link AuthSession}: where to send (`api` or `baseUrl`, see {@link AuthSessionTarget}),
 * and `credentials` or `longToken` (or both); every other field is optional.
 */
export type AuthSessionOptions = AuthSessionTarget & AuthSessionSettings;

/** Options of {@link AuthSession} besides where it sends its calls. */
export interface AuthSessionSettings {
  /**
   * The fetch behind `session.fetch` (and the AuthApi the session makes).
   * @default globalThis.fetch, looked up on each call
   */
  readonly fetch?: typeof fetch;
  /**
   * How to get a long token. The function form is called each time one is needed: a fresh one-time
   * `otp_code` from a prompt, a freshly signed assertion.
   */
  readonly credentials?: SessionCredentials;
  /**
   * A long token the app already holds, or a function returning one (sync or async; called each time
   * the session needs a long token and the store has none, e.g. to fetch it from the app's backend);
   * used after the store and before `credentials`.
   */
  readonly longToken?: GivenLongToken;
  /** Client id for the store key, when `credentials` is a function. */
  readonly clientId?: string;
  /** Scopes to narrow each short token to; by default the long token's. */
  readonly scopes?: readonly string[];
  /** Scopes for long tokens the session issues, when the credentials name none. */
  readonly longTokenScopes?: readonly string[];
  /** Lifetime asked for long tokens the session issues (3600 to 7776000), when the credentials name none. */
  readonly longTokenTtlSeconds?: number;
  /**
   * Seconds before a short token's expiry when the session refreshes it; at most half its lifetime.
   * @default 60
   */
  readonly refreshWindowSeconds?: number;
  /**
   * The last part of a long token's life (0 to 1) in which the session rotates it (with credentials)
   * or emits `longTokenExpiring` (without).
   * @default 0.1
   */
  readonly longTokenRotationFraction?: number;
  /**
   * Where the long token is kept.
   * @default none: the session keeps its tokens in its own memory (share a `MemoryTokenStore` between
   * sessions of one process to share one long token)
   */
  readonly store?: TokenStore;
  /**
   * Keep the current short token in the store too, so a short-lived process (a CLI run) reuses it
   * instead of exchanging on every start. Off by default: short tokens stay in memory.
   * @default false
   */
  readonly storeShortToken?: boolean;
  /**
   * How long a store call may take before the session goes on without the store (a `storeError`
   * event; the next refresh tries the store again).
   * @default 5000
   */
  readonly storeTimeoutMs?: number;
  /**
   * Lifetime of the store's lease on a refresh (with a store that has `lease`): it is extended while
   * the refresh runs, so this is how long peers wait when its holder dies. Keep it above the request
   * timeout.
   * @default 30000
   */
  readonly leaseTtlMs?: number;
  /** The store key; by default derived from the base URL and client id. */
  readonly storeKey?: string;
  /**
   * Refresh in the background with one timer (unref'ed in Node, so it never keeps a process alive).
   * In a browser the clock is also re-checked when the page comes back (`visibilitychange`,
   * `pageshow`, `online`): a token that fell due while the page slept is refreshed at once. Without it
   * the session keeps no timer and refreshes when asked (the clock is checked on every call).
   * @default false
   */
  readonly autoRefresh?: boolean;
  /**
   * The clock, in ms since the epoch, for tests.
   * @default Date.now
   */
  readonly now?: () => number;
  /** Event listeners; `session.on()` adds more. */
  readonly on?: { readonly [K in AuthSessionEventName]?: AuthSessionListener<K> };
}

/** Options of {@link AuthSession.getAccessToken}. */
export interface GetAccessTokenOptions {
  /** Get a new short token even if the current one is valid. */
  readonly forceRefresh?: boolean;
  /** Stops this caller's wait (the shared refresh goes on for the others). */
  readonly signal?: AbortSignal;
}
