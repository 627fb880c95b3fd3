// A real redis-server for the Redis suites: one process per test file on a free port, no persistence,
// always signalled by its PID. Without redis-server the suites are skipped, and the run's closing lines
// count them under "no redis-server", unless REQUIRE_REDIS=1 (CI), which makes that an error.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { describe } from 'vitest';
import { NO_REDIS } from './skip-reasons.js';

/** The redis-server binary: REDIS_SERVER_PATH, or Debian's. */
export const REDIS_SERVER_PATH = process.env.REDIS_SERVER_PATH ?? '/usr/bin/redis-server';
/** Whether redis-server is installed. */
export const redisAvailable = existsSync(REDIS_SERVER_PATH);

const READY_LINE = 'Ready to accept connections';
const WAIT_MS = 10_000;

/** A running redis-server. */
export interface RedisServer {
  /** `redis://127.0.0.1:<port>`. */
  readonly url: string;
  readonly port: number;
  /** The current process's PID (a restart makes a new one). */
  readonly pid: number;
  /** Freezes the server (SIGSTOP): it keeps its connections and answers nothing. */
  pause(): void;
  /** Thaws a paused server (SIGCONT). */
  resume(): void;
  /** Kills the server at once (SIGKILL), losing all data, and waits for it to exit. */
  kill(): Promise<void>;
  /** Starts a new server on the same port and waits until it accepts connections. */
  restart(): Promise<void>;
  /** Stops the server (SIGTERM, SIGKILL if it lingers) and waits for it to exit. */
  stop(): Promise<void>;
}

/**
 * `describe`, or, when redis-server is missing, the suite skipped with the reason "no redis-server",
 * counted in the run's closing lines (an error with REQUIRE_REDIS=1).
 */
export function describeRedis(name: string, suite: () => void): void {
  if (redisAvailable) {
    describe(name, suite);
    return;
  }
  if (process.env.REQUIRE_REDIS === '1')
    throw new Error(
      `REQUIRE_REDIS=1: no redis-server at ${REDIS_SERVER_PATH} (set REDIS_SERVER_PATH, or apt-get install redis-server): the Redis suite "${name}" cannot run.`,
    );
  describe.skip(name, { meta: { skipReason: NO_REDIS } }, suite);
}

/** A TCP port nobody listens on right now. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('freePort: no TCP address');
  return address.port;
}

/** `promise`, or an error after `ms`. */
async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`redis-server: ${what} took more than ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Spawns redis-server on `port` and resolves once it logs that it accepts connections. */
async function spawnReady(port: number): Promise<{ child: ChildProcess; pid: number; exited: Promise<void> }> {
  const child = spawn(
    REDIS_SERVER_PATH,
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', tmpdir(), '--daemonize', 'no'],
    { cwd: tmpdir(), stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let output = '';
  const ready = new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (output.includes(READY_LINE)) resolve();
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('error', reject);
    child.once('exit', (code, signal) =>
      reject(new Error(`redis-server exited (${code ?? signal}) before it was ready:\n${output.slice(-2000)}`)),
    );
  });
  try {
    await within(ready, WAIT_MS, 'starting');
  } catch (error) {
    if (child.pid !== undefined && child.exitCode === null) process.kill(child.pid, 'SIGKILL');
    throw error;
  }
  if (child.pid === undefined) throw new Error('redis-server: no PID');
  // Once ready, its log is of no interest; keep draining it so the pipes never fill.
  child.stdout?.resume();
  child.stderr?.resume();
  return { child, pid: child.pid, exited };
}

/** Starts a fresh redis-server on a free port; stop it with `stop()` (by its PID). */
export async function startRedis(): Promise<RedisServer> {
  const port = await freePort();
  let current = await spawnReady(port);
  let paused = false;
  const running = () => current.child.exitCode === null && current.child.signalCode === null;
  const resume = () => {
    process.kill(current.pid, 'SIGCONT');
    paused = false;
  };
  const signal = async (name: NodeJS.Signals, what: string) => {
    if (!running()) return;
    process.kill(current.pid, name);
    await within(current.exited, WAIT_MS, what);
  };

  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    get pid() {
      return current.pid;
    },
    pause() {
      process.kill(current.pid, 'SIGSTOP');
      paused = true;
    },
    resume,
    async kill() {
      await signal('SIGKILL', 'dying');
      paused = false;
    },
    async restart() {
      await signal('SIGKILL', 'dying');
      paused = false;
      current = await spawnReady(port);
    },
    async stop() {
      if (!running()) return;
      // A stopped process would only handle SIGTERM once thawed.
      if (paused) resume();
      try {
        await signal('SIGTERM', 'stopping');
      } catch {
        await signal('SIGKILL', 'dying');
      }
    },
  };
}
