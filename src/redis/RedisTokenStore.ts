// A TokenStore in Redis that many processes share: one hash per key written by Lua scripts (atomic
// compare-and-set on a revision), an owned lease (SET NX PX, compare-and-extend, compare-and-delete),
// change notices on one pub/sub channel, and Redis's TIME as the clock every host agrees on.
import { TokenStoreError } from '../errors/TokenStoreError.js';
import { assertOptions, isFunction, isObject, type OptionCheck } from '../option-checks.js';
import { isTokenRecord, type LeaseOptions, type TokenRecord, type TokenStore, type TokenStoreChange } from '../session/TokenStore.js';
import { type EncryptionKey, RecordSeal } from '../stores/seal.js';

/**
 * The calls the store makes on a Redis client: what node-redis v5 and v6 clients have as they are.
 * Another client fits through a small adapter; {@link fromIoredis} is this one for ioredis.
 *
 * @example
 * ```ts
 * // An ioredis client, adapted by hand (what fromIoredis does).
 * const client: RedisClientLike = {
 *   sendCommand: ([command, ...args]) => ioredis.call(command, ...args),
 *   duplicate: () => {
 *     const subscriber = ioredis.duplicate({ lazyConnect: true });
 *     return {
 *       connect: () => subscriber.connect(),
 *       subscribe: (channel, listener) => {
 *         subscriber.on('message', (from, message) => from === channel && listener(message, from));
 *         return subscriber.subscribe(channel);
 *       },
 *       on: (event, listener) => subscriber.on(event, listener),
 *       destroy: () => subscriber.disconnect(),
 *     };
 *   },
 * };
 * ```
 */
export interface RedisClientLike {
  /** Sends one command (its name and arguments as strings) and resolves with Redis's reply. */
  sendCommand(args: readonly string[], options?: { abortSignal?: AbortSignal }): Promise<unknown>;
  /** A new, not yet connected client with the same options: the store's subscriber connection. */
  duplicate(): RedisSubscriberLike;
}

/**
 * The calls the store makes on the subscriber connection it makes with `client.duplicate()`: a
 * node-redis client as it is.
 *
 * @example
 * ```ts
 * const subscriber: RedisSubscriberLike = createClient({ url }).duplicate();
 * ```
 */
export interface RedisSubscriberLike {
  /** Connects (node-redis keeps retrying meanwhile, and resubscribes after a reconnection). */
  connect(): Promise<unknown>;
  /** Subscribes to `channel`; `listener` gets each message as text. */
  subscribe(channel: string, listener: (message: string, channel: string) => void): Promise<unknown>;
  /** Adds an error listener (connection errors of the subscriber are expected and ignored). */
  on(event: 'error', listener: (error: unknown) => void): unknown;
  /** Closes the connection at once. */
  destroy(): void;
}

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

const OWNER = 'RedisTokenStore';
const CLOCK_SAMPLE_TTL_MS = 60_000;

/** A Lua script, run by EVALSHA, or by EVAL when the server does not have it yet. */
class LuaScript {
  readonly source: string;
  #sha: Promise<string> | undefined;

  constructor(source: string) {
    this.source = source;
  }

  /** The script's SHA-1, as EVALSHA names it. */
  sha(): Promise<string> {
    this.#sha ??= crypto.subtle
      .digest('SHA-1', new TextEncoder().encode(this.source))
      .then((digest) => Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, '0')).join(''));
    return this.#sha;
  }
}

// KEYS[1] the record's hash. ARGV: expected ('*' any, '-' no record, '~' a record without revision,
// '=<rev>' that revision), revision ('' none), data ('' deletes), writer's clock offset and round
// trip (ms), ttl (ms, '' none), channel, message. Returns {1 written | 0 refused, TIME seconds, µs}.
const WRITE = new LuaScript(`
local key, expected = KEYS[1], ARGV[1]
local time = redis.call('TIME')
if expected ~= '*' then
  local exists = redis.call('EXISTS', key) == 1
  local revision = redis.call('HGET', key, 'rev')
  local matches
  if expected == '-' then matches = not exists
  elseif expected == '~' then matches = exists and not revision
  else matches = revision == string.sub(expected, 2) end
  if not matches then return {0, time[1], time[2]} end
end
if ARGV[3] == '' then
  if redis.call('DEL', key) == 1 then redis.call('PUBLISH', ARGV[7], ARGV[8]) end
  return {1, time[1], time[2]}
end
redis.call('DEL', key)
redis.call('HSET', key, 'data', ARGV[3], 'offsetMs', ARGV[4], 'rttMs', ARGV[5])
if ARGV[2] ~= '' then redis.call('HSET', key, 'rev', ARGV[2]) end
if ARGV[6] ~= '' then redis.call('PEXPIRE', key, ARGV[6]) end
redis.call('PUBLISH', ARGV[7], ARGV[8])
return {1, time[1], time[2]}
`);

