// RedisTokenStore's options and the ioredis adapter: what the constructor refuses (naming the option,
// never its value), what it takes, and how fromIoredis maps node-redis's calls onto ioredis's.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fromIoredis, type IoredisLike, RedisTokenStore } from '../../src/redis/index.js';
import { fakeRedis } from './redis-fake-client.js';

type Options = ConstructorParameters<typeof RedisTokenStore>[0];
const client: Options['client'] = { sendCommand: async () => null, duplicate: () => ({}) as never };
const make = (options: unknown) => () => new RedisTokenStore(options as Options);
const stores: RedisTokenStore[] = [];
const kept = (options: unknown) => {
  const store = make(options)();
  stores.push(store);
  return store;
};

afterEach(async () => {
  await Promise.all(stores.splice(0).map((store) => store.close()));
});

describe('RedisTokenStore options', () => {
  it('takes a command timeout from 1 to 600000 ms', () => {
    for (const commandTimeoutMs of [1, 0.5 + 0.5, 600_000]) expect(kept({ client, commandTimeoutMs })).toBeInstanceOf(RedisTokenStore);
    for (const commandTimeoutMs of [0.99, 600_000.5, -1, Number.NaN, '1000', null])
      expect(make({ client, commandTimeoutMs })).toThrow(
        new TypeError('RedisTokenStore: option "commandTimeoutMs" must be a number of ms from 1 to 600000'),
      );
  });

  it('takes a prefix that is a string, the empty one too', () => {
    expect(kept({ client, prefix: '' })).toBeInstanceOf(RedisTokenStore);
    expect(make({ client, prefix: null })).toThrow(new TypeError('RedisTokenStore: option "prefix" must be a string'));
  });

  it('refuses a client without sendCommand or duplicate, or none at all', () => {
    const refused = new TypeError(
      'RedisTokenStore: option "client" must be a node-redis client (with sendCommand and duplicate), or an adapter',
    );
    for (const bad of [
      undefined,
      null,
      'redis://localhost',
      { sendCommand: async () => null },
      { duplicate: () => ({}) },
      { sendCommand: 'x', duplicate: () => ({}) },
      { sendCommand: async () => null, duplicate: {} },
    ])
      expect(make({ client: bad })).toThrow(refused);
  });

  it('refuses an option it does not know, suggesting the closest', () => {
    expect(make({ client, commandTimeout: 5 })).toThrow(
      new TypeError('RedisTokenStore: unknown option "commandTimeout"; did you mean "commandTimeoutMs"?'),
    );
  });

  it('takes an encryption key as 32 bytes or their base64, and a clock function', async () => {
    const key = new Uint8Array(32).fill(7);
    expect(kept({ client, encryptionKey: key, now: () => 0 })).toBeInstanceOf(RedisTokenStore);
    expect(kept({ client, encryptionKey: btoa(String.fromCharCode(...key)) })).toBeInstanceOf(RedisTokenStore);
    expect(make({ client, encryptionKey: 32 })).toThrow(
      new TypeError('RedisTokenStore: option "encryptionKey" must be 32 bytes (a Uint8Array, or its base64)'),
    );
  });
});

describe('fromIoredis', () => {
  /** An ioredis client whose calls are recorded, over the in-memory Redis for its commands. */
  async function fakeIoredis() {
    const redis = await fakeRedis();
    const messageListeners: ((channel: string, message: string) => void)[] = [];
    const errorListeners: ((error: unknown) => void)[] = [];
    const subscriber = {
      connect: vi.fn(async () => 'connected'),
      subscribe: vi.fn(async (_channel: string) => 1),
      on: vi.fn((event: string, listener: (...args: never[]) => void) => {
        (event === 'message' ? messageListeners : errorListeners).push(listener as never);
        return subscriber;
      }),
      disconnect: vi.fn(),
    };
    const ioredis = {
      call: vi.fn((command: string, ...args: string[]) => redis.client.sendCommand([command, ...args])),
      duplicate: vi.fn(() => subscriber),
    };
    return { redis, ioredis: ioredis as unknown as IoredisLike, calls: ioredis, subscriber, messageListeners, errorListeners };
  }

  it('sends commands through call, their name first', async () => {
    const { ioredis, calls } = await fakeIoredis();
    const adapted = fromIoredis(ioredis);
    expect(await adapted.sendCommand(['SET', 'k', 'v', 'NX', 'PX', '100'])).toBe('OK');
    expect(calls.call).toHaveBeenCalledWith('SET', 'k', 'v', 'NX', 'PX', '100');
    await expect(adapted.sendCommand([])).rejects.toThrow("ERR unknown command ''");
    expect(calls.call).toHaveBeenLastCalledWith('');
  });

  it('makes the subscriber a lazily connected duplicate, telling the listener only its channel', async () => {
    const { ioredis, calls, subscriber, messageListeners, errorListeners } = await fakeIoredis();
    const duplicate = fromIoredis(ioredis).duplicate();
    expect(calls.duplicate).toHaveBeenCalledWith({ lazyConnect: true });
    expect(subscriber.connect).not.toHaveBeenCalled();
    expect(await duplicate.connect()).toBe('connected');

    const heard: [string, string][] = [];
    expect(await duplicate.subscribe('p:changes', (message, channel) => heard.push([message, channel]))).toBe(1);
    expect(subscriber.subscribe).toHaveBeenCalledWith('p:changes');
    for (const listener of messageListeners) {
      listener('q:changes', '{"key":"other"}');
      listener('p:changes', '{"key":"k"}');
    }
    expect(heard).toEqual([['{"key":"k"}', 'p:changes']]);

    const errors: unknown[] = [];
    duplicate.on('error', (error) => errors.push(error));
    for (const listener of errorListeners) listener(new Error('ECONNRESET'));
    expect(errors).toEqual([new Error('ECONNRESET')]);

    expect(subscriber.disconnect).not.toHaveBeenCalled();
    duplicate.destroy();
    expect(subscriber.disconnect).toHaveBeenCalledTimes(1);
  });

  it('runs a store: records, and changes told to its listeners', async () => {
    const { ioredis, redis, messageListeners } = await fakeIoredis();
    const store = kept({ client: fromIoredis(ioredis), prefix: 'p:' });
    const told: unknown[] = [];
    store.subscribe('k', (change) => told.push(change));
    await new Promise((resolve) => setTimeout(resolve, 0));
    const record = { version: 1 as const, revision: 'r1', longToken: 'lt_ioredis' };
    await store.set('k', record);
    expect(await store.get('k')).toEqual(record);
    for (const [channel, message] of redis.published) for (const listener of messageListeners) listener(channel, message);
    expect(told).toEqual([{ revision: 'r1' }]);
  });
});
