// A client for RedisTokenStore's in-process tests: a small Redis in memory that answers the commands
// and Lua scripts the store sends (by their SHA-1) as Redis would, on the test's clock (fake timers
// included), with hooks to hold, fail or answer any command, and subscriber connections whose
// connection the test drives. The real-server behaviour is proven by RedisTokenStore.test.ts.
import { vi } from 'vitest';
import type { RedisClientLike, RedisSubscriberLike } from '../../src/redis/client.js';
import { EXTEND, READ, RELEASE, WRITE } from '../../src/redis/scripts.js';

/**
 * What a hook makes of a command: a reply (or a promise of one), or undefined to let the fake answer;
 * `answer` is the fake's own answer, for a hook that delays it.
 */
export type Hook = (args: readonly string[], signal: AbortSignal | undefined, answer: () => unknown) => unknown;

/** A subscriber connection the fake made with duplicate(), and what the test can do with it. */
export interface FakeSubscriber extends RedisSubscriberLike {
  readonly channels: string[];
  destroyed: boolean;
  /** Fires the connection's error listeners. */
  fail(error: unknown): void;
}

interface Entry {
  value: string | Record<string, string>;
  expiresAtMs: number | undefined;
}

const shas = Promise.all([WRITE.sha(), READ.sha(), EXTEND.sha(), RELEASE.sha()]);

