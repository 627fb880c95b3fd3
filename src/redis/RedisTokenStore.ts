// A TokenStore in Redis that many processes share: one hash per key written by Lua scripts (atomic
// compare-and-set on a revision), an owned lease (SET NX PX, compare-and-extend, compare-and-delete),
// change notices on one pub/sub channel, and Redis's TIME as the clock every host agrees on.
// This class wires the pieces: client.ts (commands and their timeout), scripts.ts, clock.ts,
// subscriber.ts (the pub/sub connection), lease.ts; options.ts and ioredis.ts are the rest of the API.
import { TokenStoreError } from '../errors/TokenStoreError.js';
import { isObject } from '../option-checks.js';
import { isTokenRecord, type LeaseOptions, type TokenRecord, type TokenStore, type TokenStoreChange } from '../session/TokenStore.js';
import { RecordSeal } from '../stores/seal.js';
import { RedisCommands, replyArray } from './client.js';
import { clockShiftMs, RedisClock, rebaseRecord } from './clock.js';
import { RedisLeases } from './lease.js';
import { assertStoreOptions, type RedisTokenStoreOptions } from './options.js';
import { READ, runScript, WRITE } from './scripts.js';
import { closedError, OWNER } from './store-error.js';
import { SharedSubscriber } from './subscriber.js';

// The clock's pure functions, where this file's tests have always imported them from.
export { type ClockSample, clockShiftMs, rebaseRecord } from './clock.js';

/** What a compare-and-set expects, as the write script reads it. */
function expectation(expected: TokenRecord | undefined): string {
  if (expected === undefined) return '-';
  return expected.revision === undefined ? '~' : `=${expected.revision}`;
}

/**
 * A {@link TokenStore} in Redis, for a fleet of processes sharing one long token and one refresh.
 * It implements compare-and-set (Lua scripts comparing the record's revision), an owned lease that
 * waiters are woken from as soon as it is released, and change notifications over pub/sub.
 *
 * Layout, under `prefix` (default `c2m-auth:`): the record of a session key `k` is the hash
 * `${prefix}${k}` with fields `rev` (its revision), `data` (the record's JSON, or its sealed text with
 * `encryptionKey`), `offsetMs` and `rttMs` (the writer's clock against Redis's); it expires with the
 * long token. The lease is the string `${prefix}lease:${k}` holding a random owner. Changes and
 * releases are published on `${prefix}changes` as `{"key":k,"revision":r}` and
 * `{"key":k,"lease":"released"}`: no token ever appears in a key, a channel or a message.
 *
 * Hosts' clocks may differ (by 30 s or more): Redis's TIME is the clock they share. Each write keeps
 * the writer's offset from it, and `get` moves every instant of the record into the reader's clock,
 * accurate to about one round trip to Redis.
 *
 * Every command has a timeout (`commandTimeoutMs`); failures are {@link TokenStoreError}s (`timeout`,
 * `unavailable`, `unreadable_record`) whose messages hold no token and no record. The store makes one
 * connection of its own, for pub/sub (`client.duplicate()`, while someone listens or waits for a
 * lease); {@link RedisTokenStore.close} ends it, never the client given.
 *
 * @example
 * ```ts
 * import { createClient } from 'redis';
 * import { AuthSession } from 'c2m-auth';
 * import { RedisTokenStore } from 'c2m-auth/redis';
 *
 * const redis = await createClient({ url: process.env.REDIS_URL }).on('error', console.error).connect();
 * const store = new RedisTokenStore({ client: redis, encryptionKey: process.env.C2M_TOKEN_KEY });
 * const session = new AuthSession({ baseUrl: 'https://api.example.com/v1', credentials, store });
 * ```
 */
export class RedisTokenStore implements TokenStore {
  readonly #commands: RedisCommands;
  readonly #prefix: string;
  readonly #channel: string;
  readonly #seal: RecordSeal | undefined;
  readonly #now: () => number;
  readonly #clock: RedisClock;
  readonly #subscriber: SharedSubscriber;
  readonly #leases: RedisLeases;
  #closed = false;

  /**
   * @param options - The client, and the store's prefix, timeout, encryption key.
   * @throws TypeError naming the first misused option (never showing its value).
   */
  constructor(options: RedisTokenStoreOptions) {
    assertStoreOptions(options);
    const timeoutMs = options.commandTimeoutMs ?? 1000;
    this.#commands = new RedisCommands(options.client, timeoutMs);
    this.#prefix = options.prefix ?? 'c2m-auth:';
    this.#channel = `${this.#prefix}changes`;
    this.#seal = options.encryptionKey === undefined ? undefined : new RecordSeal(options.encryptionKey, OWNER);
    this.#now = options.now ?? Date.now;
    this.#clock = new RedisClock(this.#commands, this.#now);
    this.#subscriber = new SharedSubscriber(options.client, this.#channel, timeoutMs);
    this.#leases = new RedisLeases(this.#commands, this.#subscriber, this.#prefix, this.#channel);
  }

