// RedisTokenStore's leases on a fake clock (an in-memory Redis, fake timers): when a waiter asks again,
// when the holder extends, when it gives up, and what it gives back, exactly.
import { getEventListeners } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TokenStoreError } from '../../src/errors/TokenStoreError.js';
import { RedisTokenStore } from '../../src/redis/index.js';
import { type FakeRedis, fakeRedis } from './redis-fake-client.js';

const PREFIX = 'p:';
const LEASE = 'p:lease:k';

/** A promise and the function that settles it. */
function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve: (value: T) => void = () => {};
  const promise = new Promise<T>((settle) => {
    resolve = settle;
  });
  return { promise, resolve };
}

/** How a promise ended, once it has. */
function watch<T>(promise: Promise<T>) {
  const outcome: { value?: { resolved: T } | { rejected: unknown } } = {};
  promise.then(
    (value) => (outcome.value = { resolved: value }),
    (error: unknown) => (outcome.value = { rejected: error }),
  );
  return outcome;
}

let redis: FakeRedis;
let store: RedisTokenStore;
let startMs: number;
/** The ms since the test started at which each command named so was sent. */
const times: Record<string, number[]> = {};

beforeEach(async () => {
  vi.useFakeTimers();
  startMs = Date.now();
  redis = await fakeRedis();
  for (const name of Object.keys(times)) delete times[name];
  const send = redis.client.sendCommand;
  redis.client.sendCommand = (args, options) => {
    const name = args[0] === 'EVALSHA' ? 'script' : (args[0] ?? '');
    const sent = times[name] ?? [];
    sent.push(Date.now() - startMs);
    times[name] = sent;
    return send(args, options);
  };
  store = new RedisTokenStore({ client: redis.client, prefix: PREFIX, commandTimeoutMs: 50 });
});

afterEach(async () => {
  await store.close();
  vi.useRealTimers();
});

