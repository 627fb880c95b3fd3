// Spawning and awaiting fleet workers (test/fleet/worker.ts), each a real Node process with one
// AuthSession on a shared store. Nothing here sleeps to wait for a process: it waits on a line the
// worker prints, or on its exit, always with a deadline; the test's own kit is polled, with one too.
// Every worker spawned is remembered, so afterEach can kill what is left by PID.
//
// The worker runs from one bundle of its source (and of the SDK's, as it is now), made by esbuild
// once per test file: `node --import tsx worker.ts` takes 1.4 s to start here (tsx compiles and
// resolves some 300 modules through its hooks), the bundle 0.3 s, and the suite starts ~60 workers
// on 2 cores. The code run is the same source; only the loading differs.
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { storeKeyFor } from '../../src/session/session-config.js';
import type { TokenRecord } from '../../src/session/TokenStore.js';
import type { AuthMock } from '../../src/testing/index.js';

// C2M_FLEET_WORKER_SOURCE points at another worker (e.g. a copy of this one in a checkout of an older
// src/), to show a test fails on older code.
const WORKER_SOURCE = process.env.C2M_FLEET_WORKER_SOURCE || fileURLToPath(new URL('./worker.ts', import.meta.url));
/** At most this many workers at once: the machine has 2 cores. */
export const MAX_WORKERS = 8;
/** How long 8 workers may take to start on a loaded 2-core machine. */
const READY_TIMEOUT_MS = 30_000;

/** What a worker is told on its command line (see worker.ts for each flag). */
export interface WorkerOptions {
  readonly baseUrl: string;
  readonly store: 'redis' | 'file';
  readonly redisUrl?: string;
  readonly path?: string;
  /** `full`: the store as it is; `cas`: no lease, no subscribe; `plain`: only get, set and delete. */
  readonly capabilities?: 'full' | 'cas' | 'plain';
  /** `cold`: every caller calls once, all at once; `run`: callers loop until `durationMs` or a `stop` line. */
  readonly mode: 'cold' | 'run';
  readonly callers: number;
  readonly durationMs?: number;
  readonly paceMs?: number;
  readonly presentEveryMs?: number;
  readonly leaseTtlMs?: number;
  readonly storeTimeoutMs?: number;
  readonly commandTimeoutMs?: number;
  readonly longTokenTtlSeconds?: number;
  /** The worker's Date.now runs this far off the host's clock (a host with a wrong clock). */
  readonly clockSkewMs?: number;
}

/** One token a worker handed out: a hash of it (never the token), how often, and when last (host clock). */
export interface HandedToken {
  readonly hash: string;
  readonly count: number;
  readonly lastRealMs: number;
}

/** The one JSON line a worker prints at the end: ids, counts and times, never a token. */
export interface WorkerSummary {
  readonly type: 'summary';
  readonly name: string;
  readonly pid: number;
  readonly calls: number;
  readonly failures: number;
  readonly failureNames: Record<string, number>;
  /** Hand-outs of a token at or past its expiry, by the worker's own clock and its own view of the expiry. */
  readonly expiredHandOuts: number;
  /** Hand-outs of a token the worker never saw issued or stored (should not happen). */
  readonly unknownHandOuts: number;
  readonly tokens: readonly HandedToken[];
  readonly events: {
    readonly storeError: Record<string, number>;
    readonly storeErrorReasons: Record<string, number>;
    readonly leaseWaited: number;
    readonly leaseWaitedAdopted: number;
    readonly leaseWaitedMaxMs: number;
    readonly tokenAdopted: { readonly long: number; readonly short: number };
    readonly refreshFailed: number;
    readonly refreshFailedNames: Record<string, number>;
    readonly tokenRefreshed: number;
    readonly longTokenIssued: number;
    readonly longTokenRotated: number;
  };
  readonly exchangesSent: number;
  readonly jobs: { readonly ok: number; readonly refused: number; readonly other: number };
  readonly redisClientErrors: number;
  /** When the callers started and stopped (host clock). */
  readonly startedAtMs: number;
  readonly endedAtMs: number;
}

/** A line a worker printed, with the time the test received it (host clock). */
export interface WorkerLine {
  readonly type: string;
  readonly [field: string]: unknown;
}

