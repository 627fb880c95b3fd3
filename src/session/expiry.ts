// Expiry math: pure functions of times in ms, so they are tested without HTTP or timers.

/** A token the session holds, with its local expiry. */
export interface HeldToken {
  readonly token: string;
  /** Local expiry: the send time of the request that issued it, plus `expires_in`. */
  readonly expiresAtMs: number;
  /** Local issue time (the request's send time), when known. */
  readonly issuedAtMs?: number | undefined;
  readonly tokenId?: string | undefined;
}

/** Long tokens live at least 30 days: the lifetime assumed when a token's issue time is unknown. */
export const MIN_LONG_LIFETIME_MS = 30 * 86_400_000;

/** A held token from an issue response: its expiry counts from the local send time, so clock skew does not matter. */
export function heldFromResponse(response: { access_token: string; expires_in: number; token_id?: string }, sentAtMs: number): HeldToken {
  return {
    token: response.access_token,
    expiresAtMs: sentAtMs + response.expires_in * 1000,
    issuedAtMs: sentAtMs,
    tokenId: response.token_id,
  };
}

/** The refresh window: `refreshWindowSeconds`, but at most half the token's lifetime. */
export function refreshWindowMs(held: HeldToken, refreshWindowSeconds: number): number {
  const lifetimeMs = held.issuedAtMs === undefined ? Number.POSITIVE_INFINITY : held.expiresAtMs - held.issuedAtMs;
  return Math.min(refreshWindowSeconds * 1000, lifetimeMs / 2);
}

/** When the session starts refreshing the token. */
export function refreshAtMs(held: HeldToken, refreshWindowSeconds: number): number {
  return held.expiresAtMs - refreshWindowMs(held, refreshWindowSeconds);
}

/**
 * Whether the token may still be handed out: it must outlive the trip to the API. The margin is 5 s,
 * or a tenth of the lifetime for tokens shorter than 50 s.
 */
export function isUsable(held: HeldToken, nowMs: number): boolean {
  const lifetimeMs = held.issuedAtMs === undefined ? Number.POSITIVE_INFINITY : held.expiresAtMs - held.issuedAtMs;
  return nowMs < held.expiresAtMs - Math.min(5_000, lifetimeMs / 10);
}

/** Whether a long token is in the last `fraction` of its life (lifetime assumed 30 days when unknown). */
export function inRotationWindow(held: HeldToken, nowMs: number, fraction: number): boolean {
  const lifetimeMs = held.issuedAtMs === undefined ? MIN_LONG_LIFETIME_MS : held.expiresAtMs - held.issuedAtMs;
  return nowMs >= held.expiresAtMs - lifetimeMs * fraction;
}
