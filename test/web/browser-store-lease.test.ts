// BrowserTokenStore's lease between tabs: when a waiter takes over from a silent holder (and when it
// must not), how a caller stops waiting, what a lock manager's failure does, and that a lease leaves
// no timer or listener behind.
import { getEventListeners } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BrowserTokenStore, type WebLockManager } from '../../src/browser/BrowserTokenStore.js';
import { TestLockManager } from '../support/web-locks.js';
import { closeTabs, deliver, isSettled, KEY, settle, tabs } from './browser-store-tabs.js';

const TTL_MS = 300;

afterEach(() => {
  closeTabs();
  vi.useRealTimers();
});

/** Fakes the clock of heartbeats and silence checks (every TTL_MS / 3). */
const fakeClock = () => vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'setTimeout', 'clearTimeout', 'Date'] });

/** Moves the fake clock `ms` on, delivering the messages sent meanwhile. */
async function elapse(ms: number, step = 50): Promise<void> {
  for (let done = 0; done < ms; done += step) {
    await vi.advanceTimersByTimeAsync(Math.min(step, ms - done));
    await deliver();
  }
}

/** A task that holds the lease until `release()`; `signal` is the lease's. */
function holding() {
  const held: { signal?: AbortSignal; release: () => void } = { release: () => {} };
  const task = (signal: AbortSignal) =>
    new Promise<string>((resolve) => {
      held.signal = signal;
      held.release = () => resolve('released');
    });
  return { held, task };
}

