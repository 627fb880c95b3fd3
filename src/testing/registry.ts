/** A token the mock server issued. */
export interface MockToken {
  /** `long` or `short`. */
  readonly kind: 'long' | 'short';
  /** Server id, e.g. `tok_lt_1`. */
  readonly id: string;
  /** The token itself. */
  readonly value: string;
  /** The client it was issued to. */
  readonly clientId: string;
  /** Granted scopes. */
  readonly scopes: readonly string[];
  /** Issue time, by `Date.now()`. */
  readonly issuedAtMs: number;
  /** Expiry, by `Date.now()`: fake timers expire tokens. */
  readonly expiresAtMs: number;
  /** For a short token, the id of the long token it was exchanged for. */
  readonly longTokenId: string | undefined;
  /** Whether it was revoked (a long token's revocation revokes its short tokens too). */
  revoked: boolean;
}

/** Why a presented token was refused. */
export type TokenProblem = 'unknown' | 'expired' | 'revoked' | 'wrong_kind';

/** The mock server's tokens, by value and by id. */
export class TokenRegistry {
  readonly #byValue = new Map<string, MockToken>();
  #sequence = 0;

  get all(): MockToken[] {
    return [...this.#byValue.values()];
  }

  issue(kind: 'long' | 'short', clientId: string, scopes: readonly string[], ttlSeconds: number, longTokenId?: string): MockToken {
    this.#sequence += 1;
    const prefix = kind === 'long' ? 'lt' : 'st';
    const random = Array.from(crypto.getRandomValues(new Uint8Array(12)), (byte) => byte.toString(16).padStart(2, '0')).join('');
    const now = Date.now();
    const token: MockToken = {
      kind,
      id: `tok_${prefix}_${this.#sequence}`,
      value: kind === 'long' ? `lt_${random}` : `eyJhbGciOiJIUzI1NiJ9.${random}.${this.#sequence}`,
      clientId,
      scopes: [...scopes],
      issuedAtMs: now,
      expiresAtMs: now + ttlSeconds * 1000,
      longTokenId,
      revoked: false,
    };
    this.#byValue.set(token.value, token);
    return token;
  }

  byId(id: string): MockToken | undefined {
    return this.all.find((token) => token.id === id);
  }

  /** The token presented as `value`, or why it is refused. */
  check(value: string | undefined, kind?: 'long' | 'short'): MockToken | TokenProblem {
    const token = value === undefined ? undefined : this.#byValue.get(value);
    if (token === undefined) return 'unknown';
    if (kind !== undefined && token.kind !== kind) return 'wrong_kind';
    if (token.revoked) return 'revoked';
    if (Date.now() >= token.expiresAtMs) return 'expired';
    return token;
  }

  revoke(token: MockToken): void {
    token.revoked = true;
    if (token.kind === 'long') for (const short of this.all) if (short.longTokenId === token.id) short.revoked = true;
  }

  clear(): void {
    this.#byValue.clear();
    this.#sequence = 0;
  }
}
