// Records sealed at rest with AES-256-GCM (WebCrypto: Node 20+, browsers), one random nonce a write,
// the store key as additional data (a sealed record copied under another key does not open).
import { TokenStoreError } from '../errors/TokenStoreError.js';
import { isTokenRecord, type TokenRecord } from '../session/TokenStore.js';

/** A 32-byte AES-256 key: the bytes, or their base64 (e.g. from an environment variable). */
export type EncryptionKey = Uint8Array | string;

const PREFIX = 'c2m-sealed-v1.';
const NONCE_BYTES = 12;

const toBase64 = (bytes: Uint8Array): string => btoa(Array.from(bytes, (byte) => String.fromCharCode(byte)).join(''));
const fromBase64 = (text: string): Uint8Array<ArrayBuffer> => Uint8Array.from(atob(text), (char) => char.charCodeAt(0));

function keyBytes(key: unknown, owner: string): Uint8Array {
  let bytes: Uint8Array | undefined;
  if (key instanceof Uint8Array) bytes = key;
  else if (typeof key === 'string' && /^[A-Za-z0-9+/]+={0,2}$/.test(key)) {
    try {
      bytes = fromBase64(key);
    } catch {
      // Not base64 (a length no bytes have): `bytes` stays undefined, refused below.
    }
  }
  if (bytes?.length !== 32) throw new TypeError(`${owner}: encryptionKey must be 32 bytes (a Uint8Array, or its base64)`);
  return bytes;
}

/** Seals and opens one store's records with one key. */
export class RecordSeal {
  readonly #key: Promise<CryptoKey>;

  /**
   * @param key - 32 bytes, or their base64; checked here, so a wrong key fails at construction.
   * @param owner - The store's name, for the error message.
   * @throws TypeError when the key is not 32 bytes (the message never shows the key).
   */
  constructor(key: EncryptionKey, owner: string) {
    const bytes = keyBytes(key, owner);
    this.#key = crypto.subtle.importKey('raw', new Uint8Array(bytes), 'AES-GCM', false, ['encrypt', 'decrypt']);
    // A key WebCrypto refuses fails the first seal or open; keep it from being an unhandled rejection meanwhile.
    this.#key.catch(() => undefined);
  }

  /** The record as text: a version prefix, then base64 of nonce and ciphertext. */
  async seal(record: TokenRecord, storeKey: string): Promise<string> {
    const nonce = crypto.getRandomValues(new Uint8Array(NONCE_BYTES));
    const plain = new TextEncoder().encode(JSON.stringify(record));
    const sealed = await crypto.subtle.encrypt(
      { name: 'AES-GCM', iv: nonce, additionalData: new TextEncoder().encode(storeKey) },
      await this.#key,
      plain,
    );
    const bytes = new Uint8Array(NONCE_BYTES + sealed.byteLength);
    bytes.set(nonce);
    bytes.set(new Uint8Array(sealed), NONCE_BYTES);
    return `${PREFIX}${toBase64(bytes)}`;
  }

  /**
   * The record sealed in `text` under `storeKey`.
   * @throws {@link TokenStoreError} `unreadable_record` when it does not open (another key, another
   * store key, tampered, not sealed) or holds no token record.
   */
  async open(text: unknown, storeKey: string): Promise<TokenRecord> {
    try {
      if (typeof text !== 'string' || !text.startsWith(PREFIX)) throw new TypeError('not a sealed record');
      const bytes = fromBase64(text.slice(PREFIX.length));
      const plain = await crypto.subtle.decrypt(
        { name: 'AES-GCM', iv: bytes.subarray(0, NONCE_BYTES), additionalData: new TextEncoder().encode(storeKey) },
        await this.#key,
        bytes.subarray(NONCE_BYTES),
      );
      const record: unknown = JSON.parse(new TextDecoder().decode(plain));
      if (!isTokenRecord(record)) throw new TypeError('not a token record');
      return record;
    } catch {
      // No cause kept: WebCrypto's errors say nothing useful, and a parse error could quote the plaintext.
      throw new TokenStoreError('unreadable_record', 'the stored record does not open with this encryptionKey (another key, or tampered)');
    }
  }
}