describe('BrowserTokenStore lease: taking over from a silent holder', () => {
  it('takes over one ttl after it last heard of the holder, not before', async () => {
    fakeClock();
    const { open, locks } = tabs();
    const [hung, waiter] = [open(), open()];
    const { held, task } = holding();
    const first = hung.lease?.(KEY, TTL_MS, task);
    await settle();
    hung.close(); // a hung tab: it no longer beats
    const order: string[] = [];
    const taken = waiter.lease?.(KEY, TTL_MS, async () => order.push('waiter'));
    await settle();
    await elapse(TTL_MS);
    expect(order).toEqual([]);
    await elapse(TTL_MS / 3);
    expect(order).toEqual(['waiter']);
    expect(await taken).toBe(1);
    expect(locks.requests.filter((request) => request.steal)).toHaveLength(1);
    held.release();
    await first;
  });

  it('takes over from a silent holder even while a tab of another version talks on the channel', async () => {
    fakeClock();
    const { open, listen } = tabs();
    const { channel } = listen();
    const [hung, waiter] = [open(), open()];
    const { held, task } = holding();
    const first = hung.lease?.(KEY, TTL_MS, task);
    await settle();
    hung.close();
    const taken = waiter.lease?.(KEY, TTL_MS, async () => 'taken over');
    for (let step = 0; step < 8; step += 1) {
      channel.postMessage({ type: 'write', entry: { n: 9, record: { version: 2 } } });
      channel.postMessage({ type: 'hello' });
      await elapse(50);
    }
    expect(await isSettled(taken as Promise<string>)).toBe(true);
    expect(await taken).toBe('taken over');
    held.release();
    await first;
  });

  it('hears a beat every third of the ttl from a live holder in another tab, and never takes over', async () => {
    fakeClock();
    const { open, locks, listen } = tabs();
    const { seen } = listen();
    const [holder, waiter] = [open(), open()];
    const { held, task } = holding();
    const first = holder.lease?.(KEY, TTL_MS, task);
    await settle();
    const second = waiter.lease?.(KEY, TTL_MS, async () => 'second');
    await elapse(TTL_MS * 10);
    expect(seen.filter((message) => (message as { type?: unknown }).type === 'alive')).toHaveLength(30);
    expect(held.signal?.aborted).toBe(false);
    expect(locks.requests.some((request) => request.steal)).toBe(false);
    held.release();
    expect([await first, await second]).toEqual(['released', 'second']);
  });

  it('never takes over from a holder of its own tab that keeps its lease longer than the ttl', async () => {
    fakeClock();
    const { open, locks } = tabs();
    const tab = open();
    const { held, task } = holding();
    const first = tab.lease?.(KEY, TTL_MS, task);
    await settle();
    const order: string[] = [];
    const second = tab.lease?.(KEY, TTL_MS, async () => order.push('second'));
    await elapse(TTL_MS * 4);
    expect(order).toEqual([]);
    expect(locks.requests.some((request) => request.steal)).toBe(false);
    held.release();
    expect([await first, await second]).toEqual(['released', 1]);
  });

  it('stops beating once its task settles: a tab that takes the lease after it and hangs is taken over from', async () => {
    fakeClock();
    const { open } = tabs();
    const [done, hung, waiter] = [open(), open(), open()];
    expect(await done.lease?.(KEY, TTL_MS, async () => 'done')).toBe('done');
    const { held, task } = holding();
    const second = hung.lease?.(KEY, TTL_MS, task);
    await settle();
    hung.close();
    const third = waiter.lease?.(KEY, TTL_MS, async () => 'taken over');
    await elapse(TTL_MS * 2);
    expect(await isSettled(third as Promise<string>)).toBe(true);
    expect(await third).toBe('taken over');
    expect(held.signal?.aborted).toBe(true);
    held.release();
    await second;
  });

  it('leaves no timer running once a lease settles, free or waited for', async () => {
    fakeClock();
    const { open } = tabs();
    const [holder, waiter] = [open(), open()];
    const { held, task } = holding();
    const first = holder.lease?.(KEY, TTL_MS, task);
    await settle();
    const second = waiter.lease?.(KEY, TTL_MS, async () => 'second');
    await elapse(TTL_MS / 3);
    expect(vi.getTimerCount()).toBe(2); // the holder's heartbeat and the waiter's check
    held.release();
    expect([await first, await second]).toEqual(['released', 'second']);
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('BrowserTokenStore lease: waiting callers and their signals', () => {
  it('rejects with the signal reason when the caller stops waiting before its first attempt is answered, never running the task', async () => {
    const { open } = tabs();
    const [holder, waiter] = [open(), open()];
    const { held, task } = holding();
    const first = holder.lease?.(KEY, 10_000, task);
    await settle();
    const controller = new AbortController();
    const onWait = vi.fn();
    const waiting = waiter.lease?.(KEY, 10_000, async () => 'ran', { signal: controller.signal, onWait });
    controller.abort(new Error('stopped waiting'));
    const rejected = expect(waiting).rejects.toThrow(new Error('stopped waiting'));
    await settle();
    held.release();
    await first;
    await rejected;
    expect(onWait).not.toHaveBeenCalled();
  });

  it("rejects with its task's own error when the task fails after the caller's signal fired", async () => {
    const { open } = tabs();
    const [holder, waiter] = [open(), open()];
    const { held, task } = holding();
    const first = holder.lease?.(KEY, 10_000, task);
    await settle();
    const controller = new AbortController();
    const failure = new Error('the exchange failed');
    const waited = waiter.lease?.(
      KEY,
      10_000,
      async () => {
        controller.abort(new Error('stopped waiting'));
        throw failure;
      },
      { signal: controller.signal },
    );
    const rejected = expect(waited).rejects.toBe(failure);
    await settle();
    held.release();
    await first;
    await rejected;
  });

  it("leaves no listener on the caller's signal once the lease settles", async () => {
    const { open } = tabs();
    const [holder, waiter] = [open(), open()];
    const { held, task } = holding();
    const first = holder.lease?.(KEY, 10_000, task);
    await settle();
    const signal = new AbortController().signal;
    const waited = waiter.lease?.(KEY, 10_000, async () => 'second', { signal });
    await settle();
    expect(getEventListeners(signal, 'abort')).toHaveLength(1);
    held.release();
    expect([await first, await waited]).toEqual(['released', 'second']);
    expect(getEventListeners(signal, 'abort')).toHaveLength(0);
  });

  it('keeps the signal of a task that was not taken over from unaborted', async () => {
    const { open } = tabs();
    const signals: AbortSignal[] = [];
    expect(await open().lease?.(KEY, 10_000, async (signal) => signals.push(signal))).toBe(1);
    expect(signals[0]?.aborted).toBe(false);
  });
});

describe('BrowserTokenStore lease: a failing lock manager', () => {
  const failing = (error: Error): WebLockManager => {
    const locks = new TestLockManager();
    return {
      request: (name, options, callback) => (name.includes(':lease:') ? Promise.reject(error) : locks.request(name, options, callback)),
      query: () => locks.query(),
    };
  };

  it("rejects with the lock manager's error, never running the task nor waiting", async () => {
    const error = new DOMException('The lock manager is gone', 'InvalidStateError');
    const store = new BrowserTokenStore({ storage: 'memory', name: 'failing', locks: failing(error) });
    const task = vi.fn(async () => 'ran');
    const onWait = vi.fn();
    await expect(store.lease?.(KEY, 10_000, task, { onWait })).rejects.toBe(error);
    expect([task.mock.calls.length, onWait.mock.calls.length]).toEqual([0, 0]);
    store.close();
  });

  it("rejects with the lock manager's error while waiting, never taking over", async () => {
    const error = new DOMException('The lock manager is gone', 'InvalidStateError');
    const inner = new TestLockManager();
    const steals: string[] = [];
    const locks: WebLockManager = {
      // The first attempt finds the lease taken; the wait for it fails.
      request: (name, options, callback) => {
        if (!name.includes(':lease:')) return inner.request(name, options, callback);
        if (options.steal) steals.push(name);
        if (options.ifAvailable) return Promise.resolve().then(() => callback(null));
        return Promise.reject(error);
      },
      query: () => inner.query(),
    };
    const store = new BrowserTokenStore({ storage: 'memory', name: 'failing-wait', locks });
    const task = vi.fn(async () => 'ran');
    const onWait = vi.fn();
    await expect(store.lease?.(KEY, 10_000, task, { onWait })).rejects.toBe(error);
    expect([task.mock.calls.length, onWait.mock.calls.length, steals.length]).toEqual([0, 1, 0]);
    store.close();
  });
});
