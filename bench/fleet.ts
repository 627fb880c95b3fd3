// Section 8 of `npm run bench`: a fleet of real processes (bench/fleet-worker.ts), each with one
// AuthSession, either sharing one RedisTokenStore or each on its own, against the testing kit's HTTP
// server issuing 3 s tokens. It counts token-endpoint requests per refresh window, the Redis commands
// of cached getAccessToken() calls (as Redis itself counts them), and how long callers wait.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { type ServedAuthMock, serveAuthMock } from 'c2m-auth/testing/node';
import { createClient } from 'redis';
import { REDIS_SERVER_PATH, type RedisServer, redisAvailable, startRedis } from '../test/support/redis-server.js';

/** The one JSON line a fleet worker prints at the end: counts and times, never a token. */
export interface FleetWorkerSummary {
  readonly type: 'summary';
  readonly calls: number;
  readonly failures: number;
  /** Every call's wait, in ms. */
  readonly latenciesMs: readonly number[];
  /** The waits of calls that began with no token yet, in ms. */
  readonly coldMs: readonly number[];
  /** The waits of calls that began with a token in its refresh window, in ms. */
  readonly atRefreshMs: readonly number[];
  /** Short tokens this process exchanged itself, until the callers stopped (so are the next four). */
  readonly exchanges: number;
  /** Short tokens it adopted from a peer through the store. */
  readonly adopted: number;
  readonly leaseWaits: number;
  readonly storeErrors: number;
  /** Commands it sent to Redis, counted on the client side. */
  readonly redisCommandsSent: number;
  /** The cached phase: calls made, how many began in a refresh window, and what went to Redis meanwhile. */
  readonly cached: {
    readonly calls: number;
    readonly inRefreshWindow: number;
    readonly redisCommandsSent: number;
    readonly refreshes: number;
  };
}

const root = fileURLToPath(new URL('..', import.meta.url));
const SHORT_TOKEN_TTL_SECONDS = 3;
// The session refreshes a token when half its life is left, for lives under twice its 60 s window.
const REFRESH_WINDOW_MS = (SHORT_TOKEN_TTL_SECONDS * 1000) / 2;
const CACHED_CALLS = 1_000;
const WORKER_TIMEOUT_MS = 90_000;
// The bench pins itself to one core; its children inherit that, so the fleet is given them all back.
const pinned = availableParallelism() < cpus().length && existsSync('/usr/bin/taskset');
const allCores = `0-${cpus().length - 1}`;

/** One worker process, its lines as they come, each awaited by its type with a deadline. */
class FleetProcess {
  readonly child: ChildProcess;
  readonly #lines: { type: string }[] = [];
  readonly #notify = new Set<() => void>();
  #stderr = '';

  constructor(args: readonly string[]) {
    const node = [process.execPath, '--import', 'tsx', 'bench/fleet-worker.ts', ...args];
    this.child = pinned
      ? spawn('taskset', ['-c', allCores, ...node], { cwd: root, stdio: 'pipe' })
      : spawn(node[0] as string, node.slice(1), { cwd: root, stdio: 'pipe' });
    let pending = '';
    this.child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      const parts = (pending + chunk).split('\n');
      pending = parts.pop() ?? '';
      for (const part of parts) {
        if (part.trim() === '') continue;
        try {
          this.#lines.push(JSON.parse(part) as { type: string });
        } catch {
          this.#lines.push({ type: 'text' });
        }
      }
      for (const notify of [...this.#notify]) notify();
    });
    this.child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      this.#stderr = (this.#stderr + chunk).slice(-2_000);
    });
    this.child.stdin?.on('error', () => undefined);
    this.child.once('exit', () => {
      for (const notify of [...this.#notify]) notify();
    });
  }

  send(command: string): void {
    this.child.stdin?.write(`${command}\n`);
  }

  /** The line of `type` (resolves with `undefined` for 'exit' once the process is gone). */
  line<T>(type: string): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = this.#lines.find((line) => line.type === type);
        const exited = this.child.exitCode !== null || this.child.signalCode !== null;
        if (found === undefined && !exited) return;
        finish();
        if (found !== undefined || type === 'exit') resolve(found as T);
        else reject(new Error(`fleet worker ${this.child.pid} exited before "${type}" (${this.child.exitCode}): ${this.#stderr}`));
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`fleet worker ${this.child.pid} printed no "${type}" within ${WORKER_TIMEOUT_MS} ms: ${this.#stderr}`));
      }, WORKER_TIMEOUT_MS);
      const finish = () => {
        clearTimeout(timer);
        this.#notify.delete(check);
      };
      this.#notify.add(check);
      check();
    });
  }

  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null && this.child.pid !== undefined)
      process.kill(this.child.pid, 'SIGKILL');
  }
}

