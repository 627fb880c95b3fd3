// RedisTokenStore's records over an in-memory Redis on a fake clock: the exact arguments of each write,
// the expiry it sets, the replies it reads as no record or as unreadable, and the clock estimate each
// write keeps and each read corrects by.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TokenStoreError } from '../../src/errors/TokenStoreError.js';
import { RedisTokenStore } from '../../src/redis/index.js';
import { type ClockSample, clockShiftMs, rebaseRecord } from '../../src/redis/RedisTokenStore.js';
import type { TokenRecord } from '../../src/session/TokenStore.js';
import { type FakeRedis, fakeRedis } from './redis-fake-client.js';

const record = (revision?: string, extra: Partial<TokenRecord> = {}): TokenRecord => ({
  version: 1,
  ...(revision === undefined ? {} : { revision }),
  longToken: `lt_records_${revision ?? 'none'}`,
  ...extra,
});

/** A write's arguments after the script's key: expected, revision, data, offset, rtt, ttl, channel, message. */
const writeArgs = (redis: FakeRedis) => redis.sent('WRITE').map((args) => args.slice(4));

/** Waits `ms` of the fake clock, then gives the fake's own answer. */
const answerAfter = (ms: number, answer: () => unknown) => new Promise((resolve) => setTimeout(() => resolve(answer()), ms));

let redis: FakeRedis;
let store: RedisTokenStore;

beforeEach(async () => {
  vi.useFakeTimers();
  vi.setSystemTime(1_800_000_000_000);
  redis = await fakeRedis();
  store = new RedisTokenStore({ client: redis.client, prefix: 'p:' });
});

afterEach(async () => {
  await store.close();
  vi.useRealTimers();
});

describe('a write', () => {
  it('sends the expectation, revision, record, clock, expiry, channel and notice', async () => {
    const expiring = record('r1', { expiresAtMs: Date.now() + 1500.2 });
    await store.set('k', expiring);
    expect(await store.compareAndSet('k', expiring, record('r2'))).toBe(true);
    expect(await store.compareAndSet('k', undefined, record('r3'))).toBe(false);
    expect(await store.compareAndSet('k', record(undefined), record(undefined))).toBe(false);
    await store.delete('k');
    expect(writeArgs(redis)).toEqual([
      ['*', 'r1', JSON.stringify(expiring), '0', '0', '1501', 'p:changes', '{"key":"k","revision":"r1"}'],
      ['=r1', 'r2', JSON.stringify(record('r2')), '0', '0', '', 'p:changes', '{"key":"k","revision":"r2"}'],
      ['-', 'r3', JSON.stringify(record('r3')), '0', '0', '', 'p:changes', '{"key":"k","revision":"r3"}'],
      ['~', '', JSON.stringify(record(undefined)), '0', '0', '', 'p:changes', '{"key":"k"}'],
      ['*', '', '', '0', '0', '', 'p:changes', '{"key":"k"}'],
    ]);
    expect(redis.sent('TIME')).toHaveLength(1);
  });

  it('expires a record with its long token, 1 ms at the least, and keeps one that never expires', async () => {
    for (const expiresAtMs of [Date.now() + 60_000, Date.now() + 0.3, Date.now() - 5000, Number.POSITIVE_INFINITY, Number.NaN]) {
      await store.set('k', record('r1', { expiresAtMs }));
    }
    expect(writeArgs(redis).map((args) => args[5])).toEqual(['60000', '1', '1', '', '']);
  });

  it('keeps the default prefix c2m-auth: and its channel', async () => {
    const plain = new RedisTokenStore({ client: redis.client });
    try {
      await plain.set('k', record('r1'));
      expect(redis.sent('WRITE')[0]?.slice(3)).toEqual([
        'c2m-auth:k',
        '*',
        'r1',
        JSON.stringify(record('r1')),
        '0',
        '0',
        '',
        'c2m-auth:changes',
        '{"key":"k","revision":"r1"}',
      ]);
      plain.subscribe('k', () => {});
      await vi.advanceTimersByTimeAsync(0);
      expect(redis.subscribers.at(-1)?.channels).toEqual(['c2m-auth:changes']);
    } finally {
      await plain.close();
    }
  });

  it('times out after 1000 ms by default', async () => {
    redis.hook(() => new Promise(() => {}));
    const failure = store.get('k').catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(1000);
    expect(await failure).toMatchObject({ reason: 'timeout', message: 'RedisTokenStore: Redis did not answer get within 1000 ms' });
  });

  it('sends its script by EVAL once the server forgot it', async () => {
    await store.set('k', record('r1'));
    redis.flushScripts();
    await store.set('k', record('r2'));
    expect(redis.commands.map(([command]) => command)).toEqual(['TIME', 'EVALSHA', 'EVALSHA', 'EVAL']);
    expect(await store.get('k')).toEqual(record('r2'));
  });

  it('fails unavailable when Redis answers with something else than its reply', async () => {
    redis.hook((args) => (args[0] === 'EVALSHA' ? [1, '1800000000'] : undefined));
    await expect(store.set('k', record('r1'))).rejects.toMatchObject({
      reason: 'unavailable',
      message: 'RedisTokenStore: Redis answered set with an unexpected reply',
    });
    await expect(store.compareAndSet('k', undefined, record('r1'))).rejects.toMatchObject({
      message: 'RedisTokenStore: Redis answered compareAndSet with an unexpected reply',
    });
    await expect(store.get('k')).rejects.toMatchObject({ message: 'RedisTokenStore: Redis answered get with an unexpected reply' });
  });
});

