// ioredis through RedisClientLike: RedisTokenStore speaks node-redis's calls, this adapter maps them.
import type { RedisClientLike } from './client.js';

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