/** What one run of a fleet measured. */
interface FleetRun {
  readonly processes: number;
  readonly shared: boolean;
  readonly long: number;
  readonly short: number;
  readonly windows: number;
  /** Short exchanges sent less than half a window after the one before: a refresh done twice. */
  readonly doubled: number;
  readonly summaries: readonly FleetWorkerSummary[];
  /** Commands Redis ran during the cached phase (INFO excluded), by name; undefined without Redis. */
  readonly cachedCommands: Record<string, number> | undefined;
}

/** Redis's per-command call counts (INFO commandstats), without INFO itself. */
async function commandStats(info: { sendCommand(args: string[]): Promise<unknown> }): Promise<Map<string, number>> {
  const text = String(await info.sendCommand(['INFO', 'commandstats']));
  const calls = new Map<string, number>();
  for (const [, name, count] of text.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm))
    if (name !== undefined && name !== 'info') calls.set(name, Number(count));
  return calls;
}

const difference = (after: Map<string, number>, before: Map<string, number>): Record<string, number> =>
  Object.fromEntries([...after].map(([name, calls]) => [name, calls - (before.get(name) ?? 0)]).filter(([, calls]) => calls !== 0));
const total = (counts: Record<string, number>): number => Object.values(counts).reduce((sum, count) => sum + count, 0);

/** Runs `processes` workers for `durationMs`, on one Redis or each alone, and takes the measures. */
async function runFleet(processes: number, shared: boolean, durationMs: number): Promise<FleetRun> {
  let served: ServedAuthMock | undefined;
  let redis: RedisServer | undefined;
  let info: ReturnType<typeof createClient> | undefined;
  const fleet: FleetProcess[] = [];
  try {
    served = await serveAuthMock({ shortTokenTtlSeconds: SHORT_TOKEN_TTL_SECONDS });
    const mock = served.mock;
    const args = ['--base-url', served.url, '--callers', '8', '--pace-ms', '5', '--duration-ms', String(durationMs)];
    args.push('--refresh-window-ms', String(REFRESH_WINDOW_MS), '--cached-calls', String(CACHED_CALLS), '--warm-margin-ms', '700');
    if (shared) {
      redis = await startRedis();
      if (pinned) execFileSync('taskset', ['-a', '-p', '-c', allCores, String(redis.pid)], { stdio: 'ignore' });
      info = createClient({ url: redis.url });
      info.on('error', () => undefined);
      await info.connect();
      args.push('--redis-url', redis.url);
    }
    for (let index = 0; index < processes; index += 1) fleet.push(new FleetProcess(args));
    const all = <T>(type: string) => Promise.all(fleet.map((worker) => worker.line<T>(type)));
    const send = (command: string) => {
      for (const worker of fleet) worker.send(command);
    };

    await all('ready');
    const endMs = Date.now() + durationMs;
    send('go');
    await all('ran');
    const exchangesAt = mock.requests.filter((request) => request.operation === 'issueShortTermToken').map((request) => request.atMs);
    const long = mock.count('issueLongTermToken');
    const short = exchangesAt.length;
    // Windows from the fleet's first exchange (a loaded machine can take a while to send it) to the end.
    const windows = Math.max(1, Math.ceil((endMs - (exchangesAt[0] ?? endMs)) / REFRESH_WINDOW_MS));
    const doubled = exchangesAt.filter((atMs, index) => index > 0 && atMs - (exchangesAt[index - 1] ?? 0) < REFRESH_WINDOW_MS / 2).length;

    send('warm');
    await all('warm');
    // A peer's write reaches the others as a notice they answer with a read: the cached phase starts
    // once Redis has run nothing for 100 ms (INFO aside), so it counts the calls' commands alone.
    let before = info === undefined ? undefined : await commandStats(info);
    for (let attempt = 0; info !== undefined && before !== undefined && attempt < 10; attempt += 1) {
      await delay(100);
      const now = await commandStats(info);
      const quiet = total(difference(now, before)) === 0;
      before = now;
      if (quiet) break;
    }
    send('cached');
    const summaries = await all<FleetWorkerSummary>('summary');
    const cachedCommands = info === undefined || before === undefined ? undefined : difference(await commandStats(info), before);
    await all('exit');
    return { processes, shared, long, short, windows, doubled, summaries, cachedCommands };
  } finally {
    for (const worker of fleet) worker.kill();
    info?.destroy();
    await redis?.stop();
    await served?.close();
  }
}