describe('a read', () => {
  it('reads no record from a nil, a false (Lua over RESP3) or an absent field', async () => {
    for (const data of [null, false, undefined]) {
      redis.hook((args) => (args[0] === 'EVALSHA' ? ['1800000000', '0', data, '0', '0'] : undefined));
      expect(await store.get('k')).toBeUndefined();
    }
  });

  it('reads data that is not a record, or JSON of no object, as unreadable_record, and another version as none', async () => {
    const get = async (data: string) => {
      redis.put('p:k', { data, offsetMs: '0', rttMs: '0' });
      return store.get('k').catch((error: unknown) => error);
    };
    for (const data of ['5', 'null', '"lt_records"', 'not json', '{"version":1}', '']) {
      const error = await get(data);
      expect(error).toBeInstanceOf(TokenStoreError);
      expect(error).toMatchObject({
        reason: 'unreadable_record',
        message: 'RedisTokenStore: the stored record is not a c2m-auth token record (corrupt, or sealed)',
      });
    }
    expect(await get('{"version":2,"longToken":"lt_records"}')).toBeUndefined();
    expect(await get('{"longToken":"lt_records"}')).toBeUndefined();
    // Written by a host whose clock is 5 s off: still none, with nothing to move.
    redis.put('p:k', { data: '{"version":2,"longToken":"lt_records"}', offsetMs: '5000', rttMs: '0' });
    expect(await store.get('k')).toBeUndefined();
    expect(await get(JSON.stringify(record('r1')))).toEqual(record('r1'));
  });
});

