// RedisTokenStore's subscriber connection over an in-memory Redis: made on first use and ended with
// the last user, what a published notice tells whom, and how long a write waits for a subscription
// still connecting.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TokenStoreError } from '../../src/errors/TokenStoreError.js';
import { RedisTokenStore } from '../../src/redis/index.js';
import type { TokenStoreChange } from '../../src/session/TokenStore.js';
import { type FakeRedis, fakeRedis } from './redis-fake-client.js';

const record = (revision: string) => ({ version: 1 as const, revision, longToken: `lt_sub_${revision}` });

/** A promise and the function that settles it. */
function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (error: unknown) => void } {
  let resolve: (value: T) => void = () => {};
  let reject: (error: unknown) => void = () => {};
  const promise = new Promise<T>((onResolve, onReject) => {
    resolve = onResolve;
    reject = onReject;
  });
  return { promise, resolve, reject };
}

let redis: FakeRedis;
let store: RedisTokenStore;

beforeEach(async () => {
  vi.useFakeTimers();
  redis = await fakeRedis();
  store = new RedisTokenStore({ client: redis.client, prefix: 'p:', commandTimeoutMs: 200 });
});

afterEach(async () => {
  await store.close();
  vi.useRealTimers();
});

describe('the subscriber connection', () => {
  it('is one duplicate of the client, subscribed to <prefix>changes, shared by every listener, ended with the last', async () => {
    expect(redis.subscribers).toHaveLength(0);
    const first = store.subscribe('k', () => {});
    const second = store.subscribe('other', () => {});
    const third = store.subscribe('k', () => {});
    await vi.advanceTimersByTimeAsync(0);
    expect(redis.subscribers).toHaveLength(1);
    const [subscriber] = redis.subscribers;
    expect(subscriber?.channels).toEqual(['p:changes']);
    first();
    // Unsubscribing twice drops one user only.
    first();
    second();
    expect(subscriber?.destroyed).toBe(false);
    third();
    expect(subscriber?.destroyed).toBe(true);

    // The next listener makes a new one.
    const again = store.subscribe('k', () => {});
    await vi.advanceTimersByTimeAsync(0);
    expect(redis.subscribers).toHaveLength(2);
    expect(redis.subscribers[1]?.destroyed).toBe(false);
    again();
    expect(redis.subscribers[1]?.destroyed).toBe(true);
  });

  it('is ended by close, whatever its listeners, and never made again', async () => {
    store.subscribe('k', () => {});
    await vi.advanceTimersByTimeAsync(0);
    await store.close();
    expect(redis.subscribers[0]?.destroyed).toBe(true);
    let error: unknown;
    try {
      store.subscribe('k', () => {});
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(TokenStoreError);
    expect(error).toMatchObject({ reason: 'unavailable', message: 'RedisTokenStore: the store is closed' });
    expect(redis.subscribers).toHaveLength(1);
  });

  it('is ended once by close: a lease waiter leaving after it touches it no more', async () => {
    redis.put('p:lease:k', 'holder', 60_000);
    const waiting = store.lease('k', 5000, async () => 'never');
    await vi.advanceTimersByTimeAsync(10);
    expect(redis.subscribers).toHaveLength(1);
    const [subscriber] = redis.subscribers;
    if (subscriber === undefined) throw new Error('no subscriber');
    let ended = 0;
    const destroy = subscriber.destroy;
    subscriber.destroy = () => {
      ended += 1;
      destroy();
    };
    await store.close();
    await expect(waiting).rejects.toMatchObject({ reason: 'unavailable', message: 'RedisTokenStore: the store is closed' });
    expect(ended).toBe(1);
  });

  it('makes close succeed though ending the connection throws', async () => {
    store.subscribe('k', () => {});
    const subscriber = redis.subscribers[0];
    if (subscriber === undefined) throw new Error('no subscriber');
    subscriber.destroy = () => {
      throw new Error('already closed');
    };
    await store.close();
    await expect(store.get('k')).rejects.toMatchObject({ reason: 'unavailable', message: 'RedisTokenStore: the store is closed' });
  });

  it('makes subscribe throw unavailable, keeping no listener, when no connection can be made', async () => {
    redis.failDuplicate(true);
    const told: TokenStoreChange[] = [];
    let error: unknown;
    try {
      store.subscribe('k', (change) => told.push(change));
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(TokenStoreError);
    expect(error).toMatchObject({ reason: 'unavailable', message: 'RedisTokenStore: Redis failed subscribe (Error)' });
    redis.failDuplicate(false);
    const unsubscribe = store.subscribe('k', () => {});
    await store.set('k', record('r1'));
    await vi.advanceTimersByTimeAsync(0);
    expect(told).toEqual([]);
    unsubscribe();
  });
});

describe('a notice', () => {
  it("tells the key's listeners, in order, of a change's revision, or none when it is not a string", async () => {
    const told: [string, TokenStoreChange][] = [];
    store.subscribe('k', (change) => told.push(['k first', change]));
    store.subscribe('k', (change) => told.push(['k second', change]));
    store.subscribe('other', (change) => told.push(['other', change]));
    await vi.advanceTimersByTimeAsync(0);
    redis.publish('p:changes', '{"key":"k","revision":"r7"}');
    redis.publish('p:changes', '{"key":"k","revision":7}');
    redis.publish('p:changes', '{"key":"k"}');
    await vi.advanceTimersByTimeAsync(0);
    expect(told).toEqual([
      ['k first', { revision: 'r7' }],
      ['k second', { revision: 'r7' }],
      ['k first', { revision: undefined }],
      ['k second', { revision: undefined }],
      ['k first', { revision: undefined }],
      ['k second', { revision: undefined }],
    ]);
  });

  it('is ignored when it is not JSON, not an object, has no string key, or is on another channel', async () => {
    const told: TokenStoreChange[] = [];
    store.subscribe('k', (change) => told.push(change));
    store.subscribe('7', (change) => told.push(change));
    store.subscribe('null', (change) => told.push(change));
    await vi.advanceTimersByTimeAsync(0);
    for (const message of ['{"key":"k"', 'null', '"k"', '7', '{"key":7}', '{"revision":"r1"}', '[]', '{"key":null}'])
      redis.publish('p:changes', message);
    redis.publish('q:changes', '{"key":"k","revision":"r1"}');
    await vi.advanceTimersByTimeAsync(0);
    expect(told).toEqual([]);
    redis.publish('p:changes', '{"key":"k","revision":"r2"}');
    await vi.advanceTimersByTimeAsync(0);
    expect(told).toEqual([{ revision: 'r2' }]);
  });

  it('of a release wakes no listener', async () => {
    const told: TokenStoreChange[] = [];
    store.subscribe('k', (change) => told.push(change));
    await vi.advanceTimersByTimeAsync(0);
    redis.publish('p:changes', '{"key":"k","lease":"released"}');
    redis.publish('p:changes', '{"key":"k","lease":"taken"}');
    await vi.advanceTimersByTimeAsync(0);
    expect(told).toEqual([{ revision: undefined }]);
  });

  it('keeps telling the other listeners when one throws, and stops telling one that unsubscribed', async () => {
    const told: string[] = [];
    store.subscribe('k', () => {
      throw new Error('listener failed');
    });
    const unsubscribe = store.subscribe('k', (change) => told.push(`second ${change.revision}`));
    store.subscribe('k', (change) => told.push(`third ${change.revision}`));
    await vi.advanceTimersByTimeAsync(0);
    redis.publish('p:changes', '{"key":"k","revision":"r1"}');
    await vi.advanceTimersByTimeAsync(0);
    unsubscribe();
    redis.publish('p:changes', '{"key":"k","revision":"r2"}');
    await vi.advanceTimersByTimeAsync(0);
    expect(told).toEqual(['second r1', 'third r1', 'third r2']);
  });

  it('tells a listener subscribed twice to the same key twice, until each unsubscribes', async () => {
    const told: string[] = [];
    const listener = (change: TokenStoreChange) => told.push(String(change.revision));
    const first = store.subscribe('k', listener);
    store.subscribe('k', listener);
    await vi.advanceTimersByTimeAsync(0);
    redis.publish('p:changes', '{"key":"k","revision":"r1"}');
    await vi.advanceTimersByTimeAsync(0);
    first();
    redis.publish('p:changes', '{"key":"k","revision":"r2"}');
    await vi.advanceTimersByTimeAsync(0);
    expect(told).toEqual(['r1', 'r1', 'r2']);
  });

  it('reaches a listener of a key whose earlier listeners all left', async () => {
    const told: string[] = [];
    const gone = store.subscribe('k', () => told.push('gone'));
    const keep = store.subscribe('other', () => {});
    gone();
    store.subscribe('k', (change) => told.push(`new ${change.revision}`));
    await vi.advanceTimersByTimeAsync(0);
    redis.publish('p:changes', '{"key":"k","revision":"r1"}');
    await vi.advanceTimersByTimeAsync(0);
    expect(told).toEqual(['new r1']);
    keep();
  });

  it('is forgotten after close: no listener is told', async () => {
    const told: TokenStoreChange[] = [];
    store.subscribe('k', (change) => told.push(change));
    await vi.advanceTimersByTimeAsync(0);
    const [subscriber] = redis.subscribers;
    // A connection that does not stop at once (its destroy is late) still tells nobody.
    if (subscriber !== undefined) subscriber.destroy = () => {};
    await store.close();
    redis.publish('p:changes', '{"key":"k","revision":"r1"}');
    await vi.advanceTimersByTimeAsync(0);
    expect(told).toEqual([]);
  });
});

describe('a write while the subscription connects', () => {
  it('waits for the subscription, so a listener hears of it', async () => {
    const connected = deferred();
    redis.connectWith(() => connected.promise);
    const told: TokenStoreChange[] = [];
    store.subscribe('k', (change) => told.push(change));
    let written = false;
    const write = store.set('k', record('r1')).then(() => (written = true));
    await vi.advanceTimersByTimeAsync(100);
    expect(written).toBe(false);
    expect(redis.sent('WRITE')).toHaveLength(0);
    connected.resolve();
    await write;
    // The wait's timer went with it.
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(0);
    expect(told).toEqual([{ revision: 'r1' }]);
  });

  it('waits one command timeout at most, then writes', async () => {
    redis.connectWith(() => new Promise(() => {}));
    store.subscribe('k', () => {});
    let written = false;
    const write = store.set('k', record('r1')).then(() => (written = true));
    await vi.advanceTimersByTimeAsync(199);
    expect(written).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await write;
    expect(written).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
    // A later write waits again: the subscription is still connecting.
    const again = store.set('k', record('r2')).then(() => (written = false));
    await vi.advanceTimersByTimeAsync(199);
    expect(written).toBe(true);
    await vi.advanceTimersByTimeAsync(1);
    await again;
  });

  it('does not wait for a subscription whose connection failed or reported an error', async () => {
    for (const failing of [
      () => redis.connectWith(() => Promise.reject(new Error('ECONNREFUSED'))),
      () => redis.connectWith(() => new Promise(() => {})),
    ]) {
      failing();
      const unsubscribe = store.subscribe('k', () => {});
      await vi.advanceTimersByTimeAsync(0);
      redis.subscribers.at(-1)?.fail(new Error('ECONNREFUSED'));
      let written = false;
      const write = store.set('k', record('r1')).then(() => (written = true));
      await vi.advanceTimersByTimeAsync(0);
      expect(written).toBe(true);
      await write;
      unsubscribe();
    }
  });

  it('does not wait for a subscription that is ready, though it reports an error later', async () => {
    store.subscribe('k', () => {});
    await vi.advanceTimersByTimeAsync(0);
    redis.subscribers[0]?.fail(new Error('ECONNRESET'));
    let written = false;
    const write = store.set('k', record('r1')).then(() => (written = true));
    await vi.advanceTimersByTimeAsync(0);
    expect(written).toBe(true);
    await write;
  });
});
