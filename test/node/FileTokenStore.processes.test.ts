// FileTokenStore shared by real processes: each child is `node --import tsx file-store-child.ts`,
// at most 8 at a time, ended by PID after each test. Nothing sleeps to wait for another process:
// the test waits on a line a child prints, or on its exit.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MUTEX_STALE_MS } from '../../src/node/FileTokenStore.js';
import { FileTokenStore } from '../../src/node/index.js';

const script = join(import.meta.dirname, 'file-store-child.ts');
const LINE_TIMEOUT_MS = 20_000;

interface Child {
  readonly process: ChildProcess;
  /** The first line (from now or already printed) matching `pattern`. */
  line(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** The exit code, once it exited. */
  readonly exited: Promise<number | null>;
  send(line: string): void;
}

const children: Child[] = [];
let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'c2m-auth-processes-'));
});
afterEach(async () => {
  for (const child of children.splice(0)) {
    const { pid, exitCode, signalCode } = child.process;
    if (pid !== undefined && exitCode === null && signalCode === null) process.kill(pid, 'SIGKILL');
    await child.exited;
  }
  await rm(dir, { recursive: true, force: true });
});

function start(command: string, args: object, env: NodeJS.ProcessEnv = {}): Child {
  const child = spawn(process.execPath, ['--import', 'tsx', script, command, JSON.stringify(args)], {
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const printed: string[] = [];
  let errors = '';
  const waiters = new Set<() => void>();
  let pending = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    const parts = (pending + chunk).split('\n');
    pending = parts.pop() ?? '';
    printed.push(...parts);
    for (const waiter of waiters) waiter();
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    errors = (errors + chunk).slice(-2_000);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const handle: Child = {
    process: child,
    exited,
    send: (line) => child.stdin.write(`${line}\n`),
    line: (pattern, timeoutMs = LINE_TIMEOUT_MS) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const found = printed.find((line) => pattern.test(line));
          if (found === undefined) return;
          cleanup();
          resolve(found);
        };
        const fail = (why: string) => () => {
          cleanup();
          reject(new Error(`child ${command} ${why} before printing ${pattern}; it printed ${JSON.stringify(printed)}; stderr: ${errors}`));
        };
        const onExit = fail('exited');
        const timer = setTimeout(fail(`took over ${timeoutMs} ms`), timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
          child.off('exit', onExit);
        };
        waiters.add(check);
        child.once('exit', () => setImmediate(onExit));
        check();
      }),
  };
  children.push(handle);
  return handle;
}

/** Starts `count` children, waits until each is ready, then lets them all go at once. */
async function together(count: number, make: (index: number) => Child): Promise<Child[]> {
  const started = Array.from({ length: count }, (_, index) => make(index));
  await Promise.all(started.map((child) => child.line(/^ready$/)));
  for (const child of started) child.send('go');
  return started;
}

const killByPid = (child: Child): number => {
  const { pid } = child.process;
  if (pid === undefined) throw new Error('the child has no pid');
  const killedAtMs = Date.now();
  process.kill(pid, 'SIGKILL');
  return killedAtMs;
};

