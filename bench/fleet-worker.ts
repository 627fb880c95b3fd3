// One process of the fleet benchmark (bench/fleet.ts): an AuthSession on a RedisTokenStore shared with
// its peers (with --redis-url) or on no store, and a few callers. It speaks JSON lines on stdout and
// takes commands on stdin, one step each: `ready` → go → callers run for --duration-ms → `ran` →
// warm → `warm` (a token with time left) → cached → 1,000 cached calls → the summary, then it exits
// by itself. It prints counts and times, never a token.
import { createInterface } from 'node:readline';
import { setTimeout as delay } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { AuthSession, type TokenStore } from 'c2m-auth';
import type { FleetWorkerSummary } from './fleet.js';

const { values } = parseArgs({
  options: Object.fromEntries(
    ['base-url', 'redis-url', 'callers', 'duration-ms', 'pace-ms', 'refresh-window-ms', 'cached-calls', 'warm-margin-ms'].map((name) => [
      name,
      { type: 'string' as const },
    ]),
  ),
});
const numberOf = (name: string): number => {
  const value = Number(values[name]);
  if (!Number.isFinite(value)) throw new Error(`fleet-worker: --${name} must be a number`);
  return value;
};
const say = (line: object): void => {
  process.stdout.write(`${JSON.stringify(line)}\n`);
};

// Every command this process sends to Redis, counted on the client side (Redis counts them too).
let redisCommandsSent = 0;
let closeStore = async (): Promise<void> => {};
async function openStore(url: string): Promise<TokenStore> {
  const { createClient } = await import('redis');
  const { RedisTokenStore } = await import('c2m-auth/redis');
  const client = createClient({ url });
  client.on('error', () => undefined);
  await client.connect();
  const store = new RedisTokenStore({
    client: {
      sendCommand: (args, options) => {
        redisCommandsSent += 1;
        return client.sendCommand(args, options);
      },
      duplicate: () => client.duplicate(),
    },
  });
  closeStore = async () => {
    await store.close();
    client.destroy();
  };
  return store;
}
const redisUrl = values['redis-url'];
const store = typeof redisUrl === 'string' ? await openStore(redisUrl) : undefined;

// When the token this session holds enters its refresh window, as far as this process can tell: set
// from the exchange's answer before the session takes the token into use, and from each adoption.
const refreshWindowMs = numberOf('refresh-window-ms');
let refreshAtMs = Number.NEGATIVE_INFINITY;
const tappedFetch: typeof fetch = async (input, init) => {
  const sentAtMs = Date.now();
  const response = await fetch(input, init);
  const url = input instanceof Request ? input.url : String(input);
  if (response.status === 201 && url.endsWith('/auth/tokens/short')) {
    const { expires_in } = (await response.clone().json()) as { expires_in: number };
    refreshAtMs = sentAtMs + expires_in * 1000 - refreshWindowMs;
  }
  return response;
};
const counts = { exchanges: 0, adopted: 0, leaseWaits: 0, storeErrors: 0 };
const baseUrl = values['base-url'];
if (typeof baseUrl !== 'string') throw new Error('fleet-worker: --base-url is required');
const session = new AuthSession({
  baseUrl,
  fetch: tappedFetch,
  credentials: { grant_type: 'client_credentials', client_id: 'c2m_abc123', client_secret: 'supersecret123' },
  storeShortToken: true,
  ...(store === undefined ? {} : { store }),
  on: {
    tokenRefreshed: () => {
      counts.exchanges += 1;
    },
    tokenAdopted: ({ kind, expiresAt }) => {
      if (kind !== 'short' || expiresAt === undefined) return;
      counts.adopted += 1;
      refreshAtMs = Date.parse(expiresAt) - refreshWindowMs;
    },
    leaseWaited: () => {
      counts.leaseWaits += 1;
    },
    storeError: () => {
      counts.storeErrors += 1;
    },
  },
});

// Each call's wait, and apart those of calls that began with no token yet, or with one in its refresh window.
const latenciesMs: number[] = [];
const coldMs: number[] = [];
const atRefreshMs: number[] = [];
let failures = 0;
async function call(): Promise<void> {
  const cold = refreshAtMs === Number.NEGATIVE_INFINITY;
  const atRefresh = Date.now() >= refreshAtMs;
  const started = performance.now();
  try {
    await session.getAccessToken();
  } catch {
    failures += 1;
  }
  const waitedMs = Math.round((performance.now() - started) * 1000) / 1000;
  latenciesMs.push(waitedMs);
  if (cold) coldMs.push(waitedMs);
  else if (atRefresh) atRefreshMs.push(waitedMs);
}

const commands = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
const command = async (expected: string): Promise<void> => {
  const { value, done } = await commands.next();
  if (done === true || value.trim() !== expected) throw new Error(`fleet-worker: expected "${expected}" on stdin`);
};

say({ type: 'ready' });
await command('go');
const paceMs = numberOf('pace-ms');
let running = true;
const callers = Array.from({ length: numberOf('callers') }, async () => {
  // A random start, so the callers of a process do not tick in step.
  await delay(Math.random() * paceMs);
  while (running) {
    await call();
    await delay(paceMs);
  }
});
await delay(numberOf('duration-ms'));
running = false;
await Promise.all(callers);
const ran = { ...counts, redisCommandsSent };
say({ type: 'ran' });

// The cached phase needs a token that stays out of its refresh window for a while: if this one is
// about to enter it, wait until it does and take the next one.
await command('warm');
const leftMs = refreshAtMs - Date.now();
if (leftMs < numberOf('warm-margin-ms')) {
  await delay(Math.max(0, leftMs));
  await session.getAccessToken();
}
say({ type: 'warm', leftMs: Math.round(refreshAtMs - Date.now()) });

await command('cached');
const before = { ...counts, redisCommandsSent };
let inRefreshWindow = 0;
const cachedCalls = numberOf('cached-calls');
for (let index = 0; index < cachedCalls; index += 1) {
  if (Date.now() >= refreshAtMs) inRefreshWindow += 1;
  await session.getAccessToken();
}
const summary: FleetWorkerSummary = {
  type: 'summary',
  calls: latenciesMs.length,
  failures,
  latenciesMs,
  coldMs,
  atRefreshMs,
  ...ran,
  cached: {
    calls: cachedCalls,
    inRefreshWindow,
    redisCommandsSent: redisCommandsSent - before.redisCommandsSent,
    refreshes: counts.exchanges + counts.adopted + counts.leaseWaits - before.exchanges - before.adopted - before.leaseWaits,
  },
};
say(summary);
session.close();
await closeStore();
await commands.return?.();
process.stdin.destroy();