/** The 99th percentile (nearest rank) of `values`, or NaN when there are none. */
function p99(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(sorted.length * 0.99) - 1)] ?? Number.NaN;
}
const sum = (run: FleetRun, count: (summary: FleetWorkerSummary) => number): number =>
  run.summaries.reduce((total, summary) => total + count(summary), 0);
const perWindow = (run: FleetRun): string => `${((run.long + run.short) / run.windows).toFixed(1)} (${run.long} + ${run.short})`;
const duration = (ms: number): string => (Number.isNaN(ms) ? '-' : ms < 1 ? `${Math.round(ms * 1000)} µs` : `${ms.toFixed(1)} ms`);
const wait = (run: FleetRun, of: (summary: FleetWorkerSummary) => readonly number[]): string => {
  const values = run.summaries.flatMap((summary) => of(summary));
  return `${duration(p99(values))} (n ${values.length.toLocaleString('en')})`;
};
const cachedCost = (run: FleetRun): string => {
  if (run.cachedCommands === undefined) return '-';
  const commands = total(run.cachedCommands);
  const names = Object.entries(run.cachedCommands).map(([name, count]) => `${count} ${name}`);
  return `${((commands / (run.processes * CACHED_CALLS)) * 1000).toFixed(2)}${names.length > 0 ? ` (${names.join(', ')})` : ''}`;
};

