// MemoryTokenStore's lease in one process: one holder at a time per key, waiters served in order,
// and a waiter that gives up leaves the line as it was.
import { describe, expect, it } from 'vitest';
import { MemoryTokenStore } from '../../src/index.js';

const KEY = 'c2m-auth:test:memory-lease';

function deferred() {
  let resolve = () => {};
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}
const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A lease whose task records when it runs and holds until released. */
function holding(store: MemoryTokenStore, name: string, log: string[], options: Parameters<MemoryTokenStore['lease']>[3] = {}) {
  const release = deferred();
  const run = store.lease(
    KEY,
    30_000,
    async () => {
      log.push(`${name} holds`);
      await release.promise;
      log.push(`${name} releases`);
      return name;
    },
    options,
  );
  return { run, release: release.resolve };
}

describe('MemoryTokenStore lease', () => {
  it('makes a caller without onWait wait its turn all the same', async () => {
    const store = new MemoryTokenStore();
    const log: string[] = [];
    const a = holding(store, 'a', log);
    const b = holding(store, 'b', log, { signal: new AbortController().signal });
    await flush();
    a.release();
    b.release();
    expect(await Promise.all([a.run, b.run])).toEqual(['a', 'b']);
    expect(log).toEqual(['a holds', 'a releases', 'b holds', 'b releases']);
  });

  it('keeps one holder at a time after a hand-over: a caller arriving while the second holds waits for it', async () => {
    const store = new MemoryTokenStore();
    const log: string[] = [];
    const a = holding(store, 'a', log);
    const b = holding(store, 'b', log);
    await flush();
    a.release();
    await a.run;
    await flush();
    let waits = 0;
    const c = holding(store, 'c', log, { onWait: () => (waits += 1) });
    await flush();
    expect([waits, log]).toEqual([1, ['a holds', 'a releases', 'b holds']]);
    b.release();
    c.release();
    await Promise.all([b.run, c.run]);
    expect(log).toEqual(['a holds', 'a releases', 'b holds', 'b releases', 'c holds', 'c releases']);
  });

  it('is free again once every holder is done: the next caller does not wait', async () => {
    const store = new MemoryTokenStore();
    const log: string[] = [];
    const a = holding(store, 'a', log);
    const b = holding(store, 'b', log);
    a.release();
    b.release();
    await Promise.all([a.run, b.run]);
    let waits = 0;
    expect(await store.lease(KEY, 30_000, async () => 'next', { onWait: () => (waits += 1) })).toBe('next');
    expect(waits).toBe(0);
  });

  it('is free as soon as a holder that waited its turn is done: a caller in the very next tick does not wait', async () => {
    const store = new MemoryTokenStore();
    const log: string[] = [];
    const a = holding(store, 'a', log);
    let waits = 0;
    let next: Promise<string> | undefined;
    const b = store.lease(KEY, 30_000, () => {
      const done = Promise.resolve('b');
      // Asks again one tick after the task settles: the moment the lease is given back.
      void done.then(() =>
        queueMicrotask(() => {
          next = store.lease(KEY, 30_000, async () => 'c', { onWait: () => (waits += 1) });
        }),
      );
      return done;
    });
    a.release();
    expect(await b).toBe('b');
    await flush();
    expect(await next).toBe('c');
    expect(waits).toBe(0);
  });

  it('lets a waiter give up with its signal: the holder keeps the lease, and the lease is free after it', async () => {
    const store = new MemoryTokenStore();
    const log: string[] = [];
    const a = holding(store, 'a', log);
    const giveUp = new AbortController();
    const b = holding(store, 'b', log, { signal: giveUp.signal });
    await flush();
    giveUp.abort(new Error('stopped waiting'));
    await expect(b.run).rejects.toThrow('stopped waiting');
    let waits = 0;
    const c = holding(store, 'c', log, { onWait: () => (waits += 1) });
    await flush();
    expect([waits, log]).toEqual([1, ['a holds']]);
    a.release();
    c.release();
    await Promise.all([a.run, c.run]);
    let later = 0;
    expect(await store.lease(KEY, 30_000, async () => 'later', { onWait: () => (later += 1) })).toBe('later');
    expect([later, log]).toEqual([0, ['a holds', 'a releases', 'c holds', 'c releases']]);
  });

  it('is free once the holder is done after its only waiter gave up', async () => {
    const store = new MemoryTokenStore();
    const log: string[] = [];
    const a = holding(store, 'a', log);
    const giveUp = new AbortController();
    const b = holding(store, 'b', log, { signal: giveUp.signal });
    await flush();
    giveUp.abort(new Error('stopped waiting'));
    await expect(b.run).rejects.toThrow('stopped waiting');
    a.release();
    expect(await a.run).toBe('a');
    let waits = 0;
    expect(await store.lease(KEY, 30_000, async () => 'next', { onWait: () => (waits += 1) })).toBe('next');
    expect([waits, log]).toEqual([0, ['a holds', 'a releases']]);
  });

  it('is free after a waiter gives up just as the lease is handed to it', async () => {
    const store = new MemoryTokenStore();
    const giveUp = new AbortController();
    const holder = store.lease(KEY, 30_000, () => {
      const done = Promise.resolve('holder');
      // The waiter gives up one tick after the task settles: while the lease is being handed to it.
      void done.then(() => queueMicrotask(() => giveUp.abort(new Error('gave up'))));
      return done;
    });
    const waiter = store.lease(KEY, 30_000, async () => 'waiter', { signal: giveUp.signal });
    expect(await holder).toBe('holder');
    await expect(waiter).rejects.toThrow('gave up');
    await flush();
    let waits = 0;
    expect(await store.lease(KEY, 30_000, async () => 'next', { onWait: () => (waits += 1) })).toBe('next');
    expect(waits).toBe(0);
  });

  it('after a waiter gave up and the holder handed over, still keeps the next caller waiting for the new holder', async () => {
    const store = new MemoryTokenStore();
    const log: string[] = [];
    const a = holding(store, 'a', log);
    const giveUp = new AbortController();
    const b = holding(store, 'b', log, { signal: giveUp.signal });
    await flush();
    giveUp.abort(new Error('stopped waiting'));
    await expect(b.run).rejects.toThrow('stopped waiting');
    const c = holding(store, 'c', log);
    await flush();
    a.release();
    await a.run;
    await flush();
    let waits = 0;
    const d = holding(store, 'd', log, { onWait: () => (waits += 1) });
    await flush();
    expect([waits, log]).toEqual([1, ['a holds', 'a releases', 'c holds']]);
    c.release();
    d.release();
    await Promise.all([c.run, d.run]);
    expect(log.slice(3)).toEqual(['c releases', 'd holds', 'd releases']);
  });
});

