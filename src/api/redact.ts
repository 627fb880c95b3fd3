/** What stands in for a secret in any text the SDK passes on. */
export const REDACTED = '[REDACTED]';

// Shorter values are not masked: they would garble ordinary words, and no real secret is that short.
const MIN_SECRET_LENGTH = 4;

/** Replaces every occurrence of every secret in `text`. */
export function maskSecrets(text: string, secrets: readonly string[]): string {
  let masked = text;
  for (const secret of secrets) {
    if (secret.length >= MIN_SECRET_LENGTH) masked = masked.split(secret).join(REDACTED);
  }
  return masked;
}

/** Masks secrets in every string of a JSON value (keys included), returning a copy. */
export function maskSecretsDeep(value: unknown, secrets: readonly string[]): unknown {
  if (typeof value === 'string') return maskSecrets(value, secrets);
  if (Array.isArray(value)) return value.map((item) => maskSecretsDeep(item, secrets));
  if (typeof value === 'object' && value !== null) {
    const copy: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      // defineProperty, not assignment: a "__proto__" key from JSON stays a plain key.
      Object.defineProperty(copy, maskSecrets(key, secrets), {
        value: maskSecretsDeep(item, secrets),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return copy;
  }
  return value;
}
