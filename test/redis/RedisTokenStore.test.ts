import { once } from 'node:events';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type TokenRecord, TokenStoreError } from '../../src/index.js';
import { RedisTokenStore } from '../../src/redis/index.js';
import { type ClockSample, clockShiftMs, rebaseRecord } from '../../src/redis/RedisTokenStore.js';
import { LONG_TOKEN, SHORT_TOKEN } from '../support/msw.js';
import { describeRedis, type RedisServer, startRedis } from '../support/redis-server.js';
import { contractRecord, describeStoreContract, recordChanges } from '../support/store-contract.js';

const newClient = (options: { disableOfflineQueue?: boolean; RESP?: 2 } = {}) => createClient({ url: server.url, ...options });
type Client = ReturnType<typeof newClient>;

let server: RedisServer;
/** A connection of the test's own, to look at what the store wrote. */
let raw: Client;
let prefixes = 0;
/** A prefix no other test uses: each test has its own keys and channel. */
const nextPrefix = () => `test${++prefixes}:`;

async function connect(options: { disableOfflineQueue?: boolean; RESP?: 2 } = {}): Promise<Client> {
  const client = newClient(options);
  // Connection errors are expected while the server is killed or paused; the tests assert the store's.
  client.on('error', () => {});
  await client.connect();
  return client;
}

/** Fresh stores over their own connections (as separate processes would have), and their cleanup. */
async function makeStores(count: number, options: Partial<ConstructorParameters<typeof RedisTokenStore>[0]>[] = []) {
  const prefix = nextPrefix();
  const clients = await Promise.all(Array.from({ length: count }, () => connect()));
  const stores = clients.map((client, index) => new RedisTokenStore({ client, prefix, ...options[index] }));
  const cleanup = async () => {
    await Promise.all(stores.map((store) => store.close()));
    for (const client of clients) client.destroy();
  };
  return { prefix, clients, stores, cleanup };
}

/** The TokenStoreError a promise rejects with. */
async function storeFailure(promise: Promise<unknown>): Promise<TokenStoreError> {
  const error = await promise.then(
    () => undefined,
    (rejection: unknown) => rejection,
  );
  expect(error).toBeInstanceOf(TokenStoreError);
  return error as TokenStoreError;
}

/** A promise and the function that settles it. */
function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve: (value: T) => void = () => {};
  const promise = new Promise<T>((settle) => {
    resolve = settle;
  });
  return { promise, resolve };
}

/** The next `name` event of a client (node:events' once would reject on the connection errors meanwhile). */
const nextEvent = (client: Client, name: 'reconnecting' | 'ready') => new Promise<void>((resolve) => client.once(name, () => resolve()));

