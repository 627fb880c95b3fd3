/**
 * One shared run of an async task: callers that arrive while it runs get the same promise; once it
 * settles, success or failure, the next caller starts a new run (a failure is never cached).
 */
export class SingleFlight<T> {
  #running: Promise<T> | undefined;

  /** The run in progress, or a new one of `task`. */
  run(task: () => Promise<T>): Promise<T> {
    if (this.#running !== undefined) return this.#running;
    const running = task().finally(() => {
      if (this.#running === running) this.#running = undefined;
    });
    this.#running = running;
    return running;
  }

  /** Forgets the run in progress (its result still reaches whoever awaits it). */
  forget(): void {
    this.#running = undefined;
  }
}

/** `promise`, but rejected with `reason()` (by default the signal's own reason) as soon as `signal` fires. */
export function untilSignal<T>(promise: Promise<T>, signal: AbortSignal | undefined, reason = () => signal?.reason): Promise<T> {
  if (signal === undefined) return promise;
  if (signal.aborted) return Promise.reject(reason());
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(reason());
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
