// RedisTokenStore's options, and the check of them its constructor makes.
import type { TokenStoreError } from '../errors/TokenStoreError.js';
import { assertOptions, ENCRYPTION_KEY_CHECK, isFunction, isObject, type OptionCheck } from '../option-checks.js';
import type { EncryptionKey } from '../stores/seal.js';
import type { RedisClientLike } from './client.js';
import type { fromIoredis } from './ioredis.js';
import type { RedisTokenStore } from './RedisTokenStore.js';
import { OWNER } from './store-error.js';

/**
 * Options of {@link RedisTokenStore}.
 *
 * @example
 * ```ts
 * const options: RedisTokenStoreOptions = { client: redis, prefix: 'billing:c2m-auth:', commandTimeoutMs: 500 };
 * ```
 */
export interface RedisTokenStoreOptions {
  /**
   * A connected node-redis v5 or v6 client (`await createClient({ url }).connect()`), or an adapter
   * such as {@link fromIoredis}. The store sends raw commands on it (the client's own `keyPrefix` is not
   * applied) and never closes it.
   */
  readonly client: RedisClientLike;
  /**
   * What every Redis key and the channel of the store start with: the record of a session key `k` is
   * the hash `${prefix}${k}`, its lease `${prefix}lease:${k}`, the channel `${prefix}changes`.
   * @default 'c2m-auth:'
   */
  readonly prefix?: string | undefined;
  /**
   * How long one Redis command may take: a command Redis does not answer (a frozen server, or a client
   * queuing offline) rejects with {@link TokenStoreError} `timeout`. A write that timed out may still
   * be applied later; compare-and-set keeps that safe.
   * @default 1000
   */
  readonly commandTimeoutMs?: number;
  /**
   * Seals every record with AES-256-GCM under this key (32 bytes, or their base64), the session key
   * as additional data; a record that does not open makes `get` throw {@link TokenStoreError}
   * `unreadable_record`. Without it records are kept as JSON.
   */
  readonly encryptionKey?: EncryptionKey | undefined;
  /**
   * The clock, in ms since the epoch, for tests.
   * @default Date.now
   */
  readonly now?: () => number;
}

const optionChecks: readonly OptionCheck<RedisTokenStoreOptions>[] = [
  // Checked below, with a message of its own.
  ['client', () => true, ''],
  ['prefix', (value) => typeof value === 'string', 'must be a string'],
  ['commandTimeoutMs', (value) => typeof value === 'number' && value >= 1 && value <= 600_000, 'must be a number of ms from 1 to 600000'],
  ENCRYPTION_KEY_CHECK,
  ['now', isFunction, 'must be a function returning ms since the epoch'],
];

/** Throws a TypeError naming the first misused option of a {@link RedisTokenStore} (never showing its value). */
export function assertStoreOptions(options: unknown): asserts options is RedisTokenStoreOptions {
  assertOptions<RedisTokenStoreOptions>(OWNER, options, optionChecks);
  const client: unknown = options.client;
  if (!isObject(client) || !isFunction((client as RedisClientLike).sendCommand) || !isFunction((client as RedisClientLike).duplicate)) {
    throw new TypeError(`${OWNER}: option "client" must be a node-redis client (with sendCommand and duplicate), or an adapter`);
  }
}