describe('a lease waiter', () => {
  it('asks again after 20 ms at the least', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0);
    redis.put(LEASE, 'holder', 200);
    let waits = 0;
    const lease = watch(store.lease('k', 5000, async () => 'mine', { onWait: () => (waits += 1) }));
    await vi.advanceTimersByTimeAsync(300);
    expect(lease.value).toEqual({ resolved: 'mine' });
    expect(waits).toBe(1);
    // 0, then every 20 ms until the holder's lease expired at 200.
    expect(times.SET).toEqual([0, 20, 40, 60, 80, 100, 120, 140, 160, 180, 200]);
  });

  it('asks again after at most 120 ms, the ceiling growing by a quarter each time up to 250 ms', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(1);
    redis.put(LEASE, 'holder', 1500);
    const lease = watch(store.lease('k', 5000, async () => 'mine'));
    await vi.advanceTimersByTimeAsync(2000);
    expect(lease.value).toEqual({ resolved: 'mine' });
    const gaps = (times.SET ?? []).slice(1).map((at, index) => at - (times.SET?.[index] ?? 0));
    // 120 * 1.25 ** attempt: 120, 150, 187.5, 234.375, then 250 (the clock counts whole ms).
    expect(gaps).toEqual([120, 150, 187, 234, 250, 250, 250, 250]);
  });

  it('is woken at once when a holder of the same store releases, with no message heard', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(1);
    // No subscriber connection ever connects: only the store's own release can wake the waiter.
    redis.connectWith(() => new Promise(() => {}));
    const gate = deferred();
    const holding = deferred();
    const first = store.lease('k', 5000, async () => {
      holding.resolve();
      await gate.promise;
      return 'holder';
    });
    await holding.promise;
    const order: string[] = [];
    const second = watch(store.lease('k', 5000, async () => order.push(`waiter at ${Date.now() - startMs}`)));
    await vi.advanceTimersByTimeAsync(50);
    expect(second.value).toBeUndefined();
    gate.resolve();
    expect(await first).toBe('holder');
    await vi.advanceTimersByTimeAsync(0);
    expect(order).toEqual(['waiter at 50']);
    expect(second.value).toEqual({ resolved: 1 });
  });

  it("is woken by another process's published release of its key, not another key's", async () => {
    vi.spyOn(Math, 'random').mockReturnValue(1);
    redis.put(LEASE, 'holder', 60_000);
    const lease = watch(store.lease('k', 5000, async () => Date.now() - startMs));
    await vi.advanceTimersByTimeAsync(10);
    redis.publish('p:changes', '{"key":"other","lease":"released"}');
    await vi.advanceTimersByTimeAsync(10);
    expect(times.SET).toEqual([0]);
    redis.put(LEASE, 'gone', 1);
    await vi.advanceTimersByTimeAsync(1);
    redis.publish('p:changes', '{"key":"k","lease":"released"}');
    await vi.advanceTimersByTimeAsync(0);
    expect(lease.value).toEqual({ resolved: 21 });
    expect(times.SET).toEqual([0, 21]);
  });

  it('ends its subscriber connection once it has the lease', async () => {
    redis.put(LEASE, 'holder', 100);
    const lease = watch(store.lease('k', 5000, async () => redis.subscribers.map((subscriber) => subscriber.destroyed)));
    await vi.advanceTimersByTimeAsync(400);
    expect(lease.value).toEqual({ resolved: [true] });
    expect(redis.subscribers).toHaveLength(1);
    expect(redis.subscribers[0]?.channels).toEqual(['p:changes']);
  });

  it('keeps waiting on its timer when no subscriber connection can be made', async () => {
    redis.failDuplicate(true);
    vi.spyOn(Math, 'random').mockReturnValue(0);
    redis.put(LEASE, 'holder', 50);
    const lease = watch(store.lease('k', 5000, async () => 'mine'));
    await vi.advanceTimersByTimeAsync(60);
    expect(lease.value).toEqual({ resolved: 'mine' });
    expect(times.SET).toEqual([0, 20, 40, 60]);
  });

  it("rejects with the signal's reason, asking no more, when it aborts while waiting", async () => {
    redis.put(LEASE, 'holder', 60_000);
    const controller = new AbortController();
    let ran = 0;
    const lease = watch(store.lease('k', 5000, async () => (ran += 1), { signal: controller.signal }));
    await vi.advanceTimersByTimeAsync(10);
    const asked = times.SET?.length;
    controller.abort(new Error('caller gave up'));
    await vi.advanceTimersByTimeAsync(1000);
    expect(lease.value).toEqual({ rejected: new Error('caller gave up') });
    expect(times.SET?.length).toBe(asked);
    expect(ran).toBe(0);
  });

  it("rejects with the signal's reason when it aborts while the SET is under way, and gives back what it took", async () => {
    const controller = new AbortController();
    const answer = deferred();
    redis.hook((args) =>
      args[0] === 'SET'
        ? answer.promise.then(() => {
            redis.put(LEASE, args[2] ?? '', 5000);
            return 'OK';
          })
        : undefined,
    );
    let ran = 0;
    const lease = watch(store.lease('k', 5000, async () => (ran += 1), { signal: controller.signal }));
    await vi.advanceTimersByTimeAsync(1);
    redis.hook(undefined);
    controller.abort(new Error('caller gave up'));
    answer.resolve();
    await vi.advanceTimersByTimeAsync(0);
    expect(lease.value).toEqual({ rejected: new Error('caller gave up') });
    expect(ran).toBe(0);
    expect(redis.sent('RELEASE')).toHaveLength(1);
    expect(redis.stored(LEASE)).toBeUndefined();
  });

  it('rejects with closed, giving back what it took, when the store closes while the SET is under way', async () => {
    const answer = deferred();
    redis.hook((args) =>
      args[0] === 'SET'
        ? answer.promise.then(() => {
            redis.put(LEASE, args[2] ?? '', 5000);
            return 'OK';
          })
        : undefined,
    );
    let ran = 0;
    const lease = watch(store.lease('k', 5000, async () => (ran += 1)));
    await vi.advanceTimersByTimeAsync(1);
    redis.hook(undefined);
    await store.close();
    answer.resolve();
    await vi.advanceTimersByTimeAsync(0);
    expect(lease.value).toEqual({
      rejected: expect.objectContaining({ reason: 'unavailable', message: 'RedisTokenStore: the store is closed' }),
    });
    expect(ran).toBe(0);
    expect(redis.sent('RELEASE')).toHaveLength(1);
    expect(redis.stored(LEASE)).toBeUndefined();
  });

  it("rejects with the signal's reason, never waiting, when it aborts while a refused SET is under way", async () => {
    redis.put(LEASE, 'holder', 60_000);
    const controller = new AbortController();
    const answer = deferred();
    redis.hook((args, _signal, reply) => (args[0] === 'SET' ? answer.promise.then(reply) : undefined));
    let waits = 0;
    const lease = watch(store.lease('k', 5000, async () => 'never', { signal: controller.signal, onWait: () => (waits += 1) }));
    await vi.advanceTimersByTimeAsync(1);
    controller.abort(new Error('caller gave up'));
    answer.resolve();
    await vi.advanceTimersByTimeAsync(0);
    expect(lease.value).toEqual({ rejected: new Error('caller gave up') });
    expect(waits).toBe(0);
    expect(redis.subscribers).toHaveLength(0);
  });

  it("is not woken when a holder of the same store finds its lease another's at the end", async () => {
    vi.spyOn(Math, 'random').mockReturnValue(1);
    const gate = deferred();
    const holding = deferred();
    const first = store.lease('k', 60_000, async () => {
      holding.resolve();
      await gate.promise;
    });
    await holding.promise;
    const second = watch(store.lease('k', 5000, async () => 'waiter'));
    await vi.advanceTimersByTimeAsync(10);
    // Another process took the key over; the holder's release gives nothing back.
    redis.put(LEASE, 'intruder', 50);
    gate.resolve();
    await first;
    await vi.advanceTimersByTimeAsync(0);
    expect(times.SET).toEqual([0, 0]);
    await vi.advanceTimersByTimeAsync(110);
    expect(second.value).toEqual({ resolved: 'waiter' });
    expect(times.SET).toEqual([0, 0, 120]);
  });
});

