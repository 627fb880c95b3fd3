// The soak, in a process of its own (run by soak.test.ts): sessions under a 10% fault rate with 1 s
// tokens, hammered by many concurrent loops for a bounded time (a warm-up quarter, then the measured
// rest); prints one JSON summary and must then exit by itself.
import { getResponse } from 'msw';
import { AuthApi, AuthSdkError, AuthSession } from '../../src/index.js';
import { createAuthHandlers } from '../../src/testing/index.js';

const durationMs = Number(process.argv[2] ?? 20_000);
const loops = 40;
const baseUrl = 'https://soak.test/v1';
let unhandled = 0;
process.on('unhandledRejection', () => {
  unhandled += 1;
});

const gc = (globalThis as { gc?: () => void }).gc;
const heapMb = (): number => {
  gc?.();
  return process.memoryUsage().heapUsed / 2 ** 20;
};
const resources = (): string => process.getActiveResourcesInfo().sort().join(',');
const baselineResources = resources();

const injected = { auth: 0, jobs: 0 };
const counts = { calls: 0, tokens: 0, fetches: 0, typedFailures: 0, untypedFailures: 0, jobs401: 0 };
const exchanges = { successful: 0, ideal: 0 };
let expiredUses = 0;
// What each phase leaves behind stays referenced, so memory it holds counts as growth.
const kept: unknown[] = [];

/** One phase: a fresh mock and session, hammered by `loops` concurrent loops for `phaseMs`. */
async function phase(phaseMs: number): Promise<number> {
  const mock = createAuthHandlers({ baseUrl, shortTokenTtlSeconds: 1 });
  const seen = { auth: 0, jobs: 0 };
  // Every 10th request fails, counted apart for auth and API calls so both see exactly 10%. Auth calls
  // alternate a network error and a 503; API calls get a 503, which session.fetch hands back as it is
  // (a response, not an SDK failure).
  const faultyFetch: typeof fetch = async (input, init) => {
    const request = new Request(input, init);
    const kind = request.url.includes('/auth/tokens/') ? 'auth' : 'jobs';
    seen[kind] += 1;
    if (seen[kind] % 10 === 0) {
      injected[kind] += 1;
      if (kind === 'auth' && injected.auth % 2 === 1) throw new TypeError('fetch failed');
      return Response.json({ code: 'server_error', message: 'injected' }, { status: 503 });
    }
    return (await getResponse(mock.handlers, request)) ?? new Response(null, { status: 404 });
  };
  const session = new AuthSession({
    api: new AuthApi({ baseUrl, fetch: faultyFetch, retry: { revoke: { backoffLimitMs: 0 } } }),
    fetch: faultyFetch,
    credentials: { grant_type: 'client_credentials', client_id: 'c2m_abc123', client_secret: 'supersecret123' },
  });
  kept.push(session);
  const callsBefore = counts.calls;
  const deadline = Date.now() + phaseMs;
  const started = Date.now();
  await Promise.all(
    Array.from({ length: loops }, async () => {
      while (Date.now() < deadline) {
        try {
          counts.calls += 1;
          await session.getAccessToken();
          counts.tokens += 1;
          counts.calls += 1;
          const response = await session.fetch(`${baseUrl}/jobs`);
          counts.fetches += 1;
          if (response.status === 401) counts.jobs401 += 1;
          await response.body?.cancel();
        } catch (error) {
          if (error instanceof AuthSdkError) counts.typedFailures += 1;
          else counts.untypedFailures += 1;
        }
        // Yield to the timers queue now and then, as a real app would between requests.
        if (counts.calls % 200 === 0) await new Promise((resolve) => setImmediate(resolve));
      }
    }),
  );
  const elapsedS = (Date.now() - started) / 1000;
  session.close();
  exchanges.successful += mock.requests.filter((entry) => entry.operation === 'issueShortTermToken' && entry.status === 201).length;
  // Ideal: one exchange per (lifetime - refresh window) = 1 s - 0.5 s, plus the first.
  exchanges.ideal += Math.floor(elapsedS / 0.5) + 1;
  expiredUses += mock.expiredOrRevokedUses;
  // The mock keeps a log of every request; forget it, so what is left to measure is the SDK's.
  mock.reset();
  await new Promise((resolve) => setImmediate(resolve));
  return counts.calls - callsBefore;
}

// A warm-up quarter pays the one-time costs (compiled code, caches); the heap is measured across the
// other three quarters only, so what grows there is what the calls leave behind.
await phase(durationMs / 4);
const warmHeapMb = heapMb();
const measuredCalls = await phase((durationMs * 3) / 4);
const growthMb = heapMb() - warmHeapMb;
console.log(
  JSON.stringify({
    ...counts,
    injected,
    unhandled,
    expiredUses,
    successfulExchanges: exchanges.successful,
    idealExchanges: exchanges.ideal,
    heapGrowthMb: Math.round(growthMb * 100) / 100,
    measuredCalls,
    resourcesBack: resources() === baselineResources,
  }),
);