// KEYS[1] the record's hash. Returns {TIME seconds, µs, data, writer's offset, writer's round trip}.
const READ = new LuaScript(`
local time = redis.call('TIME')
local fields = redis.call('HMGET', KEYS[1], 'data', 'offsetMs', 'rttMs')
return {time[1], time[2], fields[1], fields[2], fields[3]}
`);

// KEYS[1] the lease. ARGV: owner, ttl (ms). 1 when extended, 0 when the lease is not the owner's.
const EXTEND = new LuaScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
`);

// KEYS[1] the lease. ARGV: owner, channel, message. 1 when released, 0 when not the owner's.
const RELEASE = new LuaScript(`
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
redis.call('PUBLISH', ARGV[2], ARGV[3])
return 1
`);

/** One estimate of (local clock − Redis clock), and the round trip it was measured over. */
export interface ClockSample {
  readonly offsetMs: number;
  readonly rttMs: number;
  readonly atMs: number;
}

/** Redis's TIME reply (seconds, microseconds) in ms. */
function redisTimeMs(seconds: unknown, micros: unknown): number {
  const ms = Number(seconds) * 1000 + Number(micros) / 1000;
  if (!Number.isFinite(ms)) throw new TokenStoreError('unavailable', `${OWNER}: Redis answered TIME with no time`);
  return ms;
}

/** The estimate with the shortest round trip of the last minute (the least error, as NTP picks). */
function bestSample(best: ClockSample | undefined, sample: ClockSample): ClockSample {
  if (best === undefined || sample.rttMs <= best.rttMs || sample.atMs - best.atMs > CLOCK_SAMPLE_TTL_MS) return sample;
  return best;
}

/**
 * How far to move a writer's times into the reader's clock. Each offset is within half its round
 * trip (plus the clock's 1 ms tick) of the truth: a smaller difference is noise, and hosts whose
 * clocks agree read their records back exactly as written.
 */
export function clockShiftMs(reader: ClockSample, writerOffsetMs: number, writerRttMs: number): number {
  if (!Number.isFinite(writerOffsetMs) || !Number.isFinite(writerRttMs)) return 0;
  const shift = reader.offsetMs - writerOffsetMs;
  return Math.abs(shift) <= (reader.rttMs + writerRttMs) / 2 + 1 ? 0 : Math.round(shift);
}

/** The record with every instant in it moved by `shiftMs`. */
export function rebaseRecord(record: TokenRecord, shiftMs: number): TokenRecord {
  if (shiftMs === 0) return record;
  const move = (ms: number | undefined) => (ms === undefined ? undefined : ms + shiftMs);
  const short = record.shortToken;
  return {
    ...record,
    ...(record.expiresAtMs === undefined ? {} : { expiresAtMs: move(record.expiresAtMs) }),
    ...(record.issuedAtMs === undefined ? {} : { issuedAtMs: move(record.issuedAtMs) }),
    ...(short === undefined
      ? {}
      : {
          shortToken: {
            ...short,
            expiresAtMs: short.expiresAtMs + shiftMs,
            ...(short.issuedAtMs === undefined ? {} : { issuedAtMs: move(short.issuedAtMs) }),
          },
        }),
  };
}

/** What a compare-and-set expects, as the write script reads it. */
function expectation(expected: TokenRecord | undefined): string {
  if (expected === undefined) return '-';
  return expected.revision === undefined ? '~' : `=${expected.revision}`;
}

/** How long to wait before asking for a held lease again: 20 ms and up, the ceiling growing to 250 ms. */
function retryDelayMs(attempt: number): number {
  const ceilingMs = Math.min(250, 120 * 1.25 ** attempt);
  return 20 + Math.random() * (ceilingMs - 20);
}

/** A random lease owner: 16 bytes, hex. */
function newOwner(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (byte) => byte.toString(16).padStart(2, '0')).join('');
}

/** A secret-free description of a client error: its name, its system code, a Redis error code. */
function describeError(error: unknown): string {
  if (!(error instanceof Error)) return 'a non-error rejection';
  // node-redis's errors keep the name 'Error': their class says more (ClientOfflineError, SocketClosedUnexpectedlyError).
  const name = error.name === 'Error' ? error.constructor.name : error.name;
  const parts = [/^\w{1,60}$/.test(name) ? name : 'Error'];
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && /^[A-Z][A-Z0-9_]{1,40}$/.test(code)) parts.push(code);
  const redisCode = /^([A-Z]{3,20})\b/.exec(error.message)?.[1];
  if (redisCode !== undefined && !parts.includes(redisCode)) parts.push(redisCode);
  return parts.join(' ');
}

/**
 * The client's failure as a {@link TokenStoreError} `unavailable`. No cause is kept: some clients
 * attach the command's arguments (the record) to their errors.
 */
function storeError(error: unknown, operation: string): TokenStoreError {
  if (error instanceof TokenStoreError) return error;
  return new TokenStoreError('unavailable', `${OWNER}: Redis failed ${operation} (${describeError(error)})`);
}

const isNoScript = (error: unknown): boolean => error instanceof Error && error.message.startsWith('NOSCRIPT');
const closedError = () => new TokenStoreError('unavailable', `${OWNER}: the store is closed`);

type Listener = (change: TokenStoreChange) => void;

/** A caller waiting for a held lease: it pauses between asking, woken early when the lease is released. */
class LeaseWaiter {
  /** Whether it counts as a user of the store's subscription. */
  holdsSubscription = false;
  #settle: { resolve: () => void; reject: (error: unknown) => void } | undefined;
  /** Woken between two pauses: the next one ends at once. */
  #woken = false;
  #failure: { error: unknown } | undefined;

  /** The lease was released: ask again now. */
  wake(): void {
    if (this.#settle === undefined) this.#woken = true;
    else this.#settle.resolve();
  }

  /** The store closed: the wait rejects with `error`. */
  fail(error: unknown): void {
    this.#failure = { error };
    this.#settle?.reject(error);
  }

  /** Resolves after `delayMs` or a wake; rejects when `signal` aborts (with its reason) or the store closes. */
  pause(delayMs: number, signal: AbortSignal | undefined): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (this.#failure !== undefined) return reject(this.#failure.error);
      if (signal?.aborted) return reject(signal.reason);
      if (this.#woken) {
        this.#woken = false;
        return resolve();
      }
      const onAbort = () => this.#settle?.reject(signal?.reason);
      const timer = setTimeout(() => this.#settle?.resolve(), delayMs);
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.#settle = undefined;
      };
      this.#settle = {
        resolve: () => {
          done();
          resolve();
        },
        reject: (error) => {
          done();
          reject(error);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}

/** The subscriber connection the store made, and how far it got. */
interface Subscription {
  readonly client: RedisSubscriberLike;
  state: 'connecting' | 'ready' | 'failed';
  ready: Promise<void>;
}

const optionChecks: readonly OptionCheck<RedisTokenStoreOptions>[] = [
  ['prefix', (value) => typeof value === 'string', 'must be a string'],
  ['commandTimeoutMs', (value) => typeof value === 'number' && value >= 1 && value <= 600_000, 'must be a number of ms from 1 to 600000'],
  ['encryptionKey', (value) => value instanceof Uint8Array || typeof value === 'string', 'must be 32 bytes (a Uint8Array, or its base64)'],
  ['now', isFunction, 'must be a function returning ms since the epoch'],
];

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
 * const session = new AuthSession({ credentials, store });
 * ```
 */
