// A fleet worker: one real process with one AuthSession on a store shared with its peers (Redis, or
// one file), run by redis-fleet.test.ts and file-fleet.test.ts through fleet.ts. It prints `ready`,
// waits for a `go` line on stdin (so the fleet starts together), runs its callers (in `run` mode until
// its duration is up or a `stop` line comes), checks every token it was handed, prints one JSON
// summary line and exits by itself. Along the way it prints `exchange-sent`, `refreshed`,
// `store-error`, `lease-waited`, `long-issued` and `rotated` lines with the host's time. It prints
// ids, hashes and counts only, never a token.
//
// Flags (fleet.ts builds them): --name, --base-url, --store redis|file, --redis-url, --path,
// --capabilities full|cas|plain, --mode cold|run, --callers, --duration-ms, --pace-ms,
// --present-every-ms, --lease-ttl-ms, --store-timeout-ms, --command-timeout-ms,
// --long-token-ttl-seconds, --clock-skew-ms.
import { createHash } from 'node:crypto';
import { createInterface } from 'node:readline';
import { setTimeout as delay } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import type { TokenRecord, TokenStore } from '../../src/index.js';
// Types only: the worker loads no test code, and no SDK module before its clock is set.
import type { HandedToken, WorkerSummary } from './fleet.js';

const { values } = parseArgs({
  options: Object.fromEntries(
    [
      'name',
      'base-url',
      'store',
      'redis-url',
      'path',
      'capabilities',
      'mode',
      'callers',
      'duration-ms',
      'pace-ms',
      'present-every-ms',
      'lease-ttl-ms',
      'store-timeout-ms',
      'command-timeout-ms',
      'long-token-ttl-seconds',
      'clock-skew-ms',
    ].map((name) => [name, { type: 'string' as const }]),
  ),
});
const text = (name: string, fallback?: string): string => {
  const value = values[name] ?? fallback;
  if (typeof value !== 'string') throw new Error(`worker: --${name} is required`);
  return value;
};
const number = (name: string, fallback?: number): number | undefined => (values[name] === undefined ? fallback : Number(text(name)));

// A host with a wrong clock: Date.now is replaced before any SDK module is loaded (they are imported
// below, dynamically), so the session and the store only ever see the wrong time. `realNow` is the
// host's clock, kept for what the test compares with the kit's clock.
const realNow = Date.now.bind(Date);
const skewMs = number('clock-skew-ms', 0) ?? 0;
if (skewMs !== 0) Date.now = () => realNow() + skewMs;

const { AuthSession } = await import('../../src/index.js');
const baseUrl = text('base-url');
const name = text('name');
const say = (line: object) => process.stdout.write(`${JSON.stringify(line)}\n`);
/** As fleet.ts's tokenHash: 16 hex digits of SHA-256, so the test can match hand-outs to the kit's tokens. */
const tokenHash = (token: string) => createHash('sha256').update(token).digest('hex').slice(0, 16);

/** Each token's expiry as this worker knows it (its clock): from its own exchanges and from the store. */
const knownExpiry = new Map<string, number>();
const know = (token: string, expiresAtMs: number) => knownExpiry.set(token, Math.min(knownExpiry.get(token) ?? Infinity, expiresAtMs));
const observe = (record: TokenRecord | undefined) => {
  if (record?.shortToken !== undefined) know(record.shortToken.token, record.shortToken.expiresAtMs);
};