interface Received {
  readonly line: WorkerLine;
  readonly receivedAtMs: number;
}

const spawned = new Set<FleetWorker>();
/** Everything the workers printed (stdout and stderr) since {@link printedSecrets} last looked. */
let printed = '';
let bundle: Promise<{ readonly dir: string; readonly file: string }> | undefined;

/** Bundles worker.ts (once per test file) into a temporary folder; returns the bundle's path. */
export async function buildWorker(): Promise<string> {
  bundle ??= (async () => {
    const dir = await mkdtemp(join(tmpdir(), 'c2m-fleet-'));
    const file = join(dir, 'worker.mjs');
    try {
      const { build } = await import('esbuild');
      await build({
        entryPoints: [WORKER_SOURCE],
        outfile: file,
        bundle: true,
        platform: 'node',
        format: 'esm',
        target: 'node20',
        logLevel: 'error',
        // node-redis is CommonJS: its require() calls of Node's modules need a require in the ES module.
        banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
      });
    } catch (error) {
      await rm(dir, { recursive: true, force: true });
      throw error;
    }
    return { dir, file };
  })();
  return (await bundle).file;
}

/** Removes the bundle's folder. */
export async function removeWorkerBuild(): Promise<void> {
  const built = await bundle?.catch(() => undefined);
  bundle = undefined;
  if (built !== undefined) await rm(built.dir, { recursive: true, force: true });
}

const flag = (name: string) => `--${name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)}`;

/** The worker's command line for `options`. */
export function workerArgs(name: string, options: WorkerOptions): string[] {
  const args = ['--name', name];
  // `--flag=value`: a negative number after a separate `--flag` would read as another flag.
  for (const [key, value] of Object.entries(options)) if (value !== undefined) args.push(`${flag(key)}=${String(value)}`);
  return args;
}

/** A hash of a token, as workers report the tokens they handed out (16 hex digits of SHA-256). */
export function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex').slice(0, 16);
}

/** One running worker process. */
export class FleetWorker {
  readonly name: string;
  readonly child: ChildProcess;
  readonly received: Received[] = [];
  /** Resolves with the exit code and signal. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly #notify = new Set<() => void>();
  #stderr = '';
  #done = false;

  constructor(name: string, script: string, options: WorkerOptions) {
    this.name = name;
    this.child = spawn(process.execPath, [script, ...workerArgs(name, options)], { stdio: ['pipe', 'pipe', 'pipe'] });
    spawned.add(this);
    let pending = '';
    this.child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      printed += chunk;
      const parts = (pending + chunk).split('\n');
      pending = parts.pop() ?? '';
      const receivedAtMs = Date.now();
      for (const part of parts) {
        if (part.trim() === '') continue;
        let line: WorkerLine;
        try {
          line = JSON.parse(part) as WorkerLine;
        } catch {
          line = { type: 'text', text: part.slice(0, 200) };
        }
        this.received.push({ line, receivedAtMs });
      }
      for (const notify of [...this.#notify]) notify();
    });
    this.child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      printed += chunk;
      this.#stderr = (this.#stderr + chunk).slice(-3_000);
    });
    // Writing to a worker that was just killed is not an error of the test.
    this.child.stdin?.on('error', () => undefined);
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.#done = true;
        spawned.delete(this);
        for (const notify of [...this.#notify]) notify();
        resolve({ code, signal });
      });
    });
  }

  get pid(): number {
    if (this.child.pid === undefined) throw new Error(`worker ${this.name} has no PID`);
    return this.child.pid;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Sends a line on the worker's stdin (`go`, `stop`). */
  send(line: string): void {
    if (this.running) this.child.stdin?.write(`${line}\n`);
  }

  /** Calls `listener` after each batch of lines, and once the worker exited; returns the function that stops. */
  watch(listener: () => void): () => void {
    this.#notify.add(listener);
    return () => this.#notify.delete(listener);
  }

  /** Lines of one type received so far. */
  linesOf(type: string): Received[] {
    return this.received.filter((received) => received.line.type === type);
  }