describe('waiters on one key', () => {
  it('are each woken by a published release, and still when another left', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(1);
    redis.put(LEASE, 'holder', 60_000);
    const leaving = new AbortController();
    const gone = watch(store.lease('k', 5000, async () => 'never', { signal: leaving.signal }));
    const first = watch(store.lease('k', 5000, async () => `first at ${Date.now() - startMs}`));
    const second = watch(store.lease('k', 5000, async () => `second at ${Date.now() - startMs}`));
    await vi.advanceTimersByTimeAsync(10);
    leaving.abort(new Error('left'));
    await vi.advanceTimersByTimeAsync(0);
    expect(gone.value).toEqual({ rejected: new Error('left') });
    redis.put(LEASE, 'gone', 1);
    await vi.advanceTimersByTimeAsync(1);
    redis.publish('p:changes', '{"key":"k","lease":"released"}');
    await vi.advanceTimersByTimeAsync(0);
    // Both asked again at once: one took the lease, and its release woke the other.
    expect(times.SET?.filter((at) => at === 11)).toHaveLength(3);
    expect([first.value, second.value]).toEqual([{ resolved: 'first at 11' }, { resolved: 'second at 11' }]);
  });

  it('leave no abort listener on the caller signal once the lease is taken', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0);
    redis.put(LEASE, 'holder', 70);
    const controller = new AbortController();
    const lease = watch(
      store.lease('k', 5000, async () => getEventListeners(controller.signal, 'abort').length, { signal: controller.signal }),
    );
    await vi.advanceTimersByTimeAsync(100);
    expect(lease.value).toEqual({ resolved: 0 });
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('are rejected by close, and one whose refused SET comes back after it opens no connection', async () => {
    redis.put(LEASE, 'holder', 60_000);
    const waiting = watch(store.lease('k', 5000, async () => 'never'));
    await vi.advanceTimersByTimeAsync(10);
    const answer = deferred();
    redis.hook((args, _signal, reply) => (args[0] === 'SET' ? answer.promise.then(reply) : undefined));
    const late = watch(store.lease('other', 5000, async () => 'never'));
    redis.put('p:lease:other', 'holder', 60_000);
    await vi.advanceTimersByTimeAsync(1);
    const connections = redis.subscribers.length;
    await store.close();
    const closed = { rejected: expect.objectContaining({ reason: 'unavailable', message: 'RedisTokenStore: the store is closed' }) };
    // The waiter is rejected at once, not at its next ask.
    await vi.advanceTimersByTimeAsync(0);
    expect(waiting.value).toEqual(closed);
    answer.resolve();
    await vi.advanceTimersByTimeAsync(300);
    expect(late.value).toEqual(closed);
    expect(redis.subscribers).toHaveLength(connections);
  });
});