describe('the clock', () => {
  it('asks Redis for TIME before the first write, and again once its estimate is more than a minute old', async () => {
    await store.set('k', record('r1'));
    await vi.advanceTimersByTimeAsync(60_000);
    await store.set('k', record('r2'));
    await vi.advanceTimersByTimeAsync(60_000);
    await store.get('k');
    await vi.advanceTimersByTimeAsync(60_001);
    await store.set('k', record('r3'));
    expect(redis.commands.map(([command]) => command)).toEqual(['TIME', 'EVALSHA', 'EVALSHA', 'EVALSHA', 'TIME', 'EVALSHA']);
  });

  it("keeps the writer's offset from Redis's clock, measured over the round trip", async () => {
    const behind = await fakeRedis({ redisOffsetMs: -30_000 });
    const ahead = new RedisTokenStore({ client: behind.client, prefix: 'p:' });
    try {
      // Each reply is made at the end of its trip: 10 ms, then 4 ms, then 20 ms.
      for (const tripMs of [10, 4, 20, 20]) {
        behind.hook((_args, _signal, answer) => answerAfter(tripMs, answer));
        const write = ahead.set('k', record('r1'));
        await vi.advanceTimersByTimeAsync(50);
        await write;
      }
      expect(writeArgs(behind).map((args) => [args[3], args[4]])).toEqual([
        // Redis's TIME was read at the end of a 10 ms trip: half a trip after its middle.
        ['29995', '10'],
        ['29995', '10'],
        // The 4 ms trip (of the second write's reply) is the better estimate; a 20 ms one is not.
        ['29998', '4'],
        ['29998', '4'],
      ]);
    } finally {
      await ahead.close();
    }
  });

  it('takes an estimate of the same round trip as the newer', async () => {
    const drifting = await fakeRedis();
    const writer = new RedisTokenStore({ client: drifting.client, prefix: 'p:' });
    try {
      let skewMs = 0;
      drifting.hook((args, _signal, answer) => {
        const reply = answer();
        return args[0] === 'TIME' || args[0] === 'EVALSHA' ? shift(reply, skewMs) : reply;
      });
      await writer.set('k', record('r1'));
      skewMs = 7;
      await writer.set('k', record('r2'));
      await writer.set('k', record('r3'));
      expect(writeArgs(drifting).map((args) => args[3])).toEqual(['0', '0', '-7']);
    } finally {
      await writer.close();
    }

    /** A reply carrying Redis's TIME, moved `ms` later. */
    function shift(reply: unknown, ms: number): unknown {
      if (!Array.isArray(reply)) return reply;
      const timeAt = reply.length === 2 ? 0 : reply.length === 3 ? 1 : 0;
      const copy = [...reply];
      copy[timeAt] = String(Number(copy[timeAt]) + Math.floor(ms / 1000));
      copy[timeAt + 1] = String(Number(copy[timeAt + 1]) + (ms % 1000) * 1000);
      return copy;
    }
  });

  it('replaces an estimate more than a minute old by a worse one', async () => {
    const slow = await fakeRedis();
    const writer = new RedisTokenStore({ client: slow.client, prefix: 'p:' });
    try {
      await writer.set('k', record('r1'));
      slow.hook((_args, _signal, answer) => answerAfter(10, answer));
      // A read answered a minute after the estimate (over a longer trip) keeps it...
      await vi.advanceTimersByTimeAsync(59_990);
      await Promise.all([writer.get('k'), vi.advanceTimersByTimeAsync(10)]);
      for (const revision of ['r2', 'r3']) {
        const written = writer.set('k', record(revision));
        await vi.advanceTimersByTimeAsync(10);
        await written;
      }
      // ...which the write sent then stores; its reply, a minute and 10 ms after, replaces it.
      expect(writeArgs(slow).map((args) => args[4])).toEqual(['0', '0', '10']);
    } finally {
      await writer.close();
    }
  });

  it('takes a round trip measured on a clock that went back as 0 ms', async () => {
    let nowMs = 2_000_000_000_000;
    const backwards = new RedisTokenStore({ client: redis.client, prefix: 'p:', now: () => (nowMs -= 3) });
    try {
      await backwards.set('k', record('r1'));
      expect(writeArgs(redis).map((args) => args[4])).toEqual(['0']);
    } finally {
      await backwards.close();
    }
  });

  it('names TIME and delete in their timeouts', async () => {
    redis.hook(() => new Promise(() => {}));
    const failure = store.delete('k').catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(1000);
    expect(await failure).toMatchObject({ reason: 'timeout', message: 'RedisTokenStore: Redis did not answer TIME within 1000 ms' });
    redis.hook((args) => (args[0] === 'TIME' ? undefined : new Promise(() => {})));
    const deleting = store.delete('k').catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(1000);
    expect(await deleting).toMatchObject({ reason: 'timeout', message: 'RedisTokenStore: Redis did not answer delete within 1000 ms' });
  });

  it('fails unavailable when Redis answers TIME with no time', async () => {
    for (const time of [['soon', '0'], ['1800000000', 'x'], ['1800000000']]) {
      redis.hook((args) => (args[0] === 'TIME' ? time : undefined));
      const error = await store.set('k', record('r1')).catch((thrown: unknown) => thrown);
      expect(error).toBeInstanceOf(TokenStoreError);
      expect(error).toMatchObject({
        reason: 'unavailable',
        message:
          time.length === 1
            ? 'RedisTokenStore: Redis answered TIME with an unexpected reply'
            : 'RedisTokenStore: Redis answered TIME with no time',
      });
    }
    expect(redis.sent('WRITE')).toHaveLength(0);
  });

  it("moves a record written 30 s ahead into the reader's clock, every instant of it", async () => {
    const writer = new RedisTokenStore({ client: redis.client, prefix: 'p:', now: () => Date.now() + 30_000 });
    try {
      const written = record('r1', {
        expiresAtMs: Date.now() + 90_000,
        issuedAtMs: Date.now() + 29_000,
        shortToken: { token: 'st_records', expiresAtMs: Date.now() + 630_000, issuedAtMs: Date.now() + 29_500 },
      });
      await writer.set('k', written);
      expect(redis.ttl('p:k')).toBe(60_000);
      expect(await store.get('k')).toStrictEqual(
        record('r1', {
          expiresAtMs: Date.now() + 60_000,
          issuedAtMs: Date.now() - 1000,
          shortToken: { token: 'st_records', expiresAtMs: Date.now() + 600_000, issuedAtMs: Date.now() - 500 },
        }),
      );
      expect(await writer.get('k')).toStrictEqual(written);
    } finally {
      await writer.close();
    }
  });

  it('moves times by 2 ms, but not by 1 ms, between clocks a round trip of 0 apart', async () => {
    for (const [skewMs, movedMs] of [
      [1, 0],
      [-1, 0],
      [2, -2],
      [-2, 2],
    ] as const) {
      const writer = new RedisTokenStore({ client: redis.client, prefix: 'p:', now: () => Date.now() + skewMs });
      await writer.set('k', record('r1', { expiresAtMs: 2_000_000_000_000 }));
      expect((await store.get('k'))?.expiresAtMs).toBe(2_000_000_000_000 + movedMs);
      await writer.close();
    }
  });
});

