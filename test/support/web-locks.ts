// The Web Locks API (navigator.locks) for the Node tests of BrowserTokenStore: Node 20 has none. It
// follows the specification's rules: a queue per name, exclusive and shared modes, ifAvailable (the
// callback gets null unless the lock is granted at once), steal (held locks are released at once and
// their request promises reject with an AbortError), signal (a pending request is dropped and rejects
// with the reason), a lock held until the callback's promise settles, and query(). The browser suite
// runs the store on Chromium's own implementation.
import type { WebLockManager } from '../../src/browser/BrowserTokenStore.js';

type Mode = 'exclusive' | 'shared';

interface Request {
  readonly name: string;
  readonly mode: Mode;
  readonly grant: () => void;
}

interface Held {
  readonly name: string;
  readonly mode: Mode;
  readonly steal: () => void;
}

/** An in-process LockManager, shared by the "tabs" (BrowserTokenStore instances) given the same one. */
export class TestLockManager implements WebLockManager {
  readonly #queue: Request[] = [];
  readonly #held = new Set<Held>();
  /** Requests made, in order (name and options), for tests that check what was asked. */
  readonly requests: { name: string; mode: Mode; ifAvailable: boolean; steal: boolean }[] = [];

  request(
    name: string,
    options: { mode?: Mode; ifAvailable?: boolean; steal?: boolean; signal?: AbortSignal },
    callback: (lock: unknown) => unknown,
  ): Promise<unknown> {
    const mode = options.mode ?? 'exclusive';
    this.requests.push({ name, mode, ifAvailable: options.ifAvailable === true, steal: options.steal === true });
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise((resolve, reject) => {
      const run = () => {
        let stolen = false;
        const held: Held = {
          name,
          mode,
          steal: () => {
            stolen = true;
            this.#held.delete(held);
            reject(new DOMException('The lock was stolen', 'AbortError'));
          },
        };
        this.#held.add(held);
        Promise.resolve()
          .then(() => callback({ name, mode }))
          .then(resolve, reject)
          .finally(() => {
            if (stolen) return;
            this.#held.delete(held);
            this.#pump();
          });
      };
      if (options.steal) {
        for (const held of [...this.#held]) if (held.name === name) held.steal();
        run();
        return;
      }
      if (options.ifAvailable) {
        if (this.#grantable(name, mode, true)) run();
        else
          Promise.resolve()
            .then(() => callback(null))
            .then(resolve, reject);
        return;
      }
      const request: Request = { name, mode, grant: run };
      this.#queue.push(request);
      signal?.addEventListener('abort', () => {
        const index = this.#queue.indexOf(request);
        if (index === -1) return;
        this.#queue.splice(index, 1);
        reject(signal.reason);
        this.#pump();
      });
      this.#pump();
    });
  }

  async query(): Promise<{ held: { name: string; mode: Mode }[]; pending: { name: string; mode: Mode }[] }> {
    return {
      held: [...this.#held].map(({ name, mode }) => ({ name, mode })),
      pending: this.#queue.map(({ name, mode }) => ({ name, mode })),
    };
  }

  #grantable(name: string, mode: Mode, first: boolean): boolean {
    const held = [...this.#held].filter((lock) => lock.name === name);
    if (first && this.#queue.some((request) => request.name === name)) return false;
    return mode === 'shared' ? held.every((lock) => lock.mode === 'shared') : held.length === 0;
  }

  #pump(): void {
    for (const request of [...this.#queue]) {
      const ahead = this.#queue.slice(0, this.#queue.indexOf(request)).some((other) => other.name === request.name);
      if (ahead || !this.#grantable(request.name, request.mode, false)) continue;
      this.#queue.splice(this.#queue.indexOf(request), 1);
      request.grant();
    }
  }
}
