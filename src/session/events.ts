import type { AuthSdkError } from '../errors/AuthSdkError.js';

/** What each session event carries: ids and times, never a token value or a credential. */
export interface AuthSessionEvents {
  /** A new short token was issued. */
  tokenRefreshed: { readonly tokenId: string | undefined; readonly expiresAt: string; readonly expiresInSeconds: number };
  /** A refresh failed; `stillValidUntil` is set when callers keep getting the current, still-valid token. */
  refreshFailed: { readonly error: AuthSdkError; readonly stillValidUntil: string | undefined };
  /** A long token was issued from the credentials. */
  longTokenIssued: { readonly tokenId: string | undefined; readonly expiresAt: string };
  /** A long token near its expiry was replaced by a new one; the old one is being revoked. */
  longTokenRotated: { readonly previousTokenId: string | undefined; readonly tokenId: string | undefined; readonly expiresAt: string };
  /** The long token is in the last part of its life and no credentials can replace it. */
  longTokenExpiring: { readonly tokenId: string | undefined; readonly expiresAt: string };
  /** The long token is gone (expired or revoked) and no credentials can replace it. */
  sessionExpired: { readonly tokenId: string | undefined };
  /**
   * The store failed, timed out or held a record that does not open; the session carries on without it
   * (per-process behaviour) and tries the store again at the next refresh.
   */
  storeError: {
    readonly operation: 'get' | 'set' | 'delete' | 'compareAndSet' | 'lease' | 'subscribe';
    readonly error: unknown;
  };
  /** A refresh found another process (or session) holding the store's lease, and waited for it. */
  leaseWaited: { readonly waitedMs: number; readonly adopted: boolean };
  /** A token another process (or session) stored was taken into use instead of asking the server. */
  tokenAdopted: { readonly kind: 'long' | 'short'; readonly tokenId: string | undefined; readonly expiresAt: string | undefined };
}

/** The event names. */
export type AuthSessionEventName = keyof AuthSessionEvents;

/** Every event name, e.g. to log them all: `for (const name of AUTH_SESSION_EVENTS) session.on(name, log)`. */
export const AUTH_SESSION_EVENTS = [
  'tokenRefreshed',
  'refreshFailed',
  'longTokenIssued',
  'longTokenRotated',
  'longTokenExpiring',
  'sessionExpired',
  'storeError',
  'leaseWaited',
  'tokenAdopted',
] as const satisfies readonly AuthSessionEventName[];

// Compile-time check that the list above names every event: adding an event without listing it fails
// typecheck (the unlisted name does not satisfy `never`). Types only: nothing of it runs.
type Listed<Unlisted extends never> = Unlisted;
export type UnlistedEvents = Listed<Exclude<AuthSessionEventName, (typeof AUTH_SESSION_EVENTS)[number]>>;

/** A listener of one event. */
export type AuthSessionListener<K extends AuthSessionEventName> = (event: AuthSessionEvents[K]) => void;

/**
 * A tiny typed emitter; a throwing listener never breaks the session. While a store's lease is held
 * (see {@link Emitter.holding}) events are queued, and delivered in order once it is released.
 */
export class Emitter {
  readonly #listeners = new Map<AuthSessionEventName, Set<(event: never) => void>>();
  /** How many leases the session holds now; events wait in #queue while it is above 0. */
  #holds = 0;
  readonly #queue: (() => void)[] = [];

  on<K extends AuthSessionEventName>(name: K, listener: AuthSessionListener<K>): () => void {
    let set = this.#listeners.get(name);
    if (set === undefined) {
      set = new Set();
      this.#listeners.set(name, set);
    }
    set.add(listener as (event: never) => void);
    return () => set.delete(listener as (event: never) => void);
  }

  emit<K extends AuthSessionEventName>(name: K, event: AuthSessionEvents[K]): void {
    const listeners = this.#listeners.get(name);
    if (listeners === undefined) return;
    if (this.#holds > 0) this.#queue.push(() => this.#deliver(listeners, event));
    else this.#deliver(listeners, event);
  }

  /**
   * Runs `task` (the work done under a store's lease) with every event held back until it settles:
   * no listener of the app runs while the lease is held, so none can stall the other holders' peers.
   */
  async holding<T>(task: () => Promise<T>): Promise<T> {
    this.#holds += 1;
    try {
      return await task();
    } finally {
      this.#holds -= 1;
      if (this.#holds === 0) for (const deliver of this.#queue.splice(0)) deliver();
    }
  }

  #deliver<K extends AuthSessionEventName>(listeners: Set<(event: never) => void>, event: AuthSessionEvents[K]): void {
    for (const listener of listeners) {
      try {
        (listener as AuthSessionListener<K>)(event);
      } catch {
        // A listener's failure is the app's to handle; the session carries on.
      }
    }
  }
}

/** An ISO string of a time in ms. */
export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** An ISO string of a time in ms, or undefined for a token with no known expiry. */
export function isoOrUndefined(ms: number): string | undefined {
  return Number.isFinite(ms) ? iso(ms) : undefined;
}