/** The fleet section's lines for BENCHMARKS.md; in smoke runs, one summary line. */
export async function fleetSection(smoke: boolean): Promise<string[]> {
  const heading = '## 7. A fleet: many processes on one Redis';
  if (!redisAvailable) {
    const missing = `No redis-server at ${REDIS_SERVER_PATH} (apt-get install redis-server, or set REDIS_SERVER_PATH): the fleet table is skipped.`;
    return smoke ? [`Fleet: ${missing}`] : ['', heading, '', missing];
  }
  const startedMs = performance.now();
  const sizes = smoke ? [1, 2] : [1, 4, 16];
  const durationMs = smoke ? 1_800 : 6_750;
  const runs: FleetRun[] = [];
  // Smoke runs only show that it all works: the shared store alone, its two runs side by side.
  if (smoke) runs.push(...(await Promise.all(sizes.map((size) => runFleet(size, true, durationMs)))));
  else for (const size of sizes) for (const shared of [true, false]) runs.push(await runFleet(size, shared, durationMs));
  const seconds = ((performance.now() - startedMs) / 1000).toFixed(1);
  if (smoke) {
    const parts = runs.map(
      (run) =>
        `${run.processes} process${run.processes > 1 ? 'es' : ''}: ${run.long + run.short} token requests, ${cachedCost(run)} Redis commands per 1,000 cached calls`,
    );
    return [`Fleet on one Redis (smoke run, ${durationMs / 1000} s, not judged): ${parts.join('; ')}; ${seconds} s.`];
  }
  const find = (size: number, shared: boolean) => runs.find((run) => run.processes === size && run.shared === shared) as FleetRun;
  const cold = (summary: FleetWorkerSummary) => summary.coldMs;
  const atRefresh = (summary: FleetWorkerSummary) => summary.atRefreshMs;
  const every = (summary: FleetWorkerSummary) => summary.latenciesMs;
  const lines = ['', heading, ''];
  lines.push(
    `Real processes (\`bench/fleet-worker.ts\`) started together, each one AuthSession (\`storeShortToken\`) with 8 callers calling \`getAccessToken()\` every 5 ms for ${durationMs / 1000} s, against the testing kit over HTTP (\`serveAuthMock\`) issuing ${SHORT_TOKEN_TTL_SECONDS} s short tokens, so a token is refreshed every ${REFRESH_WINDOW_MS / 1000} s. "Shared": one redis-server, each process a \`RedisTokenStore\` on its own client; "alone": no store. Token-endpoint requests per refresh window: every long and short issuance of the run (in brackets: long + short) over the windows from the fleet's first exchange to the end of the run; the ideal is 1 for the whole fleet, plus one long token at the start. Redis commands per 1,000 cached \`getAccessToken()\`: Redis's own INFO commandstats (INFO left out, commands inside scripts counted), over a phase in which every process makes ${CACHED_CALLS.toLocaleString('en')} calls on a token outside its refresh window, started once Redis had been idle for 100 ms (goal: 0). A wait at a refresh is that of a call that began while the token in hand was in its refresh window (waits for the very first token are in the second table). The second table's counts are those of the run, until the callers stopped.`,
  );
  lines.push('');
  lines.push(
    '| processes | token requests per refresh window, shared | alone | Redis commands per 1,000 cached calls, shared | p99 wait at a refresh, shared | alone | p99 of all calls, shared | alone |',
  );
  lines.push('|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const size of sizes) {
    const [together, alone] = [find(size, true), find(size, false)];
    lines.push(
      `| ${size} | ${perWindow(together)} | ${perWindow(alone)} | ${cachedCost(together)} | ${wait(together, atRefresh)} | ${wait(alone, atRefresh)} | ${wait(together, every)} | ${wait(alone, every)} |`,
    );
  }
  lines.push('');
  lines.push(
    '| run | refresh windows | short exchanges within 0.75 s of the one before | exchanges / adoptions / lease waits, summed over sessions | Redis commands sent per refresh window (client side) | p99 wait for the first token | store errors | failed calls | cached-phase calls in a refresh window | Redis commands the cached phase sent (client side) |',
  );
  lines.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const run of runs) {
    const events = `${sum(run, (s) => s.exchanges)} / ${sum(run, (s) => s.adopted)} / ${sum(run, (s) => s.leaseWaits)}`;
    const sent = (count: (summary: FleetWorkerSummary) => number, per = 1) => (run.shared ? (sum(run, count) / per).toFixed(0) : '-');
    lines.push(
      `| ${run.processes} ${run.shared ? 'shared' : 'alone'} | ${run.windows} | ${run.doubled} | ${events} | ${sent((s) => s.redisCommandsSent, run.windows)} | ${wait(run, cold)} | ${sum(run, (s) => s.storeErrors)} | ${sum(run, (s) => s.failures)} | ${sum(run, (s) => s.cached.inRefreshWindow)} | ${sent((s) => s.cached.redisCommandsSent)} |`,
    );
  }
  lines.push('');
  lines.push(
    `The section took ${seconds} s: ${runs.length} runs, each of fresh processes, a fresh kit and a fresh redis-server, one after another on ${cpus().length} cores shared by up to 16 processes, Redis and the kit.`,
  );
  return lines;
}