  /** {@inheritDoc TokenStore.get} @throws {@link TokenStoreError} */
  async get(key: string): Promise<TokenRecord | undefined> {
    this.#assertOpen();
    const sentMs = this.#now();
    const reply = await runScript(this.#commands, READ, this.#recordKey(key), [], 'get');
    const [seconds, micros, data, offsetMs, rttMs] = replyArray(reply, 5, 'get');
    const reader = this.#clock.observe(sentMs, seconds, micros);
    // No record: a nil reply (RESP2), or false (Lua's false over RESP3).
    if (data === null || data === undefined || data === false) return undefined;
    const record = await this.#decode(key, String(data));
    return record === undefined ? undefined : rebaseRecord(record, clockShiftMs(reader, Number(offsetMs), Number(rttMs)));
  }

  /** {@inheritDoc TokenStore.set} @throws {@link TokenStoreError} */
  async set(key: string, record: TokenRecord): Promise<void> {
    this.#assertOpen();
    await this.#write(key, '*', record, 'set');
  }

  /** {@inheritDoc TokenStore.delete} @throws {@link TokenStoreError} */
  async delete(key: string): Promise<void> {
    this.#assertOpen();
    await this.#write(key, '*', undefined, 'delete');
  }

  /** {@inheritDoc TokenStore.compareAndSet} @throws {@link TokenStoreError} */
  async compareAndSet(key: string, expected: TokenRecord | undefined, next: TokenRecord | undefined): Promise<boolean> {
    this.#assertOpen();
    return this.#write(key, expectation(expected), next, 'compareAndSet');
  }

  /**
   * {@inheritDoc TokenStore.lease}
   * The lease is `SET ${prefix}lease:${key} <random owner> NX PX ttlMs`, extended every `ttlMs / 3`
   * while `task` runs; `signal` aborts when an extension finds another owner, or none succeeded for
   * `ttlMs`. A waiter asks again after 20-250 ms, or at once when the holder's release is published.
   * @throws {@link TokenStoreError} when Redis cannot be asked (`task` does not run).
   */
  async lease<T>(key: string, ttlMs: number, task: (signal: AbortSignal) => Promise<T>, options: LeaseOptions = {}): Promise<T> {
    this.#assertOpen();
    if (typeof ttlMs !== 'number' || !(ttlMs >= 1 && ttlMs <= 2 ** 31 - 1))
      throw new TypeError(`${OWNER}: lease ttlMs must be a number of ms from 1`);
    return this.#leases.run(key, Math.ceil(ttlMs), task, options);
  }

  /**
   * {@inheritDoc TokenStore.subscribe}
   * Notices come over the store's subscriber connection, made on the first subscription and ended
   * with the last; changes made while it is down (Redis restarting) are not told.
   * @throws {@link TokenStoreError} when the store is closed.
   */
  subscribe(key: string, listener: (change: TokenStoreChange) => void): () => void {
    this.#assertOpen();
    return this.#subscriber.listen(key, listener);
  }

  /**
   * Ends what the store made: its subscriber connection, its listeners and lease waiters (which reject
   * with {@link TokenStoreError} `unavailable`); leases held now have their signal aborted and are
   * released when their task settles. The client given is left open; later calls reject.
   *
   * @example
   * ```ts
   * await using store = new RedisTokenStore({ client: redis }); // or: await store.close()
   * ```
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#leases.close(closedError);
    this.#subscriber.close(closedError);
  }

  /** {@link RedisTokenStore.close}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #recordKey(key: string): string {
    return `${this.#prefix}${key}`;
  }

  #assertOpen(): void {
    if (this.#closed) throw closedError();
  }

  async #write(key: string, expected: string, next: TokenRecord | undefined, operation: string): Promise<boolean> {
    // A listener subscribed before this write must hear of it: let a starting subscription finish.
    await this.#subscriber.started();
    const clock = await this.#clock.sample();
    const data = next === undefined ? '' : this.#seal === undefined ? JSON.stringify(next) : await this.#seal.seal(next, key);
    const expiresAtMs = next?.expiresAtMs;
    const ttlMs =
      expiresAtMs !== undefined && Number.isFinite(expiresAtMs) ? String(Math.max(1, Math.ceil(expiresAtMs - this.#now()))) : '';
    const message = JSON.stringify({ key, revision: next?.revision });
    const args = [expected, next?.revision ?? '', data, String(clock.offsetMs), String(clock.rttMs), ttlMs, this.#channel, message];
    const sentMs = this.#now();
    const reply = await runScript(this.#commands, WRITE, this.#recordKey(key), args, operation);
    const [written, seconds, micros] = replyArray(reply, 3, operation);
    this.#clock.observe(sentMs, seconds, micros);
    return Number(written) === 1;
  }

  async #decode(key: string, data: string): Promise<TokenRecord | undefined> {
    if (this.#seal !== undefined) return this.#seal.open(data, key);
    let parsed: unknown;
    try {
      parsed = JSON.parse(data);
    } catch {
      parsed = undefined;
    }
    if (isTokenRecord(parsed)) return parsed;
    // A record of another version is not ours to read; anything else is corrupt (or sealed).
    if (isObject(parsed) && (parsed as { version?: unknown }).version !== 1) return undefined;
    throw new TokenStoreError('unreadable_record', `${OWNER}: the stored record is not a c2m-auth token record (corrupt, or sealed)`);
  }
}