describe('clockShiftMs', () => {
  const reader: ClockSample = { offsetMs: 0, rttMs: 4, atMs: 0 };

  it('moves nothing within half the two round trips plus 1 ms, and rounds what it moves', () => {
    expect(clockShiftMs(reader, -4, 2)).toBe(0);
    expect(clockShiftMs(reader, 4, 2)).toBe(0);
    expect(clockShiftMs(reader, -4.4, 2)).toBe(4);
    expect(clockShiftMs(reader, 4.6, 2)).toBe(-5);
    expect(clockShiftMs(reader, -5, 2)).toBe(5);
    expect(clockShiftMs(reader, -2.5, 0)).toBe(0);
    expect(clockShiftMs(reader, -3.5, 0)).toBe(4);
  });

  it("moves nothing when the writer's clock is unknown", () => {
    expect(clockShiftMs(reader, 5000, Number.NaN)).toBe(0);
    expect(clockShiftMs(reader, Number.POSITIVE_INFINITY, 1)).toBe(0);
  });
});

describe('rebaseRecord', () => {
  it('adds no instant the record did not have, and keeps a record not moved as it is', () => {
    const bare: TokenRecord = { version: 1, longToken: 'lt_bare', shortToken: { token: 'st_bare', expiresAtMs: 1000 } };
    expect(rebaseRecord(bare, 100)).toStrictEqual({
      version: 1,
      longToken: 'lt_bare',
      shortToken: { token: 'st_bare', expiresAtMs: 1100 },
    });
    const long: TokenRecord = { version: 1, longToken: 'lt_bare', issuedAtMs: 10 };
    expect(rebaseRecord(long, -5)).toStrictEqual({ version: 1, longToken: 'lt_bare', issuedAtMs: 5 });
    expect(rebaseRecord(bare, 0)).toBe(bare);
  });
});