describe('FileTokenStore across processes', () => {
  it('loses no update when 8 processes each write 25 different keys into one file', { timeout: 60_000 }, async () => {
    const path = join(dir, 'tokens.json');
    const writers = await together(8, (index) =>
      start('write', { path, prefix: `p${index}-`, count: 25 }, { C2M_FILE_STORE_MODULE: process.env.C2M_FILE_STORE_MODULE }),
    );
    expect(await Promise.all(writers.map((child) => child.exited))).toEqual(Array(8).fill(0));
    const { records } = JSON.parse(await readFile(path, 'utf8')) as { records: Record<string, { revision: string }> };
    const expected = Array.from({ length: 8 }, (_, child) => Array.from({ length: 25 }, (_, index) => `p${child}-${index}`)).flat();
    expect(Object.keys(records).sort()).toEqual(expected.sort());
    expect(await readdir(dir)).toEqual(['tokens.json']);
  });

  it('runs 4 processes × 10 leases on one key one at a time, all 40', { timeout: 60_000 }, async () => {
    const path = join(dir, 'tokens.json');
    const log = join(dir, 'log.txt');
    const holders = await together(4, (index) =>
      start('lease', { path, key: 'shared', prefix: `p${index}`, count: 10, ttlMs: 5_000, log }),
    );
    expect(await Promise.all(holders.map((child) => child.exited))).toEqual([0, 0, 0, 0]);
    const marks = (await readFile(log, 'utf8')).trim().split('\n');
    const overlapping = marks.filter(
      (mark, index) => mark !== `${index % 2 === 0 ? 'start' : 'end'} ${marks[index - (index % 2)]?.slice(6)}`,
    );
    expect([marks.length, new Set(marks).size, overlapping]).toEqual([80, 80, []]);
    expect(await readdir(dir)).toEqual(['log.txt']);
  });

  it('gives the lease of a holder killed by SIGKILL to a waiting process within ttl + 1 s', { timeout: 30_000 }, async () => {
    const path = join(dir, 'tokens.json');
    const ttlMs = 1_000;
    const holder = start('hold-lease', { path, key: 'k', ttlMs });
    await holder.line(/^holding$/);
    const waiter = start('take-lease', { path, key: 'k', ttlMs });
    await waiter.line(/^waiting$/);
    const killedAtMs = killByPid(holder);
    const acquired = await waiter.line(/^acquired \d+$/);
    const tookMs = Number(acquired.split(' ')[1]) - killedAtMs;
    expect(tookMs).toBeLessThanOrEqual(ttlMs + 1_000);
    expect(await waiter.exited).toBe(0);
    expect(await readdir(dir)).toEqual([]);
  });

  it('frees the file lock of a writer killed by SIGKILL within 3 s + 1 s', { timeout: 30_000 }, async () => {
    const path = join(dir, 'tokens.json');
    const holder = start('hold-mutex', { path });
    await holder.line(/^holding$/);
    const writer = start('set-one', { path, key: 'k' });
    await writer.line(/^started$/);
    const killedAtMs = killByPid(holder);
    const written = await writer.line(/^written \d+$/);
    expect(Number(written.split(' ')[1]) - killedAtMs).toBeLessThanOrEqual(MUTEX_STALE_MS + 1_000);
    expect(await writer.exited).toBe(0);
    expect((await new FileTokenStore(path).get('k'))?.revision).toBe('after-kill');
    expect(await readdir(dir)).toEqual(['tokens.json']);
  });

  it('tells a listener in this process of a write by another', { timeout: 30_000 }, async () => {
    const path = join(dir, 'tokens.json');
    const store = new FileTokenStore(path);
    const changes: unknown[] = [];
    const unsubscribe = store.subscribe('k', (change) => changes.push(change));
    try {
      const writer = start('set-one', { path, key: 'k' });
      expect(await writer.exited).toBe(0);
      await vi.waitFor(() => expect(changes).toEqual([{ revision: 'after-kill' }]), { timeout: 2_000 });
    } finally {
      unsubscribe();
    }
  });

  it('lets exactly one of 8 processes compare-and-set from the same revision', { timeout: 60_000 }, async () => {
    const path = join(dir, 'tokens.json');
    await new FileTokenStore(path).set('k', { version: 1, revision: 'r0', longToken: 'lt_r0' });
    const racers = await together(8, (index) => start('cas', { path, key: 'k', expected: 'r0', next: `r${index + 1}` }));
    const results = await Promise.all(racers.map((child) => child.line(/^cas (true|false)$/)));
    expect(results.filter((line) => line === 'cas true').length).toBe(1);
    const winner = results.indexOf('cas true');
    expect((await new FileTokenStore(path).get('k'))?.revision).toBe(`r${winner + 1}`);
    expect(await Promise.all(racers.map((child) => child.exited))).toEqual(Array(8).fill(0));
  });
});