export class RedisTokenStore implements TokenStore {
  readonly #client: RedisClientLike;
  readonly #prefix: string;
  readonly #channel: string;
  readonly #timeoutMs: number;
  readonly #seal: RecordSeal | undefined;
  readonly #now: () => number;
  #clock: ClockSample | undefined;
  readonly #listeners = new Map<string, Set<Listener>>();
  readonly #waiters = new Map<string, Set<LeaseWaiter>>();
  /** Aborts each lease held now (the store is closing). */
  readonly #held = new Set<(error: unknown) => void>();
  #subscription: Subscription | undefined;
  /** Listeners and lease waiters that need the subscription. */
  #subscribers = 0;
  #closed = false;

  /**
   * @param options - The client, and the store's prefix, timeout, encryption key.
   * @throws TypeError naming the first misused option (never showing its value).
   */
  constructor(options: RedisTokenStoreOptions) {
    assertOptions<RedisTokenStoreOptions>(OWNER, options, optionChecks);
    const client: unknown = options.client;
    if (!isObject(client) || !isFunction((client as RedisClientLike).sendCommand) || !isFunction((client as RedisClientLike).duplicate)) {
      throw new TypeError(`${OWNER}: option "client" must be a node-redis client (with sendCommand and duplicate), or an adapter`);
    }
    this.#client = options.client;
    this.#prefix = options.prefix ?? 'c2m-auth:';
    this.#channel = `${this.#prefix}changes`;
    this.#timeoutMs = options.commandTimeoutMs ?? 1000;
    this.#seal = options.encryptionKey === undefined ? undefined : new RecordSeal(options.encryptionKey, OWNER);
    this.#now = options.now ?? Date.now;
  }

