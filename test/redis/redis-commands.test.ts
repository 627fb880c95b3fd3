// The commands RedisTokenStore sends on its client, over a scripted client (no server): the command
// timeout and what it withdraws, the late replies it reports, the Lua scripts' EVALSHA-then-EVAL, and
// how a client's failure is told (its kind, never its text).
import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TokenStoreError } from '../../src/errors/TokenStoreError.js';
import { type RedisClientLike, RedisCommands, replyArray } from '../../src/redis/client.js';
import { EXTEND, LuaScript, READ, RELEASE, runScript, WRITE } from '../../src/redis/scripts.js';
import { closedError, storeError } from '../../src/redis/store-error.js';

type Send = RedisClientLike['sendCommand'];

/** A client whose commands `send` answers; it never makes a subscriber. */
function scriptedClient(send: Send): RedisClientLike & { sendCommand: ReturnType<typeof vi.fn<Send>> } {
  return {
    sendCommand: vi.fn(send),
    duplicate: () => {
      throw new Error('no subscriber in these tests');
    },
  };
}

/** The error a promise rejects with. */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );
}

/** A promise that stays pending, and the functions that settle it. */
function pending<T = unknown>() {
  let resolve: (value: T) => void = () => {};
  let reject: (error: unknown) => void = () => {};
  const promise = new Promise<T>((onResolve, onReject) => {
    resolve = onResolve;
    reject = onReject;
  });
  return { promise, resolve, reject };
}

