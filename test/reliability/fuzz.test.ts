import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as core from 'zod/v4/core';
import { AuthApi, AuthSdkError } from '../../src/index.js';
import { longTokenResponseSchema, shortTokenResponseSchema } from '../../src/schemas.js';

// Property: whatever the server answers (status, headers, body), every call ends in a valid result
// or an AuthSdkError subclass; nothing else is thrown, nothing is left unhandled.

const validToken = {
  token_type: 'Bearer',
  access_token: 'eyJhbGciOiJIUzI1NiJ9.e30.c2ln',
  expires_in: 900,
  expires_at: '2030-01-01T00:00:00Z',
};

const statusArbitrary = fc.oneof(
  fc.constantFrom(200, 201, 204, 301, 302, 400, 401, 403, 404, 408, 429, 500, 502, 503, 504),
  fc.integer({ min: 200, max: 599 }),
);
const bodyArbitrary = fc.oneof(
  fc.constant(JSON.stringify(validToken)),
  fc
    .record(
      {
        token_type: fc.oneof(fc.constant('Bearer'), fc.string()),
        access_token: fc.oneof(fc.string(), fc.integer()),
        expires_in: fc.oneof(fc.integer(), fc.double(), fc.string()),
        expires_at: fc.oneof(
          fc.date({ noInvalidDate: true }).map((date) => date.toISOString()),
          fc.string(),
        ),
      },
      { requiredKeys: [] },
    )
    .map((value) => JSON.stringify(value)),
  fc
    .record(
      {
        code: fc.oneof(fc.string(), fc.integer()),
        message: fc.oneof(fc.string(), fc.constant(null)),
        details: fc.oneof(fc.object(), fc.array(fc.integer()), fc.string()),
      },
      { requiredKeys: [] },
    )
    .map((value) => JSON.stringify(value)),
  fc.json(),
  fc.string(),
  fc.constant(''),
  fc.constant('<html><body>Bad gateway</body></html>'),
  fc.string({ minLength: 1000, maxLength: 5000 }),
);
const headersArbitrary = fc.record(
  {
    'content-type': fc.constantFrom(
      'application/json',
      'application/json; charset=utf-8',
      'application/problem+json',
      'text/html',
      'text/plain',
      'application/octet-stream',
      '',
    ),
    'retry-after': fc.oneof(fc.nat({ max: 100_000 }).map(String), fc.constant('Wed, 21 Oct 2015 07:28:00 GMT'), fc.string()),
    'x-token-id': fc.oneof(fc.constant('tok_lt_1'), fc.string()),
  },
  { requiredKeys: [] },
);
const operationArbitrary = fc.constantFrom('issueLongTermToken', 'issueShortTermToken', 'revokeToken');

const NULL_BODY_STATUSES = new Set([204, 205, 304]);
// 5000 runs in `npm test`; the mutation run (vitest.mutation.config.ts) sets FUZZ_RUNS lower, as it
// runs this test once per mutant it covers.
const RUNS = fuzzRuns(process.env.FUZZ_RUNS);
// A fixed seed, so every run generates the same responses; a failure names the seed to replay it with
// (FUZZ_SEED=<seed> npx vitest run test/reliability/fuzz.test.ts), and fast-check's report its path.
const SEED = fuzzSeed(process.env.FUZZ_SEED);

function fuzzRuns(value: string | undefined): number {
  if (value === undefined || value === '') return 5000;
  const runs = Number(value);
  if (!Number.isSafeInteger(runs) || runs < 1) throw new Error(`FUZZ_RUNS must be a positive integer, got ${JSON.stringify(value)}`);
  return runs;
}

function fuzzSeed(value: string | undefined): number {
  if (value === undefined || value === '') return 20_260_301;
  const seed = Number(value);
  if (!Number.isSafeInteger(seed)) throw new Error(`FUZZ_SEED must be an integer, got ${JSON.stringify(value)}`);
  return seed;
}

describe('fuzzed responses', () => {
  it(`end in a valid result or an AuthSdkError, over ${RUNS} generated responses (FUZZ_SEED=${SEED})`, async () => {
    const outcomes = { results: 0, sdkErrors: 0 };
    const details = await fc.check(
      fc.asyncProperty(statusArbitrary, headersArbitrary, bodyArbitrary, operationArbitrary, async (status, headers, body, operation) => {
        const cleanHeaders = Object.fromEntries(Object.entries(headers).filter(([, value]) => /^[\t\x20-\x7e]*$/.test(value)));
        const fetch: typeof globalThis.fetch = async () =>
          new Response(NULL_BODY_STATUSES.has(status) ? null : body, { status, headers: cleanHeaders });
        const api = new AuthApi({ baseUrl: 'https://fuzz.test/v1', longToken: 'lt_fuzz', fetch, retry: { issue: false, revoke: false } });
        let result: unknown;
        try {
          if (operation === 'issueLongTermToken') {
            result = await api.issueLongTermToken({
              grant_type: 'client_credentials',
              client_id: 'c2m_abc123',
              client_secret: 'supersecret123',
            });
            expect(core.safeParse(longTokenResponseSchema, result).success).toBe(true);
          } else if (operation === 'issueShortTermToken') {
            result = await api.issueShortTermToken();
            expect(core.safeParse(shortTokenResponseSchema, result).success).toBe(true);
          } else {
            result = await api.revokeToken('tok_1');
            expect(result).toBeUndefined();
          }
          expect(status >= 200 && status < 300).toBe(true);
          outcomes.results += 1;
        } catch (error) {
          if (!(error instanceof AuthSdkError)) throw error;
          outcomes.sdkErrors += 1;
        }
      }),
      { numRuns: RUNS, seed: SEED },
    );
    expect(details.failed, `replay with FUZZ_SEED=${SEED}: ${fc.defaultReportMessage(details)}`).toBe(false);
    expect(outcomes.results + outcomes.sdkErrors).toBe(RUNS);
    // Both paths exercised: at least 1 in 100 generated responses is a valid answer, whatever FUZZ_RUNS.
    expect(outcomes.results).toBeGreaterThan(RUNS / 100);
    expect(outcomes.sdkErrors).toBeGreaterThan(RUNS / 2);
  }, 120_000);
});