  /** The first line (already received or still to come) that `matches`; rejects at the deadline or the exit. */
  line(matches: (line: WorkerLine) => boolean, timeoutMs: number, what: string): Promise<Received> {
    return new Promise((resolve, reject) => {
      const cleanup = () => {
        clearTimeout(timer);
        this.#notify.delete(check);
      };
      const check = () => {
        const found = this.received.find((received) => matches(received.line));
        if (found !== undefined) {
          cleanup();
          resolve(found);
        } else if (this.#done) {
          cleanup();
          reject(this.#failure(`exited before printing ${what}`));
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(this.#failure(`did not print ${what} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#notify.add(check);
      check();
    });
  }

  /** The worker's summary line. */
  async summary(timeoutMs: number): Promise<WorkerSummary> {
    return (await this.line((line) => line.type === 'summary', timeoutMs, 'its summary')).line as unknown as WorkerSummary;
  }

  /** Sends `signal` to the worker by its PID (if it still runs). */
  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    if (this.running) process.kill(this.pid, signal);
  }

  #failure(why: string): Error {
    const types = this.received.map((received) => received.line.type).join(',');
    return new Error(`fleet worker ${this.name} (pid ${this.child.pid}) ${why}; it printed [${types}]; stderr: ${this.#stderr}`);
  }
}

/** Starts `count` workers (at most {@link MAX_WORKERS}) and waits until each printed `ready`. */
export async function startFleet(count: number, options: WorkerOptions | ((index: number) => WorkerOptions)): Promise<FleetWorker[]> {
  if (count > MAX_WORKERS) throw new Error(`startFleet: at most ${MAX_WORKERS} workers`);
  const script = await buildWorker();
  const workers = Array.from(
    { length: count },
    (_, index) => new FleetWorker(`w${index}`, script, typeof options === 'function' ? options(index) : options),
  );
  await Promise.all(workers.map((worker) => worker.line((line) => line.type === 'ready', READY_TIMEOUT_MS, 'ready')));
  return workers;
}

/** The first line, among `workers`, that `matches` (already received or still to come), and who printed it. */
export function firstLine(
  workers: readonly FleetWorker[],
  matches: (line: WorkerLine) => boolean,
  timeoutMs: number,
  what: string,
): Promise<{ worker: FleetWorker; received: Received }> {
  return new Promise((resolve, reject) => {
    const stops: (() => void)[] = [];
    const cleanup = () => {
      clearTimeout(timer);
      for (const stop of stops) stop();
    };
    const check = () => {
      for (const worker of workers) {
        const received = worker.received.find((candidate) => matches(candidate.line));
        if (received !== undefined) {
          cleanup();
          resolve({ worker, received });
          return;
        }
      }
      if (workers.every((worker) => !worker.running)) {
        cleanup();
        reject(new Error(`every fleet worker exited before printing ${what}`));
      }
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`no fleet worker printed ${what} within ${timeoutMs} ms`));
    }, timeoutMs);
    for (const worker of workers) stops.push(worker.watch(check));
    check();
  });
}

/** Releases every worker at once: each waits for this line before its callers start. */
export function go(workers: readonly FleetWorker[]): void {
  for (const worker of workers) worker.send('go');
}

/** Every worker's summary, then its exit by itself with code 0. */
export async function finish(workers: readonly FleetWorker[], timeoutMs: number): Promise<WorkerSummary[]> {
  const summaries = await Promise.all(workers.map((worker) => worker.summary(timeoutMs)));
  const exits = await Promise.all(workers.map((worker) => within(worker.exited, 10_000, `worker ${worker.name} exiting by itself`)));
  for (const [index, exit] of exits.entries()) {
    if (exit.code !== 0) throw new Error(`fleet worker ${workers[index]?.name} exited with ${exit.code ?? exit.signal}`);
  }
  return summaries;
}

/** Which of `secrets` (tokens, the client secret) any worker printed since the last call; then forgets the output. */
export function printedSecrets(secrets: readonly string[]): string[] {
  const output = printed;
  printed = '';
  return secrets.filter((secret) => output.includes(secret));
}

/** Kills (SIGKILL, by PID) every worker still running, and waits for each to be gone. */
export async function killLeftovers(): Promise<void> {
  const left = [...spawned];
  for (const worker of left) worker.kill('SIGKILL');
  await Promise.all(left.map((worker) => within(worker.exited, 10_000, `worker ${worker.name} dying`)));
}