// The store, and what the session is given: a view that taps every record read or written (to learn
// the expiry of tokens adopted from peers), with the store's capabilities or fewer.
let closeStore = async () => {};
let redisClientErrors = 0;
async function openStore(): Promise<TokenStore & Partial<Pick<Required<TokenStore>, 'compareAndSet' | 'lease' | 'subscribe'>>> {
  if (text('store') === 'file') {
    const { FileTokenStore } = await import('../../src/node/index.js');
    return new FileTokenStore({ path: text('path') });
  }
  const { createClient } = await import('redis');
  const { RedisTokenStore } = await import('../../src/redis/index.js');
  const client = createClient({
    url: text('redis-url'),
    socket: { reconnectStrategy: (retries: number) => Math.min(50 * (retries + 1), 250) },
  });
  client.on('error', () => {
    redisClientErrors += 1;
  });
  await client.connect();
  const timeoutMs = number('command-timeout-ms');
  const store = new RedisTokenStore({ client, ...(timeoutMs === undefined ? {} : { commandTimeoutMs: timeoutMs }) });
  closeStore = async () => {
    await store.close();
    client.destroy();
  };
  return store;
}
const inner = await openStore();
const capabilities = text('capabilities', 'full');
const store: TokenStore = {
  get: async (key) => {
    const record = await inner.get(key);
    observe(record);
    return record;
  },
  set: async (key, record) => {
    observe(record);
    await inner.set(key, record);
  },
  delete: (key) => inner.delete(key),
};
if (capabilities !== 'plain' && inner.compareAndSet !== undefined) {
  const compareAndSet = inner.compareAndSet.bind(inner);
  store.compareAndSet = async (key, expected, next) => {
    observe(next);
    return compareAndSet(key, expected, next);
  };
}
if (capabilities === 'full') {
  if (inner.lease !== undefined) store.lease = inner.lease.bind(inner);
  if (inner.subscribe !== undefined) store.subscribe = inner.subscribe.bind(inner);
}

// The session's fetch: tells the test when an exchange is sent (the sender holds the lease), learns
// the expiry of what it issues, and keeps the requests in flight so the worker can let them land
// (a rotation's fire-and-forget revocation) before it exits.
const inFlight = new Set<Promise<unknown>>();
let exchangesSent = 0;
const tappedFetch: typeof fetch = (input, init) => {
  const url = input instanceof Request ? input.url : String(input);
  const isExchange = url.endsWith('/auth/tokens/short');
  const sentAtMs = Date.now();
  if (isExchange) {
    exchangesSent += 1;
    say({ type: 'exchange-sent', atMs: realNow() });
  }
  const response = fetch(input, init).then(async (answer) => {
    if (isExchange && answer.status === 201) {
      const body = (await answer.clone().json()) as { access_token: string; expires_in: number };
      know(body.access_token, sentAtMs + body.expires_in * 1000);
    }
    return answer;
  });
  const settled = response.then(
    () => undefined,
    () => undefined,
  );
  inFlight.add(settled);
  void settled.then(() => inFlight.delete(settled));
  return response;
};

const events = {
  storeError: {} as Record<string, number>,
  storeErrorReasons: {} as Record<string, number>,
  leaseWaited: 0,
  leaseWaitedAdopted: 0,
  leaseWaitedMaxMs: 0,
  tokenAdopted: { long: 0, short: 0 },
  refreshFailed: 0,
  refreshFailedNames: {} as Record<string, number>,
  tokenRefreshed: 0,
  longTokenIssued: 0,
  longTokenRotated: 0,
};
const bump = (counts: Record<string, number>, key: string) => {
  counts[key] = (counts[key] ?? 0) + 1;
};
const errorName = (error: unknown) =>
  error instanceof Error ? `${error.name}${'reason' in error ? `:${String(error.reason)}` : ''}` : 'non-error';

const leaseTtlMs = number('lease-ttl-ms');
const storeTimeoutMs = number('store-timeout-ms');
const longTokenTtlSeconds = number('long-token-ttl-seconds');
const session = new AuthSession({
  baseUrl,
  fetch: tappedFetch,
  credentials: { grant_type: 'client_credentials', client_id: 'c2m_abc123', client_secret: 'supersecret123' },
  store,
  storeShortToken: true,
  ...(leaseTtlMs === undefined ? {} : { leaseTtlMs }),
  ...(storeTimeoutMs === undefined ? {} : { storeTimeoutMs }),
  ...(longTokenTtlSeconds === undefined ? {} : { longTokenTtlSeconds }),
  on: {
    storeError: ({ operation, error }) => {
      bump(events.storeError, operation);
      bump(events.storeErrorReasons, errorName(error));
      say({ type: 'store-error', operation, atMs: realNow() });
    },
    leaseWaited: ({ waitedMs, adopted }) => {
      say({ type: 'lease-waited', waitedMs, adopted, atMs: realNow() });
      events.leaseWaited += 1;
      if (adopted) events.leaseWaitedAdopted += 1;
      events.leaseWaitedMaxMs = Math.max(events.leaseWaitedMaxMs, Math.round(waitedMs));
    },
    tokenAdopted: ({ kind }) => {
      events.tokenAdopted[kind] += 1;
    },
    refreshFailed: ({ error }) => {
      events.refreshFailed += 1;
      bump(events.refreshFailedNames, errorName(error));
    },
    tokenRefreshed: ({ tokenId }) => {
      events.tokenRefreshed += 1;
      say({ type: 'refreshed', tokenId, atMs: realNow() });
    },
    longTokenIssued: ({ tokenId }) => {
      events.longTokenIssued += 1;
      say({ type: 'long-issued', tokenId, atMs: realNow() });
    },
    longTokenRotated: ({ previousTokenId, tokenId }) => {
      events.longTokenRotated += 1;
      say({ type: 'rotated', previousTokenId, tokenId, atMs: realNow() });
    },
  },
});

