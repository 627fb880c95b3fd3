// Change notifications over a token file, by polling: fs.watch misses changes on some platforms and
// file systems, and loses a file replaced by rename. Each listener keeps the stored text of its key as
// it last saw it; a check re-reads the file and tells the listeners whose text changed. This process's
// own writes check at once; other processes' writes are seen at the next poll.
import type { TokenStoreChange } from '../session/TokenStore.js';
import { readTokenFile, readTokenFileSync, recordIn, type StoredRecords } from './token-file.js';

/** How often the file is re-read while anyone listens, for other processes' writes. */
export const WATCH_POLL_MS = 200;

interface Subscription {
  readonly key: string;
  readonly listener: (change: TokenStoreChange) => void;
  /** The key's stored text when last seen; undefined: no record. */
  seen: string | undefined;
}

/** The stored value of `key` in the file as read: none in a missing or corrupt file. */
const storedIn = (records: StoredRecords | 'corrupt' | 'missing', key: string): unknown =>
  typeof records === 'object' ? recordIn(records, key) : undefined;
/** The stored value as text, to compare; undefined for no record (as JSON.stringify(undefined) is). */
const textOf = (stored: unknown): string | undefined => JSON.stringify(stored) as string | undefined;

/** The listeners of one store, and the poll that serves them. */
export class RecordWatch {
  readonly #path: string;
  readonly #revisionOf: (key: string, stored: unknown) => Promise<string | undefined>;
  readonly #subscriptions = new Set<Subscription>();
  #timer: ReturnType<typeof setInterval> | undefined;
  #checking: Promise<void> | undefined;
  #again = false;

  /** @param revisionOf - The revision of a stored record (undefined when there is none, it has none or it does not open). */
  constructor(path: string, revisionOf: (key: string, stored: unknown) => Promise<string | undefined>) {
    this.#path = path;
    this.#revisionOf = revisionOf;
  }

  /** Adds a listener from the file as it is now; returns the function that removes it. */
  subscribe(key: string, listener: (change: TokenStoreChange) => void): () => void {
    const subscription: Subscription = { key, listener, seen: textOf(storedIn(readTokenFileSync(this.#path), key)) };
    this.#subscriptions.add(subscription);
    if (this.#timer === undefined) {
      this.#timer = setInterval(() => this.check(), WATCH_POLL_MS);
      this.#timer.unref();
    }
    return () => {
      this.#subscriptions.delete(subscription);
      if (this.#subscriptions.size > 0) return;
      clearInterval(this.#timer);
      this.#timer = undefined;
    };
  }

  /** Re-reads the file soon and tells the listeners of what changed (one check at a time, in order). */
  check(): void {
    if (this.#subscriptions.size === 0) return;
    if (this.#checking !== undefined) {
      this.#again = true;
      return;
    }
    this.#checking = this.#check()
      .catch(() => undefined)
      .finally(() => {
        this.#checking = undefined;
        if (this.#again) {
          this.#again = false;
          this.check();
        }
      });
  }

  async #check(): Promise<void> {
    const records = await readTokenFile(this.#path);
    // A corrupt file says nothing about any record: wait for the next write.
    if (records === 'corrupt') return;
    const revisions = new Map<string, Promise<string | undefined>>();
    for (const subscription of this.#subscriptions) {
      const stored = storedIn(records, subscription.key);
      const text = textOf(stored);
      if (text === subscription.seen) continue;
      subscription.seen = text;
      const { key } = subscription;
      let revision = revisions.get(key);
      if (revision === undefined) {
        revision = this.#revisionOf(key, stored);
        revisions.set(key, revision);
      }
      const change: TokenStoreChange = { revision: await revision.catch(() => undefined) };
      if (!this.#subscriptions.has(subscription)) continue;
      try {
        subscription.listener(change);
      } catch {
        // The listener's failure is its own.
      }
    }
  }
}