describe('RedisCommands', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('sends the command as given, with a signal not aborted, and resolves with the reply', async () => {
    const client = scriptedClient(async () => 'PONG');
    const commands = new RedisCommands(client, 500);
    expect(await commands.call(['PING', 'x'], 'ping')).toBe('PONG');
    expect(client.sendCommand).toHaveBeenCalledTimes(1);
    const [args, options] = client.sendCommand.mock.calls[0] ?? [];
    expect(args).toEqual(['PING', 'x']);
    expect(options?.abortSignal).toBeInstanceOf(AbortSignal);
    expect(options?.abortSignal?.aborted).toBe(false);
    // The timeout is cleared: the signal of an answered command is never aborted afterwards.
    await vi.advanceTimersByTimeAsync(10_000);
    expect(options?.abortSignal?.aborted).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('rejects with timeout after exactly the timeout, naming the operation, and withdraws the command', async () => {
    const reply = pending();
    const client = scriptedClient(() => reply.promise);
    const commands = new RedisCommands(client, 250);
    let settled: unknown;
    const failure = rejection(commands.call(['GET', 'k'], 'get')).then((error) => (settled = error));
    await vi.advanceTimersByTimeAsync(249);
    expect(settled).toBeUndefined();
    expect(client.sendCommand.mock.calls[0]?.[1]?.abortSignal?.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await failure;
    expect(settled).toBeInstanceOf(TokenStoreError);
    expect(settled).toMatchObject({ reason: 'timeout', message: 'RedisTokenStore: Redis did not answer get within 250 ms' });
    expect(client.sendCommand.mock.calls[0]?.[1]?.abortSignal?.aborted).toBe(true);
  });

  it('tells onLateReply of a reply that comes after the timeout, and only then', async () => {
    const late = pending();
    const onTime = pending();
    let answer = late;
    const client = scriptedClient(() => answer.promise);
    const commands = new RedisCommands(client, 100);
    const lateReplies: unknown[] = [];
    const onLateReply = (reply: unknown) => lateReplies.push(reply);

    const timedOut = rejection(commands.call(['SET', 'k', 'v'], 'lease', onLateReply));
    await vi.advanceTimersByTimeAsync(100);
    expect(await timedOut).toMatchObject({ reason: 'timeout' });
    expect(lateReplies).toEqual([]);
    late.resolve('OK');
    await vi.advanceTimersByTimeAsync(0);
    expect(lateReplies).toEqual(['OK']);

    answer = onTime;
    const answered = commands.call(['SET', 'k', 'v'], 'lease', onLateReply);
    await vi.advanceTimersByTimeAsync(10);
    onTime.resolve('OK');
    expect(await answered).toBe('OK');
    await vi.advanceTimersByTimeAsync(1000);
    expect(lateReplies).toEqual(['OK']);
  });

  it('ignores a command that fails after its timeout', async () => {
    const late = pending();
    const client = scriptedClient(() => late.promise);
    const commands = new RedisCommands(client, 100);
    const lateReplies: unknown[] = [];
    const timedOut = rejection(commands.call(['SET', 'k', 'v'], 'lease', (reply) => lateReplies.push(reply)));
    await vi.advanceTimersByTimeAsync(100);
    expect(await timedOut).toMatchObject({ reason: 'timeout' });
    late.reject(new Error('connection lost'));
    await vi.advanceTimersByTimeAsync(0);
    expect(lateReplies).toEqual([]);
  });

  it("turns a client's failure, thrown or rejected, into unavailable naming the operation", async () => {
    class ClientOfflineError extends Error {}
    const thrown = new RedisCommands(
      scriptedClient(() => {
        throw new ClientOfflineError('offline: SET k lt_secret');
      }),
      100,
    );
    const error = await rejection(thrown.call(['SET', 'k', 'lt_secret'], 'set'));
    expect(error).toBeInstanceOf(TokenStoreError);
    expect(error).toMatchObject({ reason: 'unavailable', message: 'RedisTokenStore: Redis failed set (ClientOfflineError)' });
    expect((error as Error).cause).toBeUndefined();

    const rejected = new RedisCommands(
      scriptedClient(async () => {
        throw new Error('WRONGTYPE Operation against a key holding the wrong kind of value');
      }),
      100,
    );
    expect(await rejection(rejected.call(['GET', 'k'], 'get'))).toMatchObject({
      reason: 'unavailable',
      message: 'RedisTokenStore: Redis failed get (Error WRONGTYPE)',
    });
  });
});

describe('replyArray', () => {
  it('passes an array of at least the length asked for', () => {
    expect(replyArray([1, 2, 3], 3, 'get')).toEqual([1, 2, 3]);
    expect(replyArray([1, 2, 3, 4], 3, 'get')).toEqual([1, 2, 3, 4]);
  });

  it('refuses a shorter array or anything else as unavailable, naming the operation', () => {
    for (const reply of [[1, 2], 'OK', null, { length: 5 }]) {
      let error: unknown;
      try {
        replyArray(reply, 3, 'compareAndSet');
      } catch (thrown) {
        error = thrown;
      }
      expect(error).toBeInstanceOf(TokenStoreError);
      expect(error).toMatchObject({
        reason: 'unavailable',
        message: 'RedisTokenStore: Redis answered compareAndSet with an unexpected reply',
      });
    }
  });
});

describe('storeError', () => {
  const described = (error: unknown) => storeError(error, 'get').message.replace(/^RedisTokenStore: Redis failed get \((.*)\)$/, '$1');

  it('is unavailable, naming the operation, with no cause', () => {
    const error = storeError(new Error('boom'), 'extend lease');
    expect(error).toBeInstanceOf(TokenStoreError);
    expect(error.reason).toBe('unavailable');
    expect(error.message).toBe('RedisTokenStore: Redis failed extend lease (Error)');
    expect(error.cause).toBeUndefined();
  });

  it('passes a TokenStoreError through as it is', () => {
    const timeout = new TokenStoreError('timeout', 'RedisTokenStore: Redis did not answer get within 5 ms');
    expect(storeError(timeout, 'get')).toBe(timeout);
  });

  it('names a rejection that is not an Error as such, never showing it', () => {
    expect(described('ERR lt_secret')).toBe('a non-error rejection');
    expect(described({ name: 'ClientOfflineError', code: 'ECONNREFUSED' })).toBe('a non-error rejection');
  });

  it("names node-redis's errors (named Error) by their class, others by their name", () => {
    class SocketClosedUnexpectedlyError extends Error {}
    class Named extends Error {
      override name = 'ReplyError';
    }
    expect(described(new SocketClosedUnexpectedlyError('closed'))).toBe('SocketClosedUnexpectedlyError');
    expect(described(new Named('closed'))).toBe('ReplyError');
    expect(described(new TypeError('x'))).toBe('TypeError');
  });

  it('names an error whose name is not a plain word of at most 60 characters just Error', () => {
    const named = (name: string) => Object.assign(new Error('x'), { name });
    expect(described(named('a'.repeat(60)))).toBe('a'.repeat(60));
    expect(described(named('a'.repeat(61)))).toBe('Error');
    expect(described(named('lt_secret token'))).toBe('Error');
    expect(described(named('Bad!'))).toBe('Error');
    expect(described(named('!Bad'))).toBe('Error');
    expect(described(named(''))).toBe('Error');
  });

  it('adds a system code of capitals, digits and underscores (2 to 41 characters), and nothing else', () => {
    const coded = (code: unknown) => Object.assign(new Error('x'), { code });
    expect(described(coded('ECONNREFUSED'))).toBe('Error ECONNREFUSED');
    expect(described(coded('E_2'))).toBe('Error E_2');
    expect(described(coded(`E${'A'.repeat(40)}`))).toBe(`Error E${'A'.repeat(40)}`);
    expect(described(coded(`E${'A'.repeat(41)}`))).toBe('Error');
    expect(described(coded('E'))).toBe('Error');
    expect(described(coded('econnrefused'))).toBe('Error');
    expect(described(coded('2ECONN'))).toBe('Error');
    expect(described(coded('ECONN lt_secret'))).toBe('Error');
    expect(described(coded('lt_secret ECONN'))).toBe('Error');
    expect(described(coded(42))).toBe('Error');
    expect(described(coded(new String('ECONNRESET')))).toBe('Error');
  });

  it("adds the Redis error code a message starts with (3 to 20 capitals), once, and none of the message's text", () => {
    const said = (message: string, code?: string) => Object.assign(new Error(message), code === undefined ? {} : { code });
    expect(described(said('ERR unknown command'))).toBe('Error ERR');
    expect(described(said('NOSCRIPT No matching script'))).toBe('Error NOSCRIPT');
    expect(described(said(`${'A'.repeat(20)} x`))).toBe(`Error ${'A'.repeat(20)}`);
    expect(described(said(`${'A'.repeat(21)} x`))).toBe('Error');
    expect(described(said('ER x'))).toBe('Error');
    expect(described(said('ERRx lt_secret'))).toBe('Error');
    expect(described(said('x ERR lt_secret'))).toBe('Error');
    expect(described(said('ECONNREFUSED 127.0.0.1:6379', 'ECONNREFUSED'))).toBe('Error ECONNREFUSED');
    expect(described(said('LOADING Redis is loading', 'ECONNRESET'))).toBe('Error ECONNRESET LOADING');
  });

  it('makes the closed-store error unavailable, a new one each time', () => {
    const first = closedError();
    expect(first).toBeInstanceOf(TokenStoreError);
    expect(first).toMatchObject({ reason: 'unavailable', message: 'RedisTokenStore: the store is closed' });
    expect(closedError()).not.toBe(first);
  });
});

describe('runScript', () => {
  const sha1 = (text: string) => createHash('sha1').update(text).digest('hex');

  it("names each script by its source's SHA-1, as Redis does", async () => {
    for (const script of [WRITE, READ, EXTEND, RELEASE]) expect(await script.sha()).toBe(sha1(script.source));
    const script = new LuaScript('return 1');
    expect(await script.sha()).toBe('e0e1f9fabfc9d4800c877a703b823ac0578ff8db');
  });

  it('runs a script the server knows by EVALSHA, with its key and arguments', async () => {
    const client = scriptedClient(async () => 7);
    const commands = new RedisCommands(client, 100);
    expect(await runScript(commands, EXTEND, 'p:lease:k', ['owner', '300'], 'extend lease')).toBe(7);
    expect(client.sendCommand.mock.calls.map(([args]) => args)).toEqual([
      ['EVALSHA', sha1(EXTEND.source), '1', 'p:lease:k', 'owner', '300'],
    ]);
  });

  it('sends the source by EVAL when the server does not have the script (NOSCRIPT)', async () => {
    const client = scriptedClient(async ([command]) => {
      if (command === 'EVALSHA') throw new Error('NOSCRIPT No matching script. Please use EVAL.');
      return 1;
    });
    const commands = new RedisCommands(client, 100);
    expect(await runScript(commands, RELEASE, 'p:lease:k', ['owner', 'p:changes', '{}'], 'release lease')).toBe(1);
    expect(client.sendCommand.mock.calls.map(([args]) => args)).toEqual([
      ['EVALSHA', sha1(RELEASE.source), '1', 'p:lease:k', 'owner', 'p:changes', '{}'],
      ['EVAL', RELEASE.source, '1', 'p:lease:k', 'owner', 'p:changes', '{}'],
    ]);
  });

  it('fails unavailable, without EVAL, on any other error (NOSCRIPT not at the start, or not an Error)', async () => {
    for (const failure of [new Error('ERR NOSCRIPT lt_secret'), { message: 'NOSCRIPT No matching script' }]) {
      const client = scriptedClient(async () => {
        throw failure;
      });
      const error = await rejection(runScript(new RedisCommands(client, 100), READ, 'p:k', [], 'get'));
      expect(error).toBeInstanceOf(TokenStoreError);
      expect((error as TokenStoreError).reason).toBe('unavailable');
      expect((error as TokenStoreError).message).toMatch(/^RedisTokenStore: Redis failed get \(/);
      expect(client.sendCommand).toHaveBeenCalledTimes(1);
    }
  });

  it('fails with the EVAL failure when the fallback fails too', async () => {
    const client = scriptedClient(async ([command]) => {
      throw new Error(command === 'EVALSHA' ? 'NOSCRIPT No matching script' : 'BUSY Redis is busy running a script');
    });
    expect(await rejection(runScript(new RedisCommands(client, 100), READ, 'p:k', [], 'get'))).toMatchObject({
      reason: 'unavailable',
      message: 'RedisTokenStore: Redis failed get (Error BUSY)',
    });
  });

  it('fails with timeout when the server does not answer EVALSHA in time', async () => {
    // The script's SHA-1 is computed by WebCrypto, which fake timers do not drive: computed (and kept)
    // first, so this test does not depend on an earlier test having done it.
    await READ.sha();
    vi.useFakeTimers();
    try {
      const client = scriptedClient(() => new Promise(() => {}));
      const failure = rejection(runScript(new RedisCommands(client, 100), READ, 'p:k', [], 'get'));
      await vi.advanceTimersByTimeAsync(100);
      expect(await failure).toMatchObject({ reason: 'timeout', message: 'RedisTokenStore: Redis did not answer get within 100 ms' });
      expect(client.sendCommand).toHaveBeenCalledTimes(1);
    } finally {
      vi.useRealTimers();
    }
  });
});