describe('a lease taken', () => {
  it("resolves with the task's result though giving the lease back fails (it expires by its ttl)", async () => {
    redis.hook((args) => (args[0] === 'EVALSHA' ? Promise.reject(new Error('LOADING Redis is loading')) : undefined));
    expect(await store.lease('k', 5000, async () => 'done')).toBe('done');
    expect(redis.sent('RELEASE')).toHaveLength(1);
    expect(redis.ttl(LEASE)).toBe(5000);
  });

  it('is SET NX PX with the ttl rounded up to whole ms', async () => {
    expect(await store.lease('k', 299.2, async () => redis.ttl(LEASE))).toBe(300);
    expect(redis.sent('SET')[0]).toEqual(['SET', LEASE, expect.stringMatching(/^[0-9a-f]{32}$/), 'NX', 'PX', '300']);
  });

  it('is extended every ttl/3 while the task runs, by its owner, and given back once it settles', async () => {
    const gate = deferred();
    const lease = watch(
      store.lease('k', 300, async (signal) => {
        await gate.promise;
        return signal.aborted;
      }),
    );
    await vi.advanceTimersByTimeAsync(1000);
    expect(redis.ttl(LEASE)).toBe(300);
    gate.resolve();
    await vi.advanceTimersByTimeAsync(0);
    expect(lease.value).toEqual({ resolved: false });
    expect(times.script).toEqual([100, 200, 300, 400, 500, 600, 700, 800, 900, 1000, 1000]);
    const owner = redis.sent('SET')[0]?.[2];
    expect(redis.sent('EXTEND').map((args) => args.slice(3))).toEqual(Array(10).fill([LEASE, owner, '300']));
    expect(redis.sent('RELEASE').map((args) => args.slice(3))).toEqual([[LEASE, owner, 'p:changes', '{"key":"k","lease":"released"}']]);
    expect(redis.stored(LEASE)).toBeUndefined();
    // Nothing more is sent once the task settled.
    await vi.advanceTimersByTimeAsync(1000);
    expect(times.script).toHaveLength(11);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('aborts the signal at ttl after the SET when no extension is answered, and keeps trying meanwhile', async () => {
    const gate = deferred();
    let abortedAt: number | undefined;
    let reason: unknown;
    const lease = watch(
      store.lease('k', 300, async (signal) => {
        signal.addEventListener('abort', () => {
          abortedAt = Date.now() - startMs;
          reason = signal.reason;
        });
        await gate.promise;
        return 'done';
      }),
    );
    await vi.advanceTimersByTimeAsync(1);
    redis.hook((args) => (args[0] === 'EVALSHA' ? new Promise(() => {}) : undefined));
    await vi.advanceTimersByTimeAsync(298);
    expect(abortedAt).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(abortedAt).toBe(300);
    expect(reason).toBeInstanceOf(TokenStoreError);
    expect(reason).toMatchObject({
      reason: 'timeout',
      message: 'RedisTokenStore: the lease could not be extended within its ttl of 300 ms',
    });
    // An extension was tried at 100, timed out at 150, tried again ttl/3 later; none after the loss.
    expect(times.script).toEqual([100, 250]);
    await vi.advanceTimersByTimeAsync(500);
    expect(times.script).toEqual([100, 250]);
    redis.hook(undefined);
    gate.resolve();
    await vi.advanceTimersByTimeAsync(0);
    expect(lease.value).toEqual({ resolved: 'done' });
  });

  it('counts the ttl from when the last answered extension was sent', async () => {
    const gate = deferred();
    let abortedAt: number | undefined;
    const lease = watch(
      store.lease('k', 300, async (signal) => {
        signal.addEventListener('abort', () => (abortedAt = Date.now() - startMs));
        await gate.promise;
      }),
    );
    // The extension sent at 100 is answered 40 ms later; then Redis answers none.
    redis.hook((args) =>
      args[0] === 'EVALSHA' && Date.now() - startMs === 100
        ? new Promise((resolve) => setTimeout(() => resolve(1), 40))
        : args[0] === 'EVALSHA'
          ? new Promise(() => {})
          : undefined,
    );
    await vi.advanceTimersByTimeAsync(399);
    expect(abortedAt).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(abortedAt).toBe(400);
    redis.hook(undefined);
    gate.resolve();
    await vi.advanceTimersByTimeAsync(0);
    expect(lease.value).toEqual({ resolved: undefined });
  });

  it('keeps extending after an extension that failed', async () => {
    const gate = deferred();
    let lost = false;
    const lease = watch(
      store.lease('k', 300, async (signal) => {
        signal.addEventListener('abort', () => (lost = true));
        await gate.promise;
      }),
    );
    redis.hook((args) => {
      if (args[0] === 'EVALSHA' && Date.now() - startMs === 100) throw new Error('LOADING Redis is loading');
      return undefined;
    });
    await vi.advanceTimersByTimeAsync(350);
    expect(lost).toBe(false);
    expect(times.script).toEqual([100, 200, 300]);
    redis.hook(undefined);
    gate.resolve();
    await vi.advanceTimersByTimeAsync(0);
    expect(lease.value).toEqual({ resolved: undefined });
  });

  it('is lost at the first extension that finds another owner: the signal aborts and extensions stop', async () => {
    const gate = deferred();
    let reason: unknown;
    let abortedAt: number | undefined;
    const lease = watch(
      store.lease('k', 300, async (signal) => {
        signal.addEventListener('abort', () => {
          abortedAt = Date.now() - startMs;
          reason = signal.reason;
        });
        await gate.promise;
        return 'done';
      }),
    );
    await vi.advanceTimersByTimeAsync(150);
    redis.put(LEASE, 'intruder', 60_000);
    await vi.advanceTimersByTimeAsync(1000);
    expect(abortedAt).toBe(200);
    expect(reason).toBeInstanceOf(TokenStoreError);
    expect(reason).toMatchObject({
      reason: 'unavailable',
      message: 'RedisTokenStore: the lease was lost (it expired, or another holder took it)',
    });
    expect(times.script).toEqual([100, 200]);
    gate.resolve();
    await vi.advanceTimersByTimeAsync(0);
    expect(lease.value).toEqual({ resolved: 'done' });
    expect(redis.stored(LEASE)).toBe('intruder');
  });

  it('ignores an extension answered after the task settled', async () => {
    const answer = deferred<number>();
    const gate = deferred();
    let signal: AbortSignal | undefined;
    const lease = watch(
      store.lease('k', 300, async (given) => {
        signal = given;
        await gate.promise;
      }),
    );
    redis.hook((args) => (args[0] === 'EVALSHA' && args.length === 6 ? answer.promise : undefined));
    await vi.advanceTimersByTimeAsync(110);
    gate.resolve();
    await vi.advanceTimersByTimeAsync(0);
    expect(lease.value).toEqual({ resolved: undefined });
    answer.resolve(1);
    await vi.advanceTimersByTimeAsync(0);
    // No deadline is kept for a lease given back.
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(1000);
    expect(signal?.aborted).toBe(false);
    expect(times.script).toEqual([100, 110]);
  });

  it('gives back a lease a timed-out SET took late, but not one it did not take', async () => {
    for (const took of [true, false]) {
      const late = deferred();
      redis.hook((args) =>
        args[0] === 'SET'
          ? late.promise.then(() => {
              if (!took) return null;
              redis.put(LEASE, args[2] ?? '', 5000);
              return 'OK';
            })
          : undefined,
      );
      const failed = watch(store.lease('k', 5000, async () => 'never'));
      await vi.advanceTimersByTimeAsync(50);
      expect(failed.value).toEqual({
        rejected: expect.objectContaining({ reason: 'timeout', message: 'RedisTokenStore: Redis did not answer lease within 50 ms' }),
      });
      redis.hook(undefined);
      late.resolve();
      await vi.advanceTimersByTimeAsync(0);
      expect(redis.sent('RELEASE')).toHaveLength(took ? 1 : 0);
      expect(redis.stored(LEASE)).toBeUndefined();
      redis.commands.length = 0;
    }
  });
});

describe('lease ttl', () => {
  it('refuses a ttl that is not a number of ms from 1 to 2^31-1', async () => {
    for (const ttl of [0, 0.5, -1, Number.NaN, 2 ** 31, '100' as unknown as number]) {
      await expect(store.lease('k', ttl, async () => 'never')).rejects.toThrow(
        new TypeError('RedisTokenStore: lease ttlMs must be a number of ms from 1'),
      );
    }
    expect(redis.commands).toEqual([]);
    expect(await store.lease('k', 1, async () => 'one')).toBe('one');
    expect(await store.lease('k', 2 ** 31 - 1, async () => 'max')).toBe('max');
    expect(redis.sent('SET').map((args) => args[5])).toEqual(['1', String(2 ** 31 - 1)]);
  });
});
