// Bytes as lowercase hex, and random ids made of them: revisions, lease owners, script digests.

/** `bytes` as lowercase hex, two characters a byte. */
export function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

/** `byteCount` random bytes (WebCrypto) as hex. */
export function randomHex(byteCount: number): string {
  return toHex(crypto.getRandomValues(new Uint8Array(byteCount)));
}