/** `promise`, or an error after `ms`. */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took more than ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Polls `condition` (the test's own state, such as the kit's log) every 20 ms until true; an error at the deadline. */
export async function until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() >= deadline) throw new Error(`waited ${timeoutMs} ms for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Adds up a count over the workers. */
export function sum(summaries: readonly WorkerSummary[], count: (summary: WorkerSummary) => number): number {
  return summaries.reduce((total, summary) => total + count(summary), 0);
}

/** Every caller failure of the fleet, by error name. */
export function failureNames(summaries: readonly WorkerSummary[]): Record<string, number> {
  const names: Record<string, number> = {};
  for (const summary of summaries)
    for (const [name, count] of Object.entries(summary.failureNames)) names[name] = (names[name] ?? 0) + count;
  return names;
}

/** A token as the kit issued it: enough to judge a hand-out by the server's clock. */
export interface KitToken {
  readonly kind: 'long' | 'short';
  readonly value: string;
  readonly expiresAtMs: number;
}

/**
 * Judges every hand-out the workers reported by the kit's clock (the host's): how many tokens were
 * handed out at or after the kit's expiry, how many the kit never issued, and the least time any
 * token had left at its last hand-out.
 */
export function judgeByKit(summaries: readonly WorkerSummary[], kitTokens: readonly KitToken[]) {
  const expiry = new Map(kitTokens.filter((token) => token.kind === 'short').map((token) => [tokenHash(token.value), token.expiresAtMs]));
  let expired = 0;
  let unknown = 0;
  let leastLeftMs = Number.POSITIVE_INFINITY;
  for (const summary of summaries) {
    for (const handed of summary.tokens) {
      const expiresAtMs = expiry.get(handed.hash);
      if (expiresAtMs === undefined) unknown += 1;
      else {
        if (handed.lastRealMs >= expiresAtMs) expired += 1;
        leastLeftMs = Math.min(leastLeftMs, expiresAtMs - handed.lastRealMs);
      }
    }
  }
  return { expired, unknown, leastLeftMs };
}

/** The credentials every worker's session has (the kit's default client). */
export const FLEET_CREDENTIALS = { grant_type: 'client_credentials', client_id: 'c2m_abc123', client_secret: 'supersecret123' } as const;

/** The store key the workers' sessions use against the kit at `baseUrl` (the session's default). */
export function fleetStoreKey(baseUrl: string): string {
  return storeKeyFor(baseUrl, { credentials: FLEET_CREDENTIALS });
}

/**
 * A record as a fleet leaves it 55 minutes into a one-hour long token: in the last 10% of its life,
 * where sessions with credentials rotate it (`longTokenRotationFraction`'s default). The token is one
 * the kit minted; the kit cannot mint in the past, so it would accept it for another hour, but the
 * sessions go by the record. Returns the record and the token's id.
 */
export function recordDueForRotation(mock: AuthMock): { record: TokenRecord; tokenId: string } {
  const minted = mock.mintLongToken({ ttlSeconds: 3_600 });
  if (minted.token_id === undefined) throw new Error('the kit minted a long token without an id');
  const nowMs = Date.now();
  const record: TokenRecord = {
    version: 1,
    revision: 'seeded-by-the-test',
    longToken: minted.access_token,
    tokenId: minted.token_id,
    issuedAtMs: nowMs - 3_300_000,
    expiresAtMs: nowMs + 300_000,
  };
  return { record, tokenId: minted.token_id };
}

/** The kit's exchanges (requests to issueShortTermToken), with the time each arrived. */
export function exchangesAt(mock: AuthMock): number[] {
  return mock.requests.filter((entry) => entry.operation === 'issueShortTermToken').map((entry) => entry.atMs);
}

/** The ids of the kit's long tokens that are not revoked. */
export function liveLongTokenIds(mock: AuthMock): string[] {
  return mock.tokens.filter((token) => token.kind === 'long' && !token.revoked).map((token) => token.id);
}

/** Every storeError event of a worker. */
export function storeErrors(summary: WorkerSummary): number {
  return Object.values(summary.events.storeError).reduce((total, count) => total + count, 0);
}