describe('MemoryTokenStore change notifications', () => {
  it('tell the listeners of the key written, not those of another key', async () => {
    const store = new MemoryTokenStore();
    const told: string[] = [];
    store.subscribe(KEY, (change) => told.push(`mine ${change.revision}`));
    store.subscribe('c2m-auth:test:other', (change) => told.push(`other ${change.revision}`));
    store.set(KEY, { version: 1, revision: 'r1', longToken: 'lt_memory_1' });
    store.delete(KEY);
    store.delete(KEY);
    await flush();
    expect(told).toEqual(['mine r1', 'mine undefined']);
  });

  it('tell a deletion by compare-and-set once: the record is gone, and deleting it again tells no one', async () => {
    const store = new MemoryTokenStore();
    const record = { version: 1, revision: 'r1', longToken: 'lt_memory_1' } as const;
    store.set(KEY, record);
    await flush();
    const told: (string | undefined)[] = [];
    store.subscribe(KEY, (change) => told.push(change.revision));
    expect(store.compareAndSet(KEY, record, undefined)).toBe(true);
    store.delete(KEY);
    await flush();
    expect([told, store.get(KEY)]).toEqual([[undefined], undefined]);
    expect(store.compareAndSet(KEY, undefined, { ...record, revision: 'r2' })).toBe(true);
  });
});