  /** {@inheritDoc TokenStore.get} @throws {@link TokenStoreError} */
  async get(key: string): Promise<TokenRecord | undefined> {
    this.#assertOpen();
    const sentMs = this.#now();
    const reply = await this.#eval(READ, this.#recordKey(key), [], 'get');
    const [seconds, micros, data, offsetMs, rttMs] = this.#array(reply, 5, 'get');
    const reader = this.#observe(sentMs, seconds, micros);
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
    const ttl = Math.ceil(ttlMs);
    const owner = newOwner();
    const acquiredAt = await this.#acquire(key, owner, ttl, options);
    const held = this.#keep(key, owner, ttl, acquiredAt);
    try {
      return await task(held.signal);
    } finally {
      held.stop();
      await this.#release(key, owner);
    }
  }

  /**
   * {@inheritDoc TokenStore.subscribe}
   * Notices come over the store's subscriber connection, made on the first subscription and ended
   * with the last; changes made while it is down (Redis restarting) are not told.
   * @throws {@link TokenStoreError} when the store is closed.
   */
  subscribe(key: string, listener: (change: TokenStoreChange) => void): () => void {
    this.#assertOpen();
    let listeners = this.#listeners.get(key);
    if (listeners === undefined) {
      listeners = new Set();
      this.#listeners.set(key, listeners);
    }
    const own = listeners;
    const entry: Listener = (change) => listener(change);
    own.add(entry);
    try {
      this.#holdSubscription();
    } catch (error) {
      own.delete(entry);
      throw storeError(error, 'subscribe');
    }
    let subscribed = true;
    return () => {
      if (!subscribed) return;
      subscribed = false;
      own.delete(entry);
      if (own.size === 0 && this.#listeners.get(key) === own) this.#listeners.delete(key);
      this.#dropSubscription();
    };
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
    for (const lose of [...this.#held]) lose(closedError());
    for (const waiters of this.#waiters.values()) for (const waiter of [...waiters]) waiter.fail(closedError());
    this.#listeners.clear();
    this.#subscribers = 0;
    const subscription = this.#subscription;
    this.#subscription = undefined;
    if (subscription !== undefined) endSubscriber(subscription.client);
  }

  /** {@link RedisTokenStore.close}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #recordKey(key: string): string {
    return `${this.#prefix}${key}`;
  }

  #leaseKey(key: string): string {
    return `${this.#prefix}lease:${key}`;
  }

  #assertOpen(): void {
    if (this.#closed) throw closedError();
  }

  async #write(key: string, expected: string, next: TokenRecord | undefined, operation: string): Promise<boolean> {
    // A listener subscribed before this write must hear of it: let a starting subscription finish.
    await this.#subscriptionStarted();
    const clock = await this.#clockSample();
    const data = next === undefined ? '' : this.#seal === undefined ? JSON.stringify(next) : await this.#seal.seal(next, key);
    const expiresAtMs = next?.expiresAtMs;
    const ttlMs =
      expiresAtMs !== undefined && Number.isFinite(expiresAtMs) ? String(Math.max(1, Math.ceil(expiresAtMs - this.#now()))) : '';
    const message = JSON.stringify({ key, revision: next?.revision });
    const args = [expected, next?.revision ?? '', data, String(clock.offsetMs), String(clock.rttMs), ttlMs, this.#channel, message];
    const sentMs = this.#now();
    const [written, seconds, micros] = this.#array(await this.#eval(WRITE, this.#recordKey(key), args, operation), 3, operation);
    this.#observe(sentMs, seconds, micros);
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

  /** Records Redis's time against ours, measured over one round trip; the current best estimate. */
  #observe(sentMs: number, seconds: unknown, micros: unknown): ClockSample {
    const receivedMs = this.#now();
    const sample = {
      offsetMs: (sentMs + receivedMs) / 2 - redisTimeMs(seconds, micros),
      rttMs: Math.max(0, receivedMs - sentMs),
      atMs: receivedMs,
    };
    this.#clock = bestSample(this.#clock, sample);
    return this.#clock;
  }

  /** The clock estimate a write stores, asking Redis for TIME when there is none recent. */
  async #clockSample(): Promise<ClockSample> {
    const known = this.#clock;
    if (known !== undefined && this.#now() - known.atMs <= CLOCK_SAMPLE_TTL_MS) return known;
    const sentMs = this.#now();
    const [seconds, micros] = this.#array(await this.#call(['TIME'], 'TIME'), 2, 'TIME');
    return this.#observe(sentMs, seconds, micros);
  }

  #array(reply: unknown, length: number, operation: string): unknown[] {
    if (!Array.isArray(reply) || reply.length < length)
      throw new TokenStoreError('unavailable', `${OWNER}: Redis answered ${operation} with an unexpected reply`);
    return reply;
  }

  /** Runs a script by its SHA-1, sending its source when Redis does not know it yet. */
  async #eval(script: LuaScript, key: string, args: readonly string[], operation: string): Promise<unknown> {
    const sha = await script.sha();
    try {
      return await this.#send(['EVALSHA', sha, '1', key, ...args], operation);
    } catch (error) {
      if (!isNoScript(error)) throw storeError(error, operation);
    }
    return this.#call(['EVAL', script.source, '1', key, ...args], operation);
  }

  /** One command, its failures as {@link TokenStoreError}s. */
  async #call(args: readonly string[], operation: string, onLateReply?: (reply: unknown) => void): Promise<unknown> {
    try {
      return await this.#send(args, operation, onLateReply);
    } catch (error) {
      throw storeError(error, operation);
    }
  }

