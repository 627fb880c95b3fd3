// The client RedisTokenStore is given, as the calls it makes on it (structural: node-redis v5 and v6
// fit as they are), and those calls with the store's command timeout.
import { TokenStoreError } from '../errors/TokenStoreError.js';
import type { fromIoredis } from './ioredis.js';
import { OWNER, storeError } from './store-error.js';

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
 * The commands a store sends on its client: each with the store's timeout (`commandTimeoutMs`), its
 * failures as {@link TokenStoreError}s.
 */
export class RedisCommands {
  readonly client: RedisClientLike;
  readonly timeoutMs: number;

  constructor(client: RedisClientLike, timeoutMs: number) {
    this.client = client;
    this.timeoutMs = timeoutMs;
  }

  /** One command, its failures as {@link TokenStoreError}s. */
  async call(args: readonly string[], operation: string, onLateReply?: (reply: unknown) => void): Promise<unknown> {
    try {
      return await this.send(args, operation, onLateReply);
    } catch (error) {
      throw storeError(error, operation);
    }
  }

  /**
   * One command with the store's timeout. A command still queued when it times out is withdrawn; one
   * already sent may be answered later, and `onLateReply` is told of that answer.
   */
  async send(args: readonly string[], operation: string, onLateReply?: (reply: unknown) => void): Promise<unknown> {
    const abort = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        abort.abort();
        reject(new TokenStoreError('timeout', `${OWNER}: Redis did not answer ${operation} within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
    });
    const reply = Promise.resolve().then(() => this.client.sendCommand(args, { abortSignal: abort.signal }));
    try {
      return await Promise.race([reply, timeout]);
    } finally {
      clearTimeout(timer);
      if (abort.signal.aborted && onLateReply !== undefined) reply.then(onLateReply, () => undefined);
    }
  }
}

/** Redis's reply as an array of at least `length` items; anything else is a {@link TokenStoreError} `unavailable`. */
export function replyArray(reply: unknown, length: number, operation: string): unknown[] {
  if (!Array.isArray(reply) || reply.length < length)
    throw new TokenStoreError('unavailable', `${OWNER}: Redis answered ${operation} with an unexpected reply`);
  return reply;
}
