// A caller of RedisTokenStore.lease waiting for a held lease: its pause ends at its delay, at once when
// the release is heard (even between two pauses), with the signal's reason, or with the store's close.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LeaseWaiter } from '../../src/redis/lease-waiter.js';

/** How a pause ended, once it has. */
function watch(pause: Promise<void>) {
  const outcome: { value?: 'resolved' | { rejected: unknown } } = {};
  pause.then(
    () => (outcome.value = 'resolved'),
    (error: unknown) => (outcome.value = { rejected: error }),
  );
  return outcome;
}

describe('LeaseWaiter', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('ends a pause after its delay, and not before', async () => {
    const waiter = new LeaseWaiter();
    const outcome = watch(waiter.pause(100, undefined));
    await vi.advanceTimersByTimeAsync(99);
    expect(outcome.value).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(outcome.value).toBe('resolved');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('ends a pause at once when woken, clearing its timer and its abort listener', async () => {
    const waiter = new LeaseWaiter();
    const controller = new AbortController();
    const outcome = watch(waiter.pause(10_000, controller.signal));
    await vi.advanceTimersByTimeAsync(5);
    waiter.wake();
    await vi.advanceTimersByTimeAsync(0);
    expect(outcome.value).toBe('resolved');
    expect(vi.getTimerCount()).toBe(0);
    // The next pause is a pause again: the wake was used up.
    const next = watch(waiter.pause(50, controller.signal));
    await vi.advanceTimersByTimeAsync(49);
    expect(next.value).toBeUndefined();
    // An abort now rejects this pause only, once.
    controller.abort(new Error('gave up'));
    await vi.advanceTimersByTimeAsync(0);
    expect(next.value).toEqual({ rejected: new Error('gave up') });
  });

  it('remembers a wake heard between two pauses: the next one ends at once, the one after does not', async () => {
    const waiter = new LeaseWaiter();
    waiter.wake();
    const first = watch(waiter.pause(1000, undefined));
    await vi.advanceTimersByTimeAsync(0);
    expect(first.value).toBe('resolved');
    expect(vi.getTimerCount()).toBe(0);
    const second = watch(waiter.pause(1000, undefined));
    await vi.advanceTimersByTimeAsync(999);
    expect(second.value).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(second.value).toBe('resolved');
  });

  it("rejects with the signal's reason when it aborts during a pause, clearing its timer", async () => {
    const waiter = new LeaseWaiter();
    const controller = new AbortController();
    const outcome = watch(waiter.pause(1000, controller.signal));
    await vi.advanceTimersByTimeAsync(10);
    const reason = new Error('caller gave up');
    controller.abort(reason);
    await vi.advanceTimersByTimeAsync(0);
    expect(outcome.value).toEqual({ rejected: reason });
    expect(vi.getTimerCount()).toBe(0);
    // A wake after that changes nothing for the next pause, which rejects at once (the signal is aborted).
    waiter.wake();
    const next = watch(waiter.pause(1000, controller.signal));
    await vi.advanceTimersByTimeAsync(0);
    expect(next.value).toEqual({ rejected: reason });
  });

  it('rejects at once with the reason of a signal already aborted, even when woken before', async () => {
    const waiter = new LeaseWaiter();
    waiter.wake();
    const reason = new Error('aborted before');
    const outcome = watch(waiter.pause(1000, AbortSignal.abort(reason)));
    await vi.advanceTimersByTimeAsync(0);
    expect(outcome.value).toEqual({ rejected: reason });
    expect(vi.getTimerCount()).toBe(0);
  });

  it('rejects a pause under way with the error of a close, and every later pause at once', async () => {
    const waiter = new LeaseWaiter();
    const outcome = watch(waiter.pause(1000, undefined));
    await vi.advanceTimersByTimeAsync(10);
    const closed = new Error('the store is closed');
    waiter.fail(closed);
    await vi.advanceTimersByTimeAsync(0);
    expect(outcome.value).toEqual({ rejected: closed });
    expect(vi.getTimerCount()).toBe(0);
    waiter.wake();
    const later = watch(waiter.pause(1000, undefined));
    await vi.advanceTimersByTimeAsync(0);
    expect(later.value).toEqual({ rejected: closed });
  });

  it('fails between two pauses: the next one rejects at once, though woken', async () => {
    const waiter = new LeaseWaiter();
    waiter.wake();
    const closed = new Error('the store is closed');
    waiter.fail(closed);
    const outcome = watch(waiter.pause(1000, undefined));
    await vi.advanceTimersByTimeAsync(0);
    expect(outcome.value).toEqual({ rejected: closed });
  });

  it('is not ended by a timer of a pause already woken', async () => {
    const waiter = new LeaseWaiter();
    const first = watch(waiter.pause(100, undefined));
    waiter.wake();
    await vi.advanceTimersByTimeAsync(0);
    expect(first.value).toBe('resolved');
    const second = watch(waiter.pause(1000, undefined));
    // The first pause's timer (cleared) would have ended the second one at 100 ms.
    await vi.advanceTimersByTimeAsync(500);
    expect(second.value).toBeUndefined();
    await vi.advanceTimersByTimeAsync(500);
    expect(second.value).toBe('resolved');
  });
});