  /**
   * One command with the store's timeout. A command still queued when it times out is withdrawn; one
   * already sent may be answered later, and `onLateReply` is told of that answer.
   */
  async #send(args: readonly string[], operation: string, onLateReply?: (reply: unknown) => void): Promise<unknown> {
    const abort = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        abort.abort();
        reject(new TokenStoreError('timeout', `${OWNER}: Redis did not answer ${operation} within ${this.#timeoutMs} ms`));
      }, this.#timeoutMs);
    });
    const reply = Promise.resolve().then(() => this.#client.sendCommand(args, { abortSignal: abort.signal }));
    try {
      return await Promise.race([reply, timeout]);
    } finally {
      clearTimeout(timer);
      if (abort.signal.aborted && onLateReply !== undefined) reply.then(onLateReply, () => undefined);
    }
  }

  /** Takes the lease, waiting while another owner holds it; resolves with when the winning SET was sent. */
  async #acquire(key: string, owner: string, ttl: number, { signal, onWait }: LeaseOptions): Promise<number> {
    signal?.throwIfAborted();
    let waiter: LeaseWaiter | undefined;
    try {
      for (let attempt = 0; ; attempt += 1) {
        this.#assertOpen();
        const sentAt = performance.now();
        // A SET answered after its timeout may have taken the lease for nobody: give it back.
        const reply = await this.#call(['SET', this.#leaseKey(key), owner, 'NX', 'PX', String(ttl)], 'lease', (late) => {
          if (late === 'OK') void this.#release(key, owner);
        });
        if (reply === 'OK') {
          if (signal?.aborted || this.#closed) {
            await this.#release(key, owner);
            signal?.throwIfAborted();
            this.#assertOpen();
          }
          return sentAt;
        }
        signal?.throwIfAborted();
        if (waiter === undefined) {
          onWait?.();
          waiter = this.#addWaiter(key);
        }
        await waiter.pause(retryDelayMs(attempt), signal);
      }
    } finally {
      if (waiter !== undefined) this.#removeWaiter(key, waiter);
    }
  }

  /** A new waiter on `key`, using the subscription (to hear of releases) while it waits. */
  #addWaiter(key: string): LeaseWaiter {
    const waiter = new LeaseWaiter();
    let waiters = this.#waiters.get(key);
    if (waiters === undefined) {
      waiters = new Set();
      this.#waiters.set(key, waiters);
    }
    waiters.add(waiter);
    try {
      this.#holdSubscription();
      waiter.holdsSubscription = true;
    } catch {
      // No subscriber connection: the waiter asks again on its timer.
    }
    return waiter;
  }

  #removeWaiter(key: string, waiter: LeaseWaiter): void {
    const waiters = this.#waiters.get(key);
    if (waiters?.delete(waiter) !== true) return;
    if (waiters.size === 0) this.#waiters.delete(key);
    if (waiter.holdsSubscription) this.#dropSubscription();
  }

  #wakeWaiters(key: string): void {
    for (const waiter of [...(this.#waiters.get(key) ?? [])]) waiter.wake();
  }

  /**
   * Keeps the lease while the task runs: extends it every ttl/3, and aborts the task's signal when it
   * is another owner's, or when no extension succeeded within ttl of being sent (it may have expired).
   */
  #keep(key: string, owner: string, ttl: number, acquiredAt: number): { signal: AbortSignal; stop: () => void } {
    const controller = new AbortController();
    let stopped = false;
    let extendTimer: ReturnType<typeof setTimeout> | undefined;
    let deadlineTimer: ReturnType<typeof setTimeout> | undefined;
    const stop = () => {
      stopped = true;
      clearTimeout(extendTimer);
      clearTimeout(deadlineTimer);
      this.#held.delete(lose);
    };
    const lose = (reason: unknown) => {
      if (stopped) return;
      stop();
      controller.abort(reason);
    };
    const keepUntil = (sentAt: number) => {
      clearTimeout(deadlineTimer);
      deadlineTimer = setTimeout(
        () => lose(new TokenStoreError('timeout', `${OWNER}: the lease could not be extended within its ttl of ${ttl} ms`)),
        Math.max(0, sentAt + ttl - performance.now()),
      );
    };
    const extend = async () => {
      const sentAt = performance.now();
      try {
        const extended = await this.#eval(EXTEND, this.#leaseKey(key), [owner, String(ttl)], 'extend lease');
        if (stopped) return;
        if (Number(extended) !== 1) {
          lose(new TokenStoreError('unavailable', `${OWNER}: the lease was lost (it expired, or another holder took it)`));
          return;
        }
        keepUntil(sentAt);
      } catch {
        // Redis did not answer: the next extension tries again, and the deadline decides.
      }
      if (!stopped) extendTimer = setTimeout(extend, ttl / 3);
    };
    this.#held.add(lose);
    keepUntil(acquiredAt);
    extendTimer = setTimeout(extend, ttl / 3);
    return { signal: controller.signal, stop };
  }

  /** Gives the lease back if it is still `owner`'s; a failure leaves it to expire. */
  async #release(key: string, owner: string): Promise<void> {
    try {
      const released = await this.#eval(
        RELEASE,
        this.#leaseKey(key),
        [owner, this.#channel, JSON.stringify({ key, lease: 'released' })],
        'release lease',
      );
      if (Number(released) === 1) this.#wakeWaiters(key);
    } catch {
      // The lease expires by its ttl.
    }
  }

  /** One more user of the subscriber connection, which is made on first use. */
  #holdSubscription(): void {
    if (this.#subscription === undefined) this.#subscription = this.#subscribe();
    this.#subscribers += 1;
  }

  /** One user fewer; the last one ends the connection. */
  #dropSubscription(): void {
    if (this.#closed || this.#subscribers === 0) return;
    this.#subscribers -= 1;
    if (this.#subscribers > 0) return;
    const subscription = this.#subscription;
    this.#subscription = undefined;
    if (subscription !== undefined) endSubscriber(subscription.client);
  }

  #subscribe(): Subscription {
    const client = this.#client.duplicate();
    const subscription: Subscription = { client, state: 'connecting', ready: Promise.resolve() };
    client.on('error', () => {
      // The connection is down; node-redis reconnects and resubscribes by itself.
      if (subscription.state === 'connecting') subscription.state = 'failed';
    });
    subscription.ready = (async () => {
      await client.connect();
      await client.subscribe(this.#channel, (message) => this.#dispatch(message));
    })().then(
      () => {
        if (subscription.state === 'connecting') subscription.state = 'ready';
      },
      () => {
        subscription.state = 'failed';
      },
    );
    return subscription;
  }

  /** Waits (at most one command timeout) for a subscription still connecting for the first time. */
  async #subscriptionStarted(): Promise<void> {
    const subscription = this.#subscription;
    if (subscription?.state !== 'connecting') return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([subscription.ready, new Promise<void>((resolve) => (timer = setTimeout(resolve, this.#timeoutMs)))]);
    clearTimeout(timer);
  }

  #dispatch(message: unknown): void {
    let notice: unknown;
    try {
      notice = JSON.parse(String(message));
    } catch {
      return;
    }
    if (!isObject(notice)) return;
    const { key, revision, lease } = notice as { key?: unknown; revision?: unknown; lease?: unknown };
    if (typeof key !== 'string') return;
    if (lease === 'released') {
      this.#wakeWaiters(key);
      return;
    }
    const change: TokenStoreChange = { revision: typeof revision === 'string' ? revision : undefined };
    for (const listener of [...(this.#listeners.get(key) ?? [])]) {
      try {
        listener(change);
      } catch {
        // The listener's failure is its own.
      }
    }
  }
}

/** Closes a subscriber connection, whatever state it is in. */
function endSubscriber(client: RedisSubscriberLike): void {
  try {
    client.destroy();
  } catch {
    // Already closed.
  }
}

/**
 * The ioredis calls {@link fromIoredis} uses (ioredis itself is not imported): an ioredis `Redis` as it is.
 *
 * @example
 * ```ts
 * const ioredis: IoredisLike = new Redis(process.env.REDIS_URL);
 * ```
 */
export interface IoredisLike {
  call(command: string, ...args: string[]): Promise<unknown>;
  duplicate(override?: { lazyConnect?: boolean }): IoredisLike;
  connect(): Promise<unknown>;
  subscribe(channel: string): Promise<unknown>;
  on(event: 'message', listener: (channel: string, message: string) => void): unknown;
  on(event: 'error', listener: (error: unknown) => void): unknown;
  disconnect(): void;
}

/**
 * Adapts an ioredis client to {@link RedisClientLike}: commands go through `call`, the subscriber is a
 * lazily connected `duplicate()`. Commands ioredis queues offline are not withdrawn at the timeout.
 *
 * @example
 * ```ts
 * import { Redis } from 'ioredis';
 * import { fromIoredis, RedisTokenStore } from 'c2m-auth/redis';
 *
 * const store = new RedisTokenStore({ client: fromIoredis(new Redis(process.env.REDIS_URL)) });
 * ```
 */
export function fromIoredis(ioredis: IoredisLike): RedisClientLike {
  return {
    sendCommand: ([command = '', ...args]) => ioredis.call(command, ...args),
    duplicate: () => {
      const subscriber = ioredis.duplicate({ lazyConnect: true });
      return {
        connect: () => subscriber.connect(),
        subscribe: (channel, listener) => {
          subscriber.on('message', (from, message) => {
            if (from === channel) listener(message, from);
          });
          return subscriber.subscribe(channel);
        },
        on: (event, listener) => subscriber.on(event, listener),
        destroy: () => subscriber.disconnect(),
      };
    },
  };
}