// Every token handed out is checked at once against its expiry as this worker knows it.
const handed = new Map<string, { count: number; lastRealMs: number }>();
let calls = 0;
let failures = 0;
let expiredHandOuts = 0;
let unknownHandOuts = 0;
const failureNames: Record<string, number> = {};
const handOut = (token: string) => {
  calls += 1;
  const expiresAtMs = knownExpiry.get(token);
  if (expiresAtMs === undefined) unknownHandOuts += 1;
  else if (Date.now() >= expiresAtMs) expiredHandOuts += 1;
  const seen = handed.get(token) ?? { count: 0, lastRealMs: 0 };
  handed.set(token, { count: seen.count + 1, lastRealMs: realNow() });
};
const fail = (error: unknown) => {
  failures += 1;
  bump(failureNames, errorName(error));
};
const call = () => session.getAccessToken().then(handOut, fail);

const lines = createInterface({ input: process.stdin });
const nextLine = new Promise<string>((resolve) => lines.once('line', resolve));
say({ type: 'ready', pid: process.pid });
await nextLine;

const callers = number('callers', 1) ?? 1;
const startedAtMs = realNow();
const jobs = { ok: 0, refused: 0, other: 0 };
if (text('mode', 'cold') === 'cold') {
  await Promise.all(Array.from({ length: callers }, call));
} else {
  let stopped = false;
  lines.once('line', () => {
    stopped = true;
  });
  const durationMs = number('duration-ms', 10_000) ?? 10_000;
  const deadline = setTimeout(() => {
    stopped = true;
  }, durationMs);
  const paceMs = number('pace-ms', 10) ?? 10;
  const presentEveryMs = number('present-every-ms');
  const loops = Array.from({ length: callers }, async () => {
    while (!stopped) {
      await call();
      await delay(paceMs);
    }
  });
  // One loop uses its token at the kit's protected resource, so the kit judges tokens as they are used.
  if (presentEveryMs !== undefined)
    loops.push(
      (async () => {
        while (!stopped) {
          try {
            const token = await session.getAccessToken();
            handOut(token);
            const response = await fetch(`${baseUrl}/jobs`, { headers: { authorization: `Bearer ${token}` } });
            await response.body?.cancel();
            if (response.ok) jobs.ok += 1;
            else if (response.status === 401) jobs.refused += 1;
            else jobs.other += 1;
          } catch (error) {
            fail(error);
          }
          await delay(presentEveryMs);
        }
      })(),
    );
  await Promise.all(loops);
  clearTimeout(deadline);
}
const endedAtMs = realNow();

const tokens: HandedToken[] = [...handed].map(([token, { count, lastRealMs }]) => ({ hash: tokenHash(token), count, lastRealMs }));
const summary: WorkerSummary = {
  type: 'summary',
  name,
  pid: process.pid,
  calls,
  failures,
  failureNames,
  expiredHandOuts,
  unknownHandOuts,
  tokens,
  events,
  exchangesSent,
  jobs,
  redisClientErrors,
  startedAtMs,
  endedAtMs,
};
// Requests still in flight (a revocation sent fire-and-forget) land before the worker goes.
await Promise.race([Promise.all(inFlight), delay(5_000, undefined, { ref: false })]);
say(summary);
session.close();
await closeStore();
lines.close();
process.stdin.destroy();