/** Waits (at most 5 s) until the server's answer satisfies `check`. */
async function untilServer(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`the server did not reach: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Every message published on a channel, and a promise of the first `count`. */
async function listen(channel: string) {
  const subscriber = raw.duplicate();
  subscriber.on('error', () => {});
  await subscriber.connect();
  const messages: string[] = [];
  let wanted: { count: number; resolve: () => void } | undefined;
  await subscriber.subscribe(channel, (message) => {
    messages.push(message);
    if (wanted !== undefined && messages.length >= wanted.count) wanted.resolve();
  });
  return {
    messages,
    until(count: number): Promise<void> {
      if (messages.length >= count) return Promise.resolve();
      return new Promise((resolve) => {
        wanted = { count, resolve };
      });
    },
    close: () => subscriber.destroy(),
  };
}

describeRedis('RedisTokenStore', () => {
  beforeAll(async () => {
    server = await startRedis();
    raw = await connect();
  });
  afterAll(async () => {
    raw?.destroy();
    await server?.stop();
  });

  describeStoreContract('RedisTokenStore', async () => {
    const { stores, cleanup } = await makeStores(2);
    const [store, peer] = stores as [RedisTokenStore, RedisTokenStore];
    return { store, peers: [peer], cleanup };
  });

  // node-redis 6 speaks RESP3 by default, node-redis 5 RESP2: replies (nil, Lua's false) differ.
  describeStoreContract('RedisTokenStore over RESP2', async () => {
    const prefix = nextPrefix();
    const clients = await Promise.all([connect({ RESP: 2 }), connect({ RESP: 2 })]);
    const [store, peer] = clients.map((client) => new RedisTokenStore({ client, prefix })) as [RedisTokenStore, RedisTokenStore];
    return {
      store,
      peers: [peer],
      cleanup: async () => {
        await Promise.all([store.close(), peer.close()]);
        for (const client of clients) client.destroy();
      },
    };
  });

  describe('layout', () => {
    it('keeps a record as one hash of revision, data and clock, expiring with the long token', async () => {
      const { prefix, stores, cleanup } = await makeStores(1);
      const [store] = stores as [RedisTokenStore];
      try {
        const record: TokenRecord = { ...contractRecord('r1'), expiresAtMs: Date.now() + 60_000 };
        await store.set('k', record);
        expect(await raw.keys(`${prefix}*`)).toEqual([`${prefix}k`]);
        const hash = await raw.hGetAll(`${prefix}k`);
        expect(Object.keys(hash).sort()).toEqual(['data', 'offsetMs', 'rev', 'rttMs']);
        expect(hash.rev).toBe('r1');
        expect(JSON.parse(hash.data ?? '')).toEqual(record);
        const ttlMs = await raw.pTTL(`${prefix}k`);
        expect(ttlMs).toBeGreaterThan(59_000);
        expect(ttlMs).toBeLessThanOrEqual(60_000);

        const forever: TokenRecord = { version: 1, longToken: 'lt_forever' };
        await store.set('k', forever);
        expect(await raw.pTTL(`${prefix}k`)).toBe(-1);
        expect(Object.keys(await raw.hGetAll(`${prefix}k`)).sort()).toEqual(['data', 'offsetMs', 'rttMs']);
        expect(await store.get('k')).toEqual(forever);
      } finally {
        await cleanup();
      }
    });

    it('publishes each change and release on <prefix>changes, naming only the key and revision', async () => {
      const { prefix, stores, cleanup } = await makeStores(1);
      const [store] = stores as [RedisTokenStore];
      const channel = await listen(`${prefix}changes`);
      try {
        await store.set('k', contractRecord('r1', LONG_TOKEN));
        expect(await store.compareAndSet('k', contractRecord('r1'), contractRecord('r2', LONG_TOKEN))).toBe(true);
        expect(await store.compareAndSet('k', contractRecord('r1'), contractRecord('r3', LONG_TOKEN))).toBe(false);
        await store.delete('k');
        await store.delete('k');
        expect(await store.lease('k', 5000, async () => 'leased')).toBe('leased');
        await channel.until(4);
        expect(channel.messages).toEqual([
          '{"key":"k","revision":"r1"}',
          '{"key":"k","revision":"r2"}',
          '{"key":"k"}',
          '{"key":"k","lease":"released"}',
        ]);
      } finally {
        channel.close();
        await cleanup();
      }
    });

    it('holds a lease as <prefix>lease:<key> with a random owner and the ttl, gone once released', async () => {
      const { prefix, stores, cleanup } = await makeStores(1);
      const [store] = stores as [RedisTokenStore];
      try {
        const seen = async () => ({ owner: await raw.get(`${prefix}lease:k`), ttlMs: await raw.pTTL(`${prefix}lease:k`) });
        const first = await store.lease('k', 5000, seen);
        const second = await store.lease('k', 5000, seen);
        for (const { owner, ttlMs } of [first, second]) {
          expect(owner).toMatch(/^[0-9a-f]{32}$/);
          expect(ttlMs).toBeGreaterThan(4000);
          expect(ttlMs).toBeLessThanOrEqual(5000);
        }
        expect(first.owner).not.toBe(second.owner);
        expect(await raw.exists(`${prefix}lease:k`)).toBe(0);
      } finally {
        await cleanup();
      }
    });
  });

  describe('across connections', () => {
    it("sees the other store's records, compare-and-sets and changes", async () => {
      const { stores, cleanup } = await makeStores(2);
      const [mine, theirs] = stores as [RedisTokenStore, RedisTokenStore];
      try {
        const changes = recordChanges(mine, 'k');
        // Our own write comes back through Redis once our subscription is live.
        await mine.set('k', contractRecord('r1'));
        expect(await changes.next()).toEqual({ revision: 'r1' });
        expect(await theirs.compareAndSet('k', contractRecord('r1'), contractRecord('r2'))).toBe(true);
        expect(await changes.next()).toEqual({ revision: 'r2' });
        expect(await mine.get('k')).toEqual(contractRecord('r2'));
        expect(await mine.compareAndSet('k', contractRecord('r1'), contractRecord('r3'))).toBe(false);
        await theirs.delete('k');
        expect(await changes.next()).toEqual({ revision: undefined });
        expect(changes.changes).toEqual([{ revision: 'r1' }, { revision: 'r2' }, { revision: undefined }]);
        changes.unsubscribe();
      } finally {
        await cleanup();
      }
    });

    it("wakes a waiter on another connection by the release's message, not its retry timer", async () => {
      const { stores, cleanup } = await makeStores(2);
      const [holder, waiter] = stores as [RedisTokenStore, RedisTokenStore];
      // The waiter's subscription is live before the timers stop (a write waits for it).
      const unsubscribe = waiter.subscribe('other', () => {});
      await waiter.set('other', contractRecord('o1'));
      // With timers frozen, a retry never comes: only the published release can wake the waiter.
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
      try {
        const gate = deferred();
        const holding = deferred();
        const waiting = deferred();
        const order: string[] = [];
        const first = holder.lease('k', 5000, async () => {
          holding.resolve();
          await gate.promise;
          order.push('holder done');
          return 'holder';
        });
        await holding.promise;
        const second = waiter.lease(
          'k',
          5000,
          async () => {
            order.push('waiter runs');
            return 'waiter';
          },
          { onWait: () => waiting.resolve() },
        );
        await waiting.promise;
        gate.resolve();
        expect(await first).toBe('holder');
        expect(await second).toBe('waiter');
        expect(order).toEqual(['holder done', 'waiter runs']);
      } finally {
        vi.useRealTimers();
        unsubscribe();
        await cleanup();
      }
    });

    it('takes a lease whose holder died (never extended nor released) once its ttl has run out', async () => {
      const { prefix, stores, cleanup } = await makeStores(1);
      const [store] = stores as [RedisTokenStore];
      try {
        await raw.set(`${prefix}lease:k`, 'dead-holder', { PX: 120 });
        const startedMs = performance.now();
        let waits = 0;
        const result = await store.lease('k', 5000, async () => raw.get(`${prefix}lease:k`), { onWait: () => (waits += 1) });
        expect(result).toMatch(/^[0-9a-f]{32}$/);
        expect(waits).toBe(1);
        expect(performance.now() - startedMs).toBeGreaterThanOrEqual(100);
        expect(await raw.exists(`${prefix}lease:k`)).toBe(0);
      } finally {
        await cleanup();
      }
    });

    it("aborts the task's signal when another owner takes the lease, and leaves that owner's lease alone", async () => {
      const { prefix, stores, cleanup } = await makeStores(1);
      const [store] = stores as [RedisTokenStore];
      try {
        const reason = await store.lease('k', 300, async (signal) => {
          // Another holder takes over the key (as after an expiry); the next extension finds it.
          await raw.set(`${prefix}lease:k`, 'intruder', { XX: true, PX: 60_000 });
          await once(signal, 'abort');
          return signal.reason as unknown;
        });
        expect(reason).toBeInstanceOf(TokenStoreError);
        expect(reason).toMatchObject({
          reason: 'unavailable',
          message: 'RedisTokenStore: the lease was lost (it expired, or another holder took it)',
        });
        // The release after the task compared owners and deleted nothing.
        expect(await raw.get(`${prefix}lease:k`)).toBe('intruder');
        expect(await raw.pTTL(`${prefix}lease:k`)).toBeGreaterThan(50_000);
      } finally {
        await cleanup();
      }
    });

    it('loses the lease when Redis does not answer its extensions for a ttl, and another process takes over', async () => {
      const { stores, cleanup } = await makeStores(2, [{ commandTimeoutMs: 100 }]);
      const [stalled, other] = stores as [RedisTokenStore, RedisTokenStore];
      try {
        const holding = deferred();
        const first = stalled.lease('k', 300, async (signal) => {
          holding.resolve();
          await once(signal, 'abort');
          return signal.reason as unknown;
        });
        await holding.promise;
        server.pause();
        let reason: unknown;
        try {
          reason = await first;
        } finally {
          server.resume();
        }
        expect(reason).toBeInstanceOf(TokenStoreError);
        expect(reason).toMatchObject({
          reason: 'timeout',
          message: 'RedisTokenStore: the lease could not be extended within its ttl of 300 ms',
        });
        expect(await other.lease('k', 5000, async () => 'taken over')).toBe('taken over');
      } finally {
        await cleanup();
      }
    });
  });

  describe('encryption', () => {
    const encryptionKey = crypto.getRandomValues(new Uint8Array(32));
    const base64Key = btoa(String.fromCharCode(...encryptionKey));
    const secretRecord: TokenRecord = {
      ...contractRecord('r1', LONG_TOKEN),
      shortToken: { token: SHORT_TOKEN, expiresAtMs: 4_102_444_000_000, tokenId: 'tok_st_1' },
    };

    it('keeps no token anywhere in Redis: keys, fields and messages', async () => {
      const { prefix, stores, cleanup } = await makeStores(2, [{ encryptionKey }, { encryptionKey: base64Key }]);
      const [sealed, sameKey] = stores as [RedisTokenStore, RedisTokenStore];
      const channel = await listen(`${prefix}changes`);
      try {
        await sealed.set('k', secretRecord);
        await sealed.lease('k', 5000, async () => 'leased');
        await channel.until(2);
        const keys = await raw.keys(`${prefix}*`);
        const hash = await raw.hGetAll(`${prefix}k`);
        expect(keys).toEqual([`${prefix}k`]);
        expect(hash.data).toMatch(/^c2m-sealed-v1\.[A-Za-z0-9+/]+=*$/);
        const everything = JSON.stringify({ keys, hash, messages: channel.messages });
        for (const secret of [LONG_TOKEN, SHORT_TOKEN, 'lt_', 'eyJ']) expect(everything).not.toContain(secret);
        expect(await sealed.get('k')).toEqual(secretRecord);
        expect(await sameKey.get('k')).toEqual(secretRecord);
      } finally {
        channel.close();
        await cleanup();
      }
    });

    it('reads a record sealed with another key, tampered with, moved or not sealed as unreadable_record', async () => {
      const otherKey = crypto.getRandomValues(new Uint8Array(32));
      const { prefix, stores, cleanup } = await makeStores(3, [{ encryptionKey }, { encryptionKey: otherKey }, {}]);
      const [sealed, wrongKey, plain] = stores as [RedisTokenStore, RedisTokenStore, RedisTokenStore];
      try {
        await sealed.set('k', secretRecord);
        const unreadable = { name: 'TokenStoreError', reason: 'unreadable_record' };
        expect(await storeFailure(wrongKey.get('k'))).toMatchObject(unreadable);
        expect(await storeFailure(plain.get('k'))).toMatchObject(unreadable);

        const data = (await raw.hGet(`${prefix}k`, 'data')) ?? '';
        await raw.hSet(`${prefix}moved`, { data, offsetMs: '0', rttMs: '0' });
        expect(await storeFailure(sealed.get('moved'))).toMatchObject(unreadable);

        const at = data.length - 10;
        const tampered = `${data.slice(0, at)}${data[at] === 'A' ? 'B' : 'A'}${data.slice(at + 1)}`;
        await raw.hSet(`${prefix}k`, 'data', tampered);
        expect(await storeFailure(sealed.get('k'))).toMatchObject(unreadable);

        await plain.set('k', secretRecord);
        expect(await storeFailure(sealed.get('k'))).toMatchObject(unreadable);
      } finally {
        await cleanup();
      }
    });
  });

  describe('records it cannot read', () => {
    it('reads corrupt data as unreadable_record, and a record of another version as none', async () => {
      const { prefix, stores, cleanup } = await makeStores(1);
      const [store] = stores as [RedisTokenStore];
      try {
        await raw.hSet(`${prefix}k`, { data: '{"version": 1, "longTo', offsetMs: '0', rttMs: '0' });
        expect(await storeFailure(store.get('k'))).toMatchObject({ reason: 'unreadable_record' });
        await raw.hSet(`${prefix}k`, { data: '{"version":1,"longToken":""}' });
        expect(await storeFailure(store.get('k'))).toMatchObject({ reason: 'unreadable_record' });
        await raw.hSet(`${prefix}k`, { data: '{"version":2,"tokens":[]}' });
        expect(await store.get('k')).toBeUndefined();
      } finally {
        await cleanup();
      }
    });
  });

  describe('clocks that disagree', () => {
    it("moves a record written by a host 30 s ahead into the reader's clock", async () => {
      const { prefix, stores, cleanup } = await makeStores(2, [{ now: () => Date.now() + 30_000 }, {}]);
      const [ahead, reader] = stores as [RedisTokenStore, RedisTokenStore];
      try {
        const writerNowMs = Date.now() + 30_000;
        const written: TokenRecord = {
          ...contractRecord('r1'),
          expiresAtMs: writerNowMs + 60_000,
          issuedAtMs: writerNowMs - 1000,
          shortToken: { token: 'st_clock', expiresAtMs: writerNowMs + 600_000, issuedAtMs: writerNowMs - 500 },
        };
        await ahead.set('k', written);
        const read = await reader.get('k');
        const readerNowMs = writerNowMs - 30_000;
        expect(read?.expiresAtMs).toBeGreaterThanOrEqual(readerNowMs + 60_000 - 50);
        expect(read?.expiresAtMs).toBeLessThanOrEqual(readerNowMs + 60_000 + 50);
        const shiftMs = (read?.expiresAtMs ?? 0) - (written.expiresAtMs ?? 0);
        expect(read).toEqual(rebaseRecord(written, shiftMs));
        // Redis drops the record when the token dies, whoever's clock wrote it.
        const ttlMs = await raw.pTTL(`${prefix}k`);
        expect(ttlMs).toBeGreaterThan(59_000);
        expect(ttlMs).toBeLessThanOrEqual(60_000);
        // The writer reads its own record exactly as written.
        expect(await ahead.get('k')).toEqual(written);
      } finally {
        await cleanup();
      }
    });

    it('does not move times by less than the measurement error', () => {
      const reader: ClockSample = { offsetMs: 0.4, rttMs: 0.6, atMs: 0 };
      expect(clockShiftMs(reader, -0.3, 0.4)).toBe(0);
      expect(clockShiftMs(reader, 3, 0.4)).toBe(-3);
      expect(clockShiftMs(reader, 30_000.2, 2)).toBe(-30_000);
      expect(clockShiftMs(reader, Number.NaN, 0.4)).toBe(0);
      const record: TokenRecord = { version: 1, longToken: 'lt_x', expiresAtMs: 1000, shortToken: { token: 'st_x', expiresAtMs: 500 } };
      expect(rebaseRecord(record, -100)).toEqual({
        version: 1,
        longToken: 'lt_x',
        expiresAtMs: 900,
        shortToken: { token: 'st_x', expiresAtMs: 400 },
      });
    });
  });

  describe('options', () => {
    it('refuses misused options with a TypeError naming the option, never its value', async () => {
      const client = raw as unknown as ConstructorParameters<typeof RedisTokenStore>[0]['client'];
      const make = (options: unknown) => () => new RedisTokenStore(options as ConstructorParameters<typeof RedisTokenStore>[0]);
      expect(make(undefined)).toThrow(new TypeError('RedisTokenStore: options must be an object'));
      expect(make({})).toThrow(
        new TypeError('RedisTokenStore: option "client" must be a node-redis client (with sendCommand and duplicate), or an adapter'),
      );
      expect(make({ client, prefix: 7 })).toThrow(new TypeError('RedisTokenStore: option "prefix" must be a string'));
      expect(make({ client, commandTimeoutMs: 0 })).toThrow(
        new TypeError('RedisTokenStore: option "commandTimeoutMs" must be a number of ms from 1 to 600000'),
      );
      expect(make({ client, now: 5 })).toThrow(
        new TypeError('RedisTokenStore: option "now" must be a function returning ms since the epoch'),
      );
      const badKey = 'c2VjcmV0LWtleS10b28tc2hvcnQ=';
      expect(make({ client, encryptionKey: badKey })).toThrow(
        new TypeError('RedisTokenStore: encryptionKey must be 32 bytes (a Uint8Array, or its base64)'),
      );
      const store = new RedisTokenStore({ client });
      await expect(store.lease('k', 0, async () => 'never')).rejects.toThrow(
        new TypeError('RedisTokenStore: lease ttlMs must be a number of ms from 1'),
      );
    });
  });

  describe('close', () => {
    it('ends its own subscriber connection with the last listener and on close, never the client given', async () => {
      const { prefix, clients, stores, cleanup } = await makeStores(1);
      const [store] = stores as [RedisTokenStore];
      const [client] = clients as [Client];
      const subscribers = async () => Number((await raw.pubSubNumSub(`${prefix}changes`))[`${prefix}changes`]);
      try {
        expect(await subscribers()).toBe(0);
        const first = store.subscribe('k', () => {});
        const second = store.subscribe('other', () => {});
        await store.set('k', contractRecord('r1'));
        expect(await subscribers()).toBe(1);
        first();
        expect(await subscribers()).toBe(1);
        second();
        await untilServer(async () => (await subscribers()) === 0, 'no subscriber after the last unsubscribe');

        store.subscribe('k', () => {});
        await store.set('k', contractRecord('r2'));
        expect(await subscribers()).toBe(1);
        await store[Symbol.asyncDispose]();
        await untilServer(async () => (await subscribers()) === 0, 'no subscriber after close');
        expect(await client.ping()).toBe('PONG');
        expect(await storeFailure(store.get('k'))).toMatchObject({
          reason: 'unavailable',
          message: 'RedisTokenStore: the store is closed',
        });
        expect(() => store.subscribe('k', () => {})).toThrow(TokenStoreError);
      } finally {
        await cleanup();
      }
    });

    it('rejects a lease waiter and aborts a held lease when it closes', async () => {
      const { stores, cleanup } = await makeStores(2);
      const [holder, closing] = stores as [RedisTokenStore, RedisTokenStore];
      try {
        const gate = deferred();
        const holding = deferred();
        const waiting = deferred();
        const first = holder.lease('k', 5000, async () => {
          holding.resolve();
          await gate.promise;
          return 'holder';
        });
        await holding.promise;
        let ran = 0;
        const waiter = closing.lease('k', 5000, async () => (ran += 1), { onWait: () => waiting.resolve() });
        await waiting.promise;
        const ownHolding = deferred();
        const own = closing.lease('own', 5000, async (signal) => {
          ownHolding.resolve();
          await once(signal, 'abort');
          return signal.reason as unknown;
        });
        await ownHolding.promise;
        await closing.close();
        expect(await storeFailure(waiter)).toMatchObject({ reason: 'unavailable', message: 'RedisTokenStore: the store is closed' });
        expect(await own).toMatchObject({
          name: 'TokenStoreError',
          reason: 'unavailable',
          message: 'RedisTokenStore: the store is closed',
        });
        expect(ran).toBe(0);
        gate.resolve();
        expect(await first).toBe('holder');
      } finally {
        await cleanup();
      }
    });
  });

  describe('when Redis fails', () => {
    it('times out commands a frozen server does not answer, then works once it thaws', async () => {
      const { stores, cleanup } = await makeStores(1, [{ commandTimeoutMs: 200 }]);
      const [store] = stores as [RedisTokenStore];
      try {
        await store.set('k', contractRecord('r1'));
        server.pause();
        let ran = 0;
        const timings: number[] = [];
        const failures: TokenStoreError[] = [];
        try {
          for (const call of [
            () => store.get('k'),
            () => store.lease('k', 5000, async () => (ran += 1)),
            () => store.set('k', contractRecord('r2')),
          ]) {
            const startedMs = performance.now();
            failures.push(await storeFailure(call()));
            timings.push(performance.now() - startedMs);
          }
        } finally {
          server.resume();
        }
        expect(failures.map((error) => [error.reason, error.message])).toEqual([
          ['timeout', 'RedisTokenStore: Redis did not answer get within 200 ms'],
          ['timeout', 'RedisTokenStore: Redis did not answer lease within 200 ms'],
          ['timeout', 'RedisTokenStore: Redis did not answer set within 200 ms'],
        ]);
        for (const ms of timings) {
          expect(ms).toBeGreaterThanOrEqual(195);
          expect(ms).toBeLessThan(200 + 300);
        }
        expect(ran).toBe(0);
        // The set was sent before the timeout, so Redis applied it once thawed (compare-and-set keeps that safe).
        expect(await store.get('k')).toEqual(contractRecord('r2'));
        // The lease the timed-out SET took for nobody is given back.
        expect(await store.lease('k', 5000, async () => 'after')).toBe('after');
      } finally {
        await cleanup();
      }
    });

    it('fails typed while the server is dead, and works again once it is back', async () => {
      const prefix = nextPrefix();
      const queuing = await connect();
      const refusing = await connect({ disableOfflineQueue: true });
      const offlineQueue = new RedisTokenStore({ client: queuing, prefix, commandTimeoutMs: 200 });
      const noQueue = new RedisTokenStore({ client: refusing, prefix, commandTimeoutMs: 200 });
      try {
        await offlineQueue.set('k', contractRecord('r1'));
        const reconnecting = Promise.all([queuing, refusing, raw].map((client) => nextEvent(client, 'reconnecting')));
        await server.kill();
        await reconnecting;

        let ran = 0;
        const task = async () => (ran += 1);
        expect(await storeFailure(offlineQueue.get('k'))).toMatchObject({
          reason: 'timeout',
          message: 'RedisTokenStore: Redis did not answer get within 200 ms',
        });
        expect(await storeFailure(offlineQueue.lease('k', 5000, task))).toMatchObject({ reason: 'timeout' });
        expect(await storeFailure(noQueue.get('k'))).toMatchObject({
          reason: 'unavailable',
          message: 'RedisTokenStore: Redis failed get (ClientOfflineError)',
        });
        expect(await storeFailure(noQueue.lease('k', 5000, task))).toMatchObject({
          reason: 'unavailable',
          message: 'RedisTokenStore: Redis failed lease (ClientOfflineError)',
        });
        expect(ran).toBe(0);

        const ready = Promise.all([queuing, refusing, raw].map((client) => nextEvent(client, 'ready')));
        await server.restart();
        await ready;
        // The new server starts empty; the store works as before.
        expect(await offlineQueue.get('k')).toBeUndefined();
        await noQueue.set('k', contractRecord('r2'));
        expect(await offlineQueue.get('k')).toEqual(contractRecord('r2'));
        expect(await offlineQueue.lease('k', 5000, task)).toBe(1);
      } finally {
        await offlineQueue.close();
        await noQueue.close();
        queuing.destroy();
        refusing.destroy();
      }
    });
  });
});