/** A fake Redis server and a client on it. */
export async function fakeRedis(options: { redisOffsetMs?: number } = {}) {
  const [writeSha, readSha, extendSha, releaseSha] = await shas;
  const entries = new Map<string, Entry>();
  const listeners = new Map<string, Set<(message: string, channel: string) => void>>();
  const commands: string[][] = [];
  const published: [string, string][] = [];
  const subscribers: FakeSubscriber[] = [];
  /** Scripts the server has (EVALSHA finds them); every script unless the test forgets them. */
  const known = new Set([writeSha, readSha, extendSha, releaseSha]);
  let hook: Hook | undefined;
  /** How the next duplicate() connects: at once, or when the test says. */
  let connect: () => Promise<unknown> = async () => undefined;
  let duplicateFails = false;

  const nowMs = () => Date.now() + (options.redisOffsetMs ?? 0);
  const live = (key: string): Entry | undefined => {
    const entry = entries.get(key);
    if (entry !== undefined && entry.expiresAtMs !== undefined && entry.expiresAtMs <= nowMs()) entries.delete(key);
    return entries.get(key);
  };
  const time = (): [string, string] => {
    const ms = nowMs();
    return [String(Math.floor(ms / 1000)), String(Math.round((ms % 1000) * 1000))];
  };
  const publish = (channel: string, message: string) => {
    published.push([channel, message]);
    for (const listener of [...(listeners.get(channel) ?? [])]) queueMicrotask(() => listener(message, channel));
  };
  const hash = (key: string) => {
    const entry = live(key);
    return entry === undefined ? undefined : (entry.value as Record<string, string>);
  };

  const script = (sha: string, key: string, argv: string[]): unknown => {
    const [t1, t2] = time();
    if (sha === readSha) {
      const fields = hash(key);
      return [t1, t2, fields?.data ?? null, fields?.offsetMs ?? null, fields?.rttMs ?? null];
    }
    if (sha === writeSha) {
      const [expected = '', revision = '', data = '', offsetMs = '', rttMs = '', ttl = '', channel = '', message = ''] = argv;
      if (expected !== '*') {
        const fields = hash(key);
        const matches =
          expected === '-'
            ? fields === undefined
            : expected === '~'
              ? fields !== undefined && fields.rev === undefined
              : fields?.rev === expected.slice(1);
        if (!matches) return [0, t1, t2];
      }
      if (data === '') {
        if (hash(key) !== undefined) {
          entries.delete(key);
          publish(channel, message);
        }
        return [1, t1, t2];
      }
      const fields: Record<string, string> = { data, offsetMs, rttMs };
      if (revision !== '') fields.rev = revision;
      entries.set(key, { value: fields, expiresAtMs: ttl === '' ? undefined : nowMs() + Number(ttl) });
      publish(channel, message);
      return [1, t1, t2];
    }
    const owner = live(key)?.value;
    if (sha === extendSha) {
      if (owner !== argv[0]) return 0;
      entries.set(key, { value: owner as string, expiresAtMs: nowMs() + Number(argv[1]) });
      return 1;
    }
    if (sha === releaseSha) {
      if (owner !== argv[0]) return 0;
      entries.delete(key);
      publish(argv[1] ?? '', argv[2] ?? '');
      return 1;
    }
    throw new Error(`fakeRedis: unknown script ${sha}`);
  };

  const answer = (args: readonly string[]): unknown => {
    const [command, ...rest] = args;
    if (command === 'TIME') return time();
    if (command === 'SET') {
      const [key = '', value = '', , , ttl] = rest;
      if (live(key) !== undefined) return null;
      entries.set(key, { value, expiresAtMs: nowMs() + Number(ttl) });
      return 'OK';
    }
    if (command === 'EVALSHA') {
      const [sha = '', , key = '', ...argv] = rest;
      if (!known.has(sha)) throw new Error('NOSCRIPT No matching script. Please use EVAL.');
      return script(sha, key, argv);
    }
    if (command === 'EVAL') {
      const [source = '', , key = '', ...argv] = rest;
      const sha = [WRITE, READ, EXTEND, RELEASE].find((s) => s.source === source);
      if (sha === undefined) throw new Error('ERR unknown script');
      return (async () => {
        const digest = await sha.sha();
        known.add(digest);
        return script(digest, key, argv);
      })();
    }
    throw new Error(`ERR unknown command '${command}'`);
  };

  const client: RedisClientLike = {
    sendCommand: vi.fn(async (args: readonly string[], sendOptions?: { abortSignal?: AbortSignal }) => {
      commands.push([...args]);
      const hooked = hook?.(args, sendOptions?.abortSignal, () => answer(args));
      if (hooked !== undefined) return hooked;
      return answer(args);
    }),
    duplicate: () => {
      if (duplicateFails) throw new Error('duplicate failed');
      const errorListeners: ((error: unknown) => void)[] = [];
      const own: ((message: string, channel: string) => void)[] = [];
      const connecting = connect;
      const subscriber: FakeSubscriber = {
        channels: [],
        destroyed: false,
        connect: () => connecting(),
        subscribe: async (channel, listener) => {
          subscriber.channels.push(channel);
          let set = listeners.get(channel);
          if (set === undefined) {
            set = new Set();
            listeners.set(channel, set);
          }
          set.add(listener);
          own.push(listener);
        },
        on: (event, listener) => {
          if (event === 'error') errorListeners.push(listener);
        },
        destroy: () => {
          subscriber.destroyed = true;
          for (const set of listeners.values()) for (const listener of own) set.delete(listener);
        },
        fail: (error) => {
          for (const listener of errorListeners) listener(error);
        },
      };
      subscribers.push(subscriber);
      return subscriber;
    },
  };

  return {
    client,
    /** Every command sent, in order. */
    commands,
    /** Every message published: [channel, message]. */
    published,
    /** Every subscriber connection made. */
    subscribers,
    /** The commands sent whose name (EVALSHA's script) is `name`. */
    sent(name: 'TIME' | 'SET' | 'READ' | 'WRITE' | 'EXTEND' | 'RELEASE'): string[][] {
      const sha = { READ: readSha, WRITE: writeSha, EXTEND: extendSha, RELEASE: releaseSha } as Record<string, string>;
      return commands.filter(([command, second]) => (command === 'EVALSHA' ? second === sha[name] : command === name));
    },
    /** The fields of a hash, or the value of a string, as stored now. */
    stored(key: string) {
      return live(key)?.value;
    },
    /** Stores a value as a raw client would. */
    put(key: string, value: string | Record<string, string>, ttlMs?: number) {
      entries.set(key, { value, expiresAtMs: ttlMs === undefined ? undefined : nowMs() + ttlMs });
    },
    /** The ms left before `key` expires (undefined: none). */
    ttl(key: string) {
      const entry = live(key);
      return entry?.expiresAtMs === undefined ? undefined : entry.expiresAtMs - nowMs();
    },
    /** Publishes as another process would. */
    publish,
    /** Answers commands by `next` (undefined: the fake's own answer) until called again. */
    hook(next: Hook | undefined) {
      hook = next;
    },
    /** How the next subscriber connections connect. */
    connectWith(next: () => Promise<unknown>) {
      connect = next;
    },
    failDuplicate(fails: boolean) {
      duplicateFails = fails;
    },
    /** The server forgets its scripts (restart, SCRIPT FLUSH). */
    flushScripts() {
      known.clear();
    },
  };
}

export type FakeRedis = Awaited<ReturnType<typeof fakeRedis>>;
