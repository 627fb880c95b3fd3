// What the file-store lock suites share: the lease file's path, the timers they fake, and waits in
// real time while fake timers stand still (file I/O is real, the clock is not).
import { createHash } from 'node:crypto';
import type { vi } from 'vitest';

/** The lease lock's path for `key` beside the token file at `path`. */
export const leasePath = (path: string, key: string) => `${path}.lease-${createHash('sha256').update(key).digest('hex').slice(0, 32)}`;

/** The timers the lock suites fake. */
export const FAKE: Parameters<typeof vi.useFakeTimers>[0] = {
  toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'],
};

/** What a promise rejects with, or 'resolved'. */
export const errorOf = (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    () => 'resolved',
    (error: unknown) => error,
  );

/** One turn of the real event loop. */
export const realTurn = () => new Promise((resolve) => setImmediate(resolve));

/** Waits in real time (fake timers stand still meanwhile) until `done` holds, for up to `ms`; whether it held. */
export async function until(done: () => boolean, ms = 2_000): Promise<boolean> {
  const endMs = performance.now() + ms;
  while (!done() && performance.now() < endMs) await realTurn();
  return done();
}

/** Whether `promise` settles within `ms` of real time, fake timers standing still. */
export async function settlesWithin(promise: Promise<unknown>, ms = 2_000): Promise<boolean> {
  let settled = false;
  promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  return until(() => settled, ms);
}

/** Takes `store`'s lease on `key` with a task that holds it until `finish()`; resolves once it is held. */
export async function holdLease(
  store: { lease: (key: string, ttlMs: number, task: () => Promise<void>) => Promise<void> },
  key = 'k',
): Promise<{ readonly held: Promise<void>; readonly finish: () => void }> {
  let finish = () => {};
  let holding = false;
  const held = store.lease(key, 5_000, () => {
    holding = true;
    return new Promise<void>((resolve) => (finish = resolve));
  });
  if (!(await until(() => holding))) throw new Error('holdLease: the lease was not taken');
  return { held, finish: () => finish() };
}
